package main

import (
	"testing"

	"keyturn"
	"keyturn/classify"
	"keyturn/policy"
)

// keyturn exec runs the command with the caller's whole environment, so
// every variable the server's classifier would read must reach the server:
// one it left out was judged absent and then used by the command.
func TestExecSendsWhatChangesTheCommand(t *testing.T) {
	environ := []string{"GIT_SSH_COMMAND=rm -rf ~", "TF_CLI_ARGS_apply=-auto-approve", "PGHOSTADDR=10.0.0.5",
		"TERM=xterm", "SHLVL=2"}
	a, err := argvAction([]string{"git", "fetch", "origin"}, "/w", environ)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"GIT_SSH_COMMAND", "TF_CLI_ARGS_apply", "PGHOSTADDR"} {
		if _, ok := a.Env[name]; !ok {
			t.Errorf("%s is not sent: the server judges the command without it", name)
		}
	}
	for _, name := range []string{"TERM", "SHLVL"} {
		if _, ok := a.Env[name]; ok {
			t.Errorf("%s is sent: it changes nothing and would only change the digest", name)
		}
	}
	// And what is sent is judged: git fetch over an ssh command that
	// deletes the home directory is not a read.
	set, err := policy.Default()
	if err != nil {
		t.Fatal(err)
	}
	effects := classify.New(nil).Shell(a.Command, classify.Context{Cwd: a.Cwd, Env: a.Env})
	if d := set.Decide(effects, policy.Input{Agent: "bot", Operator: "olivia"}); d.Outcome == keyturn.Allow {
		t.Errorf("git fetch with GIT_SSH_COMMAND='rm -rf ~' is allowed: %v", effects)
	}
}
