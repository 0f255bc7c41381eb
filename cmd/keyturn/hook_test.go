package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"keyturn"
	khttp "keyturn/http"
)

// The hook tests run `keyturn hook AGENT` in process, as the agent runs it
// (the tool call on stdin; stdout, stderr and the exit status read back),
// against the real gateway of newAPIServer.

// hookStart runs keyturn hook with stdin as who, against url.
func (s *apiServer) hookStart(url, who string, stdin io.Reader, args ...string) *cliRun {
	environ := []string{"KEYTURN_URL=" + url, "KEYTURN_TOKEN=" + s.tokens[who], "HOME=" + s.home, "PATH=" + os.Getenv("PATH")}
	vars := processEnv(environ)
	r := &cliRun{done: make(chan struct{})}
	e := &env{ctx: context.Background(), stdin: stdin, stdout: &r.stdout, stderr: &r.stderr,
		getenv: func(k string) string { return vars[k] }, environ: func() []string { return environ },
		getwd: func() (string, error) { return s.work, nil }}
	go func() {
		defer close(r.done)
		r.code = e.main(append([]string{"hook"}, args...))
	}()
	return r
}

func (s *apiServer) hookRun(url, agent, stdin string, args ...string) (int, string, string) {
	s.t.Helper()
	r := s.hookStart(url, "bot", strings.NewReader(stdin), append([]string{agent}, args...)...)
	r.wait(s.t)
	return r.code, r.stdout.String(), r.stderr.String()
}

