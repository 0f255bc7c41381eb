package hook

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"keyturn"
)

func parse(t *testing.T, file string) *Input {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var in *Input
	switch {
	case strings.HasPrefix(file, "claude-"):
		in, err = ParseClaude(b)
	case strings.HasPrefix(file, "codex-"):
		in, err = ParseCodex(b)
	default:
		in, err = ParseKiro(b)
	}
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return in
}

func TestParseRealPayloads(t *testing.T) {
	for _, tc := range []struct {
		file                   string
		kind                   keyturn.Kind
		command, path, content string
		server, tool           string
		local                  bool
		readCommand            string
		reason                 string
	}{
		{file: "claude-bash.json", kind: keyturn.KindShell, command: "kubectl --context prod-eu delete ns payments", reason: "Delete the leftover payments namespace"},
		{file: "claude-write.json", kind: keyturn.KindFileWrite, path: "/home/dev/project/.claude/settings.json", content: "{\"hooks\":{}}\n"},
		{file: "claude-edit.json", kind: keyturn.KindFileWrite, path: "/home/dev/project/main.go", content: `fmt.Println("hello")`},
		{file: "claude-multiedit.json", kind: keyturn.KindFileWrite, path: "/home/dev/project/main.go", content: "b\nd"},
		{file: "claude-notebookedit.json", kind: keyturn.KindFileWrite, path: "/home/dev/project/analysis.ipynb", content: "print(1)"},
		{file: "claude-mcp.json", kind: keyturn.KindMCPTool, server: "postgres", tool: "run_sql"},
		{file: "claude-webfetch.json", kind: keyturn.KindMCPTool, server: "claude-code", tool: "WebFetch"},
		{file: "claude-read.json", local: true, readCommand: "cat -- /home/dev/project/README.md"},
		{file: "codex-bash.json", kind: keyturn.KindShell, command: "kubectl --context prod-eu delete ns payments"},
		{file: "codex-argv.json", kind: keyturn.KindShell, command: "bash -lc 'rm -rf build'"},
		{file: "codex-apply-patch.json", kind: keyturn.KindFileWrite, content: "*** Begin Patch\n*** Update File: .codex/config.toml\n@@\n-[hooks]\n+\n*** End Patch\n"},
		{file: "codex-mcp.json", kind: keyturn.KindMCPTool, server: "s3", tool: "delete_bucket"},
		{file: "kiro-execute-bash.json", kind: keyturn.KindShell, command: "kubectl --context prod-eu delete ns payments", reason: "remove the leftover namespace"},
		{file: "kiro-fs-write.json", kind: keyturn.KindFileWrite, path: "/home/dev/project/.kiro/agents/default.json", content: `"nohooks"`, reason: "tidy"},
		{file: "kiro-use-aws.json", kind: keyturn.KindMCPTool, server: "kiro", tool: "use_aws"},
		{file: "kiro-mcp.json", kind: keyturn.KindMCPTool, server: "git", tool: "git_push"},
		{file: "kiro-fs-read.json", local: true, readCommand: "cat -- /home/dev/project/README.md /home/dev/project/src"},
	} {
		in := parse(t, tc.file)
		if in.Local != tc.local || in.ReadCommand != tc.readCommand {
			t.Errorf("%s: local %v %q, want %v %q", tc.file, in.Local, in.ReadCommand, tc.local, tc.readCommand)
		}
		if tc.local {
			if in.Action != nil {
				t.Errorf("%s: a local tool has an action", tc.file)
			}
			continue
		}
		a := in.Action
		if a == nil {
			t.Fatalf("%s: no action", tc.file)
		}
		if a.Kind != tc.kind || a.Command != tc.command || a.Path != tc.path || a.Content != tc.content ||
			a.Server != tc.server || a.Tool != tc.tool || a.Reason != tc.reason || a.Cwd != "/home/dev/project" {
			t.Errorf("%s: got %+v", tc.file, a)
		}
		if a.Kind == keyturn.KindMCPTool && !json.Valid(a.Arguments) {
			t.Errorf("%s: arguments %q", tc.file, a.Arguments)
		}
	}
}

