package classify

import (
	"os"
	"path/filepath"
	"testing"
)

func TestShellWriteThroughLinkDotDotIsSelf(t *testing.T) {
	home, ws := t.TempDir(), t.TempDir()
	os.MkdirAll(filepath.Join(home, ".claude", "projects"), 0o755)
	os.Symlink(filepath.Join(home, ".claude", "projects"), filepath.Join(ws, "p"))
	for _, line := range []string{"echo {} > p/../settings.json", "cp x p/../settings.json", "tee p/../settings.json"} {
		self := false
		for _, e := range New(&Config{}).Shell(line, Context{Cwd: ws}) {
			self = self || e.SelfModify
		}
		if !self {
			t.Errorf("%s: not self-protected", line)
		}
	}
}

func TestShellWriteThroughNewLinkDotDotIsNotKnown(t *testing.T) {
	ws := t.TempDir()
	line := "ln -s /somewhere/.claude/projects p && echo {} > p/../settings.json"
	for _, e := range New(&Config{}).Shell(line, Context{Cwd: ws}) {
		if e.Operation != "ln" && e.Class == "write" && e.Environment == "workspace" && !e.SelfModify {
			t.Errorf("%s: %+v judged a plain workspace write", line, e)
		}
	}
}
