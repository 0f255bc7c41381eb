package hook

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"

	"keyturn"
)

var updateInstall = flag.Bool("update-install", false, "rewrite the golden files of testdata/install")

const testBinary = "/usr/local/bin/keyturn"

// installCases are real-shaped settings files (written from each agent's documentation, with
// other settings and other hooks in them) and where each agent keeps them.
var installCases = []struct {
	name, agent, fixture, rel string
}{
	{"claude-code", ClaudeCode, "claude-settings.json", ".claude/settings.json"},
	{"codex-toml", Codex, "codex-config.toml", ".codex/config.toml"},
	{"codex-json", Codex, "codex-hooks.json", ".codex/hooks.json"},
	{"kiro", Kiro, "kiro-agent.json", ".kiro/agents/keyturn.json"},
}

func installOptions(agent, root string) *InstallOptions {
	return &InstallOptions{Agent: agent, Scope: ScopeProject, Root: root, Home: "/nonexistent", Command: HookCommand(testBinary, agent)}
}

func applyInstall(t *testing.T, o *InstallOptions, install bool) *Plan {
	t.Helper()
	var p *Plan
	var err error
	if install {
		p, err = PlanInstall(o)
	} else {
		p, err = PlanUninstall(o)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeFixture(t *testing.T, root, rel, fixture string, mode os.FileMode) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "install", fixture))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, mode); err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeSettings reads a settings file into plain values; for JSON objects it also returns the
// top-level keys in order.
func decodeSettings(t *testing.T, path string, b []byte) (any, []string) {
	t.Helper()
	var v any
	if strings.HasSuffix(path, ".toml") {
		m := map[string]any{}
		if err := toml.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return m, nil
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, b)
	}
	o, err := parseJSONObject(b)
	if err != nil {
		t.Fatal(err)
	}
	return v, o.keys
}

func TestInstallTwiceThenUninstall(t *testing.T) {
	for _, tc := range installCases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			orig := writeFixture(t, root, tc.rel, tc.fixture, 0o600)
			path := filepath.Join(root, tc.rel)
			o := installOptions(tc.agent, root)
			if tc.agent == Kiro {
				o.KiroAgent = "keyturn"
			}

			p := applyInstall(t, o, true)
			if !p.Changed() {
				t.Fatal("first install changed nothing")
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "install", tc.fixture+".installed")
			if *updateInstall {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./hook/ -run Install -update-install)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("after install, %s =\n%s\nwant (%s)\n%s", tc.rel, got, golden, want)
			}
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("mode after install: %v %v, want 0600 kept", fi.Mode(), err)
			}
			if strings.Count(string(got), testBinary) != 1 {
				t.Errorf("keyturn's command appears %d times, want once", strings.Count(string(got), testBinary))
			}

			// A second install changes nothing, not one byte.
			p = applyInstall(t, o, true)
			if p.Changed() {
				t.Errorf("second install wants to change: %+v", p.Changes[0].Diff)
			}
			again, _ := os.ReadFile(path)
			if !bytes.Equal(again, got) {
				t.Error("second install rewrote the file")
			}

			// Uninstall takes out keyturn's entry and nothing else.
			p = applyInstall(t, o, false)
			if !p.Changed() {
				t.Fatal("uninstall changed nothing")
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(after), testBinary) {
				t.Errorf("keyturn's hook is still there:\n%s", after)
			}
			v0, k0 := decodeSettings(t, path, orig)
			v1, k1 := decodeSettings(t, path, after)
			if !reflect.DeepEqual(v0, v1) || !reflect.DeepEqual(k0, k1) {
				t.Errorf("uninstall did not restore the original meaning:\n%s\nwant\n%s", after, orig)
			}
			if strings.HasSuffix(path, ".toml") && !bytes.Equal(after, orig) {
				t.Errorf("TOML after uninstall is not byte for byte the original:\n%q\nwant\n%q", after, orig)
			}
			if p := applyInstall(t, o, false); p.Changed() {
				t.Error("a second uninstall wants to change the file")
			}
		})
	}
}

