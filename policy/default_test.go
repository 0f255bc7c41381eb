package policy_test

import (
	"testing"

	"keyturn"
	"keyturn/classify"
	"keyturn/policy"
)

// The default pack's own cases, run with the real classifier.
func TestDefaultPackCases(t *testing.T) {
	set, err := policy.Default()
	if err != nil {
		t.Fatal(err)
	}
	suite, err := policy.LoadSuite("testdata/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cl := classify.New(classify.DefaultConfig())
	results := set.Run(suite, func(command, cwd string, env map[string]string) []keyturn.Effect {
		if env == nil {
			env = map[string]string{"HOME": "/home/dev"}
		}
		return cl.Shell(command, classify.Context{Cwd: cwd, Env: env})
	})
	for _, r := range results {
		if r.Failure != "" {
			t.Error(policy.FormatFailure(r))
		}
	}
	if p, f := policy.Summary(results); p+f < 40 {
		t.Fatalf("only %d cases", p+f)
	}
}
