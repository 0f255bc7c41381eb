package classify

import (
	"os"
	"path"
	"path/filepath"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"keyturn"
)

// abs resolves a path argument against the cwd. ok is false when the path
// cannot be known before it runs (a variable, a relative path after cd $X).
func (s *state) abs(a arg) (string, bool) {
	p := a.Value
	if !a.Known || p == "" {
		return p, false
	}
	if strings.HasPrefix(p, "~") {
		return p, false // HOME unknown: somewhere outside the workspace
	}
	if !path.IsAbs(p) {
		if s.cwd == "" {
			return p, false
		}
		p = s.cwd + "/" + p // cleaned below, after dotDot
	}
	// A glob such as .? or .* matches .. in bash before 5.2: rm -rf .?/x
	// may climb out of the workspace, so where it lands is not known.
	for _, seg := range strings.Split(p, "/") {
		if strings.HasPrefix(seg, ".") && strings.ContainsAny(seg, "*?[") {
			if m, _ := path.Match(seg, ".."); m {
				return p, false
			}
		}
	}
	// link/.. is the parent of the link's target, not the directory the
	// link is in: resolve what precedes the last .. as the kernel does,
	// before cleaning lexically (echo x > p/../settings.json with p ->
	// ~/.claude/projects writes ~/.claude/settings.json).
	if rp, ok := s.dotDot(p); !ok {
		return path.Clean(p), false
	} else {
		p = rp
	}
	// rm -rf link/ goes through the link; rm -rf link removes the link.
	through := strings.HasSuffix(a.Value, "/") || strings.HasSuffix(a.Value, "/.") || a.Value == "."
	return s.followLinks(path.Clean(p), through)
}

// dotDot resolves the part of the absolute path p up to its last ..
// component the way the kernel does, links on the way followed, and returns
// it joined with the rest. A path that climbs out of a link this line
// makes is not known (ok false).
func (s *state) dotDot(p string) (string, bool) {
	comps := strings.Split(p, "/")
	last := -1
	for i, c := range comps {
		if c == ".." {
			last = i
		}
	}
	if last < 0 {
		return p, true
	}
	for i := 1; i <= last; i++ {
		if comps[i] != ".." {
			continue
		}
		before := path.Clean("/" + strings.Join(comps[:i], "/"))
		for l := range s.links {
			if within(before, l) {
				return p, false
			}
		}
	}
	if s.remote != nil || s.work != nil && !s.spend(4) {
		return p, true
	}
	prefix := strings.Join(comps[:last+1], "/")
	real, ok := realPath(prefix, true)
	if !ok {
		return p, false
	}
	return real + "/" + strings.Join(comps[last+1:], "/"), true
}

// followLinks checks a path that looks as if it is in the workspace or a
// temp dir against the symlinks on the way there: with root -> /,
// root/etc is /etc. A link the line itself made (ln -s / root; rm -rf
// root/etc) may point anywhere: the path is then unknown. A link already
// on disk is followed, and the path is where it really lands; the last
// element too when through is set (a trailing slash).
func (s *state) followLinks(p string, through bool) (string, bool) {
	if !s.inWorkspace(p) && !s.inTemp(p) {
		return p, true
	}
	for l := range s.links {
		if within(p, l) {
			return p, false
		}
	}
	if s.remote != nil {
		return p, true
	}
	target := p
	if !through {
		target = path.Dir(p)
	}
	// The longest prefix of target that exists, found from the root down
	// (a few system calls, however long the path).
	existing := "/"
	for i := 1; i <= len(target); i++ {
		if i < len(target) && target[i] != '/' {
			continue
		}
		if _, err := os.Lstat(target[:i]); err != nil {
			break
		}
		existing = target[:i]
	}
	real, err := filepath.EvalSymlinks(existing)
	if err != nil || real == existing {
		return p, true
	}
	real = path.Join(filepath.ToSlash(real), strings.TrimPrefix(p, existing))
	// The workspace and temp dirs may sit behind links of their own
	// (/tmp is /private/tmp on macOS): compare like with like.
	for _, base := range append([]string{s.workspace}, s.tempDirs()...) {
		if base == "" {
			continue
		}
		rb, err := filepath.EvalSymlinks(base)
		if err != nil {
			rb = base
		}
		if within(real, filepath.ToSlash(rb)) && within(p, base) {
			return p, true
		}
	}
	return real, true
}

// within reports whether p is dir or inside it.
func within(p, dir string) bool {
	if dir == "" {
		return false
	}
	if dir == "/" {
		return true
	}
	return p == dir || strings.HasPrefix(p, dir+"/")
}

