package classify

import (
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"keyturn"
)

// kubectl, oc (OpenShift's kubectl) and kubecolor (a colouring wrapper that
// passes everything to kubectl). The verb decides the class, the resource
// type names the operation ("kubectl delete namespace"), and the cluster is
// found from --context, else the kubeconfig's current-context, so a command
// without any of them lands in the unknown environment.
//
// Cobra accepts global flags anywhere, before or after the verb, so every
// option that takes a value is listed: a value (`--context delete`) must
// never be read as the verb or a resource.

func init() {
	register(analyzeKubectl, "kubectl", "oc", "kubecolor")
}

// cliOpts is a command line split the way cobra/pflag splits it. Unlike
// parseFlags it keeps whether each value is known before the line runs, so a
// `--context "$CTX"` never becomes a hint.
type cliOpts struct {
	pos  []arg            // operands
	vals map[string][]arg // option as written → its values (a switch has an empty known value)
	// rest holds the arguments after "--" (or after the first operand with
	// stopAtOperand).
	rest    []arg
	hasRest bool
	// dynamic lists the words known only at run time that are not the value
	// of a known option: each may expand to any options at all.
	dynamic []arg
}

func (o cliOpts) has(names ...string) bool {
	for _, n := range names {
		if _, ok := o.vals[n]; ok {
			return true
		}
	}
	return false
}

// get returns the last value given to any of the options, and whether one was.
func (o cliOpts) get(names ...string) (arg, bool) {
	var best arg
	found := false
	for _, n := range names {
		if v, ok := o.vals[n]; ok && len(v) > 0 {
			best, found = v[len(v)-1], true
		}
	}
	return best, found
}

// str returns the value of an option when it is known, else "".
func (o cliOpts) str(names ...string) string {
	if a, ok := o.get(names...); ok && a.Known {
		return a.Value
	}
	return ""
}

// all returns every value given to the options.
func (o cliOpts) all(names ...string) []arg {
	var out []arg
	for _, n := range names {
		out = append(out, o.vals[n]...)
	}
	return out
}

// merge adds other's options to o's (global options given before the verb).
func (o *cliOpts) merge(other cliOpts) {
	for k, v := range other.vals {
		o.vals[k] = append(append([]arg{}, v...), o.vals[k]...)
	}
	o.dynamic = append(o.dynamic, other.dynamic...)
}

// parseCLI splits args in the pflag way: --name=value, --name value and
// -n value for the valued options, -abc as -a -b -c, -nVALUE and -n=VALUE,
// and "--" ends the options. With stopAtOperand the first operand ends them
// (the verb, or a container's command).
func parseCLI(args []arg, valued map[string]bool, stopAtOperand bool) cliOpts {
	o := cliOpts{vals: map[string][]arg{}}
	add := func(name string, v arg) { o.vals[name] = append(o.vals[name], v) }
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.Value
		switch {
		case v == "--" && a.Known:
			o.rest, o.hasRest = args[i+1:], true
			return o
		case strings.HasPrefix(v, "--") && len(v) > 2:
			name, val, eq := strings.Cut(v, "=")
			if !a.Known && strings.ContainsAny(name, "$`") {
				o.dynamic = append(o.dynamic, a)
				continue
			}
			switch {
			case eq:
				add(name, arg{Value: val, Known: a.Known})
			case valued[name] && i+1 < len(args):
				i++
				add(name, args[i])
			default:
				add(name, arg{Known: true})
			}
		case strings.HasPrefix(v, "-") && len(v) > 1:
			if !a.Known && (strings.ContainsAny(v[1:2], "$`\"'") || !valued["-"+v[1:2]]) {
				o.dynamic = append(o.dynamic, a)
				continue
			}
			if valued[v] {
				if i+1 < len(args) {
					i++
					add(v, args[i])
				} else {
					add(v, arg{Known: true})
				}
				continue
			}
			// -it, -nVALUE, -n=VALUE
			for j := 1; j < len(v); j++ {
				name := "-" + v[j:j+1]
				if valued[name] {
					val := arg{Value: strings.TrimPrefix(v[j+1:], "="), Known: a.Known}
					if val.Value == "" && i+1 < len(args) {
						i++
						val = args[i]
					}
					add(name, val)
					break
				}
				add(name, arg{Known: true})
			}
		default:
			o.pos = append(o.pos, a)
			if !a.Known {
				o.dynamic = append(o.dynamic, a)
			}
			if stopAtOperand {
				o.rest, o.hasRest = args[i+1:], false
				return o
			}
		}
	}
	return o
}

// kubeValued lists every kubectl and oc option that takes a value. Cobra
// takes global options anywhere on the line, and a verb's options may come
// before the verb, so one list serves all positions.
var kubeValued = set(
	// global options (kubectl options)
	"--context", "-n", "--namespace", "--kubeconfig", "--cluster", "--user", "-s", "--server", "--token",
	"--as", "--as-group", "--as-uid", "--cache-dir", "--certificate-authority", "--client-certificate",
	"--client-key", "--tls-server-name", "--password", "--username", "--profile", "--profile-output",
	"--request-timeout", "-v", "--v", "--vmodule", "--log-dir", "--log-file", "--log-file-max-size",
	"--log-flush-frequency", "--stderrthreshold", "--log-backtrace-at", "--kuberc", "--config",
	// options shared by many verbs
	"-l", "--selector", "-f", "--filename", "-o", "--output", "-k", "--kustomize", "--field-selector",
	"--template", "-L", "--label-columns", "--sort-by", "--chunk-size", "-c", "--container", "--image",
	"--replicas", "--current-replicas", "--resource-version", "--timeout", "--grace-period", "--for",
	"--type", "-p", "--patch", "--patch-file", "--since", "--since-time", "--tail", "--limit-bytes",
	"--max-log-requests", "--pod-running-timeout", "--revision", "--to-revision", "--port", "--target-port",
	"--protocol", "--name", "--external-ip", "--load-balancer-ip", "--session-affinity", "--cluster-ip",
	"--from", "--from-file", "--from-literal", "--from-env-file", "--env", "-e", "--labels", "--overrides",
	"--restart", "--serviceaccount", "--image-pull-policy", "--requests", "--limits", "--address", "--min",
	"--max", "--cpu-percent", "--cpu", "--memory", "--subresource", "--field-manager", "--prune-allowlist",
	"--prune-whitelist", "--output-directory", "--namespaces", "--raw", "--copy-to", "--target", "--set-image",
	"--api-version", "--api-group", "--verb", "--resource", "--resource-name", "--non-resource-url",
	"--clusterrole", "--role", "--group", "--schedule", "--hard", "--scopes", "--value", "--description",
	"--preemption-policy", "--rule", "--class", "--default-backend", "--annotation", "--docker-server",
	"--docker-username", "--docker-password", "--docker-email", "--cert", "--key", "--tcp", "--clusterip",
	"--external-name", "--duration", "--audience", "--bound-object-kind", "--bound-object-name",
	"--bound-object-uid", "--keys", "--www", "--www-prefix", "--api-prefix", "--accept-hosts", "--reject-paths",
	"--accept-paths", "--reject-methods", "--unix-socket", "--skip-wait-for-delete-timeout", "--pod-selector",
	"--types", "--auth-provider", "--auth-provider-arg", "--exec-command", "--exec-api-version", "--exec-arg",
	"--exec-env", "--exec-interactive-mode", "--proxy-url", "--retries", "--custom", "--aggregation-rule",
	"--min-available", "--max-unavailable", "--generator", "--hostport", "--attach-timeout",
	// oc
	"-u", "--shell", "--strategy", "--image-stream", "--code", "--build-env", "--param", "--to",
	"--from-build", "--from-dir", "--from-repo", "--from-archive", "--commit", "--display-name",
	"--node-selector", "--dest-dir", "--source", "--confirm-timeout",
)

