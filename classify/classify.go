// Package classify understands what an action would do.
//
// Shell reads a command line with mvdan.cc/sh/v3/syntax, reaches every simple
// command in it (lists, pipes, subshells, loops, functions, substitutions,
// here-documents fed to a shell), unwraps wrappers (sudo, env, timeout,
// xargs, find -exec, bash -c, ssh, kubectl exec, …) and hands each program to
// the analyzer for its tool, one file per tool. Each analyzer returns
// keyturn.Effects: tool, operation, class, targets and the hints (kube
// context, AWS profile, host, …) that Config resolves to an environment.
//
// What cannot be understood is unknown, never read. The package does no
// network or database I/O; it reads only local files that change the meaning
// of a command (a git top-level, a kubeconfig's current context, an SQL file).
package classify

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"keyturn"
)

// Context is where a command line runs.
type Context struct {
	// Cwd is the directory the line starts in.
	Cwd string
	// Env is the environment the line runs in. Only it is consulted: the
	// classifier never reads its own process environment.
	Env map[string]string
}

// Classifier turns actions into effects. It is safe for concurrent use.
type Classifier struct {
	cfg *Config

	mu         sync.Mutex
	workspaces map[string]string // cwd → git top-level, cached
}

// New returns a Classifier that resolves environments with cfg (nil means
// DefaultConfig).
func New(cfg *Config) *Classifier {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	return &Classifier{cfg: cfg, workspaces: map[string]string{}}
}

// Config returns the configuration the classifier resolves with.
func (c *Classifier) Config() *Config { return c.cfg }

// The work budget of one line: generous for anything a person writes,
// linear in the line's length.
const (
	workPerByte = 4
	workBase    = 2000
)

// maxLine bounds the input: a longer line is not understood. It keeps the
// work done on hostile input linear and small.
const maxLine = 1 << 20

// Shell returns the effects of a shell command line, at least one. A line
// that has no command at all (blank, comments, assignments) yields one read
// effect, so every line has a decision.
func (c *Classifier) Shell(line string, ctx Context) []keyturn.Effect {
	var out []keyturn.Effect
	s := c.newState(ctx, &out)
	s.work.limit = workPerByte*len(line) + workBase
	if len(line) > maxLine {
		s.emit(unknownEffect("shell", "oversized command", "the command line is over 1 MiB"))
	} else {
		s.script(line, "command")
	}
	if len(out) == 0 {
		out = append(out, keyturn.Effect{Tool: "shell", Operation: "no command", Class: keyturn.Read, Environment: keyturn.EnvLocal})
	}
	return c.finish(out)
}

// finish resolves the environment of every effect from its hints, marks
// protected targets and keyturn's own files, and drops exact duplicates.
func (c *Classifier) finish(effects []keyturn.Effect) []keyturn.Effect {
	out := effects[:0]
	seen := map[string]bool{}
	for _, e := range effects {
		if e.Environment == "" {
			e.Environment = c.cfg.Resolve(e.Hints)
		}
		if e.Class != keyturn.Read {
			for _, t := range e.Targets {
				if c.cfg.IsProtected(e.Tool + ":" + string(e.Environment) + ":" + t) {
					e.Protected = true
				}
				if c.selfPath(t) {
					e.SelfModify = true
				}
			}
		}
		key := effectKey(e)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, e)
	}
	return out
}

func effectKey(e keyturn.Effect) string {
	hints := make([]string, 0, len(e.Hints))
	for k, v := range e.Hints {
		hints = append(hints, k+"="+v)
	}
	sort.Strings(hints)
	return strings.Join([]string{e.Tool, e.Operation, string(e.Class), string(e.Environment),
		strings.Join(e.Targets, "\x00"), strings.Join(hints, "\x00"), e.Note}, "\x01")
}

// Workspace returns the workspace of dir: its git top-level, or dir itself
// when it is in no repository.
func Workspace(dir string) string {
	return defaultWorkspaces.workspace(dir)
}

var defaultWorkspaces = New(&Config{})

// workspace returns the git top-level of dir, or dir itself when it is in no
// repository (or does not exist: it is then used as it stands).
func (c *Classifier) workspace(dir string) string {
	if dir == "" {
		return ""
	}
	c.mu.Lock()
	ws, ok := c.workspaces[dir]
	c.mu.Unlock()
	if ok {
		return ws
	}
	ws = dir
	for d := dir; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			ws = d
			break
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	c.mu.Lock()
	if len(c.workspaces) > 4096 {
		clear(c.workspaces) // bounded: a long-running server sees many cwds
	}
	c.workspaces[dir] = ws
	c.mu.Unlock()
	return ws
}

func unknownEffect(tool, op, note string) keyturn.Effect {
	return keyturn.Effect{Tool: tool, Operation: op, Class: keyturn.Unknown, Environment: keyturn.EnvLocal, Note: note}
}