// inWorkspace reports whether p is inside the workspace (the root included).
func (s *state) inWorkspace(p string) bool {
	return s.workspace != "" && within(p, s.workspace)
}

// inTemp reports whether p is strictly inside a temporary directory.
func (s *state) inTemp(p string) bool {
	for _, dir := range s.tempDirs() {
		if p != dir && within(p, dir) {
			return true
		}
	}
	return false
}

func (s *state) tempDirs() []string {
	dirs := []string{"/tmp", "/var/tmp", "/dev/shm"}
	if t := s.env["TMPDIR"]; t != "" && path.IsAbs(t) && path.Clean(t) != "/" {
		dirs = append(dirs, strings.TrimSuffix(path.Clean(t), "/"))
	}
	return dirs
}

// pathEnv is the environment a local path lands in.
func (s *state) pathEnv(p string, ok bool) keyturn.Environment {
	if ok && s.inWorkspace(p) {
		return keyturn.EnvWorkspace
	}
	return keyturn.EnvLocal
}

// deleteClass classifies deleting (or overwriting in place) the path: inside
// the workspace (not its root, not .git) or a temp dir it is a write; the
// workspace root, .git, /, home, system dirs and everything else outside
// are destructive. A path that cannot be known is destructive too.
func (s *state) deleteClass(p string, ok bool) keyturn.Class {
	if !ok {
		return keyturn.Destructive
	}
	if s.inTemp(p) {
		return keyturn.Write
	}
	if !s.inWorkspace(p) || p == s.workspace {
		return keyturn.Destructive
	}
	rel := strings.TrimPrefix(p, s.workspace+"/")
	if rel == ".git" || strings.HasPrefix(rel, ".git/") || strings.HasSuffix(rel, "/.git") || strings.Contains(rel, "/.git/") {
		return keyturn.Destructive // a repository's history, nested ones too
	}
	return keyturn.Write
}

// gitCodePath reports whether p is where git finds code to run: a
// repository's config (core.fsmonitor, core.pager, diff drivers), its
// hooks, its attributes, or a .git file pointing at another repository.
// `git status` after writing one of them runs the agent's code.
func gitCodePath(p string) bool {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		if part != ".git" {
			continue
		}
		rest := parts[i+1:]
		if len(rest) == 0 || rest[0] == "config" || rest[0] == "config.worktree" || rest[0] == "hooks" ||
			rest[0] == "commondir" || rest[0] == "gitdir" || len(rest) > 1 && rest[0] == "info" && rest[1] == "attributes" ||
			strings.HasPrefix(rest[0], "*") || strings.HasPrefix(rest[0], "?") || strings.HasPrefix(rest[0], "[") {
			return true
		}
	}
	return false
}

// deleteEffect is the effect of deleting path a with the named operation.
func (c *call) deleteEffect(op string, a arg) keyturn.Effect {
	p, ok := c.s.abs(a)
	e := keyturn.Effect{Tool: "fs", Operation: op, Class: c.s.deleteClass(p, ok), Environment: c.s.pathEnv(p, ok), Targets: []string{p}}
	if !ok {
		e.Note = "the path is only known at run time"
	}
	return e
}

// writeEffect is the effect of writing to path a: a write where it lands,
// destructive on a block device.
func (c *call) writeEffect(op string, a arg) keyturn.Effect {
	return c.s.writeEffect("fs", op, a)
}

func (s *state) writeEffect(tool, op string, a arg) keyturn.Effect {
	p, ok := s.abs(a)
	e := keyturn.Effect{Tool: tool, Operation: op, Class: keyturn.Write, Environment: s.pathEnv(p, ok), Targets: []string{p}}
	if ok && s.remote == nil && s.spend(4) {
		// A write follows a link in the last component too (abs does not:
		// rm removes the link): echo x > link writes where link points,
		// which may be an agent's settings (selfPath checks every target).
		if real, rok := realPath(p, true); rok && real != p {
			e.Targets = append(e.Targets, real)
			if !s.landsInWorkspace(fileLanding{real: real, ok: true}) {
				e.Environment = keyturn.EnvLocal
			}
			if gitCodePath(real) || isBlockDevice(real) {
				p = real // judged below
			}
		}
	}
	switch {
	case ok && isBlockDevice(p):
		e.Class = keyturn.Destructive
		e.Note = "writes a block device: the data on it is lost"
	case ok && tool == "fs" && gitCodePath(p):
		e.Class = keyturn.Unknown
		e.Note = "git runs code configured here (hooks, core.fsmonitor, a pager) in later commands, reads included"
	case !ok:
		e.Note = "the path is only known at run time"
	}
	return e
}

