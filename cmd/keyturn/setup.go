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
func loadConfig(path, cwd string) (*classify.Config, string, error) {
	if path != "" {
		cfg, err := classify.LoadConfig(path)
		return cfg, path, err
	}
	var candidates []string
	if cwd != "" {
		candidates = append(candidates, filepath.Join(classify.Workspace(cwd), "keyturn.yaml"))
	}
	if dir, err := os.UserConfigDir(); err == nil {
		candidates = append(candidates, filepath.Join(dir, "keyturn", "keyturn.yaml"))
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