func TestParseRefusesHostileInput(t *testing.T) {
	good, err := os.ReadFile("testdata/claude-bash.json")
	if err != nil {
		t.Fatal(err)
	}
	big := `{"hook_event_name":"PreToolUse","cwd":"/x","tool_name":"Bash","tool_input":{"command":"` + strings.Repeat("a", MaxInput) + `"}}`
	for name, input := range map[string]string{
		"empty":           "",
		"garbage":         "rm -rf /",
		"array":           `[{"tool_name":"Bash"}]`,
		"truncated":       string(good[:len(good)/2]),
		"trailing":        string(good) + `{"tool_name":"Read"}`,
		"oversized":       big,
		"other event":     `{"hook_event_name":"PostToolUse","cwd":"/x","tool_name":"Bash","tool_input":{"command":"ls"}}`,
		"relative cwd":    `{"hook_event_name":"PreToolUse","cwd":"x","tool_name":"Bash","tool_input":{"command":"ls"}}`,
		"no tool":         `{"hook_event_name":"PreToolUse","cwd":"/x","tool_input":{"command":"ls"}}`,
		"input not obj":   `{"hook_event_name":"PreToolUse","cwd":"/x","tool_name":"Bash","tool_input":"ls"}`,
		"no input":        `{"hook_event_name":"PreToolUse","cwd":"/x","tool_name":"Bash"}`,
		"command number":  `{"hook_event_name":"PreToolUse","cwd":"/x","tool_name":"Bash","tool_input":{"command":42}}`,
		"empty command":   `{"hook_event_name":"PreToolUse","cwd":"/x","tool_name":"Bash","tool_input":{"command":"  "}}`,
		"write no path":   `{"hook_event_name":"PreToolUse","cwd":"/x","tool_name":"Write","tool_input":{"content":"x"}}`,
		"unknown not obj": `{"hook_event_name":"PreToolUse","cwd":"/x","tool_name":"Frobnicate","tool_input":[1]}`,
	} {
		in, err := ParseClaude([]byte(input))
		if err == nil {
			t.Errorf("%s: accepted: %+v", name, in)
			continue
		}
		if c := keyturn.ErrorCode(err); c != keyturn.EINVALID && c != keyturn.ETOOLARGE {
			t.Errorf("%s: code %s: %v", name, c, err)
		}
	}
	for name, input := range map[string]string{
		"codex empty argv":   `{"hook_event_name":"PreToolUse","cwd":"/x","tool_name":"Bash","tool_input":{"command":[]}}`,
		"codex object":       `{"hook_event_name":"PreToolUse","cwd":"/x","tool_name":"Bash","tool_input":{"command":{"a":1}}}`,
		"codex claude event": `{"hook_event_name":"preToolUse","cwd":"/x","tool_name":"Bash","tool_input":{"command":"ls"}}`,
	} {
		if _, err := ParseCodex([]byte(input)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for name, input := range map[string]string{
		"kiro write no path": `{"hook_event_name":"preToolUse","cwd":"/x","tool_name":"fs_write","tool_input":{"command":"create","file_text":"x"}}`,
		"kiro other home":    `{"hook_event_name":"preToolUse","cwd":"/x","tool_name":"fs_write","tool_input":{"command":"create","path":"~root/.ssh/authorized_keys","file_text":"x"}}`,
		"kiro read nothing":  `{"hook_event_name":"preToolUse","cwd":"/x","tool_name":"fs_read","tool_input":{"operations":[]}}`,
		"kiro stop event":    `{"hook_event_name":"stop","cwd":"/x"}`,
	} {
		if _, err := ParseKiro([]byte(input)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestUnknownToolsAreNeverLocal(t *testing.T) {
	for _, tool := range []string{"Frobnicate", "WebSearch", "KillShell", "SlashCommand"} {
		in, err := ParseClaude([]byte(`{"hook_event_name":"PreToolUse","cwd":"/x","tool_name":"` + tool + `","tool_input":{}}`))
		if err != nil || in.Local || in.Action == nil || in.Action.Kind != keyturn.KindMCPTool || in.Action.Server != ClaudeCode {
			t.Errorf("%s: %+v %v", tool, in, err)
		}
	}
	in, err := ParseKiro([]byte(`{"hook_event_name":"preToolUse","cwd":"/x","tool_name":"web_fetch","tool_input":{"url":"https://x"}}`))
	if err != nil || in.Local || in.Action.Server != Kiro {
		t.Errorf("kiro web_fetch: %+v %v", in, err)
	}
	in, err = ParseCodex([]byte(`{"hook_event_name":"PreToolUse","cwd":"/x","tool_name":"view_image","tool_input":{"path":"/x/a.png"}}`))
	if err != nil || in.Local || in.Action.Server != Codex {
		t.Errorf("codex view_image: %+v %v", in, err)
	}
}

func TestKiroHomeAndWorkingDir(t *testing.T) {
	t.Setenv("HOME", "/home/dev")
	in, err := ParseKiro([]byte(`{"hook_event_name":"preToolUse","cwd":"/x","tool_name":"execute_bash","tool_input":{"command":"ls","working_dir":"~/src"}}`))
	if err != nil || in.Action.Cwd != "/home/dev/src" {
		t.Fatalf("%+v %v", in, err)
	}
	in, err = ParseKiro([]byte(`{"hook_event_name":"preToolUse","cwd":"/x","tool_name":"fs_write","tool_input":{"command":"create","path":"~/.kiro/agents/a.json","file_text":"{}"}}`))
	if err != nil || in.Action.Path != "/home/dev/.kiro/agents/a.json" {
		t.Fatalf("%+v %v", in, err)
	}
}

func TestResponses(t *testing.T) {
	for _, tc := range []struct {
		agent          string
		d              Decision
		stdout, stderr string
		code           int
	}{
		{ClaudeCode, Allow, `{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow","permissionDecisionReason":"ok"}}` + "\n", "", 0},
		{ClaudeCode, Ask, `{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"ask","permissionDecisionReason":"ok"}}` + "\n", "", 0},
		{ClaudeCode, Deny, `{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"ok"}}` + "\n", "", 0},
		{ClaudeCode, "nonsense", `{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"ok"}}` + "\n", "", 0},
		{Codex, Allow, "", "", 0},
		{Codex, Ask, "", "ok\n", 2},
		{Codex, Deny, "", "ok\n", 2},
		{Kiro, Allow, "", "", 0},
		{Kiro, Ask, "", "ok\n", 2},
		{Kiro, Deny, "", "ok\n", 2},
		{"cursor", Allow, "", "ok\n", 2},
	} {
		r := Respond(tc.agent, tc.d, "ok")
		if string(r.Stdout) != tc.stdout || string(r.Stderr) != tc.stderr || r.Code != tc.code {
			t.Errorf("%s %s: %q %q %d", tc.agent, tc.d, r.Stdout, r.Stderr, r.Code)
		}
	}
	// A block always says something: Codex fails open on exit 2 with an
	// empty stderr.
	for _, agent := range []string{Codex, Kiro} {
		if r := Respond(agent, Deny, " \x1b[2K\r "); r.Code != 2 || strings.TrimSpace(string(r.Stderr)) == "" || strings.ContainsAny(string(r.Stderr), "\x1b\r") {
			t.Errorf("%s: empty reason: %q", agent, r.Stderr)
		}
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, parse := range []func([]byte) (*Input, error){ParseClaude, ParseCodex, ParseKiro} {
			in, err := parse(b)
			if err != nil {
				continue
			}
			if in.Local == (in.Action != nil) {
				t.Fatalf("local %v with action %+v", in.Local, in.Action)
			}
		}
	})
}
