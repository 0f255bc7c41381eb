package main

// user, agent, login and status against a real server.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// tokenOf runs a command with --json that prints {"name","token"}.
func tokenOf(t *testing.T, vars map[string]string, args ...string) string {
	t.Helper()
	code, out, errs := kt(t, vars, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("keyturn %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	var v map[string]string
	if err := json.Unmarshal([]byte(out), &v); err != nil || len(v) != 2 || v["name"] != args[2] ||
		!strings.HasPrefix(v["token"], "kt_") {
		t.Fatalf("keyturn %s --json printed %q (%v), want {\"name\",\"token\"}", strings.Join(args, " "), out, err)
	}
	return v["token"]
}

var tokenRE = regexp.MustCompile(`kt_[A-Za-z0-9_-]{43}`)

func TestUserAndAgentCommands(t *testing.T) {
	s := startLive(t, filepath.Join(t.TempDir(), "data"))
	admin := s.as(s.adminToken(t))

	// Text mode prints the token once and how to use it.
	code, out, errs := kt(t, admin, "user", "add", "alice", "--role", "approver", "--group", "sre,dba")
	if code != 0 || len(tokenRE.FindAllString(out, -1)) != 2 || !strings.Contains(out, "keyturn login --url "+s.url) {
		t.Fatalf("user add: exit %d\n%s%s", code, out, errs)
	}
	alice := tokenRE.FindString(out)
	bob := tokenOf(t, admin, "user", "add", "bob", "--role", "approver", "--role", "operator")
	if alice == bob {
		t.Fatal("two users got the same token")
	}

	code, out, errs = kt(t, admin, "agent", "enroll", "bob-laptop", "--operator", "bob", "--kind", "claude-code", "--ttl", "2h")
	if code != 0 || !strings.Contains(out, "export KEYTURN_TOKEN=kt_") || !strings.Contains(out, "export KEYTURN_URL="+s.url) {
		t.Fatalf("agent enroll: exit %d\n%s%s", code, out, errs)
	}
	agent := tokenRE.FindString(out)
	tokenOf(t, admin, "agent", "enroll", "ci", "--operator", "bob", "--kind", "shell", "--profile", "ci")

	// Lists, as tables and as JSON.
	code, out, _ = kt(t, admin, "user", "list")
	if code != 0 || !strings.Contains(out, "alice") || !strings.Contains(out, "sre,dba") || !strings.Contains(out, "approver,operator") {
		t.Errorf("user list:\n%s", out)
	}
	code, out, _ = kt(t, admin, "user", "list", "--json")
	var users struct {
		Users []struct {
			Name   string
			Groups []string
		}
	}
	if err := json.Unmarshal([]byte(out), &users); code != 0 || err != nil || len(users.Users) != 3 {
		t.Errorf("user list --json: %v\n%s", err, out)
	}
	code, out, _ = kt(t, admin, "agent", "list")
	if code != 0 || !strings.Contains(out, "bob-laptop") || !strings.Contains(out, "claude-code") || !strings.Contains(out, "active") {
		t.Errorf("agent list:\n%s", out)
	}
	code, out, _ = kt(t, admin, "agent", "list", "--json")
	var agents struct {
		Agents []struct{ Name, Operator, Profile string }
	}
	if err := json.Unmarshal([]byte(out), &agents); code != 0 || err != nil || len(agents.Agents) != 2 {
		t.Errorf("agent list --json: %v\n%s", err, out)
	}

	// status, for a human and for an agent.
	code, out, errs = kt(t, s.as(alice), "status", "--json")
	var st statusReport
	if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil || st.Whoami == nil || st.Whoami.User == nil ||
		st.Whoami.User.Name != "alice" || st.URL != s.url || st.PolicyVersion == "" || st.AuditSeq < 4 ||
		len(st.AuditHead) != 64 || st.Freeze == nil || st.Freeze.On {
		t.Fatalf("status --json as alice: exit %d %v\n%s%s", code, err, out, errs)
	}
	code, out, errs = kt(t, s.as(alice), "status")
	for _, want := range []string{s.url, "user:alice", "policy version", "freeze          off", st.AuditHead} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("status as alice does not show %q: exit %d\n%s%s", want, code, out, errs)
		}
	}
	code, out, errs = kt(t, s.as(agent), "status")
	if code != 0 || !strings.Contains(out, "agent:bob-laptop") || !strings.Contains(out, "operator bob") || strings.Contains(out, "policy version") {
		t.Errorf("status as the agent: exit %d\n%s%s", code, out, errs)
	}

	// An agent's token reaches none of this.
	for _, args := range [][]string{
		{"user", "add", "mallory", "--role", "admin"},
		{"user", "list"},
		{"agent", "enroll", "evil", "--operator", "bob"},
		{"user", "disable", "alice"},
	} {
		if code, out, errs := kt(t, s.as(agent), args...); code == 0 || errs == "" {
			t.Errorf("the agent ran %q: exit %d\n%s%s", args, code, out, errs)
		}
	}
	// Nor does an approver's, for admin work.
	if code, _, errs := kt(t, s.as(alice), "user", "add", "mallory", "--role", "admin"); code == 0 || !strings.Contains(errs, "keyturn:") {
		t.Errorf("an approver added a user: exit %d\n%s", code, errs)
	}

	// Revoked and disabled tokens stop working.
	if code, out, errs := kt(t, admin, "agent", "revoke", "bob-laptop"); code != 0 || !strings.Contains(out, "revoked agent bob-laptop") {
		t.Fatalf("agent revoke: exit %d\n%s%s", code, out, errs)
	}
	if code, _, _ := kt(t, s.as(agent), "status"); code == 0 {
		t.Error("a revoked agent's token still works")
	}
	if code, out, errs := kt(t, admin, "user", "disable", "alice"); code != 0 || !strings.Contains(out, "disabled user alice") {
		t.Fatalf("user disable: exit %d\n%s%s", code, out, errs)
	}
	if code, _, _ := kt(t, s.as(alice), "status"); code == 0 {
		t.Error("a disabled user's token still works")
	}
	if code, out, _ := kt(t, s.as(bob), "status"); code != 0 || !strings.Contains(out, "user:bob") {
		t.Errorf("bob's token stopped working with alice's:\n%s", out)
	}
	code, out, _ = kt(t, admin, "agent", "list")
	if code != 0 || !regexp.MustCompile(`bob-laptop .* revoked`).MatchString(out) {
		t.Errorf("agent list does not show the revoked agent:\n%s", out)
	}
}

