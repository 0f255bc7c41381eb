package keyturn

// Effect is one thing an action would do, as classify understands it. One
// shell line can have many effects (pipes, &&, bash -c, ssh).
type Effect struct {
	// Tool is the program family: aws, kubectl, git, fs, sql, terraform, shell, …
	Tool string `json:"tool"`
	// Operation names what the tool does, e.g. "ec2:TerminateInstances",
	// "kubectl delete namespace", "git push --force".
	Operation string `json:"operation"`
	// Class is how much the effect changes.
	Class Class `json:"class"`
	// Environment is where the effect lands.
	Environment Environment `json:"environment"`
	// Targets are the resources touched: paths, names, ids, ARNs, refs.
	Targets []string `json:"targets"`
	// Hints are the context that chose the environment (kube_context,
	// aws_profile, host, …), kept so a person can see why.
	Hints map[string]string `json:"hints,omitempty"`
	// Protected is set when a target matches the configured protected list.
	Protected bool `json:"protected,omitempty"`
	// SelfModify is set when the effect writes keyturn's own configuration,
	// policy or data, or an agent's hook settings.
	SelfModify bool `json:"self_modify,omitempty"`
	// Note explains a class that is not obvious (why unknown, for example).
	Note string `json:"note,omitempty"`
}

// StrictestClass returns the strictest class among effects (Read for none).
func StrictestClass(effects []Effect) Class {
	c := Read
	for _, e := range effects {
		c = MaxClass(c, e.Class)
	}
	return c
}
