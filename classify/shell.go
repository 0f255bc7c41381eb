package classify

import (
	"maps"
	"path"
	"strings"
	"sync"

	"mvdan.cc/sh/v3/syntax"

	"keyturn"
)

// maxDepth bounds nesting (bash -c inside ssh inside sudo inside …) and
// function calls; anything deeper is unknown.
const maxDepth = 12

// state is the walker's view of the shell as it reads one line: the cwd and
// variables so far, the functions defined, and where the commands run.
type state struct {
	c         *Classifier
	cwd       string // "" when it cannot be known (cd $X)
	workspace string // fixed by the action's cwd; "" on a remote host
	// env is the line's variables. Forks share it until one writes: copy
	// on write keeps a pipeline of twenty commands from copying it twenty
	// times (see setEnv).
	env      map[string]string
	envOwned bool
	// funcs are the functions defined so far, shared by forks the same
	// way as env (see setFunc).
	funcs      map[string]*function
	funcsOwned bool
	// remote holds the hints of the host or container the commands run on
	// (ssh, kubectl exec, docker exec); nil when they run here.
	remote map[string]string
	depth  int
	out    *[]keyturn.Effect
	// work is shared by every fork of the state: it bounds the total work
	// on one line, so hostile input (functions calling themselves many
	// times, find with many roots and many -exec words) stays linear.
	work *budget
	// written holds the absolute paths written so far in the line, shared
	// by every fork: running one of them runs the agent's own fresh code.
	written map[string]bool
	// links holds the absolute paths the line made links at (ln), shared
	// by every fork: a path through one may land anywhere.
	links map[string]bool
	// stdin is what the next command reads on standard input, if anything.
	stdin *input
}

// function is what a name defined as a shell function runs.
type function struct {
	bodies []*syntax.Stmt // every body it may have
	// maybe is set when the function may not be defined at all when it is
	// called (it was defined or removed in a branch that may not have
	// run): the program of that name may run instead.
	maybe bool
}

// input describes what a command reads on stdin.
type input struct {
	text  string // the literal text, when known
	known bool
	// what says where the input comes from, for a person: "here-document",
	// "pipe from base64", "file deploy.sh".
	what string
}

func (c *Classifier) newState(ctx Context, out *[]keyturn.Effect) *state {
	env := ctx.Env
	if env == nil {
		env = map[string]string{}
	}
	cwd := ctx.Cwd
	if cwd != "" {
		cwd = path.Clean(cwd)
	}
	return &state{c: c, cwd: cwd, workspace: c.workspace(cwd), env: env, out: out, work: &budget{}, written: map[string]bool{}, links: map[string]bool{}}
}

// budget counts the work done on one line.
type budget struct {
	spent, limit int
	exhausted    bool
}

// spend records n units of work; false once the line's budget is gone, and
// the first time that happens an unknown effect says why.
func (s *state) spend(n int) bool {
	b := s.work
	b.spent += n
	if b.spent <= b.limit {
		return true
	}
	if !b.exhausted {
		b.exhausted = true
		*s.out = append(*s.out, unknownEffect("shell", "too complex", "the line asks for more analysis than its length warrants; keyturn stops and cannot vouch for the rest"))
	}
	return false
}

// fork returns a copy for a subshell, a pipe stage or a nested shell: cd and
// variables set inside do not leak back.
func (s *state) fork() *state {
	s.envOwned = false // shared with the fork from now on
	s.funcsOwned = false
	t := *s
	t.stdin = nil
	return &t
}

// setEnv sets a variable for the rest of the line in this state.
func (s *state) setEnv(name, value string) {
	s.ownEnv()
	assignVar(s.env, name, value, true)
}

// unsetEnv forgets a variable: its value is no longer known.
func (s *state) unsetEnv(name string) {
	s.ownEnv()
	assignVar(s.env, name, "", false)
}

