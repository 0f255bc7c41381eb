package policy

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"keyturn"
)

// Suite is a file of policy test cases (`keyturn policy test FILE.yaml`):
//
//	cases:
//	  - name: deleting a prod namespace needs two peers
//	    command: kubectl --context prod delete ns payments
//	    cwd: /home/dev/project        # optional
//	    env: {AWS_PROFILE: prod}      # optional: the command's environment
//	    freeze: false                 # optional: a change freeze is on
//	    decision: approve
//	    approvals: 2
//
// Instead of a command a case may give the effect itself, to reach a cell
// of the table no command reaches:
//
//	effect: {tool: git, class: unknown, environment: repo}
type Suite struct {
	Cases []Case `yaml:"cases"`
}

// Case is one policy test.
type Case struct {
	Name    string            `yaml:"name"`
	Command string            `yaml:"command"`
	Cwd     string            `yaml:"cwd"`
	Env     map[string]string `yaml:"env"`
	Effect  *CaseEffect       `yaml:"effect"`
	Freeze  bool              `yaml:"freeze"`
	// Decision and Approvals are what the case expects.
	Decision  keyturn.Outcome `yaml:"decision"`
	Approvals int             `yaml:"approvals"`
}

// CaseEffect is an effect written out in a case.
type CaseEffect struct {
	Tool        string   `yaml:"tool"`
	Operation   string   `yaml:"operation"`
	Class       string   `yaml:"class"`
	Environment string   `yaml:"environment"`
	Targets     []string `yaml:"targets"`
	Protected   bool     `yaml:"protected"`
	SelfModify  bool     `yaml:"self_modify"`
}

// Result is the outcome of one case.
type Result struct {
	Case     Case
	Effects  []keyturn.Effect
	Decision keyturn.Decision
	// Failure says what went wrong; empty when the case passed.
	Failure string
}

// Classifier turns a command into effects; the CLI passes classify's.
type Classifier func(command, cwd string, env map[string]string) []keyturn.Effect

// ParseSuite reads a YAML suite. Unknown fields are errors: a misspelt
// expectation must not pass silently.
func ParseSuite(data []byte) (*Suite, error) {
	var s Suite
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, keyturn.Errorf(keyturn.EINVALID, "policy test: %v", err)
	}
	if len(s.Cases) == 0 {
		return nil, keyturn.Errorf(keyturn.EINVALID, "policy test: no cases")
	}
	for i, c := range s.Cases {
		if (c.Command == "") == (c.Effect == nil) {
			return nil, keyturn.Errorf(keyturn.EINVALID, "policy test: case %d (%s): give exactly one of command and effect", i+1, c.Name)
		}
		switch c.Decision {
		case keyturn.Allow, keyturn.Ask, keyturn.Approve, keyturn.Deny:
		default:
			return nil, keyturn.Errorf(keyturn.EINVALID, "policy test: case %d (%s): decision %q is not allow, ask, approve or deny", i+1, c.Name, c.Decision)
		}
		if c.Effect != nil {
			if _, err := keyturn.ParseClass(c.Effect.Class); err != nil {
				return nil, keyturn.Errorf(keyturn.EINVALID, "policy test: case %d (%s): %s", i+1, c.Name, keyturn.ErrorMessage(err))
			}
		}
	}
	return &s, nil
}

// LoadSuite reads a suite from a file.
func LoadSuite(path string) (*Suite, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, keyturn.Errorf(keyturn.EINVALID, "policy test: %v", err)
	}
	return ParseSuite(data)
}

// Run decides every case and compares.
func (s *Set) Run(suite *Suite, classify Classifier) []Result {
	out := make([]Result, 0, len(suite.Cases))
	for _, c := range suite.Cases {
		var effects []keyturn.Effect
		if c.Effect != nil {
			e := c.Effect
			effects = []keyturn.Effect{{Tool: e.Tool, Operation: e.Operation, Class: keyturn.Class(e.Class),
				Environment: keyturn.Environment(e.Environment), Targets: e.Targets, Protected: e.Protected, SelfModify: e.SelfModify}}
		} else {
			effects = classify(c.Command, c.Cwd, c.Env)
		}
		d := s.Decide(effects, Input{Agent: "policy-test", Operator: "policy-test", Kind: "cli", Freeze: c.Freeze})
		r := Result{Case: c, Effects: effects, Decision: d}
		want := c.Approvals
		if c.Decision != keyturn.Approve {
			want = 0
		}
		if d.Outcome != c.Decision || d.Approvals != want {
			r.Failure = fmt.Sprintf("got %s, want %s", d, keyturn.Decision{Outcome: c.Decision, Approvals: want})
		}
		out = append(out, r)
	}
	return out
}

// Summary counts passes and failures.
func Summary(results []Result) (passed, failed int) {
	for _, r := range results {
		if r.Failure == "" {
			passed++
		} else {
			failed++
		}
	}
	return passed, failed
}

// FormatFailure explains a failed case to a person: what was decided, by
// which policies, from which effects.
func FormatFailure(r Result) string {
	var b strings.Builder
	name := r.Case.Name
	if name == "" {
		name = r.Case.Command
	}
	fmt.Fprintf(&b, "FAIL %s: %s\n", name, r.Failure)
	if r.Case.Command != "" {
		fmt.Fprintf(&b, "  command: %s\n", r.Case.Command)
	}
	for _, e := range r.Effects {
		fmt.Fprintf(&b, "  effect:  %s %q %s in %s %v\n", e.Tool, e.Operation, e.Class, e.Environment, e.Targets)
	}
	for _, rs := range r.Decision.Reasons {
		fmt.Fprintf(&b, "  reason:  [%s] %s\n", rs.Policy, rs.Message)
	}
	return b.String()
}