// With no settings file, install creates one and uninstall removes it again.
func TestInstallCreatesAndUninstallRemoves(t *testing.T) {
	for _, agent := range Agents {
		t.Run(agent, func(t *testing.T) {
			root := t.TempDir()
			o := installOptions(agent, root)
			p := applyInstall(t, o, true)
			path := p.Changes[0].Path
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), testBinary+" hook "+agent) {
				t.Errorf("%s does not run keyturn:\n%s", path, b)
			}
			switch agent {
			case Codex:
				if filepath.Base(path) != "config.toml" {
					t.Errorf("codex hook written to %s, want config.toml when there is no hooks.json", path)
				}
				decodeSettings(t, path, b)
			case Kiro:
				v, _ := decodeSettings(t, path, b)
				if tools := v.(map[string]any)["tools"]; !reflect.DeepEqual(tools, []any{"*"}) {
					t.Errorf("a new Kiro agent has tools %v, want [*]", tools)
				}
			default:
				decodeSettings(t, path, b)
			}
			applyInstall(t, o, false)
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				b, _ := os.ReadFile(path)
				t.Errorf("uninstall left %s behind:\n%s", path, b)
			}
		})
	}
}

// Bad files are refused and left byte for byte as they were.
func TestInstallRefusesWhatItCannotParse(t *testing.T) {
	for _, tc := range []struct{ agent, fixture, rel string }{
		{ClaudeCode, "claude-malformed.json", ".claude/settings.json"},
		{Codex, "codex-malformed.toml", ".codex/config.toml"},
		{Codex, "codex-inline.toml", ".codex/config.toml"},
		{Kiro, "claude-malformed.json", ".kiro/agents/keyturn.json"},
	} {
		t.Run(tc.fixture+"→"+tc.agent, func(t *testing.T) {
			root := t.TempDir()
			orig := writeFixture(t, root, tc.rel, tc.fixture, 0o644)
			o := installOptions(tc.agent, root)
			for _, install := range []bool{true, false} {
				var err error
				if install {
					_, err = PlanInstall(o)
				} else {
					_, err = PlanUninstall(o)
				}
				if tc.fixture == "codex-inline.toml" && !install {
					continue // nothing of keyturn's in it: nothing to refuse
				}
				if keyturn.ErrorCode(err) != keyturn.EINVALID || !strings.Contains(keyturn.ErrorMessage(err), "changed nothing") {
					t.Errorf("install=%v: err = %v, want EINVALID saying nothing changed", install, err)
				}
			}
			now, _ := os.ReadFile(filepath.Join(root, tc.rel))
			if !bytes.Equal(now, orig) {
				t.Error("the refused file was changed")
			}
		})
	}
}

// A keyturn hook from an older binary path is replaced, not doubled.
func TestInstallReplacesAMovedBinary(t *testing.T) {
	root := t.TempDir()
	old := installOptions(ClaudeCode, root)
	old.Command = HookCommand("/opt/old/keyturn", ClaudeCode)
	applyInstall(t, old, true)
	p := applyInstall(t, installOptions(ClaudeCode, root), true)
	d := strings.Join(p.Changes[0].Diff, "\n")
	if !strings.Contains(d, "- hooks.PreToolUse[0].hooks[0]") || !strings.Contains(d, "/opt/old/keyturn") || !strings.Contains(d, "+ hooks.PreToolUse[0]") {
		t.Errorf("diff:\n%s", d)
	}
	b, _ := os.ReadFile(p.Changes[0].Path)
	if strings.Contains(string(b), "/opt/old") || strings.Count(string(b), "keyturn hook") != 1 {
		t.Errorf("settings:\n%s", b)
	}
}