// joinBranch folds into s what a branch that may or may not have run (an
// if, loop or case body, run in t, a fork of s) changed. Bash runs those
// bodies in the same shell, so a cd, an assignment or a function defined
// there is still in force after them — or is not, if the branch did not
// run. Either way keyturn no longer knows it: `if true; then cd /; fi;
// rm -rf *` must not be judged in the workspace. It reports whether
// anything changed.
func (s *state) joinBranch(t *state) bool {
	changed := false
	if t.cwd != s.cwd {
		s.cwd = ""
		changed = true
	}
	for k, v := range t.env {
		if old, ok := s.env[k]; ok && old == v {
			continue
		}
		changed = true
		if isVarName(k) {
			s.unsetEnv(k)
		} else {
			// keyturn's own records (a kube context switched, a variable
			// the line set): "" is "changed to something unknown".
			s.ownEnv()
			s.env[k] = ""
		}
	}
	for k := range s.env {
		if _, ok := t.env[k]; !ok && isVarName(k) {
			s.unsetEnv(k)
			changed = true
		}
	}
	for name, f := range t.funcs {
		old, ok := s.funcs[name]
		if ok && old == f {
			continue
		}
		changed = true
		merged := &function{bodies: f.bodies, maybe: true}
		if ok {
			merged.bodies = append(append([]*syntax.Stmt{}, old.bodies...), f.bodies...)
			merged.maybe = old.maybe
		}
		s.setFunc(name, merged)
	}
	for name, old := range s.funcs {
		if _, ok := t.funcs[name]; !ok && !old.maybe {
			s.setFunc(name, &function{bodies: old.bodies, maybe: true})
			changed = true
		}
	}
	return changed
}

// branch runs a body that may or may not run, or may run many times (a
// loop): once, and once more when the first run changed the cwd, a
// variable or a function, since a second iteration then starts elsewhere
// (`while true; do rm -rf *; cd ..; done`).
func (s *state) branch(run func(t *state), loop bool) {
	// Joining costs as much as the line has variables and functions: it
	// counts against the line's budget, which keeps hostile lines linear.
	if !s.spend(1 + len(s.env) + len(s.funcs)) {
		return
	}
	t := s.fork()
	run(t)
	if s.joinBranch(t) && loop {
		t = s.fork()
		run(t)
		s.joinBranch(t)
	}
}

func (s *state) setFunc(name string, f *function) {
	s.ownFuncs()
	s.funcs[name] = f
}

// deleteFunc forgets a function: the name runs the program again.
func (s *state) deleteFunc(name string) {
	s.ownFuncs()
	delete(s.funcs, name)
}

// ownFuncs copies the functions before this state changes them, the first
// time after a fork: a pipeline of twenty stages does not copy them
// twenty times.
func (s *state) ownFuncs() {
	if !s.funcsOwned {
		s.funcs = maps.Clone(s.funcs)
		if s.funcs == nil {
			s.funcs = map[string]*function{}
		}
		s.funcsOwned = true
	}
}

func (s *state) ownEnv() {
	if !s.envOwned {
		s.env = maps.Clone(s.env)
		if s.env == nil {
			s.env = map[string]string{}
		}
		s.envOwned = true
	}
}

// emit records effects, moving those that run on a remote host or container
// into that host's environment.
func (s *state) emit(effects ...keyturn.Effect) {
	for _, e := range effects {
		if s.remote != nil {
			if e.Hints == nil {
				e.Hints = map[string]string{}
			} else {
				e.Hints = maps.Clone(e.Hints)
			}
			for k, v := range s.remote {
				if _, ok := e.Hints[k]; !ok {
					e.Hints[k] = v
				}
			}
			if e.Environment == keyturn.EnvWorkspace || e.Environment == keyturn.EnvLocal {
				e.Environment = "" // resolved from the remote's hints
			}
		}
		if e.Tool == "fs" && e.Class != keyturn.Read {
			for _, t := range e.Targets {
				if strings.HasPrefix(t, "/") {
					s.written[t] = true
				}
			}
		}
		*s.out = append(*s.out, e)
	}
}

// parsers reuses parsers: a new one costs more than parsing a one-liner.
var parsers = sync.Pool{New: func() any { return syntax.NewParser(syntax.Variant(syntax.LangBash)) }}

// script parses src as a shell program and walks it. what names the source
// for the parse-error message ("command", "bash -c string", …).
func (s *state) script(src, what string) {
	if !s.spend(len(src)/8 + 1) {
		return
	}
	if s.depth > maxDepth {
		s.emit(unknownEffect("shell", "nested too deep", "commands nested more than 12 levels deep are not analysed"))
		return
	}
	p := parsers.Get().(*syntax.Parser)
	f, err := p.Parse(strings.NewReader(src), "")
	parsers.Put(p)
	if err != nil {
		s.emit(unknownEffect("shell", "parse error", what+" does not parse: "+err.Error()))
		return
	}
	s.stmts(f.Stmts)
}

func (s *state) stmts(list []*syntax.Stmt) {
	for _, st := range list {
		s.stmt(st)
	}
}