// kubeLogsValued: in `kubectl logs`, -f is --follow and -p --previous.
var kubeLogsValued = func() map[string]bool {
	m := make(map[string]bool, len(kubeValued))
	for k := range kubeValued {
		m[k] = true
	}
	delete(m, "-f")
	delete(m, "-p")
	return m
}()

// kubeTypes maps the names and short names kubectl accepts to one name per
// resource type, so that `delete ns`, `delete namespaces` and
// `delete namespace.v1` are the same operation.
var kubeTypes = map[string]string{
	"po": "pod", "pods": "pod",
	"svc": "service", "services": "service",
	"deploy": "deployment", "deployments": "deployment",
	"ns": "namespace", "namespaces": "namespace",
	"no": "node", "nodes": "node",
	"pvc": "persistentvolumeclaim", "persistentvolumeclaims": "persistentvolumeclaim",
	"pv": "persistentvolume", "persistentvolumes": "persistentvolume",
	"cm": "configmap", "configmaps": "configmap",
	"secrets": "secret",
	"sa":      "serviceaccount", "serviceaccounts": "serviceaccount",
	"rs": "replicaset", "replicasets": "replicaset",
	"rc": "replicationcontroller", "replicationcontrollers": "replicationcontroller",
	"ds": "daemonset", "daemonsets": "daemonset",
	"sts": "statefulset", "statefulsets": "statefulset",
	"ing": "ingress", "ingresses": "ingress",
	"ingressclasses": "ingressclass",
	"cj":             "cronjob", "cronjobs": "cronjob",
	"jobs": "job",
	"ep":   "endpoints", "endpoints": "endpoints",
	"eps": "endpointslice", "endpointslices": "endpointslice",
	"hpa": "horizontalpodautoscaler", "horizontalpodautoscalers": "horizontalpodautoscaler",
	"vpa": "verticalpodautoscaler", "verticalpodautoscalers": "verticalpodautoscaler",
	"netpol": "networkpolicy", "networkpolicies": "networkpolicy",
	"pdb": "poddisruptionbudget", "poddisruptionbudgets": "poddisruptionbudget",
	"crd": "customresourcedefinition", "crds": "customresourcedefinition", "customresourcedefinitions": "customresourcedefinition",
	"sc": "storageclass", "storageclasses": "storageclass",
	"ev": "event", "events": "event",
	"limits": "limitrange", "limitranges": "limitrange",
	"quota": "resourcequota", "resourcequotas": "resourcequota",
	"csr": "certificatesigningrequest", "certificatesigningrequests": "certificatesigningrequest",
	"psp": "podsecuritypolicy", "podsecuritypolicies": "podsecuritypolicy",
	"pc": "priorityclass", "priorityclasses": "priorityclass",
	"roles": "role", "rolebindings": "rolebinding",
	"clusterroles": "clusterrole", "clusterrolebindings": "clusterrolebinding",
	"cs": "componentstatus", "componentstatuses": "componentstatus",
	"controllerrevisions": "controllerrevision",
	"leases":              "lease",
	"podtemplates":        "podtemplate",
	"runtimeclasses":      "runtimeclass",
	"volumeattachments":   "volumeattachment",
	"csidrivers":          "csidriver", "csinodes": "csinode",
	"apiservices":                     "apiservice",
	"mutatingwebhookconfigurations":   "mutatingwebhookconfiguration",
	"validatingwebhookconfigurations": "validatingwebhookconfiguration",
	"all":                             "all",
	// OpenShift
	"projects": "project", "dc": "deploymentconfig", "deploymentconfigs": "deploymentconfig",
	"bc": "buildconfig", "buildconfigs": "buildconfig", "builds": "build",
	"is": "imagestream", "imagestreams": "imagestream", "istag": "imagestreamtag", "imagestreamtags": "imagestreamtag",
	"routes": "route",
}

// kubeClusterScoped lists the types that live in no namespace.
var kubeClusterScoped = map[string]bool{
	"namespace": true, "node": true, "persistentvolume": true, "clusterrole": true, "clusterrolebinding": true,
	"customresourcedefinition": true, "storageclass": true, "priorityclass": true, "certificatesigningrequest": true,
	"ingressclass": true, "runtimeclass": true, "volumeattachment": true, "csidriver": true, "csinode": true,
	"apiservice": true, "mutatingwebhookconfiguration": true, "validatingwebhookconfiguration": true,
	"podsecuritypolicy": true, "componentstatus": true, "project": true,
}

// kubeType normalises a resource type as written: `deployments.v1.apps` and
// `deploy` are `deployment`. Custom resources keep their (singular) name.
func kubeType(t string) string {
	t = strings.ToLower(t)
	if i := strings.IndexByte(t, '.'); i > 0 {
		t = t[:i]
	}
	if n, ok := kubeTypes[t]; ok {
		return n
	}
	switch {
	case strings.HasSuffix(t, "ies"):
		return strings.TrimSuffix(t, "ies") + "y"
	case strings.HasSuffix(t, "sses"):
		return strings.TrimSuffix(t, "es")
	case strings.HasSuffix(t, "s") && !strings.HasSuffix(t, "ss") && len(t) > 3:
		return strings.TrimSuffix(t, "s")
	}
	return t
}