// Codex: keyturn writes into an existing hooks.json rather than adding inline TOML hooks to the
// same layer (Codex warns when a layer has both), and uninstall finds it there.
func TestInstallCodexPrefersExistingHooksJSON(t *testing.T) {
	root := t.TempDir()
	writeFixture(t, root, ".codex/hooks.json", "codex-hooks.json", 0o644)
	toml := writeFixture(t, root, ".codex/config.toml", "codex-config.toml", 0o644)
	p := applyInstall(t, installOptions(Codex, root), true)
	var changed []string
	for _, c := range p.Changes {
		if c.Changed() {
			changed = append(changed, filepath.Base(c.Path))
		}
	}
	if !reflect.DeepEqual(changed, []string{"hooks.json"}) {
		t.Errorf("changed %v, want [hooks.json]", changed)
	}
	if now, _ := os.ReadFile(filepath.Join(root, ".codex/config.toml")); !bytes.Equal(now, toml) {
		t.Error("config.toml was touched")
	}
	applyInstall(t, installOptions(Codex, root), false)
	b, _ := os.ReadFile(filepath.Join(root, ".codex/hooks.json"))
	if strings.Contains(string(b), "keyturn") {
		t.Errorf("uninstall left keyturn in hooks.json:\n%s", b)
	}
}

// A settings file that is a symbolic link (dotfiles) is edited where it points.
func TestInstallFollowsSymlink(t *testing.T) {
	root, dots := t.TempDir(), t.TempDir()
	writeFixture(t, dots, "settings.json", "claude-settings.json", 0o644)
	os.MkdirAll(filepath.Join(root, ".claude"), 0o755)
	link := filepath.Join(root, ".claude", "settings.json")
	if err := os.Symlink(filepath.Join(dots, "settings.json"), link); err != nil {
		t.Skip(err)
	}
	applyInstall(t, installOptions(ClaudeCode, root), true)
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the symlink was replaced by a file")
	}
	b, _ := os.ReadFile(filepath.Join(dots, "settings.json"))
	if !strings.Contains(string(b), "keyturn hook claude-code") {
		t.Error("the link's target was not edited")
	}
}

func TestInstallScopes(t *testing.T) {
	for _, tc := range []struct {
		o    InstallOptions
		want string
		err  bool
	}{
		{InstallOptions{Agent: ClaudeCode, Root: "/r"}, "/r/.claude/settings.json", false},
		{InstallOptions{Agent: ClaudeCode, Scope: ScopeLocal, Root: "/r"}, "/r/.claude/settings.local.json", false},
		{InstallOptions{Agent: ClaudeCode, Scope: ScopeUser, Home: "/h"}, "/h/.claude/settings.json", false},
		{InstallOptions{Agent: Codex, Scope: ScopeUser, Home: "/h"}, "/h/.codex/hooks.json", false},
		{InstallOptions{Agent: Kiro, Scope: ScopeUser, Home: "/h", KiroAgent: "backend"}, "/h/.kiro/agents/backend.json", false},
		{InstallOptions{Agent: Kiro, Root: "/r", KiroAgent: "../x"}, "", true},
		{InstallOptions{Agent: Codex, Scope: ScopeLocal, Root: "/r"}, "", true},
		{InstallOptions{Agent: ClaudeCode, Scope: ScopeUser}, "", true},
		{InstallOptions{Agent: "cursor", Root: "/r"}, "", true},
	} {
		got, err := SettingsPaths(&tc.o)
		if tc.err != (err != nil) || err == nil && filepath.ToSlash(got[0]) != tc.want {
			t.Errorf("%+v: %v %v, want %s", tc.o, got, err, tc.want)
		}
	}
}

func TestInstallRecognisesOnlyKeyturn(t *testing.T) {
	o := &InstallOptions{Agent: ClaudeCode, Command: "/usr/local/bin/keyturn hook claude-code"}
	for cmd, want := range map[string]bool{
		"/usr/local/bin/keyturn hook claude-code":     true,
		"'/Users/a b/bin/keyturn' hook claude-code":   true,
		"keyturn hook claude-code":                    true,
		"/opt/keyturn hook codex":                     false,
		"keyturn-lint hook claude-code":               false,
		"echo keyturn hook claude-code":               false,
		"/usr/local/bin/keyturn hook claude-code --x": false,
		"": false,
	} {
		if got := ours(o, cmd); got != want {
			t.Errorf("ours(%q) = %v, want %v", cmd, got, want)
		}
	}
	if got := HookCommand("/Users/a b/bin/keyturn", Kiro); got != `'/Users/a b/bin/keyturn' hook kiro` {
		t.Errorf("HookCommand = %s", got)
	}
}