func (s *state) stmt(st *syntax.Stmt) {
	if st == nil {
		return
	}
	stdin := s.stdin
	var outs []redirect
	for _, r := range st.Redirs {
		s.substs(r.Word)
		s.substs(r.Hdoc)
		switch r.Op {
		case syntax.Hdoc, syntax.DashHdoc:
			text := s.hdocText(r)
			stdin = &input{text: text, known: true, what: "here-document"}
		case syntax.WordHdoc:
			a := s.word(r.Word)
			stdin = &input{text: a.Value + "\n", known: a.Known, what: "here-string"}
		case syntax.RdrIn:
			a := s.word(r.Word)
			stdin = s.fileInput(a)
		case syntax.RdrOut, syntax.AppOut, syntax.RdrClob, syntax.AppClob,
			syntax.RdrAll, syntax.AppAll, syntax.RdrAllClob, syntax.AppAllClob, syntax.RdrInOut:
			outs = append(outs, redirect{op: r.Op, target: s.word(r.Word)})
		case syntax.DplOut, syntax.DplIn:
			// >&2, 2>&1, <&0: duplicates a descriptor, writes no file.
			// bash also accepts >&FILE: treat a non-number as a file.
			a := s.word(r.Word)
			if a.Known && a.Value != "-" && strings.Trim(a.Value, "0123456789") != "" && r.Op == syntax.DplOut {
				outs = append(outs, redirect{op: syntax.RdrOut, target: a})
			}
		}
	}
	saved := s.stdin
	s.stdin = stdin
	s.command(st.Cmd)
	s.stdin = saved
	for _, r := range outs {
		s.emit(s.redirectEffect(r))
	}
}

// hdocText returns the body of a here-document as the command will read it.
func (s *state) hdocText(r *syntax.Redirect) string {
	if r.Hdoc == nil {
		return ""
	}
	a := s.word(r.Hdoc)
	return a.Value
}

func (s *state) command(cmd syntax.Command) {
	switch c := cmd.(type) {
	case nil:
	case *syntax.CallExpr:
		s.callExpr(c)
	case *syntax.BinaryCmd:
		switch c.Op {
		case syntax.Pipe, syntax.PipeAll:
			left := s.fork()
			left.stdin = s.stdin
			left.stmt(c.X)
			right := s.fork()
			right.stdin = pipeInput(c.X, left)
			right.stmt(c.Y)
		default: // && and ||: cd on the left changes the cwd on the right
			s.stmt(c.X)
			s.stmt(c.Y)
		}
	case *syntax.Subshell:
		s.fork().stmts(c.Stmts)
	case *syntax.Block:
		s.stmts(c.Stmts)
	case *syntax.IfClause:
		for ic := c; ic != nil; ic = ic.Else {
			s.stmts(ic.Cond)
			s.branch(func(t *state) { t.stmts(ic.Then) }, false)
		}
	case *syntax.WhileClause:
		s.stmts(c.Cond)
		s.branch(func(t *state) {
			t.stmts(c.Do)
			t.stmts(c.Cond)
		}, true)
	case *syntax.ForClause:
		var loopVar string
		switch l := c.Loop.(type) {
		case *syntax.WordIter:
			for _, w := range l.Items {
				s.substs(w)
			}
			loopVar = l.Name.Value
		case *syntax.CStyleLoop:
			s.substs(l)
		}
		s.branch(func(t *state) {
			if loopVar != "" {
				// The loop variable takes each item in turn: d=build;
				// for d in /; do rm -rf "$d"; done removes /.
				t.unsetEnv(loopVar)
			}
			t.stmts(c.Do)
		}, true)
	case *syntax.CaseClause:
		s.substs(c.Word)
		for _, item := range c.Items {
			for _, p := range item.Patterns {
				s.substs(p)
			}
			s.branch(func(t *state) { t.stmts(item.Stmts) }, false)
		}
	case *syntax.FuncDecl:
		// The body runs when the function is called; remember it. Names
		// are plain words, so a call is found by its name.
		names := c.Names
		if c.Name != nil {
			names = append(names, c.Name)
		}
		if len(names) == 0 {
			// An anonymous function runs where it is declared.
			s.fork().stmt(c.Body)
		}
		for _, n := range names {
			s.setFunc(n.Value, &function{bodies: []*syntax.Stmt{c.Body}})
		}
	case *syntax.DeclClause:
		s.decl(c)
	case *syntax.TimeClause:
		s.stmt(c.Stmt)
	case *syntax.CoprocClause:
		s.fork().stmt(c.Stmt)
	case *syntax.ArithmCmd, *syntax.TestClause, *syntax.LetClause:
		s.substs(cmd)
	case *syntax.TestDecl:
		s.substs(cmd)
	default:
		s.emit(unknownEffect("shell", "unsupported construct", "a shell construct keyturn does not analyse: "+source(cmd)))
	}
}

