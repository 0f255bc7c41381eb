package classify

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"keyturn"
)

// The command table: testdata/commands/*.tsv, one case per line:
//
//	CLASS <TAB> OPERATION <TAB> ENVIRONMENT <TAB> COMMAND
//
// CLASS is the strictest class of the line's effects. OPERATION and
// ENVIRONMENT, unless "-", must be those of an effect with that class.
// Lines starting with # are comments. Every case runs in the workspace
// /home/dev/project (which does not exist, so it is the workspace as it
// stands) with HOME=/home/dev and TMPDIR=/tmp.

var testContext = Context{
	Cwd: "/home/dev/project",
	Env: map[string]string{"HOME": "/home/dev", "TMPDIR": "/tmp", "USER": "dev"},
}

type tableCase struct {
	file    string
	line    int
	class   keyturn.Class
	op      string
	env     string
	command string
}

func loadTable(t testing.TB) []tableCase {
	files, err := filepath.Glob("testdata/commands/*.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var cases []tableCase
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		n := 0
		for sc.Scan() {
			n++
			line := sc.Text()
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
				continue
			}
			cols := strings.SplitN(line, "\t", 4)
			if len(cols) != 4 {
				t.Fatalf("%s:%d: want 4 tab-separated columns, got %d", name, n, len(cols))
			}
			class, err := keyturn.ParseClass(cols[0])
			if err != nil {
				t.Fatalf("%s:%d: %v", name, n, err)
			}
			// \n in the command column stands for a newline (here-documents).
			cmd := strings.ReplaceAll(cols[3], `\n`, "\n")
			cases = append(cases, tableCase{filepath.Base(name), n, class, cols[1], cols[2], cmd})
		}
		f.Close()
	}
	return cases
}

func TestCommandTable(t *testing.T) {
	cases := loadTable(t)
	cl := New(DefaultConfig())
	for _, tc := range cases {
		effects := cl.Shell(tc.command, testContext)
		got := keyturn.StrictestClass(effects)
		if got != tc.class {
			t.Errorf("%s:%d: %q\n\tclass %s, want %s\n\teffects: %s", tc.file, tc.line, tc.command, got, tc.class, describe(effects))
			continue
		}
		if tc.op == "-" && tc.env == "-" {
			continue
		}
		found := false
		for _, e := range effects {
			if e.Class == tc.class && (tc.op == "-" || e.Operation == tc.op) && (tc.env == "-" || string(e.Environment) == tc.env) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s:%d: %q\n\tno %s effect with operation %q in environment %q\n\teffects: %s", tc.file, tc.line, tc.command, tc.class, tc.op, tc.env, describe(effects))
		}
	}
	t.Logf("%d commands", len(cases))
}

func describe(effects []keyturn.Effect) string {
	var b strings.Builder
	for _, e := range effects {
		b.WriteString("\n\t\t")
		b.WriteString(e.Tool + " | " + e.Operation + " | " + string(e.Class) + " | " + string(e.Environment) + " | " + strings.Join(e.Targets, ",") + " | " + e.Note)
	}
	return b.String()
}