// isBlockDevice reports whether p names a disk or partition.
func isBlockDevice(p string) bool {
	if !strings.HasPrefix(p, "/dev/") {
		return false
	}
	name := strings.TrimPrefix(p, "/dev/")
	for _, prefix := range []string{"sd", "hd", "vd", "xvd", "nvme", "mmcblk", "dm-", "md", "loop", "disk", "mapper/", "rdisk", "nbd", "zd", "sr"} {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	if fi, err := os.Stat(p); err == nil && fi.Mode()&os.ModeDevice != 0 && fi.Mode()&os.ModeCharDevice == 0 {
		return true
	}
	return false
}

// harmlessSink reports whether writing to p changes nothing that matters.
func harmlessSink(p string) bool {
	switch p {
	case "/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero":
		return true
	}
	return strings.HasPrefix(p, "/dev/fd/") || strings.HasPrefix(p, "/proc/self/fd/")
}

type redirect struct {
	op     syntax.RedirOperator
	target arg
}

func (s *state) redirectEffect(r redirect) keyturn.Effect {
	p, ok := s.abs(r.target)
	op := "write " + r.target.Value
	if r.op == syntax.AppOut || r.op == syntax.AppAll || r.op == syntax.AppClob || r.op == syntax.AppAllClob {
		op = "append " + r.target.Value
	}
	if ok && harmlessSink(p) {
		return keyturn.Effect{Tool: "shell", Operation: "redirect to " + p, Class: keyturn.Read, Environment: keyturn.EnvLocal}
	}
	return s.writeEffect("fs", op, r.target)
}

// fileInput is stdin read from a file (< FILE).
func (s *state) fileInput(a arg) *input {
	in := &input{what: "file " + a.Value}
	s.emit(s.secretReads([]arg{a})...)
	if p, ok := s.abs(a); ok && s.remote == nil {
		if data, err := readSmall(p); err == nil {
			in.text, in.known = string(data), true
		}
	}
	return in
}

// readSmall reads a regular file of at most 256 KiB; a larger one is not
// read, and what it holds stays unknown.
func readSmall(p string) ([]byte, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > 256<<10 {
		return nil, os.ErrInvalid
	}
	return os.ReadFile(p)
}

// pipeInput describes what the left side of a pipe feeds the right side:
// the literal text of echo/printf/cat of a here-document, or unknown data.
func pipeInput(x *syntax.Stmt, s *state) *input {
	call, ok := x.Cmd.(*syntax.CallExpr)
	if !ok || len(call.Args) == 0 {
		return &input{what: "pipe"}
	}
	argv := make([]arg, len(call.Args))
	for i, w := range call.Args {
		argv[i] = s.word(w)
	}
	name := programName(argv[0].Value)
	in := &input{what: "pipe from " + name}
	if _, ok := s.funcs[argv[0].Value]; ok {
		return in // a function of that name: its output is anything
	}
	switch name {
	case "echo":
		words := argv[1:]
		for len(words) > 0 && (words[0].Value == "-n" || words[0].Value == "-e" || words[0].Value == "-E") {
			words = words[1:]
		}
		in.text, in.known = joinKnown(words)
		in.text += "\n"
		// echo -e, and echo in zsh, dash and bash's xpg mode, turn \x3b
		// into ; — text with a backslash is not what the reader sees.
		if strings.Contains(in.text, `\`) {
			in.known = false
		}
	case "printf":
		if len(argv) == 2 && !strings.Contains(argv[1].Value, "%") {
			in.text, in.known = strings.ReplaceAll(argv[1].Value, `\n`, "\n"), argv[1].Known
			if strings.Contains(in.text, `\`) {
				in.known = false // \x3b, \073: escapes printf decodes
			}
		}
	case "cat":
		for _, r := range x.Redirs {
			switch r.Op {
			case syntax.Hdoc, syntax.DashHdoc:
				if len(argv) == 1 {
					in.text, in.known = s.word(r.Hdoc).Value, true
				}
			case syntax.WordHdoc:
				if len(argv) == 1 {
					a := s.word(r.Word)
					in.text, in.known = a.Value+"\n", a.Known
				}
			}
		}
	}
	return in
}

func joinKnown(args []arg) (string, bool) {
	known := true
	vs := make([]string, len(args))
	for i, a := range args {
		vs[i] = a.Value
		known = known && a.Known
	}
	return strings.Join(vs, " "), known
}