// substs walks the command and process substitutions inside a node: in
// `echo $(rm -rf /)` the rm runs.
func (s *state) substs(n syntax.Node) {
	if n == nil {
		return
	}
	if w, ok := n.(*syntax.Word); ok && w == nil {
		return
	}
	syntax.Walk(n, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.CmdSubst:
			s.fork().stmts(x.Stmts)
			return false
		case *syntax.ProcSubst:
			s.fork().stmts(x.Stmts)
			return false
		case *syntax.ArithmExp, *syntax.ArithmCmd, *syntax.LetClause, *syntax.CStyleLoop:
			s.arithmValues()
		case *syntax.ParamExp:
			if x.Index != nil || x.Slice != nil {
				s.arithmValues() // ${a[x]}, ${s:x}: x is evaluated as arithmetic
			}
			if x.Exp != nil && x.Exp.Op == syntax.OtherParamOps && x.Exp.Word != nil && strings.Contains(x.Exp.Word.Lit(), "P") {
				// ${x@P} expands x as a prompt, running its $(…).
				s.emit(unknownEffect("shell", "${x@P}", "prompt expansion runs the command substitutions in the variable's value"))
			}
		case *syntax.BinaryTest:
			switch x.Op {
			case syntax.TsEql, syntax.TsNeq, syntax.TsLeq, syntax.TsGeq, syntax.TsLss, syntax.TsGtr:
				s.arithmValues() // [[ $x -eq 1 ]] evaluates $x as arithmetic
			}
		case *syntax.BinaryArithm:
			// x=0, x+=1 in $(( )), (( )) or let assign the variable:
			// its old value no longer holds.
			switch x.Op {
			case syntax.Assgn, syntax.AddAssgn, syntax.SubAssgn, syntax.MulAssgn, syntax.QuoAssgn,
				syntax.RemAssgn, syntax.AndAssgn, syntax.OrAssgn, syntax.XorAssgn, syntax.ShlAssgn,
				syntax.ShrAssgn, syntax.AndBoolAssgn, syntax.OrBoolAssgn, syntax.XorBoolAssgn, syntax.PowAssgn:
				s.unsetArithm(x.X)
			}
		case *syntax.UnaryArithm:
			if x.Op == syntax.Inc || x.Op == syntax.Dec {
				s.unsetArithm(x.X)
			}
		}
		return true
	})
}

// emitIfIntegerDecl reports a declaration with -i (declare -i, local -i):
// its values are evaluated as arithmetic.
func (s *state) emitIfIntegerDecl(c *syntax.DeclClause, name string) {
	for _, a := range c.Args {
		if a.Name == nil && a.Value != nil {
			if v := s.word(a.Value); strings.HasPrefix(v.Value, "-") && strings.Contains(v.Value, "i") || !v.Known {
				s.emit(unknownEffect("shell", c.Variant.Value+" -i "+name, "an integer variable's value is evaluated as arithmetic, command substitutions in subscripts included"))
				return
			}
		}
	}
}

// arithmValues: bash evaluates a variable named in arithmetic as an
// expression itself, array subscripts and their $(…) included, so
// x='a[$(rm -rf /)]'; echo $((x)) runs rm. A line whose variables hold
// such text cannot be judged once arithmetic reads them.
func (s *state) arithmValues() {
	if !s.spend(1 + len(s.env)) {
		return
	}
	for k, v := range s.env {
		if isVarName(k) && (strings.Contains(v, "$(") || strings.Contains(v, "`")) {
			s.emit(unknownEffect("shell", "arithmetic on "+k, "arithmetic evaluation runs the command substitution in the value of "+k))
			return
		}
	}
}

// unsetArithm forgets the variable an arithmetic assignment changes.
func (s *state) unsetArithm(x syntax.ArithmExpr) {
	if w, ok := x.(*syntax.Word); ok {
		if lit := w.Lit(); lit != "" {
			name, _, _ := strings.Cut(lit, "[")
			s.unsetEnv(name)
		}
	}
}

