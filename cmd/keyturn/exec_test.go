package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"keyturn"
)

// fakeKubectl puts a kubectl first in PATH that only writes its argv, one
// word a line, to a file, and returns that file's path.
func (s *apiServer) fakeKubectl() string {
	s.t.Helper()
	out := filepath.Join(s.t.TempDir(), "argv")
	script := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + out + "'\n"
	if err := os.WriteFile(filepath.Join(s.bin, "kubectl"), []byte(script), 0o755); err != nil {
		s.t.Fatal(err)
	}
	return out
}

var requestID = regexp.MustCompile(`\br_[a-z0-9]+\b`)

func TestExecRead(t *testing.T) {
	s := newAPIServer(t)
	if err := os.WriteFile(filepath.Join(s.work, "marker.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := s.cli("bot", "exec", "--", "ls")
	if code != exitOK || !strings.Contains(out, "marker.txt") {
		t.Fatalf("exec -- ls: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}

	// A failing read exits with the command's own status.
	want := exec.Command("ls", "/nonexistent").Run()
	var ee *exec.ExitError
	if !errors.As(want, &ee) {
		t.Fatalf("ls /nonexistent: %v", want)
	}
	code, _, errs = s.cli("bot", "exec", "--", "ls", "/nonexistent")
	if code != ee.ExitCode() {
		t.Fatalf("exec -- ls /nonexistent: exit %d, want ls's %d\n%s", code, ee.ExitCode(), errs)
	}
	if !strings.Contains(errs, "nonexistent") {
		t.Errorf("ls's stderr is not passed through: %q", errs)
	}

	if code, _, _ := s.cli("bot", "exec"); code != exitUsage {
		t.Errorf("exec without a command: exit %d, want 2", code)
	}
	if code, _, errs := s.cli("bot", "exec", "--", "no-such-program-keyturn"); code != exitNotFound || !strings.Contains(errs, "not found") {
		t.Errorf("exec of a missing program: exit %d %s", code, errs)
	}
}

func TestExecNoWait(t *testing.T) {
	s := newAPIServer(t)
	argv := s.fakeKubectl()
	code, out, errs := s.cli("bot", "exec", "--no-wait", "--", "kubectl", "--context", "prod-eu", "delete", "ns", "payments")
	if code != exitApprove {
		t.Fatalf("exit %d, want 11\n%s%s", code, out, errs)
	}
	id := strings.TrimSpace(out)
	if !requestID.MatchString(id) {
		t.Fatalf("stdout is not the request id: %q", out)
	}
	wantIn(t, "exec --no-wait", errs, id, "needs 2 approvals", "bob", "carol", "keyturn approve "+id)
	if _, err := os.Stat(argv); err == nil {
		t.Fatal("kubectl ran before any approval")
	}
	if r := s.request(id); r.State != keyturn.StatePending || r.Action.Command != "kubectl --context prod-eu delete ns payments" {
		t.Fatalf("request: %s %q", r.State, r.Action.Command)
	}
}

func TestExecWaitsForTwoApprovalsThenRuns(t *testing.T) {
	s := newAPIServer(t)
	argv := s.fakeKubectl()
	run := s.start(context.Background(), "bot", "exec", "--reason", "cleanup", "--", "kubectl", "--context", "prod-eu", "delete", "ns", "payments")
	req := s.awaitPending(run)
	if req.Action.Reason != "cleanup" {
		t.Errorf("reason %q", req.Action.Reason)
	}
	if _, err := s.g.Approve(s.as("olivia"), req.ID, req.Digest, ""); err == nil {
		t.Fatal("the operator's approval was accepted")
	}
	if _, err := os.Stat(argv); err == nil {
		t.Fatal("kubectl ran before the approvals")
	}
	for _, who := range []string{"bob", "carol"} {
		if code, out, errs := s.cli(who, "approve", req.ID); code != exitOK {
			t.Fatalf("%s approves: exit %d\n%s%s", who, code, out, errs)
		}
	}
	run.wait(t)
	if run.code != exitOK {
		t.Fatalf("exec: exit %d\nstderr:\n%s", run.code, run.stderr.String())
	}
	got, err := os.ReadFile(argv)
	if err != nil {
		t.Fatalf("kubectl did not run: %v", err)
	}
	if want := "--context\nprod-eu\ndelete\nns\npayments\n"; string(got) != want {
		t.Fatalf("kubectl ran with %q, want %q", got, want)
	}
	wantIn(t, "exec's stderr", run.stderr.String(), req.ID, "keyturn approve "+req.ID, "waiting for 2 more approvals")
	r := s.request(req.ID)
	if r.Result == nil || r.Result.ExitCode != 0 || r.Grant == nil || r.Grant.UsedAt.IsZero() {
		t.Fatalf("the result was not reported: state %s, result %+v, grant %+v", r.State, r.Result, r.Grant)
	}
	// The grant was for one run: the same command waits again.
	os.Remove(argv)
	code, _, _ := s.cli("bot", "exec", "--no-wait", "--", "kubectl", "--context", "prod-eu", "delete", "ns", "payments")
	if code != exitApprove {
		t.Fatalf("second run: exit %d, want 11", code)
	}
	if _, err := os.Stat(argv); err == nil {
		t.Fatal("the grant allowed a second run")
	}
}

func TestExecDenied(t *testing.T) {
	s := newAPIServer(t)
	if code, _, errs := s.cli("admin", "freeze", "on", "-m", "release day"); code != exitOK {
		t.Fatalf("freeze: %d %s", code, errs)
	}
	target := filepath.Join(s.work, "new-file")
	code, _, errs := s.cli("bot", "exec", "--", "touch", target)
	if code != exitDeny || !strings.Contains(errs, "denied") {
		t.Fatalf("a write during a freeze: exit %d, want 12\n%s", code, errs)
	}
	if _, err := os.Stat(target); err == nil {
		t.Fatal("the denied command ran")
	}
	// Reads still run during a freeze.
	if code, _, errs := s.cli("bot", "exec", "--", "ls"); code != exitOK {
		t.Fatalf("a read during a freeze: exit %d %s", code, errs)
	}
}

func TestExecDeniedByPeer(t *testing.T) {
	s := newAPIServer(t)
	argv := s.fakeKubectl()
	run := s.start(context.Background(), "bot", "exec", "--", "kubectl", "--context", "prod-eu", "delete", "ns", "payments")
	req := s.awaitPending(run)
	if code, _, errs := s.cli("bob", "deny", req.ID, "-m", "not during the sale"); code != exitOK {
		t.Fatalf("deny: %d %s", code, errs)
	}
	run.wait(t)
	if run.code != exitDeny {
		t.Fatalf("exec: exit %d, want 12\n%s", run.code, run.stderr.String())
	}
	wantIn(t, "exec's stderr", run.stderr.String(), "denied by bob", "not during the sale")
	if _, err := os.Stat(argv); err == nil {
		t.Fatal("kubectl ran after a denial")
	}
}

func TestExecServerUnreachable(t *testing.T) {
	s := newAPIServer(t)
	if err := os.WriteFile(filepath.Join(s.work, "marker.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(t.TempDir(), "x")
	if err := os.Mkdir(victim, 0o755); err != nil {
		t.Fatal(err)
	}
	s.http.Close()

	code, out, errs := s.cli("bot", "exec", "--", "ls")
	if code != exitOK || !strings.Contains(out, "marker.txt") || !strings.Contains(errs, "unreachable") {
		t.Fatalf("ls without a server: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	code, _, errs = s.cli("bot", "exec", "--", "rm", "-rf", victim)
	if code != exitDeny || !strings.Contains(errs, "unreachable") || !strings.Contains(errs, "only read-only commands") {
		t.Fatalf("rm -rf without a server: exit %d, want 12\n%s", code, errs)
	}
	if _, err := os.Stat(victim); err != nil {
		t.Fatalf("rm ran without the server: %v", err)
	}
	// Unknown is never read.
	if code, _, _ := s.cli("bot", "exec", "--", "sh", "-c", "eval \"$X\""); code != exitDeny {
		t.Fatalf("eval without a server: exit %d, want 12", code)
	}
}

func TestExecCtrlCCancels(t *testing.T) {
	s := newAPIServer(t)
	argv := s.fakeKubectl()
	ctx, interrupt := context.WithCancel(context.Background())
	defer interrupt()
	run := s.start(ctx, "bot", "exec", "--", "kubectl", "--context", "prod-eu", "delete", "ns", "payments")
	req := s.awaitPending(run)
	// The request is in the store as soon as the server commits it, before
	// exec has the answer; Ctrl-C once exec has announced it, while it waits.
	run.awaitStderr(t, "keyturn: "+req.ID+" is waiting")
	interrupt()
	run.wait(t)
	if run.code != exitExpired {
		t.Fatalf("exec: exit %d, want 13\n%s", run.code, run.stderr.String())
	}
	if r := s.request(req.ID); r.State != keyturn.StateCancelled {
		t.Fatalf("request is %s, want cancelled", r.State)
	}
	// A late approval can no longer make a grant.
	if _, err := s.g.Approve(s.as("bob"), req.ID, req.Digest, ""); err == nil {
		t.Fatal("a cancelled request took an approval")
	}
	if _, err := os.Stat(argv); err == nil {
		t.Fatal("kubectl ran")
	}
}

func TestArgvActionQuotesExactly(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		line string
	}{
		{[]string{"ls"}, "ls"},
		{[]string{"bash", "-c", "rm -rf /"}, "bash -c 'rm -rf /'"},
		{[]string{"echo", "*", "$HOME", "it's", "a\nb"}, `echo '*' '$HOME' "it's" $'a\nb'`},
	} {
		a, err := argvAction(tc.argv, "/w", []string{"AWS_PROFILE=prod", "SECRET_TOKEN=x", "HOME=/h"})
		if err != nil {
			t.Fatalf("%q: %v", tc.argv, err)
		}
		if a.Command != tc.line {
			t.Errorf("%q: %q, want %q", tc.argv, a.Command, tc.line)
		}
		if a.Cwd != "/w" || a.Env["AWS_PROFILE"] != "prod" || a.Env["HOME"] != "/h" || len(a.Env) != 2 {
			t.Errorf("%q: cwd %q env %v", tc.argv, a.Cwd, a.Env)
		}
	}
	// A word the shell would read as syntax, or cannot hold, is refused.
	for _, argv := range [][]string{{"a\x00b"}, {"ls", "x\x00"}} {
		if _, err := argvAction(argv, "/w", nil); keyturn.ErrorCode(err) != keyturn.EINVALID {
			t.Errorf("%q: %v, want invalid", argv, err)
		}
	}
	// Words that look like shell syntax are quoted into plain words.
	for _, argv := range [][]string{{"X=y", "ls"}, {"time", "rm"}, {"!", "x"}, {"{", "x"}, {"if", "true"}} {
		a, err := argvAction(argv, "/w", nil)
		if err != nil {
			t.Errorf("%q: %v", argv, err)
			continue
		}
		if err := sameArgv(a.Command, argv); err != nil {
			t.Errorf("%q: %v", argv, err)
		}
	}
	if err := sameArgv("X=y ls", []string{"X=y", "ls"}); err == nil {
		t.Error("an assignment passed for a program name")
	}
	if err := sameArgv("echo *", []string{"echo", "*"}); err == nil {
		t.Error("an unquoted glob passed")
	}
}

func TestExecTimeoutCancels(t *testing.T) {
	s := newAPIServer(t)
	argv := s.fakeKubectl()
	code, _, errs := s.cli("bot", "exec", "--timeout", "1ms", "--", "kubectl", "--context", "prod-eu", "delete", "ns", "payments")
	if code != exitExpired || !strings.Contains(errs, "no decision within") {
		t.Fatalf("exit %d, want 13\n%s", code, errs)
	}
	id := requestID.FindString(errs)
	if r := s.request(id); r.State != keyturn.StateCancelled {
		t.Fatalf("request %s is %s, want cancelled", id, r.State)
	}
	if _, err := os.Stat(argv); err == nil {
		t.Fatal("kubectl ran")
	}
}

func TestExecAskConfirmedAndSignalStatus(t *testing.T) {
	s := newAPIServer(t)
	// A program keyturn does not know asks its operator; this one kills
	// itself, so the status is a shell's 128+SIGTERM.
	if err := os.WriteFile(filepath.Join(s.bin, "selfkill"), []byte("#!/bin/sh\nkill -TERM $$\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	run := s.start(context.Background(), "bot", "exec", "--", "selfkill")
	req := s.awaitPending(run)
	if req.Decision.Outcome != keyturn.Ask {
		t.Fatalf("selfkill: %s, want ask", req.Decision)
	}
	if code, out, errs := s.cli("olivia", "confirm", req.ID); code != exitOK {
		t.Fatalf("confirm: exit %d\n%s%s", code, out, errs)
	}
	run.wait(t)
	if run.code != 128+15 {
		t.Fatalf("exec: exit %d, want 143\n%s", run.code, run.stderr.String())
	}
	wantIn(t, "exec's stderr", run.stderr.String(), "waiting for olivia to confirm", "keyturn confirm "+req.ID)
	if r := s.request(req.ID); r.Result == nil || r.Result.ExitCode != 143 {
		t.Fatalf("reported result: %+v", r.Result)
	}
}
