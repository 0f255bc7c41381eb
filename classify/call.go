package classify

import (
	"maps"
	"path"
	"slices"
	"strings"

	"keyturn"
)

// call is one program invocation as an analyzer sees it.
type call struct {
	s    *state
	prog string // the program's name: "git" for /usr/bin/git, \git or 'git'
	path string // the program as written
	args []arg  // the arguments after the program
	env  map[string]string
	// stdin is what the program reads on standard input, or nil.
	stdin *input
}

// analyzer returns the effects of one invocation of its program. Effects
// that land somewhere remote leave Environment empty and set Hints; the
// classifier resolves them with the configuration.
type analyzer func(c *call) []keyturn.Effect

var analyzers = map[string]analyzer{}

// register makes a the analyzer of the named programs. Each tool's file
// registers its own in init, so adding a tool touches one file.
func register(a analyzer, names ...string) {
	for _, n := range names {
		if _, dup := analyzers[n]; dup {
			panic("classify: two analyzers for " + n)
		}
		analyzers[n] = a
	}
}

func (c *call) analyse() []keyturn.Effect {
	if a, ok := analyzers[c.prog]; ok {
		return a(c)
	}
	if known, ok := readOnly[c.prog]; ok {
		return known(c)
	}
	return []keyturn.Effect{unknownEffect(c.prog, c.prog, "keyturn does not know what "+c.prog+" does")}
}

// values returns the arguments' values.
func (c *call) values() []string {
	v := make([]string, len(c.args))
	for i, a := range c.args {
		v[i] = a.Value
	}
	return v
}

// effect returns an effect of this call whose environment is resolved from
// hints.
func (c *call) effect(tool, op string, class keyturn.Class, hints map[string]string, targets ...string) keyturn.Effect {
	return keyturn.Effect{Tool: tool, Operation: op, Class: class, Hints: hints, Targets: targets}
}

// localEffect returns an effect on this machine (outside the workspace).
func (c *call) localEffect(tool, op string, class keyturn.Class, targets ...string) keyturn.Effect {
	return keyturn.Effect{Tool: tool, Operation: op, Class: class, Environment: keyturn.EnvLocal, Targets: targets}
}

// workspaceEffect returns an effect on the project the agent works in.
func (c *call) workspaceEffect(tool, op string, class keyturn.Class, targets ...string) keyturn.Effect {
	env := keyturn.EnvWorkspace
	if c.s.workspace == "" {
		env = keyturn.EnvLocal
	}
	return keyturn.Effect{Tool: tool, Operation: op, Class: class, Environment: env, Targets: targets}
}

// unknown returns an unknown effect with a note that says why.
func (c *call) unknown(op, note string) keyturn.Effect {
	return unknownEffect(c.prog, op, note)
}

// run analyses argv as a command run by this one (sudo CMD, xargs CMD, …),
// in the same context and with the same stdin.
func (c *call) run(argv []arg) {
	saved := c.s.stdin
	c.s.stdin = c.stdin
	c.s.depth++
	c.s.run(argv, c.env)
	c.s.depth--
	c.s.stdin = saved
}

// runIn analyses argv as run in another directory (env -C, chroot, …).
func (c *call) runIn(dir arg, argv []arg) {
	t := c.s.fork()
	t.stdin = c.stdin
	t.depth++
	if p, ok := t.abs(dir); ok {
		t.cwd = p
	} else {
		t.cwd = ""
	}
	t.run(argv, c.env)
}

// shell parses src as shell code run by this call (bash -c SRC, ssh HOST
// SRC, watch SRC). what names it for errors.
func (c *call) shell(src, what string) {
	t := c.s.fork()
	t.env = maps.Clone(c.env)
	t.depth++
	t.script(src, what)
}

// insideShell parses src as shell code run on another host or container.
func (c *call) insideShell(hints map[string]string, src, what string) {
	t := c.s.insideState(hints)
	t.stdin = c.stdin // ssh HOST 'bash -s' <<EOF feeds the remote shell
	t.script(src, what)
}

func (s *state) insideState(hints map[string]string) *state {
	t := s.fork()
	t.depth++
	t.remote = maps.Clone(hints)
	if t.remote == nil {
		t.remote = map[string]string{}
	}
	// The remote's own files, cwd and variables are not ours.
	t.workspace = ""
	t.cwd = ""
	t.env = map[string]string{}
	return t
}

// projectScript is a program given by a path (./deploy.sh, bin/x): the
// project's own code, a write in the workspace. A shell script that can be
// read is also analysed, so deploy.sh's `kubectl delete` counts. A script
// written earlier in the same line is the agent's own code, not the
// project's: unknown. Outside the workspace it is some program keyturn
// cannot judge: unknown.
func (c *call) projectScript(p string) []keyturn.Effect {
	return c.scriptFile(p, false)
}

// scriptFile is projectScript for a file that is shell code whatever its
// name or #! line says (bash notes.txt) when asShell is set.
func (c *call) scriptFile(p string, asShell bool) []keyturn.Effect {
	abs, ok := c.s.abs(arg{Value: p, Known: true})
	if ok && c.s.written[abs] {
		return []keyturn.Effect{c.unknown("run "+p, "runs a file written earlier in the same command")}
	}
	if !ok || !c.s.inWorkspace(abs) {
		return []keyturn.Effect{c.unknown("run "+p, "runs a program outside the workspace that keyturn cannot judge")}
	}
	if c.s.remote == nil {
		if src, err := readSmall(abs); err == nil && (asShell || isShellScript(abs, src)) {
			t := c.s.fork()
			t.depth++
			t.script(string(src), "script "+p)
		}
	}
	return []keyturn.Effect{c.workspaceEffect("script", "run "+p, keyturn.Write, abs)}
}

