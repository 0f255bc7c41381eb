package classify

import (
	"path"
	"strings"
)

// selfPath reports whether p is a file an agent must never change: keyturn's
// own configuration, policy and data, an agent's hook or permission
// settings, git hooks and CI workflows. An agent that could edit these could
// switch its own guard off.
func (c *Classifier) selfPath(p string) bool {
	if p == "" {
		return false
	}
	clean := path.Clean(p)
	base := path.Base(clean)
	switch {
	case base == "keyturn.yaml" || base == "keyturn.yml" || base == ".keyturn.yaml":
		return true
	}
	for _, part := range []string{
		"/.keyturn/", "/.config/keyturn/", "/.local/state/keyturn/", "/.local/share/keyturn/",
		"/etc/keyturn/", "/var/lib/keyturn/",
		"/.claude/settings", "/.claude/hooks/", "/.codex/", "/.kiro/", "/.cursor/",
		"/.git/hooks/", "/.github/workflows/", "/.gitlab-ci.yml", "/.husky/",
	} {
		if strings.Contains(clean+"/", part) {
			return true
		}
	}
	for _, re := range c.cfg.selfPaths {
		if re.MatchString(clean) {
			return true
		}
	}
	return false
}