// kubeRes is one resource named on a command line.
type kubeRes struct {
	typ  string // normalised type, "" when not given
	name string // "" when the command names a type only
}

// kubeResources reads resources from operands: `TYPE NAME…`,
// `TYPE1,TYPE2 NAME…` or `TYPE/NAME…`.
func kubeResources(ops []arg) []kubeRes {
	if len(ops) == 0 {
		return nil
	}
	var out []kubeRes
	if !ops[0].Known {
		// A type known only at run time: every operand is some object.
		for _, a := range ops {
			out = append(out, kubeRes{name: a.Value})
		}
		return out
	}
	if strings.Contains(ops[0].Value, "/") {
		for _, a := range ops {
			t, n, ok := strings.Cut(a.Value, "/")
			if !ok {
				out = append(out, kubeRes{name: a.Value})
				continue
			}
			out = append(out, kubeRes{typ: kubeType(t), name: n})
		}
		return out
	}
	for _, t := range strings.Split(ops[0].Value, ",") {
		if t == "" {
			continue
		}
		typ := kubeType(t)
		if len(ops) == 1 {
			out = append(out, kubeRes{typ: typ})
		}
		for _, n := range ops[1:] {
			out = append(out, kubeRes{typ: typ, name: n.Value})
		}
	}
	return out
}

// kube is one kubectl invocation being analysed.
type kube struct {
	c     *call
	name  string // the program as operations name it: kubectl or oc
	verb  string
	o     cliOpts
	ops   []arg // operands after the verb
	hints map[string]string
	ns    string // the effective namespace, when known
	// kubeconfig is the key of the kubeconfig files in use, for tracking
	// `config use-context` within the line.
	kubeconfig string
}

func analyzeKubectl(c *call) []keyturn.Effect {
	name := c.prog
	if name == "kubecolor" {
		name = "kubectl" // kubecolor only colours kubectl's output
	}
	pre := parseCLI(c.args, kubeValued, true)
	if len(pre.pos) == 0 {
		if pre.hasRest && len(pre.rest) > 0 {
			return []keyturn.Effect{c.unknown(name, "a command after -- with no verb")}
		}
		return []keyturn.Effect{readEffect(c)} // help, --version
	}
	verb := pre.pos[0]
	if !verb.Known {
		return []keyturn.Effect{c.unknown(name, "the kubectl verb is only known at run time: "+verb.Value)}
	}
	valued := kubeValued
	if verb.Value == "logs" || verb.Value == "log" {
		valued = kubeLogsValued
	}
	o := parseCLI(pre.rest, valued, false)
	o.merge(pre)
	k := &kube{c: c, name: name, verb: verb.Value, o: o, ops: o.pos}
	k.resolve()
	if o.has("-h", "--help") {
		// Cobra prints the help and runs nothing.
		return []keyturn.Effect{c.localEffect("kubectl", k.op(k.verb, "--help"), keyturn.Read)}
	}
	effects := k.analyse()
	if e, ok := kubeconfigRunsCode(c, kcArg(o)); ok {
		effects = append(effects, e)
	}
	if kubeFlagClassed[k.verb] && len(o.dynamic) > 0 {
		for i := range effects {
			if effects[i].Class == keyturn.Write {
				effects[i].Class = keyturn.Destructive
				effects[i].Note = "a word known only at run time (" + o.dynamic[0].Value + ") may add --prune, --force or --replicas=0"
			}
		}
	}
	return effects
}

// resolve finds the cluster: --context, else the kubeconfig's
// current-context; the namespace: -n, else the context's namespace.
func (k *kube) resolve() {
	kcFlag, hasKC := k.o.get("--kubeconfig", "--config")
	ctx, hasCtx := k.o.get("--context")
	ns, hasNS := k.o.get("-n", "--namespace")
	k.hints, k.ns, k.kubeconfig = resolveKube(k.c, optArg{ctx, hasCtx}, optArg{kcFlag, hasKC}, optArg{ns, hasNS})
	if cl := k.o.str("--cluster"); cl != "" {
		k.hints["kube_cluster"] = cl
	}
	if srv := k.o.str("-s", "--server"); srv != "" {
		if h := urlHost(srv); h != "" {
			k.hints["host"] = h
		}
	}
	if k.o.has("-A", "--all-namespaces") {
		k.ns = ""
	}
}

// kcArg is the --kubeconfig option of a kubectl or helm command line.
func kcArg(o cliOpts) optArg {
	a, ok := o.get("--kubeconfig", "--config")
	return optArg{a, ok}
}

// kubeconfigRunsCode reports a kubeconfig the agent could have written (in
// the workspace or a temp dir, or earlier in this line) that names a
// program to run: a user's exec credential plugin or auth provider is a
// command kubectl and helm run before any request, reads included. The
// operator's own kubeconfig is trusted.
func kubeconfigRunsCode(c *call, flag optArg) (keyturn.Effect, bool) {
	paths, _, ok := kubeconfigPaths(c, flag.a, flag.set)
	if !ok {
		return keyturn.Effect{}, false
	}
	for _, p := range paths {
		if !c.s.written[p] && !c.s.inWorkspace(p) && !c.s.inTemp(p) {
			continue
		}
		data, err := readSmall(p)
		if c.s.written[p] || err == nil && (strings.Contains(string(data), "exec:") || strings.Contains(string(data), "auth-provider:") || strings.Contains(string(data), "command:")) {
			return c.unknown(c.prog+" --kubeconfig", "the kubeconfig "+p+" is the agent's to write and can name a program "+c.prog+" runs (an exec credential plugin)"), true
		}
	}
	return keyturn.Effect{}, false
}

// optArg is an option's value and whether the option was given.
type optArg struct {
	a   arg
	set bool
}

