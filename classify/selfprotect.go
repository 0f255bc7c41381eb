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
	if c.selfPathAsWritten(p) {
		return true
	}
	// Through the links on disk, the last one included: echo x > notes.json,
	// cp x notes.json and rm notes.json, with notes.json a link to
	// ~/.claude/settings.json, all reach the settings (and one that only
	// removes the link is refused too: it is rare, and refusing is safe).
	if path.IsAbs(p) {
		if real, ok := realPath(p, true); ok && real != path.Clean(p) {
			return c.selfPathAsWritten(real)
		}
	}
	return false
}

func (c *Classifier) selfPathAsWritten(p string) bool {
	if p == "" {
		return false
	}
	clean := path.Clean(p)
	// Matched without case: on macOS and Windows .Claude/Settings.json is
	// .claude/settings.json. A relative path (its directory only known at
	// run time: cd $X && echo > .claude/settings.json) is matched as if it
	// were rooted, so its own parts still count.
	lower := strings.ToLower(clean)
	if !strings.HasPrefix(lower, "/") {
		lower = path.Clean("/" + lower)
	}
	switch path.Base(lower) {
	case "keyturn.yaml", "keyturn.yml", ".keyturn.yaml", ".keyturn.yml":
		return true
	}
	for _, part := range selfParts {
		if strings.Contains(lower+"/", part) {
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

// selfParts are the path parts (lower case, between slashes) of what
// selfPath protects. Beside keyturn's own files: where Claude Code, Codex,
// Kiro (and Amazon Q, its predecessor), Cursor and Gemini keep hooks,
// permissions and MCP servers (an agent that points .mcp.json past `keyturn
// mcp proxy` has removed its guard as surely as one that edits a hook), the
// managed settings of Claude Code, git hooks, and CI definitions, which run
// with the repository's secrets.
var selfParts = []string{
	"/.keyturn/", "/.config/keyturn/", "/.local/state/keyturn/", "/.local/share/keyturn/",
	"/etc/keyturn/", "/var/lib/keyturn/",
	"/.claude/settings", "/.claude/hooks/", "/.claude.json/", "/.mcp.json/",
	"/etc/claude-code/", "/library/application support/claudecode/",
	"/.codex/", "/.kiro/", "/.amazonq/", "/.cursor/", "/.gemini/settings",
	"/.git/hooks/", "/.husky/",
	"/.github/workflows/", "/.github/actions/", "/.gitlab-ci.yml/", "/.circleci/",
	"/.gitea/workflows/", "/.forgejo/workflows/", "/.buildkite/",
	"/bitbucket-pipelines.yml/", "/azure-pipelines.yml/",
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
