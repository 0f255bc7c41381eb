package main

// End-to-end tests: the keyturn command in processes of its own (the test
// binary, which TestMain runs as keyturn), `keyturn serve` on 127.0.0.1
// with a real SQLite file, driven as people and agents drive it — the CLI
// for humans, the HTTP client for an agent.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"keyturn"
	khttp "keyturn/http"
)

// keyturnCmd is the keyturn command run as its own process: the test
// binary itself, which TestMain runs as keyturn when asKeyturn is set. home
// is its HOME, config and state directories; env is added last.
func keyturnCmd(t *testing.T, home string, env []string, args ...string) *exec.Cmd {
	t.Helper()
	if testing.Short() {
		t.Skip("runs keyturn as its own process")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), asKeyturn+"=1", "HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_STATE_HOME="+filepath.Join(home, ".local", "state"))
	cmd.Env = append(cmd.Env, env...)
	dieWithParent(cmd)
	return cmd
}

// server is a `keyturn serve` process.
type server struct {
	t    *testing.T
	home string // HOME of the server and of the CLI run against it
	dir  string // the data directory
	url  string
	cmd  *exec.Cmd
	logs *syncBuffer // its stdout and stderr, written as it runs
}

const prodConfig = `environments:
  - name: prod
    match:
      kube_context: ["prod-*"]
  - name: dev
    match:
      kube_context: ["dev-*"]
`