// resolveKube returns the hints of a Kubernetes client (kubectl, helm)
// given its context, kubeconfig and namespace options: the context is the
// option, else the current-context (as switched earlier in the line, else
// as the kubeconfig says); the namespace is the option, else the
// context's. It also returns the namespace and the kubeconfig key.
func resolveKube(c *call, ctx, kubeconfigFlag, ns optArg) (map[string]string, string, string) {
	hints := map[string]string{}
	paths, key, ok := kubeconfigPaths(c, kubeconfigFlag.a, kubeconfigFlag.set)
	name := ""
	switch {
	case ctx.set:
		if ctx.a.Known {
			name = ctx.a.Value
		}
	case ok:
		if cur, tracked := c.s.env[kubeContextKey+key]; tracked {
			name = cur // switched earlier in this line
		} else {
			name = kubeCurrentContext(paths)
		}
	}
	var kctx kubeContext
	if name != "" {
		hints["kube_context"] = name
		if ok {
			kctx = kubeContextOf(paths, name)
		}
	}
	namespace := ""
	if ns.set {
		if ns.a.Known {
			namespace = ns.a.Value
		}
	} else if kctx.Namespace != "" {
		namespace = kctx.Namespace
	}
	if namespace != "" {
		hints["kube_namespace"] = namespace
	}
	if kctx.Cluster != "" {
		hints["kube_cluster"] = kctx.Cluster
	}
	return hints, namespace, key
}

// effect returns an effect on the cluster. A mutating command with a word
// known only at run time loses its hints: that word could be
// `--context=prod` as well as a pod name.
func (k *kube) effect(op string, class keyturn.Class, targets ...string) keyturn.Effect {
	e := k.c.effect("kubectl", op, class, k.hints, targets...)
	if class != keyturn.Read && len(k.o.dynamic) > 0 {
		e.Hints = nil
		e.Note = "a word known only at run time (" + k.o.dynamic[0].Value + ") may change the cluster or namespace"
	}
	return e
}

func (k *kube) op(words ...string) string {
	return k.name + " " + strings.Join(words, " ")
}

// target names a resource, qualified by its namespace when known:
// namespace/payments/pod/api.
func (k *kube) target(r kubeRes) string {
	var id string
	switch {
	case r.typ == "" && r.name == "":
		return ""
	case r.typ == "":
		id = r.name
	case r.name == "":
		id = r.typ
	default:
		id = r.typ + "/" + r.name
	}
	if k.ns != "" && !kubeClusterScoped[r.typ] {
		id = "namespace/" + k.ns + "/" + id
	}
	return id
}

// resourceEffects returns one effect per resource type named by the
// operands (or by -f/-k files), with the names as targets.
func (k *kube) resourceEffects(verb string, class keyturn.Class, ops []arg) []keyturn.Effect {
	res := kubeResources(ops)
	var order []string
	byType := map[string][]string{}
	for _, r := range res {
		if _, seen := byType[r.typ]; !seen {
			order = append(order, r.typ)
			byType[r.typ] = nil
		}
		tr := r
		if tr.name == "" && k.o.has("--all") {
			tr.name = "*"
		}
		if tr.name == "" && k.o.has("-l", "--selector") {
			continue // the selector names the objects
		}
		if t := k.target(tr); t != "" {
			byType[r.typ] = append(byType[r.typ], t)
		}
	}
	if sel := k.o.str("-l", "--selector"); sel != "" {
		for _, t := range order {
			byType[t] = append(byType[t], k.target(kubeRes{typ: t, name: "*"})+" -l "+sel)
		}
	}
	files := k.files()
	var out []keyturn.Effect
	for _, t := range order {
		op := k.op(verb)
		if t != "" {
			op = k.op(verb, t)
		}
		out = append(out, k.effect(op, class, byType[t]...))
	}
	if len(files) > 0 || len(out) == 0 {
		out = append(out, k.effect(k.op(verb), class, files...))
	}
	return out
}

// files returns the manifests a command applies (-f, -k), as absolute paths
// where they can be resolved.
func (k *kube) files() []string {
	var out []string
	for _, f := range k.o.all("-f", "--filename", "-k", "--kustomize", "--raw") {
		switch {
		case f.Value == "-":
			out = append(out, "stdin")
		case strings.Contains(f.Value, "://") || !f.Known:
			out = append(out, f.Value)
		default:
			if p, ok := k.c.s.abs(f); ok {
				out = append(out, p)
			} else {
				out = append(out, f.Value)
			}
		}
	}
	return out
}

// dryRun reports whether the command only shows what it would do:
// --dry-run, --dry-run=client or =server (not =none).
func (k *kube) dryRun() bool {
	a, ok := k.o.get("--dry-run")
	if !ok {
		return false
	}
	return !a.Known || a.Value != "none" && a.Value != "false"
}

// kubeFlagClassed lists the verbs whose options can make them destructive
// (apply --prune, replace --force, scale --replicas=0): a word known only at
// run time may be one of those options.
var kubeFlagClassed = map[string]bool{"apply": true, "replace": true, "scale": true}

