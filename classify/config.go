package classify

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
	"mvdan.cc/sh/v3/pattern"

	"keyturn"
)

// Config maps the hints found in a command (kube context, AWS profile, host,
// Terraform directory, …) to named environments, and lists protected targets.
// It is the `environments:` and `protected:` part of keyturn.yaml.
type Config struct {
	Environments []EnvironmentRule `yaml:"environments"`
	// Protected lists glob patterns over target ids "tool:environment:resource".
	Protected []string `yaml:"protected"`
	// ProtectedPaths lists more paths (globs over absolute paths) that an
	// agent must never write, beside keyturn's own and the agents' hook settings.
	ProtectedPaths []string `yaml:"protected_paths"`
	// Tools maps MCP tool names to classes: the operator's own statement
	// of what a tool does. See ToolRule.
	Tools []ToolRule `yaml:"tools"`

	compiled  []compiledRule
	tools     []compiledTool
	protected []*regexp.Regexp
	selfPaths []*regexp.Regexp
	// secretPaths are what agents must not even read (ProtectSecret).
	secretPaths []*regexp.Regexp
}

// EnvironmentRule names an environment and the hints that select it. The
// first rule with any matching hint wins.
type EnvironmentRule struct {
	Name  string              `yaml:"name"`
	Match map[string][]string `yaml:"match"`
}

// ToolRule gives the class of the MCP tools whose "server/tool" name
// matches Match, a glob in which * also matches /. The first matching rule
// wins. It states the class of the tool itself; what keyturn reads in the
// call's arguments (a shell command, SQL) and a destructiveHint still count.
type ToolRule struct {
	Match string `yaml:"match"`
	Class string `yaml:"class"`
}

type compiledTool struct {
	re    *regexp.Regexp
	class keyturn.Class
}

type compiledRule struct {
	name  keyturn.Environment
	match map[string][]*regexp.Regexp
}

// HintKeys lists the hints a rule may match, so a typo in keyturn.yaml is an
// error instead of a rule that silently never matches.
var HintKeys = []string{
	"kube_context", "kube_namespace", "kube_cluster",
	"aws_profile", "aws_account", "aws_region",
	"gcloud_project", "azure_subscription", "azure_resource_group",
	"host", "database", "terraform_dir", "terraform_workspace",
	"git_remote", "git_branch", "docker_context", "container",
}

// ParseConfig reads keyturn.yaml. Unknown fields and hint keys are errors.
func ParseConfig(data []byte) (*Config, error) { return parseConfig(data, true) }

// parseConfig reads keyturn.yaml; withDefaults gives a file with no
// environments the conventional names.
func parseConfig(data []byte, withDefaults bool) (*Config, error) {
	var cfg Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && err.Error() != "EOF" {
		return nil, keyturn.Errorf(keyturn.EINVALID, "config: %v", err)
	}
	if len(cfg.Environments) == 0 && withDefaults {
		// A file that only lists protected targets keeps the conventional
		// environment names.
		cfg.Environments = defaultRules()
	}
	if err := cfg.compile(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// defaultRules are the built-in environment names, parsed when first needed:
// parsing YAML at start-up would cost every short-lived keyturn process
// (a hook runs once per tool call) a millisecond it may never use.
func defaultRules() []EnvironmentRule {
	defaultRulesOnce.Do(func() { defaultRulesValue = DefaultConfig().Environments })
	return defaultRulesValue
}

var (
	defaultRulesOnce  sync.Once
	defaultRulesValue []EnvironmentRule
)

// LoadConfig reads keyturn.yaml from path.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, keyturn.Errorf(keyturn.EINVALID, "config: %v", err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, keyturn.Errorf(keyturn.EINVALID, "%s: %s", path, keyturn.ErrorMessage(err))
	}
	return cfg, nil
}

// DefaultConfig is the configuration used when there is no keyturn.yaml:
// conventional names only. Anything it does not name resolves to unknown,
// which the default policy treats as prod.
func DefaultConfig() *Config {
	cfg, err := parseConfig([]byte(defaultConfigYAML), false)
	if err != nil {
		panic(err) // the embedded default is tested
	}
	return cfg
}

