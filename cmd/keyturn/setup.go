package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"keyturn/classify"
	"keyturn/policy"
)

// loadConfig reads the environments configuration: the file given, else
// keyturn.yaml in the workspace, else in the user's config dir, else the
// built-in conventional names.
func loadConfig(e *env, path, cwd string) (*classify.Config, string, error) {
	cfg, from, err := readConfig(e, path, cwd)
	if err != nil {
		return nil, "", err
	}
	if err := protectFromEnv(e, cfg); err != nil {
		return nil, "", err
	}
	return cfg, from, nil
}

// protectFromEnv protects what this machine's environment says lives
// elsewhere than its default place: an agent's own configuration
// (CODEX_HOME, CLAUDE_CONFIG_DIR) and keyturn's data (KEYTURN_DATA), which
// agents must neither change nor, for keyturn's data, read.
func protectFromEnv(e *env, cfg *classify.Config) error {
	for _, name := range []string{"CODEX_HOME", "CLAUDE_CONFIG_DIR"} {
		if d := e.getenv(name); d != "" && filepath.IsAbs(d) {
			if err := cfg.ProtectPath(d); err != nil {
				return err
			}
		}
	}
	if d := defaultDataDir(e); d != "" && filepath.IsAbs(d) {
		return cfg.ProtectSecret(d)
	}
	return nil
}

func readConfig(e *env, path, cwd string) (*classify.Config, string, error) {
	if path != "" {
		cfg, err := classify.LoadConfig(path)
		return cfg, path, err
	}
	var candidates []string
	if cwd != "" {
		candidates = append(candidates, filepath.Join(classify.Workspace(cwd), "keyturn.yaml"))
	}
	if dir := configDir(e); dir != "" {
		candidates = append(candidates, filepath.Join(dir, "keyturn.yaml"))
	}
	for _, p := range candidates {
		if _, err := os.Stat(p); err == nil {
			cfg, err := classify.LoadConfig(p)
			return cfg, p, err
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, "", err
		}
	}
	return classify.DefaultConfig(), "built-in defaults", nil
}

// loadPolicy compiles the policy directory given, else the default pack.
func loadPolicy(dir string) (*policy.Set, error) {
	if dir == "" {
		return policy.Default()
	}
	return policy.Load(dir)
}

// configDir is keyturn's directory in the user's configuration
// ($XDG_CONFIG_HOME/keyturn, else ~/.config/keyturn), read through the
// command's environment so that tests and callers control it.
func configDir(e *env) string {
	if d := e.getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "keyturn")
	}
	if h := e.getenv("HOME"); h != "" {
		return filepath.Join(h, ".config", "keyturn")
	}
	return ""
}