func (k *kube) analyse() []keyturn.Effect {
	c := k.c
	ops := k.ops
	sub := ""
	if len(ops) > 0 {
		sub = ops[0].Value
	}
	subOps := func() []arg {
		if len(ops) > 1 {
			return ops[1:]
		}
		return nil
	}
	// A write asked with --dry-run only prints what would change.
	mutating := func(op string, class keyturn.Class, ops []arg) []keyturn.Effect {
		if k.dryRun() {
			effects := k.resourceEffects(op, keyturn.Read, ops)
			for i := range effects {
				effects[i].Note = "dry run: nothing is changed"
			}
			return effects
		}
		return k.resourceEffects(op, class, ops)
	}
	switch k.verb {
	case "get", "describe", "explain", "top", "events", "wait", "api-resources", "api-versions", "version",
		"completion", "options", "help", "whoami", "status", "projects", "process":
		if k.verb == "top" && len(ops) > 0 {
			return k.resourceEffects("top", keyturn.Read, ops)
		}
		if k.verb == "get" || k.verb == "describe" {
			return k.resourceEffects(k.verb, keyturn.Read, ops)
		}
		return []keyturn.Effect{k.effect(k.op(k.verb), keyturn.Read)}
	case "logs", "log":
		return []keyturn.Effect{k.effect(k.op(k.verb), keyturn.Read, k.names(ops)...)}
	case "diff":
		return []keyturn.Effect{k.effect(k.op("diff"), keyturn.Read, k.files()...)}
	case "kustomize":
		// Renders manifests locally; the cluster is not contacted.
		return []keyturn.Effect{c.localEffect("kubectl", k.op("kustomize"), keyturn.Read)}
	case "cluster-info":
		effects := []keyturn.Effect{k.effect(k.op("cluster-info"), keyturn.Read)}
		if dir, ok := k.o.get("--output-directory"); ok {
			effects = append(effects, c.writeEffect(k.op("cluster-info dump"), dir))
		}
		return effects
	case "auth":
		switch sub {
		case "can-i", "whoami":
			return []keyturn.Effect{k.effect(k.op("auth", sub), keyturn.Read)}
		case "reconcile":
			return mutating("auth reconcile", keyturn.Write, nil)
		}
		return []keyturn.Effect{k.unknownSub("auth", ops)}
	case "apply":
		switch sub {
		case "view-last-applied":
			return k.resourceEffects("apply view-last-applied", keyturn.Read, subOps())
		case "set-last-applied", "edit-last-applied":
			return mutating("apply "+sub, keyturn.Write, subOps())
		}
		if k.o.has("--prune") && !k.dryRun() {
			e := k.effect(k.op("apply --prune"), keyturn.Destructive, k.files()...)
			e.Note = noteOr(e.Note, "deletes every object of the applied set that is not in the manifests")
			return []keyturn.Effect{e}
		}
		if k.o.has("--force") && !k.dryRun() {
			e := k.effect(k.op("apply --force"), keyturn.Destructive, k.files()...)
			e.Note = noteOr(e.Note, "deletes and re-creates objects it cannot patch")
			return []keyturn.Effect{e}
		}
		return mutating("apply", keyturn.Write, ops)
	case "create":
		if sub == "" || strings.HasPrefix(sub, "-") {
			return mutating("create", keyturn.Write, nil)
		}
		typ := kubeType(sub)
		if typ == "token" {
			typ = "serviceaccount" // a token for the named service account
		}
		names := subOps()
		if typ == "secret" || typ == "service" {
			names = names[min(1, len(names)):] // create secret generic NAME
		}
		if len(names) > 0 {
			names = names[:1]
		}
		if k.dryRun() {
			e := k.effect(k.op("create", typ), keyturn.Read, k.namedTargets(typ, names)...)
			e.Note = "dry run: nothing is changed"
			return []keyturn.Effect{e}
		}
		effects := []keyturn.Effect{k.effect(k.op("create", typ), keyturn.Write, k.namedTargets(typ, names)...)}
		if typ == "namespace" || typ == "project" {
			// The new namespace is where later commands land; it is not
			// namespaced itself.
			effects[0].Targets = k.namedTargets("namespace", names)
		}
		return effects
	case "new-project":
		return []keyturn.Effect{k.effect(k.op("new-project"), keyturn.Write, k.namedTargets("project", ops[:min(1, len(ops))])...)}
	case "delete":
		if k.dryRun() {
			return mutating("delete", keyturn.Destructive, ops)
		}
		effects := k.resourceEffects("delete", keyturn.Destructive, ops)
		return effects
	case "replace":
		if k.o.has("--force") && !k.dryRun() {
			e := k.effect(k.op("replace --force"), keyturn.Destructive, k.files()...)
			e.Note = noteOr(e.Note, "deletes the objects and creates them again")
			return []keyturn.Effect{e}
		}
		return mutating("replace", keyturn.Write, ops)
	case "patch", "edit", "label", "annotate", "expose", "autoscale", "certificate", "set", "rollout",
		"scale", "cordon", "uncordon", "drain", "taint":
		return k.mutate(sub, subOps, mutating)
	case "run":
		return k.run()
	case "exec", "rsh":
		return k.exec()
	case "attach":
		target := k.names(ops)
		if k.o.has("-i", "--stdin") {
			e := k.effect(k.op("attach"), keyturn.Unknown, target...)
			e.Note = "attaches to a container's input: what is typed there is not seen"
			return []keyturn.Effect{e}
		}
		return []keyturn.Effect{k.effect(k.op("attach"), keyturn.Read, target...)}
	case "debug":
		return k.debug()
	case "cp", "rsync":
		return k.cp()
	case "port-forward", "proxy":
		e := k.effect(k.op(k.verb), keyturn.Write, k.names(ops[:min(1, len(ops))])...)
		e.Note = noteOr(e.Note, "opens a local tunnel to the cluster; what goes through it is not seen")
		return []keyturn.Effect{e}
	case "config":
		return k.config(sub, subOps())
	case "plugin":
		if sub == "list" {
			return []keyturn.Effect{c.localEffect("kubectl", k.op("plugin list"), keyturn.Read)}
		}
		return []keyturn.Effect{k.unknownSub("plugin", ops)}
	case "project":
		if len(ops) == 0 {
			return []keyturn.Effect{k.effect(k.op("project"), keyturn.Read)}
		}
		return []keyturn.Effect{c.localEffect("kubectl", k.op("project"), keyturn.Write, ops[0].Value)}
	case "login", "logout":
		if k.verb == "login" {
			// A login rewrites the current context: later commands in this
			// line go to a cluster keyturn cannot name.
			c.s.setEnv(kubeContextKey+k.kubeconfig, "")
		}
		return []keyturn.Effect{c.localEffect("kubectl", k.op(k.verb), keyturn.Write)}
	case "new-app", "new-build", "start-build", "cancel-build", "import-image", "tag", "policy":
		return []keyturn.Effect{k.effect(k.op(k.verb), keyturn.Write, k.names(ops)...)}
	case "rollback":
		e := k.effect(k.op("rollback"), keyturn.Destructive, k.names(ops)...)
		e.Note = noteOr(e.Note, "rolls back to an earlier deployment")
		return []keyturn.Effect{e}
	case "idle":
		e := k.effect(k.op("idle"), keyturn.Destructive, k.names(ops)...)
		e.Note = noteOr(e.Note, "scales the services' workloads to zero")
		return []keyturn.Effect{e}
	case "extract":
		return []keyturn.Effect{k.effect(k.op("extract"), keyturn.Read, k.names(ops)...),
			c.localEffect("kubectl", k.op("extract"), keyturn.Write, k.o.str("--to"))}
	case "adm":
		return k.adm(sub, subOps)
	case "registry":
		if sub == "login" {
			return []keyturn.Effect{c.localEffect("kubectl", k.op("registry login"), keyturn.Write)}
		}
		if sub == "info" {
			return []keyturn.Effect{k.effect(k.op("registry info"), keyturn.Read)}
		}
		return []keyturn.Effect{k.unknownSub("registry", ops)}
	}
	return []keyturn.Effect{c.unknown(k.op(k.verb), "an unknown "+k.name+" command, or a plugin (kubectl-"+k.verb+") that keyturn cannot judge")}
}

// firstValue returns the first operand's value, or "".
func firstValue(ops []arg) string {
	if len(ops) == 0 {
		return ""
	}
	return ops[0].Value
}

