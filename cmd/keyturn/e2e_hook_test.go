package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"keyturn"
	khttp "keyturn/http"
)

// hookProcess runs `keyturn hook AGENT` as the agent runs it: its own
// process, the payload on stdin, the answer on stdout and the exit status.
func (s *server) hookProcess(token, agent string, payload []byte, args ...string) (int, string, string) {
	s.t.Helper()
	cmd := keyturnCmd(s.t, s.home, []string{"KEYTURN_URL=" + s.url, "KEYTURN_TOKEN=" + token},
		append([]string{"hook", agent}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(payload), &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

func claudeBash(command string) []byte {
	b, _ := json.Marshal(map[string]any{
		"session_id": "s1", "transcript_path": "/tmp/t.jsonl", "cwd": "/home/dev/project",
		"permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash",
		"tool_input": map[string]any{"command": command}, "tool_use_id": "toolu_1",
	})
	return b
}

// claude runs the Claude Code hook and reads its answer; anything but a
// well-formed answer with exit 0 is a failure.
func (s *server) claude(token string, payload []byte, args ...string) (decision, reason string) {
	t := s.t
	t.Helper()
	code, stdout, stderr := s.hookProcess(token, "claude-code", payload, args...)
	var out struct {
		HookSpecificOutput struct {
			HookEventName            string `json:"hookEventName"`
			PermissionDecision       string `json:"permissionDecision"`
			PermissionDecisionReason string `json:"permissionDecisionReason"`
		} `json:"hookSpecificOutput"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &out) != nil || out.HookSpecificOutput.HookEventName != "PreToolUse" {
		t.Fatalf("not a Claude Code answer: exit %d\n%s%s", code, stdout, stderr)
	}
	return out.HookSpecificOutput.PermissionDecision, out.HookSpecificOutput.PermissionDecisionReason
}

// Issue 4 §5: a real keyturn serve; the hook run as Claude Code runs it; a
// destructive prod command is held, two approvers approve through the API,
// and the same command then passes once.
func TestEndToEndClaudeCodeHook(t *testing.T) {
	s := startServer(t, t.TempDir())
	_, bob, carol, agentToken := s.people()
	const line = "kubectl --context prod-eu delete ns payments"

	// A read passes at once.
	if d, _ := s.claude(agentToken, claudeBash("ls -la")); d != "allow" {
		t.Fatalf("ls: %s", d)
	}
	// The prod delete is held: after a short wait, deny naming the request.
	d, reason := s.claude(agentToken, claudeBash(line), "--wait", "1s")
	if d != "deny" || !strings.Contains(reason, "r_") || !strings.Contains(reason, "bob") {
		t.Fatalf("held prod delete: %s: %s", d, reason)
	}
	agent := khttp.NewClient(s.url, agentToken)
	rs, err := agent.Requests(context.Background(), keyturn.RequestFilter{State: keyturn.StatePending})
	if err != nil || len(rs) != 1 {
		t.Fatalf("pending requests: %v, %v", rs, err)
	}
	r := rs[0]
	if !strings.Contains(reason, r.ID) {
		t.Fatalf("the reason does not name %s: %s", r.ID, reason)
	}
	// Two peers approve through the API.
	for _, tok := range []string{bob, carol} {
		if _, err := khttp.NewClient(s.url, tok).Approve(context.Background(), r.ID, r.Digest, "ok"); err != nil {
			t.Fatal(err)
		}
	}
	// The same command passes once, then is held again.
	if d, reason := s.claude(agentToken, claudeBash(line), "--wait", "1s"); d != "allow" {
		t.Fatalf("after two approvals: %s: %s", d, reason)
	}
	if d, _ := s.claude(agentToken, claudeBash(line), "--wait", "1s"); d != "deny" {
		t.Fatalf("the grant must allow one run; the second got %s", d)
	}
	// An agent cannot edit its own guard.
	write, _ := json.Marshal(map[string]any{"session_id": "s1", "cwd": "/home/dev/project", "hook_event_name": "PreToolUse",
		"tool_name": "Write", "tool_input": map[string]any{"file_path": "/home/dev/project/.claude/settings.json", "content": "{}"}})
	if d, _ := s.claude(agentToken, write); d != "deny" {
		t.Fatalf("a write to .claude/settings.json: %s", d)
	}
	// With the server gone the hook still answers, and lets only reads through.
	s.stop()
	if d, _ := s.claude(agentToken, claudeBash("ls -la")); d != "allow" {
		t.Fatalf("ls without a server: %s", d)
	}
	if d, _ := s.claude(agentToken, claudeBash("rm -rf build")); d != "deny" {
		t.Fatalf("rm without a server: %s", d)
	}
}
