package classify

import (
	"path"
	"strings"

	"keyturn"
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

// secretDirs are where keyturn keeps credentials by default: the server's
// data directory (the admin token, the audit signing key, the database with
// the audit log) and the CLI's login file (a human's token). Reading them is
// not a harmless read: an agent that reads a human's token can approve,
// confirm and administer in that human's name.
var secretDirs = []string{"/.local/state/keyturn/", "/.config/keyturn/", "/var/lib/keyturn/"}

// secretFiles are the names of the files keyturn keeps credentials in.
var secretFiles = map[string]bool{"admin-token": true, "audit.key": true, "keyturn.db": true,
	"keyturn.db-wal": true, "login.json": true}

// secretPath reports whether p is one of keyturn's credential files or
// directories, which an agent must not even read.
func (c *Classifier) secretPath(p string) bool {
	if p == "" {
		return false
	}
	clean := path.Clean(p)
	for _, part := range secretDirs {
		if strings.Contains(clean+"/", part) {
			return true
		}
	}
	for _, re := range c.cfg.secretPaths {
		if re.MatchString(clean) {
			return true
		}
	}
	return false
}

// secretReads returns an effect for each word of argv that names one of
// keyturn's credential files (secretPath), whatever the program does with
// it: cat, grep, cp, base64, sqlite3 and `keyturn --data` all read. The
// effect is marked SelfModify, which the default policy refuses outright.
func (s *state) secretReads(argv []arg) []keyturn.Effect {
	var out []keyturn.Effect
	check := func(v string) {
		p := v
		if !path.IsAbs(v) && s.cwd != "" {
			p = path.Join(s.cwd, v) // cd DATA && cat admin-token
		}
		secret := s.c.secretPath(p)
		if !secret && secretFiles[path.Base(p)] {
			// Links are followed only for the files worth the system calls:
			// ln -s /srv link; cat link/keyturn/admin-token.
			if abs, ok := s.abs(arg{Value: v, Known: true}); ok {
				p, secret = abs, s.c.secretPath(abs)
			}
		}
		if secret {
			e := unknownEffect("keyturn", "read keyturn's credentials", "an agent must not read keyturn's tokens, keys or database: "+p)
			e.Targets, e.SelfModify = []string{p}, true
			out = append(out, e)
		}
	}
	for _, a := range argv {
		if !a.Known || a.Value == "" {
			continue
		}
		check(a.Value)
		if _, v, ok := strings.Cut(a.Value, "="); ok && v != "" {
			check(v) // --data=DIR, if=FILE
		}
	}
	return out
}