func noteOr(existing, note string) string {
	if note == "" {
		return existing
	}
	if existing != "" {
		return note + "; " + existing
	}
	return note
}

func (k *kube) unknownSub(verb string, ops []arg) keyturn.Effect {
	sub := ""
	if len(ops) > 0 {
		sub = " " + ops[0].Value
	}
	return k.c.unknown(k.op(verb+sub), "an unknown "+k.name+" "+verb+" command")
}

// names returns the operands as targets (pod names, TYPE/NAME, nodes).
func (k *kube) names(ops []arg) []string {
	var out []string
	for _, a := range ops {
		r := kubeRes{name: a.Value}
		if t, n, ok := strings.Cut(a.Value, "/"); ok {
			r = kubeRes{typ: kubeType(t), name: n}
		} else {
			r.typ = "pod"
		}
		out = append(out, k.target(r))
	}
	return out
}

func (k *kube) namedTargets(typ string, names []arg) []string {
	var out []string
	for _, n := range names {
		out = append(out, k.target(kubeRes{typ: typ, name: n.Value}))
	}
	return out
}

// kubeSetOps are the `kubectl set` subcommands.
var kubeSetOps = map[string]bool{"env": true, "image": true, "resources": true, "selector": true,
	"serviceaccount": true, "sa": true, "subject": true, "volume": true, "volumes": true, "triggers": true,
	"probe": true, "route-backends": true, "deployment-hook": true, "build-hook": true, "build-secret": true, "data": true}

// mutate handles the verbs that change objects in place.
func (k *kube) mutate(sub string, subOps func() []arg, mutating func(string, keyturn.Class, []arg) []keyturn.Effect) []keyturn.Effect {
	ops := k.ops
	switch k.verb {
	case "patch", "edit", "expose", "autoscale":
		return mutating(k.verb, keyturn.Write, ops[:min(len(ops), 2)])
	case "label", "annotate":
		if k.o.has("--list") {
			return k.resourceEffects(k.verb, keyturn.Read, kubeObjectOps(ops))
		}
		return mutating(k.verb, keyturn.Write, kubeObjectOps(ops))
	case "certificate":
		if sub == "approve" || sub == "deny" {
			class, note := keyturn.Write, ""
			if k.dryRun() {
				class, note = keyturn.Read, "dry run: nothing is changed"
			}
			e := k.effect(k.op("certificate", sub), class, k.namedTargets("certificatesigningrequest", subOps())...)
			e.Note = noteOr(e.Note, note)
			return []keyturn.Effect{e}
		}
		return []keyturn.Effect{k.unknownSub("certificate", ops)}
	case "set":
		if !kubeSetOps[sub] {
			return []keyturn.Effect{k.unknownSub("set", ops)}
		}
		if sub == "sa" {
			sub = "serviceaccount"
		}
		objs := kubeObjectOps(subOps())
		if len(k.files()) > 0 {
			objs = nil // the objects are in the files; the operands are values
		} else if len(objs) > 0 && !strings.Contains(objs[0].Value, "/") {
			objs = objs[:min(len(objs), 2)]
		}
		if k.o.has("--local") || sub == "env" && k.o.has("--list") {
			return k.resourceEffects("set "+sub, keyturn.Read, objs)
		}
		return mutating("set "+sub, keyturn.Write, objs)
	case "rollout":
		switch sub {
		case "status", "history":
			return k.resourceEffects("rollout "+sub, keyturn.Read, subOps())
		case "restart", "pause", "resume", "latest", "retry", "cancel":
			return mutating("rollout "+sub, keyturn.Write, subOps())
		case "undo":
			effects := mutating("rollout undo", keyturn.Destructive, subOps())
			for i := range effects {
				if effects[i].Class == keyturn.Destructive {
					effects[i].Note = noteOr(effects[i].Note, "rolls the workload back to an earlier revision")
				}
			}
			return effects
		}
		return []keyturn.Effect{k.unknownSub("rollout", ops)}
	case "scale":
		rep, ok := k.o.get("--replicas")
		zero := ok && (!rep.Known || isZero(rep.Value))
		if zero && !k.dryRun() {
			effects := k.resourceEffects("scale", keyturn.Destructive, ops)
			for i := range effects {
				effects[i].Operation += " --replicas=0"
				effects[i].Note = noteOr(effects[i].Note, "scales to zero replicas: the workload stops")
				if !rep.Known {
					effects[i].Note = "the replica count is only known at run time and may be zero"
				}
			}
			return effects
		}
		return mutating("scale", keyturn.Write, ops)
	case "cordon", "uncordon", "drain":
		class := keyturn.Write
		if k.verb == "drain" {
			class = keyturn.Destructive
		}
		nodes := ops
		if len(nodes) > 0 && !strings.Contains(nodes[0].Value, "/") {
			nodes = append(lits("node"), nodes...)
		}
		effects := mutating(k.verb, class, nodes)
		if class == keyturn.Destructive {
			for i := range effects {
				if effects[i].Class == class {
					effects[i].Note = noteOr(effects[i].Note, "evicts every pod from the node")
				}
			}
		}
		return effects
	case "taint":
		effects := mutating("taint", keyturn.Destructive, kubeObjectOps(ops))
		for i := range effects {
			if effects[i].Class == keyturn.Destructive {
				effects[i].Note = noteOr(effects[i].Note, "a taint can evict running pods")
			}
		}
		return effects
	}
	return nil
}

// kubeObjectOps returns the operands that name objects, dropping the
// key=value and key- arguments of label, annotate, taint and set.
func kubeObjectOps(ops []arg) []arg {
	var out []arg
	for _, a := range ops {
		if strings.Contains(a.Value, "=") || strings.HasSuffix(a.Value, "-") || strings.Contains(a.Value, ":") {
			break
		}
		out = append(out, a)
	}
	return out
}

func isZero(v string) bool {
	// kubectl parses integers as Go does with base 0: 0x0, 0o0, 0b0, 0_0,
	// 00, +0 and -0 are all zero.
	n, err := strconv.ParseInt(strings.TrimSpace(v), 0, 64)
	return err == nil && n == 0
}