// Directory patterns only ever select prod or staging by default: */dev/*
// would also match every path under a user named dev, and matching too
// little errs on the strict side (unknown is treated as prod).
const defaultConfigYAML = `
environments:
  - name: prod
    match:
      kube_context: ["prod", "prod-*", "*-prod", "*-prod-*", "production", "*production*", "prd", "*-prd", "prd-*"]
      aws_profile: ["prod", "prod-*", "*-prod", "*production*", "prd", "*-prd"]
      gcloud_project: ["*-prod", "prod-*", "*production*"]
      host: ["prod*", "*.prod.*", "*-prod*", "*production*"]
      database: ["prod*", "*_prod", "*-prod"]
      terraform_dir: ["*/prod", "*/prod/*", "*/production", "*/production/*"]
      terraform_workspace: ["prod*", "production"]
  - name: staging
    match:
      kube_context: ["staging*", "*-staging", "stg*", "*-stg"]
      aws_profile: ["staging*", "*-staging", "stg*"]
      gcloud_project: ["*-staging", "staging-*"]
      host: ["staging*", "*.staging.*", "stg*"]
      terraform_dir: ["*/staging", "*/staging/*"]
      terraform_workspace: ["staging*", "stg*"]
  - name: dev
    match:
      kube_context: ["dev*", "*-dev", "kind-*", "minikube", "docker-desktop", "rancher-desktop", "k3d-*", "colima*"]
      aws_profile: ["dev*", "*-dev", "sandbox*", "localstack"]
      gcloud_project: ["*-dev", "dev-*", "*-sandbox"]
      host: ["localhost", "127.0.0.1", "::1", "dev*", "*.dev.*", "*.local", "*.localhost"]
      database: ["dev*", "*_dev", "*_test", "test*"]
      terraform_workspace: ["dev*", "default", "sandbox*"]
`

func (cfg *Config) compile() error {
	known := map[string]bool{}
	for _, k := range HintKeys {
		known[k] = true
	}
	cfg.compiled = nil
	for i, r := range cfg.Environments {
		if r.Name == "" {
			return keyturn.Errorf(keyturn.EINVALID, "config: environments[%d] has no name", i)
		}
		switch keyturn.Environment(r.Name) {
		case keyturn.EnvWorkspace, keyturn.EnvLocal, keyturn.EnvRepo, keyturn.EnvUnknown:
			return keyturn.Errorf(keyturn.EINVALID, "config: environment name %q is reserved", r.Name)
		}
		cr := compiledRule{name: keyturn.Environment(r.Name), match: map[string][]*regexp.Regexp{}}
		for key, pats := range r.Match {
			if !known[key] {
				return keyturn.Errorf(keyturn.EINVALID, "config: environment %q: unknown hint %q (known: %s)", r.Name, key, strings.Join(HintKeys, ", "))
			}
			for _, p := range pats {
				re, err := compileGlob(p)
				if err != nil {
					return keyturn.Errorf(keyturn.EINVALID, "config: environment %q: %s pattern %q: %v", r.Name, key, p, err)
				}
				cr.match[key] = append(cr.match[key], re)
			}
		}
		cfg.compiled = append(cfg.compiled, cr)
	}
	cfg.protected = nil
	for _, p := range cfg.Protected {
		re, err := compileGlob(p)
		if err != nil {
			return keyturn.Errorf(keyturn.EINVALID, "config: protected pattern %q: %v", p, err)
		}
		cfg.protected = append(cfg.protected, re)
	}
	cfg.tools = nil
	for i, r := range cfg.Tools {
		if r.Match == "" {
			return keyturn.Errorf(keyturn.EINVALID, "config: tools[%d] has no match (a glob over \"server/tool\", such as \"github/list_*\")", i)
		}
		class, err := keyturn.ParseClass(r.Class)
		if err != nil {
			return keyturn.Errorf(keyturn.EINVALID, "config: tools[%d] (%s): %s", i, r.Match, keyturn.ErrorMessage(err))
		}
		re, err := compileGlob(r.Match)
		if err != nil {
			return keyturn.Errorf(keyturn.EINVALID, "config: tools[%d] pattern %q: %v", i, r.Match, err)
		}
		cfg.tools = append(cfg.tools, compiledTool{re: re, class: class})
	}
	cfg.selfPaths = nil
	for _, p := range cfg.ProtectedPaths {
		re, err := compileGlob(p)
		if err != nil {
			return keyturn.Errorf(keyturn.EINVALID, "config: protected path %q: %v", p, err)
		}
		cfg.selfPaths = append(cfg.selfPaths, re)
	}
	return nil
}

