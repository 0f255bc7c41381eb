package keyturn

// Environment names where an effect lands.
//
// Workspace, Local and Repo are fixed; the rest are deployment environments
// named in the configuration (dev, staging, prod, …). A cloud, cluster or
// database target that no rule names is Unresolved, which the default policy
// treats like prod.
type Environment string

const (
	// EnvWorkspace is the project the agent works in (the git top-level of its cwd).
	EnvWorkspace Environment = "workspace"
	// EnvLocal is the rest of this machine.
	EnvLocal Environment = "local"
	// EnvRepo is a remote code repository.
	EnvRepo Environment = "repo"
	// EnvUnknown is a remote target that matches no configured environment.
	EnvUnknown Environment = "unknown"
	// EnvProd is the conventional name of production.
	EnvProd Environment = "prod"
)

func (e Environment) String() string { return string(e) }