// run: `kubectl run NAME --image=IMG [-- CMD…]` starts a pod; its command,
// when given, is analysed as run inside it.
func (k *kube) run() []keyturn.Effect {
	var name []string
	if len(k.ops) > 0 {
		name = []string{k.target(kubeRes{typ: "pod", name: k.ops[0].Value})}
	}
	if k.dryRun() {
		e := k.effect(k.op("run"), keyturn.Read, name...)
		e.Note = "dry run: nothing is changed"
		return []keyturn.Effect{e}
	}
	effects := []keyturn.Effect{k.effect(k.op("run"), keyturn.Write, name...)}
	interactive := k.o.has("-i", "--stdin")
	argv := k.o.rest
	if len(argv) == 0 && len(k.ops) > 1 {
		argv = k.ops[1:] // kubectl run NAME --image=X CMD (arguments without --)
	}
	if len(argv) > 0 && k.o.has("--command") || len(argv) > 0 && knownProgram(argv[0]) {
		k.inside(argv, interactive, firstValue(k.ops))
		return effects
	}
	if interactive && len(argv) == 0 {
		e := k.effect(k.op("run"), keyturn.Unknown, name...)
		e.Note = "opens an interactive session in a new pod: what is typed there is not seen"
		effects = append(effects, e)
	}
	return effects
}

// knownProgram reports whether keyturn has an analyzer for argv's program:
// arguments handed to an image's entrypoint are not a command.
func knownProgram(a arg) bool {
	if !a.Known {
		return false
	}
	p := programName(a.Value)
	_, ok := analyzers[p]
	if !ok {
		_, ok = readOnly[p]
	}
	return ok
}

// exec: `kubectl exec [-it] POD [-c C] -- CMD…` runs CMD inside the pod; the
// exec itself is at least a write (it can change anything the pod can).
func (k *kube) exec() []keyturn.Effect {
	if len(k.ops) == 0 && len(k.o.all("-f", "--filename")) == 0 {
		return []keyturn.Effect{k.c.unknown(k.op(k.verb), "no pod named")}
	}
	var pod []arg
	argv := k.o.rest
	container := ""
	if len(k.ops) > 0 {
		pod, container = k.ops[:1], k.ops[0].Value
		if !k.o.hasRest {
			// The deprecated form without --: kubectl exec POD CMD ARG….
			// Cobra takes every option on the line as its own, so the
			// command is the operands after the pod.
			argv = k.ops[1:]
		}
	}
	if k.verb == "rsh" && len(argv) == 0 {
		argv = lits("sh")
	}
	targets := k.names(pod)
	exec := k.effect(k.op(k.verb), keyturn.Write, targets...)
	if len(argv) == 0 {
		exec.Class = keyturn.Unknown
		exec.Note = "exec with no command"
		return []keyturn.Effect{exec}
	}
	k.inside(argv, k.o.has("-i", "--stdin") || k.verb == "rsh", container)
	return []keyturn.Effect{exec}
}

// debug: `kubectl debug POD|node/N [--image=…] [-it] [-- CMD…]` adds a
// debugging container (on a node: a privileged pod with the host's
// filesystem at /host).
func (k *kube) debug() []keyturn.Effect {
	targets := k.names(k.ops[:min(len(k.ops), 1)])
	e := k.effect(k.op("debug"), keyturn.Write, targets...)
	if len(k.ops) > 0 && strings.HasPrefix(k.ops[0].Value, "node/") {
		e.Note = noteOr(e.Note, "runs a privileged pod with the node's filesystem at /host")
	}
	effects := []keyturn.Effect{e}
	argv := k.o.rest
	interactive := k.o.has("-i", "--stdin")
	switch {
	case len(argv) > 0:
		k.inside(argv, interactive, firstValue(k.ops))
	case interactive:
		u := k.effect(k.op("debug"), keyturn.Unknown, targets...)
		u.Note = "opens an interactive shell in a debugging container: what is typed there is not seen"
		effects = append(effects, u)
	}
	return effects
}

// inside analyses argv as run in the pod, with the cluster's hints. Without
// -i the command reads no input.
func (k *kube) inside(argv []arg, interactive bool, container string) {
	hints := map[string]string{}
	for key, v := range k.hints {
		hints[key] = v
	}
	if container != "" {
		hints["container"] = container
	}
	runInside(k.c, hints, argv, interactive, nil)
}

// runInside analyses argv as run in a container or pod whose hints decide
// its environment. An interactive command reads this command's stdin; any
// other reads nothing. env holds variables set for it (docker exec -e).
func runInside(c *call, hints map[string]string, argv []arg, interactive bool, env map[string]string) {
	t := c.s.insideState(hints)
	if interactive {
		t.stdin = c.stdin
	} else {
		t.stdin = &input{known: true, what: "no input"}
	}
	for k, v := range env {
		t.setEnv(k, v)
	}
	t.run(argv, t.env)
}

// cp: `kubectl cp SRC DST` where a pod side is [NAMESPACE/]POD:PATH.
func (k *kube) cp() []keyturn.Effect {
	c := k.c
	if len(k.ops) < 2 {
		return []keyturn.Effect{c.unknown(k.op(k.verb), "cp needs a source and a destination")}
	}
	src, dst := k.ops[0], k.ops[len(k.ops)-1]
	podSide := func(a arg) bool {
		p, _, ok := strings.Cut(a.Value, ":")
		return ok && !strings.HasPrefix(a.Value, "/") && !strings.HasPrefix(a.Value, ".") && p != ""
	}
	var effects []keyturn.Effect
	if podSide(src) {
		effects = append(effects, k.effect(k.op(k.verb, "from pod"), keyturn.Read, src.Value))
	}
	if podSide(dst) {
		e := k.effect(k.op(k.verb, "into pod"), keyturn.Write, dst.Value)
		e.Note = noteOr(e.Note, "overwrites files in the container")
		effects = append(effects, e)
	} else {
		effects = append(effects, c.writeEffect(k.op(k.verb), dst))
	}
	return effects
}

// config edits the kubeconfig file, on this machine.
func (k *kube) config(sub string, ops []arg) []keyturn.Effect {
	c := k.c
	file := k.kubeconfig
	if file == "" {
		file = "kubeconfig"
	}
	local := func(class keyturn.Class) []keyturn.Effect {
		e := c.localEffect("kubectl", k.op("config", sub), class, file)
		return []keyturn.Effect{e}
	}
	switch sub {
	case "view", "get-contexts", "current-context", "get-clusters", "get-users":
		return local(keyturn.Read)
	case "use-context", "use":
		k.switchContext(ops)
		return local(keyturn.Write)
	case "set":
		if len(ops) > 0 && ops[0].Value == "current-context" {
			k.switchContext(ops[1:])
		}
		return local(keyturn.Write)
	case "unset":
		if len(ops) > 0 && ops[0].Value == "current-context" {
			c.s.setEnv(kubeContextKey+k.kubeconfig, "")
		}
		return local(keyturn.Write)
	case "set-context", "set-cluster", "set-credentials", "rename-context":
		if sub == "rename-context" && len(ops) == 2 && k.hints["kube_context"] == ops[0].Value && ops[1].Known {
			c.s.setEnv(kubeContextKey+k.kubeconfig, ops[1].Value)
		}
		return local(keyturn.Write)
	case "delete-context", "delete-cluster", "delete-user":
		effects := local(keyturn.Destructive)
		effects[0].Note = "removes an entry from the kubeconfig; its credentials may not be recoverable"
		return effects
	}
	return []keyturn.Effect{k.unknownSub("config", k.ops)}
}

