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