// compileGlob turns a shell case pattern into an anchored regexp. As in a
// case statement, * also matches /.
func compileGlob(p string) (*regexp.Regexp, error) {
	expr, err := pattern.Regexp(p, pattern.EntireString)
	if err != nil {
		return nil, err
	}
	return regexp.Compile(expr)
}

// Resolve returns the environment the hints select: the first rule with a
// matching hint, or unknown. Hint keys are tried in a fixed order so the
// answer never depends on map iteration.
func (cfg *Config) Resolve(hints map[string]string) keyturn.Environment {
	if len(hints) == 0 {
		return keyturn.EnvUnknown
	}
	for _, r := range cfg.compiled {
		for _, key := range HintKeys {
			v, ok := hints[key]
			if !ok || v == "" {
				continue
			}
			for _, re := range r.match[key] {
				if re.MatchString(v) {
					return r.name
				}
			}
		}
	}
	return keyturn.EnvUnknown
}

// ToolClass returns the class the first `tools:` rule matching the MCP tool
// name "server/tool" gives it; ok is false when no rule matches.
func (cfg *Config) ToolClass(name string) (class keyturn.Class, ok bool) {
	for _, t := range cfg.tools {
		if t.re.MatchString(name) {
			return t.class, true
		}
	}
	return "", false
}

// IsProtected reports whether the target id "tool:environment:resource"
// matches a protected pattern.
func (cfg *Config) IsProtected(id string) bool {
	for _, re := range cfg.protected {
		if re.MatchString(id) {
			return true
		}
	}
	return false
}

// String renders the rules for `keyturn check --explain` and errors.
func (cfg *Config) String() string {
	var b strings.Builder
	for _, r := range cfg.Environments {
		keys := make([]string, 0, len(r.Match))
		for k := range r.Match {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(&b, "%s:", r.Name)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%v", k, r.Match[k])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// ProtectPath adds a directory or file that agents must never change (the
// --policy directory, the data directory): the path itself and all below it.
func (cfg *Config) ProtectPath(p string) error {
	clean := filepath.Clean(p)
	for _, g := range []string{pattern.QuoteMeta(clean, 0), pattern.QuoteMeta(clean, 0) + "/*"} {
		re, err := compileGlob(g)
		if err != nil {
			return keyturn.Errorf(keyturn.EINVALID, "protected path %q: %v", p, err)
		}
		cfg.selfPaths = append(cfg.selfPaths, re)
	}
	return nil
}

// ProtectSecret adds a directory or file that agents must neither change
// nor read (the data directory: the admin token, the audit key, the
// database): the path itself and all below it.
func (cfg *Config) ProtectSecret(p string) error {
	clean := filepath.Clean(p)
	for _, g := range []string{pattern.QuoteMeta(clean, 0), pattern.QuoteMeta(clean, 0) + "/*"} {
		re, err := compileGlob(g)
		if err != nil {
			return keyturn.Errorf(keyturn.EINVALID, "protected path %q: %v", p, err)
		}
		cfg.selfPaths = append(cfg.selfPaths, re)
		cfg.secretPaths = append(cfg.secretPaths, re)
	}
	return nil
}