func TestPrincipalUsageErrors(t *testing.T) {
	s := startLive(t, filepath.Join(t.TempDir(), "data"))
	admin := s.as(s.adminToken(t))
	for _, args := range [][]string{
		{"user"},
		{"user", "frobnicate"},
		{"user", "add", "--role", "approver"},
		{"user", "add", "x"},
		{"user", "add", "x", "--role", "boss"},
		{"user", "add", "x", "y", "--role", "approver"},
		{"user", "disable"},
		{"agent"},
		{"agent", "enroll", "a1"},
		{"agent", "enroll", "a1", "--operator", "admin", "--kind", "robot"},
		{"agent", "enroll", "a1", "--operator", "admin", "--ttl", "0s"},
		{"agent", "revoke"},
		{"status", "extra"},
	} {
		code, out, errs := kt(t, admin, args...)
		if code != exitUsage || errs == "" {
			t.Errorf("%q: exit %d, want 2 and a message\n%s%s", args, code, out, errs)
		}
	}
	for _, args := range [][]string{{"user", "-h"}, {"agent", "--help"}, {"user", "add", "-h"}, {"agent", "enroll", "-h"}, {"login", "-h"}, {"status", "-h"}} {
		code, out, errs := kt(t, admin, args...)
		if code != 0 || !strings.Contains(out+errs, "keyturn") {
			t.Errorf("%q: exit %d\n%s%s", args, code, out, errs)
		}
	}
	// A duplicate name is the server's no, with a message.
	tokenOf(t, admin, "user", "add", "dup", "--role", "approver")
	if code, _, errs := kt(t, admin, "user", "add", "dup", "--role", "approver"); code == 0 || !strings.Contains(errs, "dup") {
		t.Errorf("a duplicate user: exit %d\n%s", code, errs)
	}
}

// On one machine, `keyturn serve` in one terminal and admin commands in
// another just work: the CLI finds the URL and the admin token in the data
// dir.
func TestLocalServerNeedsNoSetup(t *testing.T) {
	home := t.TempDir()
	dir := filepath.Join(home, ".local", "state", "keyturn")
	s := startLive(t, dir)
	code, out, errs := kt(t, map[string]string{"HOME": home}, "user", "add", "bob", "--role", "approver")
	if code != 0 || !tokenRE.MatchString(out) {
		t.Fatalf("user add with no URL or token: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = kt(t, map[string]string{"HOME": t.TempDir(), "KEYTURN_DATA": s.dir}, "status")
	if code != 0 || !strings.Contains(out, "user:admin") {
		t.Fatalf("status with KEYTURN_DATA: exit %d\n%s%s", code, out, errs)
	}
}

func TestLogin(t *testing.T) {
	s := startLive(t, filepath.Join(t.TempDir(), "data"))
	bob := tokenOf(t, s.as(s.adminToken(t)), "user", "add", "bob", "--role", "approver")
	home := t.TempDir()
	vars := map[string]string{"HOME": home}

	// A token the server does not know is not saved.
	if code, _, errs := kt(t, vars, "login", "--url", s.url, "--token", "kt_wrong"); code == 0 || !strings.Contains(errs, "keyturn:") {
		t.Fatalf("login with a bad token: exit %d\n%s", code, errs)
	}
	path := filepath.Join(home, ".config", "keyturn", "login.json")
	if _, err := os.Stat(path); err == nil {
		t.Fatal("a failed login wrote the login file")
	}
	// --token - reads stdin, out of the shell history.
	e, out, errb := fakeEnv(t.Context(), vars, bob+"\n")
	if code := e.main([]string{"login", "--url", s.url + "/", "--token", "-"}); code != 0 || !strings.Contains(out.String(), "as user:bob") {
		t.Fatalf("login: exit %d\n%s%s", code, out, errb)
	}
	if m := fileMode(t, path); m != 0o600 {
		t.Errorf("the login file has mode %04o", m)
	}
	b, _ := os.ReadFile(path)
	var lf loginFile
	if err := json.Unmarshal(b, &lf); err != nil || lf.URL != s.url || lf.Token != bob {
		t.Fatalf("login file %s: %v", b, err)
	}
	// Later commands use it.
	if code, out, errs := kt(t, vars, "status"); code != 0 || !strings.Contains(out, "user:bob") {
		t.Fatalf("status after login: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := kt(t, vars, "login"); code != exitUsage || !strings.Contains(errs, "--url") {
		t.Errorf("login without a URL: exit %d\n%s", code, errs)
	}
}