// payload is a real-shaped pre-tool-use call of agent.
func payload(agent, cwd, tool string, input any) string {
	in, _ := json.Marshal(input)
	var m map[string]any
	switch agent {
	case "claude-code":
		m = map[string]any{"session_id": "abc123", "transcript_path": "/tmp/t.jsonl", "cwd": cwd, "permission_mode": "default",
			"hook_event_name": "PreToolUse", "tool_name": tool, "tool_input": json.RawMessage(in), "tool_use_id": "toolu_01"}
	case "codex":
		m = map[string]any{"session_id": "s", "turn_id": "1", "transcript_path": nil, "cwd": cwd, "hook_event_name": "PreToolUse",
			"model": "gpt-5.5", "permission_mode": "default", "tool_name": tool, "tool_input": json.RawMessage(in), "tool_use_id": "call_1"}
	default:
		m = map[string]any{"hook_event_name": "preToolUse", "cwd": cwd, "tool_name": tool, "tool_input": json.RawMessage(in)}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// shellTool is the name of the shell tool of agent.
func shellTool(agent string) string {
	if agent == "kiro" {
		return "execute_bash"
	}
	return "Bash"
}

func bash(agent, cwd, command string) string {
	return payload(agent, cwd, shellTool(agent), map[string]string{"command": command})
}

// claudeDecision reads Claude Code's answer: the decision and its reason.
func claudeDecision(t *testing.T, code int, out, errs string) (string, string) {
	t.Helper()
	if code != 0 {
		t.Errorf("claude-code hook: exit %d, want 0 with JSON\nstdout: %s\nstderr: %s", code, out, errs)
		return "invalid", errs
	}
	var o struct {
		HookSpecificOutput struct {
			HookEventName            string `json:"hookEventName"`
			PermissionDecision       string `json:"permissionDecision"`
			PermissionDecisionReason string `json:"permissionDecisionReason"`
		} `json:"hookSpecificOutput"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil || o.HookSpecificOutput.HookEventName != "PreToolUse" {
		t.Errorf("claude-code hook: stdout is not its decision JSON (%v): %q", err, out)
		return "invalid", out
	}
	return o.HookSpecificOutput.PermissionDecision, o.HookSpecificOutput.PermissionDecisionReason
}

// blocked reports whether the answer blocks the call, in the agent's way.
func blocked(t *testing.T, agent string, code int, out, errs string) (bool, string) {
	t.Helper()
	if agent == "claude-code" {
		d, reason := claudeDecision(t, code, out, errs)
		if d == "ask" {
			t.Errorf("claude-code hook asked where it should allow or block: %s", reason)
		}
		return d != "allow", reason
	}
	switch {
	case code == 0 && out == "" && errs == "":
		return false, ""
	case code == 2 && strings.TrimSpace(errs) != "":
		return true, errs
	}
	// Errorf, not Fatalf: blocked runs in the hanging-server test's
	// goroutines too.
	t.Errorf("%s hook: exit %d, stdout %q, stderr %q: neither an allow nor a block it honours", agent, code, out, errs)
	return false, ""
}

var agents = []string{"claude-code", "codex", "kiro"}

func TestHookAllowAndDeny(t *testing.T) {
	s := newAPIServer(t)
	for _, agent := range agents {
		code, out, errs := s.hookRun(s.http.URL, agent, bash(agent, s.work, "ls -la"))
		if b, why := blocked(t, agent, code, out, errs); b {
			t.Errorf("%s: ls was blocked: %s", agent, why)
		}
	}
	// A freeze denies every write.
	if code, _, errs := s.cli("admin", "freeze", "on", "-m", "release day"); code != exitOK {
		t.Fatalf("freeze: %d %s", code, errs)
	}
	target := filepath.Join(s.work, "new-file")
	for _, agent := range agents {
		code, out, errs := s.hookRun(s.http.URL, agent, bash(agent, s.work, "touch "+target))
		b, why := blocked(t, agent, code, out, errs)
		if !b || !strings.Contains(why, "denied") || !strings.Contains(why, "freeze") {
			t.Errorf("%s: a write during a freeze: blocked %v: %s", agent, b, why)
		}
	}
}

func TestHookAsk(t *testing.T) {
	s := newAPIServer(t)
	// A write outside the workspace: ask.
	line := "touch " + filepath.Join(s.home, "notes.txt")
	code, out, errs := s.hookRun(s.http.URL, "claude-code", bash("claude-code", s.work, line))
	d, reason := claudeDecision(t, code, out, errs)
	if d != "ask" || !strings.Contains(reason, "olivia") {
		t.Fatalf("claude-code: %s %q, want ask naming the operator", d, reason)
	}
	// Claude Code's own prompt is the confirmation: keyturn's request is
	// withdrawn, not left in everyone's pending list.
	rs, err := s.g.Requests(s.as("admin"), keyturn.RequestFilter{})
	if err != nil || len(rs) != 1 || rs[0].State != keyturn.StateCancelled {
		t.Fatalf("claude-code's ask left %d requests (%v): want one, cancelled", len(rs), err)
	}
	// Codex and Kiro cannot ask: they wait for the operator, then block.
	for _, agent := range []string{"codex", "kiro"} {
		code, out, errs := s.hookRun(s.http.URL, agent, bash(agent, s.work, line), "--wait", "200ms")
		b, why := blocked(t, agent, code, out, errs)
		if !b || !requestID.MatchString(why) || !strings.Contains(why, "keyturn confirm") || !strings.Contains(why, "same tool call again") {
			t.Errorf("%s: ask: blocked %v: %s", agent, b, why)
		}
	}
}

func TestHookApprovePendingThenApproved(t *testing.T) {
	line := strings.Join(twoPerson, " ")
	for _, agent := range agents {
		t.Run(agent, func(t *testing.T) {
			s := newAPIServer(t)
			// Not approved within --wait: blocked, naming the request and
			// who may approve it.
			code, out, errs := s.hookRun(s.http.URL, agent, bash(agent, s.work, line), "--wait", "300ms")
			b, why := blocked(t, agent, code, out, errs)
			id := requestID.FindString(why)
			if !b || id == "" {
				t.Fatalf("pending: blocked %v: %s", b, why)
			}
			wantIn(t, "the block", why, "needs 2 approvals", "bob", "carol", "keyturn approve "+id, "same tool call again")

			// Approved while the hook waits: it lets the call through, once.
			run := s.hookStart(s.http.URL, "bot", strings.NewReader(bash(agent, s.work, line)), agent, "--wait", "50s")
			req := s.awaitPending(run)
			if req.ID != id {
				t.Errorf("the same call opened a new request %s, not %s", req.ID, id)
			}
			for _, who := range []string{"bob", "carol"} {
				if _, err := s.g.Approve(s.as(who), req.ID, req.Digest, ""); err != nil {
					t.Fatalf("%s approves: %v", who, err)
				}
			}
			run.wait(t)
			if b, why := blocked(t, agent, run.code, run.stdout.String(), run.stderr.String()); b {
				t.Fatalf("approved during the wait, still blocked: %s", why)
			}
			if r := s.request(id); r.Grant == nil || r.Grant.UsedAt.IsZero() {
				t.Fatalf("the grant was not used: %+v", r.Grant)
			}
			// The grant was for one run.
			code, out, errs = s.hookRun(s.http.URL, agent, bash(agent, s.work, line), "--wait", "100ms")
			if b, _ := blocked(t, agent, code, out, errs); !b {
				t.Fatal("the grant allowed a second run")
			}
		})
	}
}

func TestHookSelfProtection(t *testing.T) {
	s := newAPIServer(t)
	settings := filepath.Join(s.work, ".claude", "settings.json")
	for _, tc := range []struct{ agent, input string }{
		{"claude-code", payload("claude-code", s.work, "Write", map[string]string{"file_path": settings, "content": `{"hooks":{}}`})},
		{"claude-code", payload("claude-code", s.work, "Edit", map[string]string{"file_path": settings, "old_string": "keyturn", "new_string": "true"})},
		{"claude-code", bash("claude-code", s.work, "echo '{}' > "+settings)},
		{"codex", payload("codex", s.work, "apply_patch", map[string]string{"command": "*** Begin Patch\n*** Update File: .codex/hooks.json\n@@\n-keyturn\n+true\n*** End Patch\n"})},
		{"kiro", payload("kiro", s.work, "fs_write", map[string]string{"command": "create", "path": filepath.Join(s.work, ".kiro", "agents", "keyturn.json"), "file_text": "{}"})},
	} {
		code, out, errs := s.hookRun(s.http.URL, tc.agent, tc.input, "--wait", "200ms")
		if b, why := blocked(t, tc.agent, code, out, errs); !b {
			t.Errorf("%s: an agent edited its own guard: %s", tc.agent, tc.input)
		} else if !strings.Contains(why, "denied") {
			// Denied at once needs classify's Action (issue 4, H2); until it
			// lands, file writes are unknown and held, which blocks too.
			t.Logf("%s: blocked, not yet denied at once (classify.Action pending): %s", tc.agent, why)
		}
	}
}

// TestHookReadsStayLocal: a file read never needs the server, but keyturn's
// credentials are not readable.
func TestHookReadsStayLocal(t *testing.T) {
	s := newAPIServer(t)
	readme := filepath.Join(s.work, "README.md")
	login := filepath.Join(s.home, ".config", "keyturn", "login.json")
	for _, agent := range agents {
		read := func(p string) string {
			switch agent {
			case "claude-code":
				return payload(agent, s.work, "Read", map[string]string{"file_path": p})
			case "codex":
				return bash(agent, s.work, "cat "+p)
			}
			return payload(agent, s.work, "fs_read", map[string]any{"operations": []any{map[string]string{"mode": "Line", "path": p}}})
		}
		// No server at all.
		code, out, errs := s.hookRun("http://127.0.0.1:1", agent, read(readme))
		if b, why := blocked(t, agent, code, out, errs); b {
			t.Errorf("%s: reading README.md was blocked: %s", agent, why)
		}
		code, out, errs = s.hookRun(s.http.URL, agent, read(login))
		if b, _ := blocked(t, agent, code, out, errs); !b {
			t.Errorf("%s: reading keyturn's login file was allowed", agent)
		}
	}
}

// failClosedCases are tool calls of every kind that are not reads: none may
// pass without the server.
func failClosedCases(agent, work string) []string {
	victim := filepath.Join(work, "victim")
	cases := []string{
		bash(agent, work, "rm -rf "+victim),
		bash(agent, work, "kubectl --context prod-eu delete ns payments"),
		bash(agent, work, `sh -c 'eval "$X"'`),
		bash(agent, work, "touch "+victim),
	}
	switch agent {
	case "claude-code":
		cases = append(cases,
			payload(agent, work, "Write", map[string]string{"file_path": filepath.Join(work, "a.go"), "content": "package a"}),
			payload(agent, work, "mcp__postgres__run_sql", map[string]string{"sql": "DROP TABLE orders"}),
			payload(agent, work, "WebFetch", map[string]string{"url": "https://example.com"}))
	case "codex":
		cases = append(cases, payload(agent, work, "apply_patch", map[string]string{"command": "*** Begin Patch\n*** Add File: a.go\n+package a\n*** End Patch\n"}))
	case "kiro":
		cases = append(cases,
			payload(agent, work, "use_aws", map[string]any{"service_name": "ec2", "operation_name": "terminate-instances", "region": "us-east-1", "parameters": map[string]string{"instance-ids": "i-1"}}),
			payload(agent, work, "fs_write", map[string]string{"command": "create", "path": filepath.Join(work, "a.go"), "file_text": "package a"}))
	}
	return cases
}

func TestHookFailsClosedWithoutServer(t *testing.T) {
	s := newAPIServer(t)
	s.http.Close()
	for _, agent := range agents {
		code, out, errs := s.hookRun(s.http.URL, agent, bash(agent, s.work, "ls"))
		if b, why := blocked(t, agent, code, out, errs); b {
			t.Errorf("%s: ls without a server was blocked: %s", agent, why)
		}
		for _, in := range failClosedCases(agent, s.work) {
			code, out, errs := s.hookRun(s.http.URL, agent, in)
			if b, _ := blocked(t, agent, code, out, errs); !b {
				t.Errorf("%s: allowed without the server: %s", agent, in)
			}
		}
	}
	// No URL at all, and a token the server refuses.
	if code, out, errs := s.hookRun("", "codex", bash("codex", s.work, "rm -rf "+s.work)); code != 2 || errs == "" || out != "" {
		t.Errorf("no server configured: exit %d %q %q", code, out, errs)
	}
}

func TestHookFailsClosedOnHangingServer(t *testing.T) {
	s := newAPIServer(t)
	hang := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(hang); hs.Close() })
	// Long enough that, past the server's share of it, local judgement has
	// seconds to spare on a loaded machine under -race.
	const timeout = 10 * time.Second
	// The calls run at once: each waits out its own deadline.
	var wg sync.WaitGroup
	for _, agent := range agents {
		for i, in := range append([]string{bash(agent, s.work, "ls")}, failClosedCases(agent, s.work)[:2]...) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				r := s.hookStart(hs.URL, "bot", strings.NewReader(in), agent, "--timeout", timeout.String())
				r.wait(t)
				took := time.Since(start)
				b, why := blocked(t, agent, r.code, r.stdout.String(), r.stderr.String())
				if i == 0 && b {
					t.Errorf("%s: ls blocked on a hanging server: %s", agent, why)
				}
				if i > 0 && !b {
					t.Errorf("%s: allowed on a hanging server: %s", agent, in)
				}
				if took > timeout {
					t.Errorf("%s: answered after %s, past its %s deadline", agent, took, timeout)
				}
			}()
		}
	}
	wg.Wait()
}

func TestHookFailsClosedOnBadInput(t *testing.T) {
	s := newAPIServer(t)
	good := bash("claude-code", s.work, "ls")
	huge := bash("claude-code", s.work, "echo "+strings.Repeat("a", 10<<20))
	for _, agent := range agents {
		for name, in := range map[string]string{
			"garbage":   "rm -rf / please",
			"truncated": good[:len(good)/2],
			"10 MB":     huge,
			"empty":     "",
			"not json":  "\x00\x01\x02",
		} {
			code, out, errs := s.hookRun(s.http.URL, agent, in)
			if b, why := blocked(t, agent, code, out, errs); !b {
				t.Errorf("%s: %s input was allowed", agent, name)
			} else if !strings.Contains(why, "could not be read") {
				t.Errorf("%s: %s: the block does not say why: %s", agent, name, why)
			}
		}
	}
	// Bad arguments block too, and never exit 1.
	for _, args := range [][]string{{"claude-code", "--wait"}, {"codex", "--bogus"}, {"kiro", "extra"}, {"cursor"}, {}} {
		r := s.hookStart(s.http.URL, "bot", strings.NewReader(good), args...)
		r.wait(t)
		if r.code == exitInternal || (r.code == 0 && !strings.Contains(r.stdout.String(), `"deny"`)) {
			t.Errorf("hook %v: exit %d %q %q", args, r.code, r.stdout.String(), r.stderr.String())
		}
	}
}

func TestHookFailsClosedOnPanicAndStuckStdin(t *testing.T) {
	s := newAPIServer(t)
	hookPanic = func() { panic("injected") }
	t.Cleanup(func() { hookPanic = nil })
	for _, agent := range agents {
		code, out, errs := s.hookRun(s.http.URL, agent, bash(agent, s.work, "ls"))
		if b, why := blocked(t, agent, code, out, errs); b {
			t.Errorf("%s: ls blocked after a panic: %s", agent, why)
		}
		for _, in := range failClosedCases(agent, s.work) {
			code, out, errs := s.hookRun(s.http.URL, agent, in)
			if b, _ := blocked(t, agent, code, out, errs); !b {
				t.Errorf("%s: allowed after a panic: %s", agent, in)
			}
		}
	}
	hookPanic = nil
	// An agent that never closes stdin gets a block before the deadline.
	pr, pw := io.Pipe()
	defer pw.Close()
	start := time.Now()
	r := s.hookStart(s.http.URL, "bot", pr, "kiro", "--timeout", "8s")
	r.wait(t)
	if took := time.Since(start); r.code != 2 || !strings.Contains(r.stderr.String(), "within") || took > 8*time.Second {
		t.Errorf("stuck stdin: exit %d after %s: %q", r.code, took, r.stderr.String())
	}
}

// BenchmarkHookRoundTrip measures `keyturn hook claude-code` as Claude Code
// runs it — a new process, the tool call on stdin, the decision on stdout —
// against a server on loopback, for an allowed and a denied call, next to a
// bare `keyturn version`. It reports the median and the 99th percentile.
//
//	go test -run '^$' -bench HookRoundTrip -benchtime 200x ./cmd/keyturn
func BenchmarkHookRoundTrip(b *testing.B) {
	g, _, actx := benchGateway(b)
	token, err := g.EnrollAgent(actx, &keyturn.Agent{Name: "claude-1", Operator: "olivia", Kind: "claude-code"}, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(khttp.NewServer(g, g, khttp.Options{}).Handler())
	defer srv.Close()
	if _, err := g.SetFreeze(actx, true, "benchmark: every write is denied"); err != nil {
		b.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	home, work := b.TempDir(), b.TempDir()
	run := func(stdin string, args ...string) time.Duration {
		cmd := exec.Command(exe, args...)
		cmd.Env = append(os.Environ(), asKeyturn+"=1", "HOME="+home, "KEYTURN_URL="+srv.URL, "KEYTURN_TOKEN="+token)
		cmd.Stdin = strings.NewReader(stdin)
		start := time.Now()
		out, err := cmd.Output()
		took := time.Since(start)
		if err != nil {
			b.Fatalf("keyturn %v: %v\n%s", args, err, out)
		}
		return took
	}
	for _, c := range []struct{ name, stdin, want string }{
		{"version", "", ""},
		{"allow", bash("claude-code", work, "ls -la"), `"allow"`},
		{"deny", bash("claude-code", work, "touch "+filepath.Join(work, "x")), `"deny"`},
	} {
		b.Run(c.name, func(b *testing.B) {
			args := []string{"version"}
			if c.name != "version" {
				args = []string{"hook", "claude-code"}
				cmd := exec.Command(exe, args...)
				cmd.Env = append(os.Environ(), asKeyturn+"=1", "HOME="+home, "KEYTURN_URL="+srv.URL, "KEYTURN_TOKEN="+token)
				cmd.Stdin = strings.NewReader(c.stdin)
				out, _ := cmd.Output()
				if !strings.Contains(string(out), c.want) {
					b.Fatalf("%s: %s", c.name, out)
				}
			}
			times := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				times = append(times, run(c.stdin, args...))
			}
			b.StopTimer()
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
			b.ReportMetric(float64(times[min(len(times)-1, len(times)*99/100)].Microseconds())/1000, "p99-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}
