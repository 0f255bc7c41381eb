package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs keyturn with args and stdin in a controlled environment.
func runCLI(t *testing.T, stdin string, environ []string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := newEnv(strings.NewReader(stdin), &out, &errb)
	e.environ = func() []string { return environ }
	e.getwd = func() (string, error) { return "/home/dev/project", nil }
	code := e.main(args)
	return code, out.String(), errb.String()
}

var homeEnv = []string{"HOME=/home/dev", "TMPDIR=/tmp"}

func TestCheckExitStatus(t *testing.T) {
	for _, tc := range []struct {
		line string
		code int
	}{
		{"ls -la", exitOK},
		{"rm -rf /var/lib/app", exitAsk},
		{"kubectl --context prod delete ns payments", exitApprove},
		{"echo '{}' > .claude/settings.json", exitDeny},
	} {
		code, out, errs := runCLI(t, "", homeEnv, "check", "--", tc.line)
		if code != tc.code {
			t.Errorf("check %q: exit %d, want %d\n%s%s", tc.line, code, tc.code, out, errs)
		}
	}
}

func TestCheckArgvIsQuotedBack(t *testing.T) {
	// check -- bash -c 'rm -rf /' keeps the -c string one word.
	code, out, _ := runCLI(t, "", homeEnv, "check", "--json", "--", "bash", "-c", "rm -rf /etc")
	if code != exitAsk {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var r result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Class != "destructive" || r.Decision != "ask" {
		t.Fatalf("got %+v", r)
	}
}

func TestCheckHumanOutput(t *testing.T) {
	code, out, _ := runCLI(t, "", homeEnv, "check", "--", "kubectl", "--context", "prod", "delete", "ns", "payments")
	if code != exitApprove {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"APPROVE", "2 peers", "kubectl delete namespace", "destructive", "prod", "prod-destructive-two-person"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCheckUsageErrors(t *testing.T) {
	if code, _, _ := runCLI(t, "", homeEnv, "check"); code != exitUsage {
		t.Errorf("no command: exit %d, want 2", code)
	}
	if code, _, _ := runCLI(t, "", homeEnv, "check", "--bogus", "--", "ls"); code != exitUsage {
		t.Errorf("bad flag: exit %d, want 2", code)
	}
	if code, _, _ := runCLI(t, "", homeEnv, "frobnicate"); code != exitUsage {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	if code, _, errs := runCLI(t, "", homeEnv, "check", "--policy", "/nonexistent", "--", "ls"); code != exitUsage || !strings.Contains(errs, "policy") {
		t.Errorf("missing policy dir: exit %d, %s", code, errs)
	}
}

func TestCheckJSONL(t *testing.T) {
	in := strings.Join([]string{
		`{"command": "ls", "cwd": "/home/dev/project", "env": {}}`,
		`{"command": "aws ec2 terminate-instances --instance-ids i-1", "cwd": "/home/dev/project", "env": {"AWS_PROFILE": "prod"}}`,
		`{"command": "aws ec2 terminate-instances --instance-ids i-1", "cwd": "/home/dev/project", "env": {"AWS_PROFILE": "dev"}}`,
		`not json`,
		`{"cwd": "/x"}`,
		``,
		`{"command": "rm -rf build", "cwd": "/does/not/exist"}`,
		`{"command": "git status", "cwd": "relative"}`,
	}, "\n")
	code, out, errs := runCLI(t, in, nil, "check", "--jsonl")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 7 {
		t.Fatalf("%d output lines for 7 input lines:\n%s", len(lines), out)
	}
	type row struct {
		Command   string
		Decision  string
		Approvals int
		Class     string
		Error     string
		Effects   []struct{ Tool, Operation, Class, Environment string }
	}
	var rows []row
	for _, l := range lines {
		var r row
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("bad output line %q: %v", l, err)
		}
		rows = append(rows, r)
	}
	check := func(i int, decision, class string) {
		t.Helper()
		if rows[i].Decision != decision || rows[i].Class != class {
			t.Errorf("line %d: %s/%s, want %s/%s (%+v)", i+1, rows[i].Decision, rows[i].Class, decision, class, rows[i])
		}
	}
	check(0, "allow", "read")
	check(1, "approve", "destructive")
	if rows[1].Approvals != 2 || rows[1].Effects[0].Environment != "prod" {
		t.Errorf("prod terminate: %+v", rows[1])
	}
	check(2, "ask", "destructive")
	if rows[3].Error == "" || rows[4].Error == "" || rows[6].Error == "" {
		t.Errorf("bad lines must give an error line: %+v %+v %+v", rows[3], rows[4], rows[6])
	}
	// A cwd that does not exist is the workspace as it stands.
	check(5, "allow", "write")
}

func TestCheckJSONLOversizedLine(t *testing.T) {
	in := `{"command": "` + strings.Repeat("a", maxJSONLLine+10) + `"}` + "\n" + `{"command": "ls"}` + "\n"
	code, out, _ := runCLI(t, in, nil, "check", "--jsonl")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || len(lines) != 2 || !strings.Contains(lines[0], "too_large") || !strings.Contains(lines[1], `"allow"`) {
		t.Fatalf("exit %d, %d lines: %.300s", code, len(lines), out)
	}
}

func TestCheckConfigFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "keyturn.yaml")
	os.WriteFile(cfg, []byte(`
environments:
  - name: prod
    match:
      kube_context: ["prod*", "*-prod"]
      aws_profile: ["prod*"]
      aws_account: ["111122223333"]
      gcloud_project: ["*-prod"]
      host: ["*.prod.example.com"]
      terraform_dir: ["*/prod", "*/prod/*"]
      terraform_workspace: ["prod"]
  - name: staging
    match: { kube_context: ["staging*"] }
protected:
  - "aws:*:*orders-db*"
`), 0o644)
	code, out, errs := runCLI(t, "", homeEnv, "check", "--config", cfg, "--json", "--", "kubectl --context eu-prod delete pod x")
	if code != exitApprove || !strings.Contains(out, `"environment": "prod"`) {
		t.Errorf("exit %d: %s%s", code, out, errs)
	}
	code, out, _ = runCLI(t, "", homeEnv, "check", "--config", cfg, "--", "aws --profile staging rds delete-db-instance --db-instance-identifier orders-db-1")
	if code != exitDeny || !strings.Contains(out, "protected") {
		t.Errorf("protected target: exit %d: %s", code, out)
	}
	os.WriteFile(cfg, []byte("environments:\n  - name: prod\n    match: {kube_contxt: [prod]}\n"), 0o644)
	if code, _, errs := runCLI(t, "", homeEnv, "check", "--config", cfg, "--", "ls"); code != exitUsage || !strings.Contains(errs, "kube_contxt") {
		t.Errorf("typo in config: exit %d: %s", code, errs)
	}
}

func TestPolicyShowAndTest(t *testing.T) {
	code, out, _ := runCLI(t, "", homeEnv, "policy", "show")
	if code != exitOK || !strings.Contains(out, `@id("prod-destructive-two-person")`) {
		t.Fatalf("policy show: exit %d\n%.500s", code, out)
	}
	code, out, _ = runCLI(t, "", homeEnv, "policy", "test", "../../policy/testdata/default.yaml")
	if code != exitOK || !strings.Contains(out, " 0 failed") {
		t.Fatalf("policy test: exit %d\n%s", code, out)
	}
	// A failing case is reported with its effects and reasons, exit 1.
	dir := t.TempDir()
	f := filepath.Join(dir, "cases.yaml")
	os.WriteFile(f, []byte("cases:\n  - {name: wrong on purpose, command: 'kubectl --context prod delete ns x', decision: allow}\n"), 0o644)
	code, out, _ = runCLI(t, "", homeEnv, "policy", "test", f)
	if code != exitInternal || !strings.Contains(out, "FAIL wrong on purpose") || !strings.Contains(out, "prod-destructive-two-person") {
		t.Fatalf("failing case: exit %d\n%s", code, out)
	}
}

func TestPolicyDirReplacesPack(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "all.cedar"), []byte(`@id("deny-all") forbid (principal, action, resource);`), 0o644)
	if code, out, _ := runCLI(t, "", homeEnv, "check", "--policy", dir, "--", "ls"); code != exitDeny {
		t.Errorf("deny-all pack: exit %d\n%s", code, out)
	}
	os.WriteFile(filepath.Join(dir, "all.cedar"), []byte(`@id("x") permit (principal, action, resource) when { context.nope };`), 0o644)
	if code, _, errs := runCLI(t, "", homeEnv, "check", "--policy", dir, "--", "ls"); code != exitUsage || !strings.Contains(errs, "schema") {
		t.Errorf("invalid policy: exit %d: %s", code, errs)
	}
}