// kubeContextKey prefixes the state's record of a `config use-context` run
// earlier in the line, keyed by the kubeconfig files it changed. The state's
// env map holds the line's variables; this name can never be a variable's.
const kubeContextKey = "keyturn:kube-current-context:"

func (k *kube) switchContext(ops []arg) {
	v := ""
	if len(ops) > 0 && ops[0].Known {
		v = ops[0].Value
	}
	k.c.s.setEnv(kubeContextKey+k.kubeconfig, v)
}

// adm: OpenShift's administrator commands; those that mirror kubectl's
// node verbs are classified the same way.
func (k *kube) adm(sub string, subOps func() []arg) []keyturn.Effect {
	switch sub {
	case "drain", "cordon", "uncordon", "taint":
		inner := &kube{c: k.c, name: k.name + " adm", verb: sub, o: k.o, ops: subOps(), hints: k.hints, ns: k.ns, kubeconfig: k.kubeconfig}
		return inner.analyse()
	case "top":
		return []keyturn.Effect{k.effect(k.op("adm top"), keyturn.Read)}
	case "policy", "groups", "certificate", "pod-network", "new-project", "taint-nodes":
		return []keyturn.Effect{k.effect(k.op("adm", sub), keyturn.Write)}
	case "prune":
		e := k.effect(k.op("adm prune"), keyturn.Destructive)
		e.Note = noteOr(e.Note, "deletes old builds, deployments or images")
		return []keyturn.Effect{e}
	case "must-gather", "inspect":
		return []keyturn.Effect{k.effect(k.op("adm", sub), keyturn.Read),
			k.c.workspaceEffect("kubectl", k.op("adm", sub), keyturn.Write)}
	}
	return []keyturn.Effect{k.unknownSub("adm", k.ops)}
}

// kubeconfigPaths returns the kubeconfig files kubectl reads (--kubeconfig,
// else the KUBECONFIG list, else ~/.kube/config), a key naming them, and
// false when they cannot be known (a variable, no HOME, a remote host whose
// files are not ours).
func kubeconfigPaths(c *call, flag arg, hasFlag bool) ([]string, string, bool) {
	if c.s.remote != nil {
		return nil, "", false
	}
	var list []arg
	switch {
	case hasFlag:
		if !flag.Known {
			return nil, "", false
		}
		list = []arg{flag}
	case c.env["KUBECONFIG"] != "":
		for _, p := range strings.Split(c.env["KUBECONFIG"], ":") {
			if p != "" {
				list = append(list, arg{Value: p, Known: true})
			}
		}
	default:
		home := c.env["HOME"]
		if home == "" {
			return nil, "", false
		}
		list = []arg{{Value: path.Join(home, ".kube", "config"), Known: true}}
	}
	var paths []string
	for _, a := range list {
		p, ok := c.s.abs(a)
		if !ok {
			return nil, "", false
		}
		paths = append(paths, p)
	}
	if len(paths) == 0 {
		return nil, "", false
	}
	return paths, strings.Join(paths, ":"), true
}

// kubeconfig is what keyturn reads from a kubeconfig file.
type kubeconfig struct {
	CurrentContext string `yaml:"current-context"`
	Contexts       []struct {
		Name    string      `yaml:"name"`
		Context kubeContext `yaml:"context"`
	} `yaml:"contexts"`
}

type kubeContext struct {
	Cluster   string `yaml:"cluster"`
	Namespace string `yaml:"namespace"`
}

// kubeCurrentContext returns the current-context of the merged files: as
// kubectl merges them, the first file that sets it wins.
func kubeCurrentContext(paths []string) string {
	for _, p := range paths {
		if kc := loadKubeconfig(p); kc != nil && kc.CurrentContext != "" {
			return kc.CurrentContext
		}
	}
	return ""
}

// kubeContextOf returns the named context from the first file defining it.
func kubeContextOf(paths []string, name string) kubeContext {
	for _, p := range paths {
		kc := loadKubeconfig(p)
		if kc == nil {
			continue
		}
		for _, x := range kc.Contexts {
			if x.Name == name {
				return x.Context
			}
		}
	}
	return kubeContext{}
}

func loadKubeconfig(p string) *kubeconfig {
	v, _ := cachedFile(p, func(data []byte) any {
		var kc kubeconfig
		if err := yaml.Unmarshal(data, &kc); err != nil {
			return (*kubeconfig)(nil)
		}
		return &kc
	}).(*kubeconfig)
	return v
}

// fileCache holds parsed local files (kubeconfigs, docker's config.json,
// terraform's environment file) by path, size and modification time, so a
// server classifying many commands reads each once until it changes.
var fileCache = struct {
	sync.Mutex
	m map[string]cachedEntry
}{m: map[string]cachedEntry{}}

type cachedEntry struct {
	mod  time.Time
	size int64
	v    any
}

// maxConfigFile bounds the files read: a kubeconfig with embedded
// certificates is large, but not this large.
const maxConfigFile = 4 << 20

// cachedFile returns parse(contents of p), or nil when p is missing, not a
// regular file or too large.
func cachedFile(p string, parse func([]byte) any) any {
	fi, err := os.Stat(p)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxConfigFile {
		return nil
	}
	fileCache.Lock()
	e, ok := fileCache.m[p]
	fileCache.Unlock()
	if ok && e.mod.Equal(fi.ModTime()) && e.size == fi.Size() {
		return e.v
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil
	}
	v := parse(data)
	fileCache.Lock()
	if len(fileCache.m) > 1024 {
		clear(fileCache.m)
	}
	fileCache.m[p] = cachedEntry{mod: fi.ModTime(), size: fi.Size(), v: v}
	fileCache.Unlock()
	return v
}