// decl handles export, declare, local, readonly and typeset: their
// assignments are context for the commands after them.
func (s *state) decl(c *syntax.DeclClause) {
	for _, a := range c.Args {
		s.substs(a) // the value, an array, and an index: x[$(rm -rf /)]=1
		if a.Name == nil && a.Value != nil {
			// An option, or a quoted assignment ("PATH=/tmp").
			s.declWord(c.Variant.Value, s.word(a.Value))
			continue
		}
		if a.Name == nil || a.Naked {
			continue
		}
		v := s.appended(s.env, a)
		if strings.Contains(v.Value, "$(") || strings.Contains(v.Value, "`") {
			// declare -i x='a[$(…)]' evaluates the value as arithmetic.
			s.emitIfIntegerDecl(c, a.Name.Value)
		}
		if v.Known && a.Array == nil && a.Index == nil {
			s.setEnv(a.Name.Value, v.Value)
		} else {
			s.unsetEnv(a.Name.Value)
		}
		s.assigned(a.Name.Value, v)
	}
	s.emit(keyturn.Effect{Tool: "shell", Operation: c.Variant.Value, Class: keyturn.Read, Environment: keyturn.EnvLocal})
}

func (s *state) callExpr(c *syntax.CallExpr) {
	for _, a := range c.Assigns {
		s.substs(a) // the value, an array, and an index: x[$(rm -rf /)]=1
	}
	for _, w := range c.Args {
		s.substs(w)
	}
	assign := func(set func(name, value string), unset func(name string)) {
		for _, a := range c.Assigns {
			if a.Name == nil {
				continue
			}
			v := s.appended(s.env, a)
			if v.Known && a.Array == nil && a.Index == nil {
				set(a.Name.Value, v.Value)
			} else {
				unset(a.Name.Value)
			}
			s.assigned(a.Name.Value, v)
		}
	}
	if len(c.Args) == 0 {
		assign(s.setEnv, s.unsetEnv) // X=1 alone sets a shell variable
		return
	}
	env := s.env
	if len(c.Assigns) > 0 {
		env = maps.Clone(s.env)
		assign(func(n, v string) { assignVar(env, n, v, true) }, func(n string) { assignVar(env, n, "", false) })
	}
	args := make([]arg, 0, len(c.Args))
	for _, w := range c.Args {
		args = append(args, s.words(w)...)
	}
	s.runCommand(args, env, true)
}

// run analyses one program invocation: argv[0] with its arguments, in env.
// Wrappers use it: sudo, xargs, env and the like execute programs, never
// the shell's functions.
func (s *state) run(argv []arg, env map[string]string) {
	s.runCommand(argv, env, false)
}

func (s *state) runCommand(argv []arg, env map[string]string, funcs bool) {
	if len(argv) == 0 || !s.spend(1+len(argv)) {
		return
	}
	if s.depth > maxDepth {
		s.emit(unknownEffect("shell", "nested too deep", "commands nested more than 12 levels deep are not analysed"))
		return
	}
	name := argv[0]
	if !name.Known {
		s.emit(unknownEffect("shell", "dynamic command", "the program to run is only known at run time: "+name.Value))
		return
	}
	if f, ok := s.funcs[name.Value]; ok && funcs {
		s.callFunc(f)
		if !f.maybe {
			return
		}
	}
	prog := programName(name.Value)
	if _, marked := env[anyMark]; marked && (!shellBuiltins[prog] || strings.Contains(name.Value, "/")) && s.spend(len(env)) {
		s.emit(loadedCode(env)...)
	}
	s.emit(s.secretReads(argv)...)
	c := &call{s: s, prog: prog, path: name.Value, args: argv[1:], env: env, stdin: s.stdin}
	if strings.Contains(name.Value, "/") && prog != "" && !isSystemPath(name.Value) {
		// ./deploy.sh, scripts/x, bin/tool: the project's own code.
		s.emit(c.projectScript(name.Value)...)
		return
	}
	s.emit(c.analyse()...)
}

// callFunc runs a shell function's body. A function runs in the calling
// shell: a cd or an assignment inside it holds after the call. When it may
// have one of several bodies, each runs in a branch.
func (s *state) callFunc(f *function) {
	s.depth++
	defer func() { s.depth-- }()
	if len(f.bodies) == 1 && !f.maybe {
		s.stmt(f.bodies[0])
		return
	}
	for _, body := range f.bodies {
		s.branch(func(t *state) { t.stmt(body) }, false)
	}
}

// programName returns the program a command word names: /usr/bin/git and
// git are the same program.
func programName(w string) string {
	return path.Base(w)
}

// isSystemPath reports whether a program path names an installed program
// (/usr/bin/rm) rather than the project's own script.
func isSystemPath(p string) bool {
	for _, dir := range []string{"/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/bin/", "/usr/local/sbin/",
		"/opt/homebrew/bin/", "/home/linuxbrew/.linuxbrew/bin/", "/snap/bin/", "/usr/libexec/", "/nix/var/nix/profiles/", "/run/current-system/sw/bin/"} {
		if strings.HasPrefix(p, dir) {
			return true
		}
	}
	return false
}