// keyturn.yaml at the workspace's git top-level is found from a subdirectory.
func TestCheckFindsWorkspaceConfig(t *testing.T) {
	ws := t.TempDir()
	os.Mkdir(filepath.Join(ws, ".git"), 0o755)
	os.MkdirAll(filepath.Join(ws, "deploy", "k8s"), 0o755)
	os.WriteFile(filepath.Join(ws, "keyturn.yaml"), []byte("environments:\n  - name: prod\n    match: {kube_context: [blue]}\n"), 0o644)
	code, out, errs := runCLI(t, "", homeEnv, "check", "--cwd", filepath.Join(ws, "deploy", "k8s"), "--json", "--", "kubectl --context blue delete deploy api")
	if code != exitApprove || !strings.Contains(out, `"environment": "prod"`) {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	// Without the file, blue is unknown, which the default policy treats as prod too,
	// but a staging-looking context is not.
	os.Remove(filepath.Join(ws, "keyturn.yaml"))
	code, out, _ = runCLI(t, "", homeEnv, "check", "--cwd", ws, "--json", "--", "kubectl --context blue delete deploy api")
	if code != exitApprove || !strings.Contains(out, `"environment": "unknown"`) {
		t.Fatalf("exit %d: %s", code, out)
	}
}

func TestVersionAndHelp(t *testing.T) {
	if code, out, _ := runCLI(t, "", nil, "version"); code != exitOK || !strings.HasPrefix(out, "keyturn ") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, "", nil, "help"); code != exitOK || !strings.Contains(out, "check") {
		t.Errorf("help: %d %q", code, out)
	}
	if code, _, errs := runCLI(t, "", nil, "check", "-h"); code != exitOK || !strings.Contains(errs, "Exit status") {
		t.Errorf("check -h: %d %q", code, errs)
	}
}

// An agent's configuration and keyturn's data may live where the
// environment says; they are protected there too.
func TestCheckProtectsDirsFromEnv(t *testing.T) {
	env := append(homeEnv, "CODEX_HOME=/opt/codex-home", "CLAUDE_CONFIG_DIR=/opt/claude-home", "KEYTURN_DATA=/srv/keyturn-data")
	for _, line := range []string{
		"echo '{}' > /opt/codex-home/config.toml",
		"cp evil.json /opt/claude-home/settings.json",
		"cat /srv/keyturn-data/admin-token",
	} {
		var out, errb strings.Builder
		e := newEnv(strings.NewReader(""), &out, &errb)
		e.environ = func() []string { return env }
		e.getenv = func(k string) string {
			for _, kv := range env {
				if name, v, ok := strings.Cut(kv, "="); ok && name == k {
					return v
				}
			}
			return ""
		}
		e.getwd = func() (string, error) { return "/home/dev/project", nil }
		if code := e.main([]string{"check", "--", line}); code != exitDeny {
			t.Errorf("check %q: exit %d, want %d (deny)\n%s%s", line, code, exitDeny, out.String(), errb.String())
		}
	}
}