// isShellScript reports whether a file is shell code: by its #! line, or by
// its name when it has none.
func isShellScript(name string, src []byte) bool {
	line, _, _ := strings.Cut(string(src), "\n")
	if !strings.HasPrefix(line, "#!") {
		return strings.HasSuffix(name, ".sh") || strings.HasSuffix(name, ".bash")
	}
	fields := strings.Fields(strings.TrimPrefix(line, "#!"))
	if len(fields) > 1 && path.Base(fields[0]) == "env" {
		fields = fields[1:]
		for len(fields) > 1 && strings.HasPrefix(fields[0], "-") {
			fields = fields[1:]
		}
	}
	if len(fields) == 0 {
		return false
	}
	switch path.Base(fields[0]) {
	case "sh", "bash", "zsh", "dash", "ksh", "mksh", "ash":
		return true
	}
	return false
}

// flags is a command's arguments split into options and operands.
type flags struct {
	pos  []arg               // operands, in order
	opts map[string][]string // option as written ("-n", "--namespace") → values ("" for a switch)
	// rest holds the arguments after a "--", when there is one.
	rest    []arg
	hasRest bool
}

// has reports whether any of the options was given.
func (f flags) has(names ...string) bool {
	for _, n := range names {
		if _, ok := f.opts[n]; ok {
			return true
		}
	}
	return false
}

// get returns the last value of the first of the options that was given.
func (f flags) get(names ...string) string {
	for _, n := range names {
		if v, ok := f.opts[n]; ok && len(v) > 0 {
			return v[len(v)-1]
		}
	}
	return ""
}

// parseFlags splits args in the getopt way: --name=value, --name value and
// -n value for the options listed in valued, -abc as -a -b -c, -nVALUE for a
// valued short option, and "--" ends the options. With stopAtOperand, the
// first operand ends the options (as for a wrapper's command).
func parseFlags(args []arg, valued map[string]bool, stopAtOperand bool) flags {
	f := flags{opts: map[string][]string{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.Value
		switch {
		case v == "--":
			f.rest = args[i+1:]
			f.hasRest = true
			return f
		case strings.HasPrefix(v, "--") && len(v) > 2:
			name, val, eq := strings.Cut(v, "=")
			if !eq && valued[name] && i+1 < len(args) {
				i++
				val = args[i].Value
			}
			f.opts[name] = append(f.opts[name], val)
		case strings.HasPrefix(v, "-") && len(v) > 1 && a.Known:
			if valued[v] {
				val := ""
				if i+1 < len(args) {
					i++
					val = args[i].Value
				}
				f.opts[v] = append(f.opts[v], val)
				continue
			}
			// -rf, -nVALUE, -n=VALUE
			for j := 1; j < len(v); j++ {
				name := "-" + v[j:j+1]
				if valued[name] {
					val := strings.TrimPrefix(v[j+1:], "=")
					if val == "" && i+1 < len(args) {
						i++
						val = args[i].Value
					}
					f.opts[name] = append(f.opts[name], val)
					break
				}
				f.opts[name] = append(f.opts[name], "")
			}
		default:
			f.pos = append(f.pos, a)
			if stopAtOperand {
				f.rest = args[i+1:]
				return f
			}
		}
	}
	return f
}

// longAbbrev rewrites each long option that a getopt_long program would
// take as an abbreviation of one of names (GNU tools accept any unambiguous
// prefix: tar --to-c is --to-command, sed --i is --in-place, git push
// --force-w is --force-with-lease) to that name, keeping an attached
// =value. List in names only options that make a command do more: a
// prefix the program finds ambiguous fails there, and judging it as the
// option costs nothing. exact lists the program's own options that are
// themselves a prefix of one of names (--checkpoint of
// --checkpoint-action); they stay as they are. Words after "--" are left
// alone.
func longAbbrev(args []arg, names []string, exact ...string) []arg {
	var out []arg
	for i, a := range args {
		v := a.Value
		if v == "--" {
			break
		}
		if !a.Known || !strings.HasPrefix(v, "--") || len(v) < 3 {
			continue
		}
		name, val, eq := strings.Cut(v, "=")
		if slices.Contains(names, name) || slices.Contains(exact, name) {
			continue
		}
		for _, n := range names {
			if strings.HasPrefix(n, name) {
				if out == nil {
					out = slices.Clone(args)
				}
				if eq {
					n += "=" + val
				}
				out[i] = arg{Value: n, Known: true}
				break
			}
		}
	}
	if out == nil {
		return args
	}
	return out
}

// set builds a set of option names for parseFlags.
func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// strs returns the values of args.
func strs(args []arg) []string {
	v := make([]string, len(args))
	for i, a := range args {
		v[i] = a.Value
	}
	return v
}

// lits wraps known strings as arguments.
func lits(vs ...string) []arg {
	a := make([]arg, len(vs))
	for i, v := range vs {
		a[i] = arg{Value: v, Known: true}
	}
	return a
}

// urlHost returns the host name of a URL or host:port: the hint for an
// API server, a registry, an endpoint.
func urlHost(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.IndexAny(u, "/?#"); i >= 0 {
		u = u[:i]
	}
	if i := strings.LastIndex(u, "@"); i >= 0 {
		u = u[i+1:]
	}
	if strings.HasPrefix(u, "[") {
		if i := strings.Index(u, "]"); i > 0 {
			return u[1:i]
		}
	}
	if h, _, ok := strings.Cut(u, ":"); ok {
		return h
	}
	return u
}
