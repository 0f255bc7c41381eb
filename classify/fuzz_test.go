package classify

import (
	"strings"
	"testing"
	"unicode/utf8"

	"keyturn"
)

// FuzzShell: the classifier never panics, always returns at least one
// effect with a valid class, and its work stays within the line's linear
// budget. Seeded from the command table.
func FuzzShell(f *testing.F) {
	for _, tc := range loadTable(f) {
		f.Add(tc.command)
	}
	f.Add("f(){ f;f;f;f;f;f;f;f; }; f")
	f.Add(strings.Repeat("bash -c '", 30) + "rm -rf /")
	f.Add(strings.Repeat("$(", 100) + strings.Repeat(")", 100))
	cl := New(DefaultConfig())
	f.Fuzz(func(t *testing.T, line string) {
		var out []keyturn.Effect
		s := cl.newState(testContext, &out)
		s.work.limit = workPerByte*len(line) + workBase
		s.script(line, "command")
		// The budget may be overrun by one step's cost at most.
		if s.work.spent > s.work.limit+workPerByte*len(line)+workBase {
			t.Fatalf("work %d for a %d-byte line (limit %d)", s.work.spent, len(line), s.work.limit)
		}
		effects := cl.Shell(line, testContext)
		if len(effects) == 0 {
			t.Fatal("no effects")
		}
		for _, e := range effects {
			if !e.Class.Valid() {
				t.Fatalf("invalid class %q", e.Class)
			}
		}
		if len(effects) > 2*len(line)+10 {
			t.Fatalf("%d effects for a %d-byte line", len(effects), len(line))
		}
	})
}

// The destructive commands and wrappers of FuzzWrappedDestructive. Each
// command is destructive by itself; every wrapper runs it.
var destructiveCommands = []string{
	"rm -rf /etc",
	"git push --force origin main",
	"kubectl --context prod delete ns payments",
	"terraform destroy -auto-approve",
	"aws ec2 terminate-instances --instance-ids i-0abc",
	"dd if=/dev/zero of=/dev/sda",
	"mkfs.ext4 /dev/sdb1",
	"psql -h db.prod.example.com -c 'DROP TABLE users'",
	"docker system prune -af",
	"helm uninstall api",
	"systemctl stop nginx",
	"gcloud compute instances delete vm1 --project acme-prod",
	"git reset --hard HEAD~3",
	"shred -u /etc/passwd",
	"redis-cli -h cache.prod FLUSHALL",
	"chmod -R 000 /",
}

var wrappers = []func(string) string{
	func(c string) string { return c },
	func(c string) string { return "sudo " + c },
	func(c string) string { return "sudo -u root -E " + c },
	func(c string) string { return "env A=1 " + c },
	func(c string) string { return "nice -n 10 " + c },
	func(c string) string { return "nohup " + c + " &" },
	func(c string) string { return "timeout 30 " + c },
	func(c string) string { return "time " + c },
	func(c string) string { return "stdbuf -oL " + c },
	func(c string) string { return "ionice -c3 " + c },
	func(c string) string { return "command " + c },
	func(c string) string { return "exec " + c },
	func(c string) string { return "doas " + c },
	func(c string) string { return "bash -c " + quote(c) },
	func(c string) string { return "sh -c " + quote(c) },
	func(c string) string { return "zsh -lc " + quote(c) },
	func(c string) string { return "bash <<'EOF'\n" + c + "\nEOF" },
	func(c string) string { return "sh <<< " + quote(c) },
	func(c string) string { return "echo " + quote(c) + " | bash" },
	func(c string) string { return "echo $(" + c + ")" },
	func(c string) string { return "x=`" + c + "`" },
	func(c string) string { return "(" + c + ")" },
	func(c string) string { return "{ " + c + "; }" },
	func(c string) string { return "if true; then " + c + "; fi" },
	func(c string) string { return "for i in 1; do " + c + "; done" },
	func(c string) string { return "while false; do " + c + "; done" },
	func(c string) string { return "case x in x) " + c + ";; esac" },
	func(c string) string { return "f() { " + c + "; }; f" },
	func(c string) string { return "ls && " + c },
	func(c string) string { return "false || " + c },
	func(c string) string { return "cat /dev/null | " + c },
	func(c string) string { return "ssh admin@host1 " + quote(c) },
	func(c string) string { return "watch -n 5 " + quote(c) },
	func(c string) string { return "eval " + quote(c) },
	func(c string) string { return "timeout 5 sudo env X=1 nice " + c },
	func(c string) string { return "diff <(" + c + ") /dev/null" },
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// FuzzWrappedDestructive: a destructive command reached through any
// wrapper, followed by anything at all, is never read.
func FuzzWrappedDestructive(f *testing.F) {
	f.Add(uint8(0), uint8(0), "")
	f.Add(uint8(5), uint8(3), "echo done")
	f.Add(uint8(13), uint8(1), "'")
	f.Add(uint8(20), uint8(7), "rm() { :; }")
	cl := New(DefaultConfig())
	f.Fuzz(func(t *testing.T, wi, ci uint8, tail string) {
		if !utf8.ValidString(tail) {
			return
		}
		line := wrappers[int(wi)%len(wrappers)](destructiveCommands[int(ci)%len(destructiveCommands)])
		if tail != "" {
			line += "\n" + tail
		}
		effects := cl.Shell(line, testContext)
		if c := keyturn.StrictestClass(effects); c == keyturn.Read || c == keyturn.Write {
			t.Fatalf("%q is %s%s", line, c, describe(effects))
		}
	})
}

// Every wrapper over every destructive command: the whole grid, every run.
func TestWrappedDestructiveGrid(t *testing.T) {
	cl := New(DefaultConfig())
	for _, c := range destructiveCommands {
		if got := keyturn.StrictestClass(cl.Shell(c, testContext)); got != keyturn.Destructive {
			t.Errorf("%q alone is %s, want destructive", c, got)
		}
		for i, w := range wrappers {
			line := w(c)
			effects := cl.Shell(line, testContext)
			if got := keyturn.StrictestClass(effects); got == keyturn.Read || got == keyturn.Write {
				t.Errorf("wrapper %d: %q is %s%s", i, line, got, describe(effects))
			}
		}
	}
}

// Pathological lines finish within their budget and say they gave up.
func TestPathologicalLines(t *testing.T) {
	cl := New(DefaultConfig())
	for _, line := range []string{
		"f(){ f;f;f;f;f;f;f;f;f;f; }; f",
		"find " + strings.Repeat("/a ", 2000) + "-exec rm " + strings.Repeat("x ", 2000) + "\\;",
		strings.Repeat("bash -c \"", 40) + "rm -rf /" + strings.Repeat("\"", 40),
	} {
		effects := cl.Shell(line, testContext)
		if c := keyturn.StrictestClass(effects); c == keyturn.Read || c == keyturn.Write {
			t.Errorf("%.60q… is %s", line, c)
		}
	}
}
