package keyturn

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
)

// Kind says what sort of action an agent asks for.
type Kind string

const (
	KindShell     Kind = "shell"      // a shell command line
	KindFileWrite Kind = "file_write" // a file write or edit
	KindMCPTool   Kind = "mcp_tool"   // an MCP tools/call
	KindHTTP      Kind = "http"       // an HTTP request
	KindPlan      Kind = "plan"       // a Terraform plan
)

// Action is what an agent asks to do.
type Action struct {
	Kind Kind `json:"kind"`
	// Command is the shell line for KindShell.
	Command string `json:"command,omitempty"`
	// Path and Content are the file and its new content for KindFileWrite.
	Path    string `json:"path,omitempty"`
	Content string `json:"content,omitempty"`
	// Server, Tool and Arguments name an MCP tool call.
	Server    string          `json:"server,omitempty"`
	Tool      string          `json:"tool,omitempty"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
	// Annotations are the MCP tool's hints (readOnlyHint, destructiveHint,
	// idempotentHint, openWorldHint) as the tool's server declared them.
	// They may make a tool call stricter, never laxer.
	Annotations map[string]bool `json:"annotations,omitempty"`
	// Plan is the JSON of a Terraform plan for KindPlan.
	Plan json.RawMessage `json:"plan,omitempty"`
	// Cwd is the directory the action runs in.
	Cwd string `json:"cwd,omitempty"`
	// Env holds the environment variables that change what the action
	// means (AWS_PROFILE, KUBECONFIG, …). See MeaningfulEnv.
	Env map[string]string `json:"env,omitempty"`
	// Agent and Operator say who asks: the agent and the human it acts for.
	Agent    string `json:"agent,omitempty"`
	Operator string `json:"operator,omitempty"`
	// Reason is the agent's own free text. It is shown, never trusted.
	Reason string `json:"reason,omitempty"`
}

// meaningfulEnv lists the environment variables that change where a command
// lands. They are part of the digest: the same command under another
// AWS_PROFILE is another action and needs its own approval.
var meaningfulEnv = map[string]bool{
	"AWS_PROFILE": true, "AWS_DEFAULT_PROFILE": true, "AWS_REGION": true,
	"AWS_DEFAULT_REGION": true, "AWS_ACCESS_KEY_ID": true, "AWS_ROLE_ARN": true,
	"AWS_CONFIG_FILE": true, "AWS_SHARED_CREDENTIALS_FILE": true, "AWS_ENDPOINT_URL": true,
	"KUBECONFIG": true, "KUBE_CONTEXT": true, "HELM_KUBECONTEXT": true, "HELM_NAMESPACE": true,
	"TF_WORKSPACE": true, "TF_DATA_DIR": true, "TF_CLI_ARGS": true,
	"PGHOST": true, "PGPORT": true, "PGDATABASE": true, "PGUSER": true, "PGSERVICE": true,
	"DATABASE_URL": true, "MYSQL_HOST": true, "REDIS_URL": true, "MONGODB_URI": true,
	"CLOUDSDK_CORE_PROJECT": true, "CLOUDSDK_ACTIVE_CONFIG_NAME": true, "GOOGLE_CLOUD_PROJECT": true,
	"AZURE_SUBSCRIPTION_ID": true, "AZURE_CONFIG_DIR": true,
	"DOCKER_HOST": true, "DOCKER_CONTEXT": true, "CONTAINER_HOST": true,
	"GIT_DIR": true, "GIT_WORK_TREE": true,
	"HOME": true, "TMPDIR": true,
	// Every other variable the classifier reads: what it judges, the digest
	// binds and `keyturn exec` sends. One it read but exec did not send was
	// judged absent and then used by the command (GIT_SSH_COMMAND for git
	// fetch, TF_CLI_ARGS_apply=-auto-approve, PGHOSTADDR for psql).
	"PGHOSTADDR": true, "GCLOUD_PROJECT": true, "CLOUDSDK_CONFIG": true, "AZURE_DEFAULTS_GROUP": true,
	"DOCKER_CONFIG": true, "CONTAINER_CONNECTION": true, "COMPOSE_FILE": true, "HELM_KUBEAPISERVER": true,
	"COCKROACH_URL": true, "COCKROACH_HOST": true, "COCKROACH_DATABASE": true, "CLICKHOUSE_HOST": true,
	"SQLCMDSERVER": true, "SQLCMDDBNAME": true, "TG_WORKING_DIR": true, "TERRAGRUNT_WORKING_DIR": true,
	"TF_CLI_CONFIG_FILE": true, "TERRAFORM_CONFIG": true, "XDG_CONFIG_HOME": true, "VIRTUAL_ENV": true,
	"BUNDLE_PATH": true, "BUNDLE_DEPLOYMENT": true, "CDPATH": true,
	"GIT_ASKPASS": true, "GIT_EDITOR": true, "GIT_EXTERNAL_DIFF": true, "GIT_PAGER": true,
	"GIT_PROXY_COMMAND": true, "GIT_SEQUENCE_EDITOR": true, "GIT_SSH": true, "GIT_SSH_COMMAND": true,
	"GIT_TEMPLATE_DIR": true, "GIT_EXEC_PATH": true, "GIT_CONFIG_PARAMETERS": true, "GIT_CONFIG_COUNT": true,
	"GIT_CONFIG_GLOBAL": true, "GIT_CONFIG_SYSTEM": true, "GIT_CONFIG": true,
}

// meaningfulEnvPrefixes are families of meaningful variables:
// TF_CLI_ARGS_apply, GIT_CONFIG_KEY_0 and GIT_CONFIG_VALUE_0, …
var meaningfulEnvPrefixes = []string{"TF_CLI_ARGS_", "GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"}

// MeaningfulEnv reports whether the environment variable name changes what
// an action means, and so belongs in its digest.
func MeaningfulEnv(name string) bool {
	if meaningfulEnv[name] {
		return true
	}
	for _, p := range meaningfulEnvPrefixes {
		if strings.HasPrefix(name, p) && len(name) > len(p) {
			return true
		}
	}
	return false
}

// Digest returns the SHA-256, in hex, of a canonical encoding of every field
// that changes what runs. An approval is bound to this digest and nothing
// else: any changed byte makes a new action. Agent, operator and reason are
// left out: they say who asks and why, not what runs.
func (a *Action) Digest() string {
	h := sha256.New()
	field := func(name, value string) {
		// Length-prefixed fields: no value can forge a field boundary.
		b, _ := json.Marshal([2]string{name, value})
		h.Write(b)
		h.Write([]byte{'\n'})
	}
	field("kind", string(a.Kind))
	field("command", a.Command)
	field("path", a.Path)
	field("content", a.Content)
	field("server", a.Server)
	field("tool", a.Tool)
	field("arguments", canonicalJSON(a.Arguments))
	if len(a.Annotations) > 0 {
		// Only when present, so that the digests of other actions stay as
		// they were.
		b, _ := json.Marshal(a.Annotations) // encoding/json sorts map keys
		field("annotations", string(b))
	}
	field("plan", canonicalJSON(a.Plan))
	field("cwd", a.Cwd)
	names := make([]string, 0, len(a.Env))
	for k := range a.Env {
		if MeaningfulEnv(k) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		field("env."+k, a.Env[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// canonicalJSON re-encodes raw JSON with sorted object keys and no
// insignificant space, so two encodings of the same value digest alike.
// Invalid JSON is kept byte for byte: it still binds the approval.
func canonicalJSON(raw json.RawMessage) string {
	if len(strings.TrimSpace(string(raw))) == 0 {
		return ""
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "raw:" + string(raw)
	}
	b, err := json.Marshal(v) // encoding/json sorts map keys
	if err != nil {
		return "raw:" + string(raw)
	}
	return string(b)
}
