package classify_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"keyturn"
)

// Every variable the classifier reads from the action's environment must be
// one the digest binds (keyturn.MeaningfulEnv): the gateway drops the others
// before classifying, and keyturn exec sends only those. A variable read
// here but not bound would be judged absent while the command uses it.
func TestEveryVariableReadIsBound(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	read := regexp.MustCompile(`env\["([A-Z][A-Z0-9_]*)"\]`)
	// bash does not take IFS from its environment.
	ignored := map[string]bool{"IFS": true}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range read.FindAllStringSubmatch(string(b), -1) {
			if !ignored[m[1]] && !keyturn.MeaningfulEnv(m[1]) {
				t.Errorf("%s reads %s, which the digest does not bind (add it to keyturn's meaningfulEnv)", f, m[1])
			}
		}
	}
	for _, name := range []string{"GIT_SSH_COMMAND", "GIT_CONFIG_KEY_0", "TF_CLI_ARGS_apply", "AWS_PROFILE"} {
		if !keyturn.MeaningfulEnv(name) {
			t.Errorf("%s is not bound", name)
		}
	}
}