// startServer starts `keyturn serve` on a free loopback port over dir.
func startServer(t *testing.T, dir string) *server {
	t.Helper()
	cfg := filepath.Join(dir, "keyturn.yaml")
	if err := os.WriteFile(cfg, []byte(prodConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	os.Remove(filepath.Join(data, "url"))
	s := &server{t: t, home: dir, dir: data, logs: &syncBuffer{}}
	s.cmd = keyturnCmd(t, dir, nil, "serve", "--data", data, "--addr", "127.0.0.1:0", "--config", cfg)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.kill() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(filepath.Join(data, "url"))
		if err == nil && len(bytes.TrimSpace(b)) > 0 {
			s.url = strings.TrimSpace(string(b))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("keyturn serve did not start:\n%s", s.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c := khttp.NewClient(s.url, "")
	for {
		if err := c.Healthz(context.Background()); err == nil {
			return s
		} else if time.Now().After(deadline) {
			t.Fatalf("keyturn serve is not healthy: %v\n%s", err, s.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends the server as an operator would (SIGTERM) and waits.
func (s *server) stop() {
	if s.cmd.Process == nil || s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	var err error
	go func() { err = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
		if err != nil {
			s.t.Errorf("keyturn serve stopped on SIGTERM with %v:\n%s", err, s.logs)
		}
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-done
		s.t.Errorf("keyturn serve did not stop on SIGTERM:\n%s", s.logs)
	}
}

// kill ends the server at once, as a crash would (SIGKILL).
func (s *server) kill() {
	if s.cmd.Process == nil || s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

func (s *server) adminToken() string {
	b, err := os.ReadFile(filepath.Join(s.dir, "admin-token"))
	if err != nil {
		s.t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// cli runs the keyturn binary as token against the server.
func (s *server) cli(token string, args ...string) (int, string, string) {
	s.t.Helper()
	cmd := keyturnCmd(s.t, s.home, []string{"KEYTURN_URL=" + s.url, "KEYTURN_TOKEN=" + token}, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// token runs a command that prints {"name","token"} and returns the token.
func (s *server) token(admin string, args ...string) string {
	s.t.Helper()
	code, out, errs := s.cli(admin, append(args, "--json")...)
	if code != 0 {
		s.t.Fatalf("keyturn %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	var v struct{ Name, Token string }
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Token == "" {
		s.t.Fatalf("keyturn %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return v.Token
}

// people adds an operator (olivia), two approvers (bob, carol) and an agent
// enrolled for olivia; it returns their tokens.
func (s *server) people() (olivia, bob, carol, agent string) {
	admin := s.adminToken()
	olivia = s.token(admin, "user", "add", "olivia", "--role", "operator", "--role", "approver")
	bob = s.token(admin, "user", "add", "bob", "--role", "approver")
	carol = s.token(admin, "user", "add", "carol", "--role", "approver")
	agent = s.token(admin, "agent", "enroll", "claude-1", "--operator", "olivia", "--kind", "claude-code")
	return
}

func shellAction(cmd string) *keyturn.Action {
	return &keyturn.Action{Kind: keyturn.KindShell, Command: cmd, Cwd: "/home/dev/project"}
}

// The scenario of issue 3 §10, from first start to a tampered file.
func TestEndToEndTwoPersonRule(t *testing.T) {
	s := startServer(t, t.TempDir())
	olivia, bob, carol, agentToken := s.people()
	ctx := context.Background()
	agent := khttp.NewClient(s.url, agentToken)

	const line = "kubectl --context prod-eu delete ns payments"
	v, err := agent.Submit(ctx, shellAction(line), 0)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != keyturn.StatusPending || v.Request == nil || v.Decision.Outcome != keyturn.Approve || v.Decision.Approvals != 2 {
		t.Fatalf("a prod namespace delete must wait for two peers; got %+v", v)
	}
	id := v.Request.ID

	// The same action again while pending is the same request.
	again, err := agent.Submit(ctx, shellAction(line), 0)
	if err != nil || again.Request == nil || again.Request.ID != id {
		t.Fatalf("resubmitting while pending: %+v, %v", again, err)
	}

	// What a reviewer sees.
	code, out, errs := s.cli(bob, "show", id)
	if code != 0 || !strings.Contains(out, line) || !strings.Contains(out, "prod") || !strings.Contains(out, "olivia") {
		t.Fatalf("keyturn show: exit %d\n%s%s", code, out, errs)
	}

	// The agent cannot approve its own request, nor can its operator.
	if _, err := agent.Approve(ctx, id, v.Request.Digest, ""); keyturn.ErrorCode(err) != keyturn.EFORBIDDEN {
		t.Fatalf("agent approving: %v", err)
	}
	code, _, errs = s.cli(olivia, "approve", id)
	if code == 0 || !strings.Contains(errs, "operator") {
		t.Fatalf("the operator's approval must be refused with a reason; exit %d: %s", code, errs)
	}

	// Two peers approve.
	if code, out, errs := s.cli(bob, "approve", id, "-m", "checked the ticket"); code != 0 {
		t.Fatalf("bob approves: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := s.cli(bob, "approve", id); code == 0 {
		t.Fatalf("bob approving twice must be refused\n%s%s", out, errs)
	}
	if code, out, errs := s.cli(carol, "approve", id, "--json"); code != 0 || !strings.Contains(out, `"approved"`) {
		t.Fatalf("carol approves: exit %d\n%s%s", code, out, errs)
	}

	// The grant allows exactly one run.
	v, err = agent.Submit(ctx, shellAction(line), 0)
	if err != nil || v.Status != keyturn.StatusAllowed {
		t.Fatalf("after two approvals: %+v, %v", v, err)
	}
	v, err = agent.Submit(ctx, shellAction(line), 0)
	if err != nil || v.Status != keyturn.StatusPending || v.Request == nil || v.Request.ID == id {
		t.Fatalf("the grant must be used once; the next run is a new request: %+v, %v", v, err)
	}
	// A changed action is a new request too.
	other, err := agent.Submit(ctx, shellAction(line+" --wait=false"), 0)
	if err != nil || other.Request == nil || other.Request.ID == id || other.Request.ID == v.Request.ID {
		t.Fatalf("a changed action must be a new request: %+v, %v", other, err)
	}

	code, out, errs = s.cli(bob, "audit", "verify", "--data", s.dir)
	if code != 0 {
		t.Fatalf("audit verify on a sound log: exit %d\n%s%s", code, out, errs)
	}
	s.stop()

	// Tamper with one byte of one event in the file: verify names it.
	db, err := sql.Open("sqlite", filepath.Join(s.dir, "keyturn.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var seq int64
	if err := db.QueryRow(`SELECT seq FROM events WHERE payload LIKE '%payments%' ORDER BY seq LIMIT 1`).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE events SET payload = replace(payload, 'payments', 'paymentz') WHERE seq = ?`, seq); err != nil {
		t.Fatal(err)
	}
	code, out, errs = s.cli(bob, "audit", "verify", "--data", s.dir)
	if code != 1 || !regexp.MustCompile(fmt.Sprintf(`\b%d\b`, seq)).MatchString(out+errs) {
		t.Fatalf("audit verify after tampering with event %d: exit %d\n%s%s", seq, code, out, errs)
	}
}

// Crash test: kill -9 under load, restart; every answer a client received
// is in the audit log, and the log verifies.
func TestEndToEndCrashKeepsAcknowledgedDecisions(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	_, _, _, agentToken := s.people()
	agent := khttp.NewClient(s.url, agentToken)

	type ack struct {
		seq     int64
		digest  string
		command string
	}
	var (
		mu   sync.Mutex
		acks []ack
		wg   sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(context.Background())
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				cmd := fmt.Sprintf("ls -la src/%d/%d", w, i)
				if i%5 == 0 {
					cmd = fmt.Sprintf("kubectl --context prod-eu delete pod web-%d-%d", w, i) // a request, not a plain allow
				}
				v, err := agent.Submit(ctx, shellAction(cmd), 0)
				if err != nil {
					continue // the server died under it: not acknowledged
				}
				if v.Seq == 0 && v.Status != keyturn.StatusPending {
					t.Errorf("an answer without its audit event: %+v", v)
				}
				mu.Lock()
				acks = append(acks, ack{v.Seq, v.Digest, cmd})
				mu.Unlock()
			}
		}(w)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; {
		mu.Lock()
		n := len(acks)
		mu.Unlock()
		if n >= 300 {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			wg.Wait()
			t.Fatalf("only %d answers in two minutes:\n%s", n, s.logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.kill() // SIGKILL while the clients are still submitting
	cancel()
	wg.Wait()

	s = startServer(t, dir)
	defer s.stop()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.dir, "keyturn.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, a := range acks {
		if a.seq == 0 {
			continue
		}
		var payload string
		if err := db.QueryRow(`SELECT payload FROM events WHERE seq = ?`, a.seq).Scan(&payload); err != nil {
			t.Fatalf("acknowledged event %d (%s) is not in the log after the crash: %v", a.seq, a.command, err)
		}
		if !strings.Contains(payload, a.digest) {
			t.Fatalf("event %d is not the acknowledged decision on %q", a.seq, a.command)
		}
	}
	code, out, errs := s.cli(s.adminToken(), "audit", "verify", "--data", s.dir)
	if code != 0 {
		t.Fatalf("audit verify after a crash: exit %d\n%s%s", code, out, errs)
	}
	t.Logf("%d answers acknowledged before the kill, all in the log", len(acks))
}
