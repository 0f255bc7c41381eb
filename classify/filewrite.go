package classify

import (
	"os"
	"path"
	"strings"

	"keyturn"
)

// File writes by path (Claude Code's Write, Edit, MultiEdit and
// NotebookEdit, Kiro's fs_write, Codex's apply_patch): where the file
// really lands decides. Inside the workspace it is a write there; outside,
// a write on this machine (destructive on a block device); in git's code
// paths unknown, as for the shell. keyturn's own files, the agents' hook and
// permission settings, git hooks and CI definitions are marked SelfModify
// by finish (selfPath), which the default policy refuses.

// maxPath bounds a path keyturn resolves: a longer one is not understood.
const maxPath = 4096

// maxLinks is how many symbolic links realPath follows before it gives up,
// as Linux's ELOOP does after 40.
const maxLinks = 40

// realPath returns where the absolute path p really lands, symlinks on the
// way followed as the kernel follows them: component by component, so that
// link/.. is the parent of the link's target, not the directory the link
// is in. With follow set the last component is followed too (open(2) for
// writing follows it: a write to a link writes its target); without, it is
// kept (unlink removes the link). Once a component does not exist, the rest
// is taken as written, cleaned. ok is false for a loop or too many links.
func realPath(p string, follow bool) (real string, ok bool) {
	if !path.IsAbs(p) || len(p) > maxPath {
		return p, false
	}
	comps := strings.Split(p, "/")
	cur := "/"
	links := 0
	for len(comps) > 0 {
		name := comps[0]
		comps = comps[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			cur = path.Dir(cur)
			continue
		}
		next := path.Join(cur, name)
		last := true
		for _, c := range comps {
			if c != "" && c != "." {
				last = false
				break
			}
		}
		fi, err := os.Lstat(next)
		if err != nil {
			// Nothing there (or not ours to look at): the rest lands where
			// it says.
			return path.Clean(next + "/" + strings.Join(comps, "/")), true
		}
		if fi.Mode()&os.ModeSymlink == 0 || last && !follow {
			cur = next
			continue
		}
		links++
		if links > maxLinks {
			return p, false
		}
		target, err := os.Readlink(next)
		if err != nil {
			return p, false
		}
		if path.IsAbs(target) {
			cur = "/"
		}
		comps = append(strings.Split(target, "/"), comps...)
		if len(comps) > maxPath {
			return p, false
		}
	}
	return cur, true
}

// fileLanding is where a file path of an action lands.
type fileLanding struct {
	raw     string // as given
	lexical string // absolute and cleaned, links not followed; raw if !ok
	real    string // links followed
	ok      bool   // false: where it lands is not known
	why     string // why not, when !ok
}

// land resolves p against the state's cwd and HOME.
func (s *state) land(p string, follow bool) fileLanding {
	l := fileLanding{raw: p, lexical: p, real: p}
	switch {
	case p == "":
		l.why = "no path"
		return l
	case strings.ContainsRune(p, 0):
		l.why = "the path holds a NUL byte"
		return l
	case len(p) > maxPath:
		l.why = "the path is over 4 KiB"
		return l
	}
	abs := p
	if p == "~" || strings.HasPrefix(p, "~/") {
		home := s.env["HOME"]
		if home == "" || !path.IsAbs(home) {
			l.why = "the path starts with ~ and HOME is not known"
			return l
		}
		abs = home + "/" + strings.TrimPrefix(strings.TrimPrefix(p, "~"), "/")
	} else if strings.HasPrefix(p, "~") {
		l.why = "the path is in another user's home"
		return l
	} else if !path.IsAbs(p) {
		if s.cwd == "" {
			l.why = "a relative path and no working directory"
			return l
		}
		abs = s.cwd + "/" + p
	}
	l.lexical = path.Clean(abs)
	l.real = l.lexical
	if s.remote != nil {
		l.ok = true
		return l
	}
	real, ok := realPath(abs, follow)
	if !ok {
		l.why = "the path goes through too many symbolic links"
		return l
	}
	l.real, l.ok = real, true
	return l
}

// targets are the paths to show and to check against the protected lists:
// as written and, when a link makes it land elsewhere, where it lands.
func (l fileLanding) targets() []string {
	if l.real != l.lexical {
		return []string{l.lexical, l.real}
	}
	return []string{l.lexical}
}

// inWorkspace reports whether the landing is inside the workspace, which
// may itself sit behind a link (/tmp is /private/tmp on macOS).
func (s *state) landsInWorkspace(l fileLanding) bool {
	if !l.ok || s.workspace == "" {
		return false
	}
	if within(l.real, s.workspace) {
		return true
	}
	if wsReal, ok := realPath(s.workspace, true); ok && within(l.real, wsReal) {
		return true
	}
	return false
}

// fileWrite is the effect of writing (creating, replacing or editing) the
// file p.
func (s *state) fileWrite(tool, op, p string) keyturn.Effect {
	l := s.land(p, true)
	e := keyturn.Effect{Tool: tool, Operation: op, Class: keyturn.Write, Environment: keyturn.EnvLocal, Targets: l.targets()}
	switch {
	case !l.ok:
		e.Class = keyturn.Unknown
		e.Note = "where the file lands is not known: " + l.why
	case isBlockDevice(l.real):
		e.Class = keyturn.Destructive
		e.Note = "writes a block device: the data on it is lost"
	case gitCodePath(l.real) || gitCodePath(l.lexical):
		e.Class = keyturn.Unknown
		e.Note = "git runs code configured here (hooks, core.fsmonitor, a pager) in later commands, reads included"
	}
	if s.landsInWorkspace(l) {
		e.Environment = keyturn.EnvWorkspace
	}
	if l.real != l.lexical {
		addNote(&e, "a symbolic link makes it land at "+l.real)
	}
	return e
}

// fileDelete is the effect of deleting the file p: a write inside the
// workspace or a temp dir, destructive elsewhere, as for rm (deleteClass).
// The last component is not followed: deleting a link removes the link.
func (s *state) fileDelete(tool, op, p string) keyturn.Effect {
	l := s.land(p, false)
	e := keyturn.Effect{Tool: tool, Operation: op, Class: keyturn.Destructive, Environment: keyturn.EnvLocal, Targets: l.targets()}
	if !l.ok {
		e.Note = "where the file is is not known: " + l.why
		return e
	}
	if s.landsInWorkspace(l) {
		e.Environment = keyturn.EnvWorkspace
		real := l.real
		if !within(real, s.workspace) {
			// deleteClass compares with the workspace as written.
			if wsReal, ok := realPath(s.workspace, true); ok {
				real = s.workspace + strings.TrimPrefix(real, wsReal)
			}
		}
		e.Class = s.deleteClass(real, true)
	} else {
		e.Class = s.deleteClass(l.real, true)
	}
	if l.real != l.lexical {
		addNote(&e, "a symbolic link makes it land at "+l.real)
	}
	return e
}
