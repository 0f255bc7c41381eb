package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// installProject is a project directory (its own git top-level) that is also HOME, as
// fakeEnv's working directory is HOME.
func installProject(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"HOME": dir}
}

func copyFixture(t *testing.T, fixture, dst string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "hook", "testdata", "install", fixture))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(dst), 0o755)
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestInstallClaudeCodeTwiceThenUninstall(t *testing.T) {
	vars := installProject(t)
	settings := filepath.Join(vars["HOME"], ".claude", "settings.json")
	orig := copyFixture(t, "claude-settings.json", settings)

	code, out, errs := kt(t, vars, "install", "claude-code", "--command", "/usr/local/bin/keyturn", "--dry-run")
	if code != 0 || !strings.Contains(out, "+ hooks.PreToolUse[1]") || !strings.Contains(out, "dry run: nothing written") {
		t.Fatalf("dry run: %d\n%s%s", code, out, errs)
	}
	if now, _ := os.ReadFile(settings); !bytes.Equal(now, orig) {
		t.Fatal("--dry-run wrote the file")
	}

	code, out, errs = kt(t, vars, "install", "claude-code", "--command", "/usr/local/bin/keyturn")
	if code != 0 {
		t.Fatalf("install: %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{settings + ": edit", `"command":"/usr/local/bin/keyturn hook claude-code","timeout":60`, "allowManagedHooksOnly", "--scope managed", "KEYTURN_TOKEN"} {
		if !strings.Contains(out, want) {
			t.Errorf("install output lacks %q:\n%s", want, out)
		}
	}
	first, _ := os.ReadFile(settings)

	code, out, _ = kt(t, vars, "install", "claude-code", "--command", "/usr/local/bin/keyturn")
	if code != 0 || !strings.Contains(out, "already there; nothing changed") {
		t.Errorf("second install: %d\n%s", code, out)
	}
	if second, _ := os.ReadFile(settings); !bytes.Equal(second, first) {
		t.Error("second install changed the file")
	}

	code, out, errs = kt(t, vars, "uninstall", "claude-code")
	if code != 0 || !strings.Contains(out, "- hooks.PreToolUse[1].hooks[0]") {
		t.Errorf("uninstall: %d\n%s%s", code, out, errs)
	}
	if now, _ := os.ReadFile(settings); strings.Contains(string(now), "keyturn") {
		t.Errorf("uninstall left keyturn in:\n%s", now)
	}
}

func TestInstallRefusesMalformedSettings(t *testing.T) {
	vars := installProject(t)
	settings := filepath.Join(vars["HOME"], ".claude", "settings.json")
	orig := copyFixture(t, "claude-malformed.json", settings)
	code, out, errs := kt(t, vars, "install", "claude-code", "--command", "/usr/local/bin/keyturn")
	if code != exitUsage || !strings.Contains(errs, "not valid JSON") || !strings.Contains(errs, "changed nothing") {
		t.Errorf("malformed: %d\n%s%s", code, out, errs)
	}
	if now, _ := os.ReadFile(settings); !bytes.Equal(now, orig) {
		t.Error("a malformed file was changed")
	}
}

func TestInstallCodexUserScope(t *testing.T) {
	vars := installProject(t)
	config := filepath.Join(vars["HOME"], ".codex", "config.toml")
	copyFixture(t, "codex-config.toml", config)
	code, out, errs := kt(t, vars, "install", "codex", "--scope", "user", "--command", "/opt/kt/keyturn")
	if code != 0 {
		t.Fatalf("%d\n%s%s", code, out, errs)
	}
	for _, want := range []string{config + ": edit", "/hooks", "trust", "allow_managed_hooks_only = true", "[[hooks.PreToolUse.hooks]]", `command = "/opt/kt/keyturn hook codex"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	b, _ := os.ReadFile(config)
	if !strings.Contains(string(b), "# Our own check before every shell command.") {
		t.Error("the user's comments are gone")
	}
	if code, out, _ := kt(t, vars, "install", "codex", "--scope", "user", "--command", "/opt/kt/keyturn"); code != 0 || !strings.Contains(out, "nothing changed") {
		t.Errorf("second install: %d\n%s", code, out)
	}
}

func TestInstallKiroAgent(t *testing.T) {
	vars := installProject(t)
	agent := filepath.Join(vars["HOME"], ".kiro", "agents", "backend.json")
	copyFixture(t, "kiro-agent.json", agent)
	code, out, errs := kt(t, vars, "install", "kiro", "--agent", "backend", "--command", "/usr/local/bin/keyturn")
	if code != 0 || !strings.Contains(out, `"timeout_ms":60000`) || !strings.Contains(out, "kiro-cli chat --agent backend") {
		t.Fatalf("%d\n%s%s", code, out, errs)
	}
	if code, _, errs := kt(t, vars, "uninstall", "kiro", "--agent", "backend"); code != 0 {
		t.Fatal(errs)
	}
	if b, _ := os.ReadFile(agent); strings.Contains(string(b), "keyturn") || !strings.Contains(string(b), "audit-shell.sh") {
		t.Errorf("after uninstall:\n%s", b)
	}
}

func TestInstallUsageErrors(t *testing.T) {
	vars := installProject(t)
	for _, args := range [][]string{
		{"install"},
		{"install", "cursor"},
		{"install", "claude-code", "codex"},
		{"install", "codex", "--agent", "x", "--command", "/k"},
		{"install", "codex", "--scope", "local", "--command", "/k"},
		{"install", "claude-code", "--scope", "everywhere", "--command", "/k"},
	} {
		if code, _, errs := kt(t, vars, args...); code != exitUsage || errs == "" {
			t.Errorf("%v: %d %q, want exit 2 with a reason", args, code, errs)
		}
	}
	if _, err := os.Stat(filepath.Join(vars["HOME"], ".claude")); !os.IsNotExist(err) {
		t.Error("a refused install created files")
	}
}
