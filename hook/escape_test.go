package hook

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"keyturn/classify"
)

// A relative path that climbs out of a link must be judged where the kernel
// writes it: with p -> ~/.claude/projects, p/../settings.json is
// ~/.claude/settings.json, not cwd/settings.json. The hook must not clean
// the path lexically before the classifier follows the links.
func TestRelativePathThroughLinkIsSelfProtected(t *testing.T) {
	home := t.TempDir()
	ws := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".claude", "projects"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(home, ".claude", "projects"), filepath.Join(ws, "p")); err != nil {
		t.Fatal(err)
	}
	cl := classify.New(&classify.Config{})
	payload := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for name, parse := range map[string]func() (*Input, error){
		"kiro fs_write": func() (*Input, error) {
			return ParseKiro(payload(map[string]any{"hook_event_name": "preToolUse", "cwd": ws, "tool_name": "fs_write",
				"tool_input": map[string]any{"command": "create", "path": "p/../settings.json", "file_text": "{}"}}))
		},
		"claude Write": func() (*Input, error) {
			return ParseClaude(payload(map[string]any{"hook_event_name": "PreToolUse", "cwd": ws, "tool_name": "Write",
				"tool_input": map[string]any{"file_path": "p/../settings.json", "content": "{}"}}))
		},
		"codex workdir": func() (*Input, error) {
			return ParseCodex(payload(map[string]any{"hook_event_name": "PreToolUse", "cwd": ws, "tool_name": "Bash",
				"tool_input": map[string]any{"command": "echo {} > settings.json", "workdir": "p/.."}}))
		},
		"kiro working_dir": func() (*Input, error) {
			return ParseKiro(payload(map[string]any{"hook_event_name": "preToolUse", "cwd": ws, "tool_name": "execute_bash",
				"tool_input": map[string]any{"command": "echo {} > settings.json", "working_dir": "p/.."}}))
		},
	} {
		in, err := parse()
		if err != nil {
			continue // refused: blocked, which is fine
		}
		effects := cl.Action(in.Action)
		self := false
		for _, e := range effects {
			if e.SelfModify {
				self = true
			}
		}
		if !self {
			t.Errorf("%s: a write landing in %s/.claude/settings.json is not self-protected: %+v", name, home, effects)
		}
	}
}
