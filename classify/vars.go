package classify

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"keyturn"
)

// Variables the line sets that change what later programs run, and shell
// words that expand into several (brace expansion).

// isVarName reports whether name can be a shell variable. The state's env
// map also holds keyturn's own records under names that cannot be.
func isVarName(name string) bool {
	return name != "" && isAssignment(name+"=")
}

// setMark is the key under which an env map records that the line itself
// assigned the variable name (the value in the action's own environment is
// the operator's; one the agent sets is not).
func setMark(name string) string { return "keyturn:set:" + name }

// anyMark is set in an env map with the first setMark: most lines set
// none, and their commands need not look.
const anyMark = "keyturn:set"

// assignVar sets (known) or forgets a variable in env, and records that
// the line assigned it when it is one that changes what programs run.
func assignVar(env map[string]string, name, value string, known bool) {
	if known {
		env[name] = value
	} else {
		delete(env, name)
	}
	switch {
	case name == "PATH" && known && systemPathList(value):
		// PATH=/usr/bin:/bin names only the system's programs.
	case name == "GIT_CONFIG_COUNT" && known:
		// git's analyzer reads the settings it counts.
	case loadVars[name] != "" || strings.HasPrefix(strings.ToLower(name), "npm_config_") || strings.HasPrefix(name, "BASH_FUNC_"):
		markSet(env, name)
	}
}

// markSet records in env that the line changed the variable name (or,
// for hash -p, what it stands for).
func markSet(env map[string]string, name string) {
	env[setMark(name)] = "1"
	env[anyMark] = "1"
}

// systemPathList reports whether a PATH value lists only directories of
// installed programs.
func systemPathList(v string) bool {
	for _, dir := range strings.Split(v, ":") {
		if !isSystemPath(strings.TrimSuffix(dir, "/") + "/") {
			return false
		}
	}
	return true
}

// loadVars are variables that decide which program a name runs, or what
// code a program loads before it does what it is asked: PATH (every later
// program name may be the agent's own program), the dynamic loader's
// preloads, the startup files and options of shells and interpreters, and
// the configuration files of tools that can name programs to run (a git
// config with core.fsmonitor, an AWS config with credential_process, a
// psqlrc with \!). When the line sets one, every program it runs after
// that is unknown: `PATH=/tmp/x:$PATH git status` need not run git.
var loadVars = func() map[string]string {
	m := map[string]string{}
	add := func(what string, names ...string) {
		for _, n := range names {
			m[n] = what
		}
	}
	add("program lookup", "PATH")
	add("the dynamic loader", "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "DYLD_INSERT_LIBRARIES",
		"DYLD_LIBRARY_PATH", "DYLD_FRAMEWORK_PATH")
	add("the shell's startup files and options", "BASH_ENV", "ENV", "SHELLOPTS", "BASHOPTS",
		"BASH_LOADABLES_PATH", "ZDOTDIR")
	add("every tool's configuration files", "HOME", "XDG_CONFIG_HOME")
	add("the interpreter's startup code and modules", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME",
		"NODE_OPTIONS", "NODE_PATH", "PERL5OPT", "PERL5LIB", "PERLLIB", "PERL5DB", "RUBYOPT", "RUBYLIB",
		"JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS")
	add("git's configuration and programs", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG",
		"GIT_CONFIG_COUNT", "GIT_EXEC_PATH", "GIT_TEMPLATE_DIR")
	add("the build's options and compilers", "MAKEFLAGS", "MFLAGS", "MAKEFILES", "GOFLAGS", "GOENV", "CC",
		"CXX", "RUSTC", "RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER", "CARGO_BUILD_RUSTC_WRAPPER")
	add("a tool's options or configuration file", "TAR_OPTIONS", "ZIPOPT", "UNZIP", "LESS", "LESSKEY",
		"MANOPT", "PSQLRC", "CURL_HOME", "WGETRC", "AWS_CONFIG_FILE", "TF_CLI_CONFIG_FILE", "TERRAFORM_CONFIG")
	return m
}()

// loadedCode returns an unknown effect for each variable of loadVars that
// the line set in env.
func loadedCode(env map[string]string) []keyturn.Effect {
	var names []string
	for k := range env {
		if name, ok := strings.CutPrefix(k, setMark("")); ok {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	out := make([]keyturn.Effect, 0, len(names))
	for _, name := range names {
		what := loadVars[name]
		switch {
		case strings.HasPrefix(name, "BASH_FUNC_"):
			what = "the functions bash starts with"
		case what == "":
			what = "npm's configuration"
		}
		out = append(out, unknownEffect("shell", name+" set by the command",
			"the command sets "+name+", which changes "+what+": what the programs after it run cannot be judged"))
	}
	return out
}

// shellBuiltins are the commands bash runs itself, whatever PATH or the
// loader's variables say.
var shellBuiltins = set(":", "true", "false", "echo", "printf", "test", "[", "read", "wait", "jobs", "trap",
	"return", "exit", "shift", "break", "continue", "pwd", "umask", "ulimit", "history", "getopts", "set",
	"shopt", "unset", "type", "hash", "help", "dirs", "disown", "bg", "fg", "times", "caller", "enable",
	"logout", "mapfile", "readarray", "let", "export", "declare", "local", "readonly", "typeset", "compgen",
	"complete", "suspend", "cd", "pushd", "popd", "eval", "source", ".", "alias", "command", "builtin", "exec")

// codeVars are variables whose value is a command a program runs later (a
// pager, an editor, an ssh command, a prompt hook) or, for "prompt", a
// string whose $(…) the shell runs each time it prompts or traces. git's
// own (GIT_PAGER, GIT_SSH_COMMAND, …) are judged by git's analyzer, which
// knows when git runs them.
var codeVars = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{"PAGER", "MANPAGER", "SYSTEMD_PAGER", "BAT_PAGER", "PSQL_PAGER", "EDITOR",
		"VISUAL", "SUDO_EDITOR", "KUBE_EDITOR", "FCEDIT", "BROWSER", "SSH_ASKPASS", "SUDO_ASKPASS", "RSYNC_RSH",
		"RSYNC_CONNECT_PROG", "KUBECTL_EXTERNAL_DIFF", "PROMPT_COMMAND"} {
		m[n] = "command"
	}
	for _, n := range []string{"LESSOPEN", "LESSCLOSE"} {
		m[n] = "lessopen"
	}
	for _, n := range []string{"PS0", "PS1", "PS2", "PS3", "PS4"} {
		m[n] = "prompt"
	}
	return m
}()

// assigned judges the value given to a variable of codeVars as the code it
// is, when the line sets it, whether or not a program later runs it:
// `PAGER='rm -rf ~' git log` runs rm.
func (s *state) assigned(name string, v arg) {
	kind, ok := codeVars[name]
	if !ok {
		return
	}
	switch {
	case !v.Known:
		s.emit(unknownEffect("shell", name+" set by the command", name+" is a command, here one known only at run time: "+v.Value))
	case kind == "prompt":
		if strings.Contains(v.Value, "$(") || strings.Contains(v.Value, "`") {
			s.emit(unknownEffect("shell", name+" set by the command", "the shell runs the substitutions in "+name+" each time it prompts or traces a command"))
		}
	case kind == "lessopen":
		// |cmd %s, ||cmd %s, -cmd %s: less runs cmd on each file.
		s.valueCode(name, strings.TrimLeft(v.Value, "|-"))
	default:
		s.valueCode(name, v.Value)
	}
}

func (s *state) valueCode(name, src string) {
	if strings.TrimSpace(src) == "" {
		return
	}
	t := s.fork()
	t.depth++
	t.script(src, name+" value")
}

// declWord handles a word of export/declare/local/readonly/typeset that
// the parser did not see as an assignment: an option, or a quoted or
// computed assignment ("PATH=/tmp", $VARS).
func (s *state) declWord(variant string, v arg) {
	switch {
	case !v.Known:
		s.emit(unknownEffect("shell", variant, "a word known only at run time may assign any variable: "+v.Value))
	case strings.HasPrefix(v.Value, "-") || strings.HasPrefix(v.Value, "+"):
		// declare/local/typeset -n make a name a reference: assigning it
		// assigns the variable it names (declare -n r=PATH; r=/tmp).
		if variant != "export" && strings.HasPrefix(v.Value, "-") && strings.Contains(v.Value, "n") {
			s.emit(unknownEffect("shell", variant+" -n", "a name reference: assigning the name assigns another variable, which keyturn does not follow"))
		}
	default:
		if name, val, ok := strings.Cut(v.Value, "="); ok && isVarName(name) {
			s.setEnv(name, val)
			s.assigned(name, arg{Value: val, Known: true})
		}
	}
}

// appended is the value an assignment gives: X+=Y appends Y to X.
func (s *state) appended(env map[string]string, a *syntax.Assign) arg {
	v := s.word(a.Value)
	if !a.Append || a.Name == nil {
		return v
	}
	old, ok := env[a.Name.Value]
	return arg{Value: old + v.Value, Known: ok && v.Known}
}

// maxBraceWords bounds brace expansion: a word that expands into more is
// one word known only at run time.
const maxBraceWords = 256

// words evaluates a command's word as bash does before it runs, brace
// expansion included: {rm,-rf,/} is the three words rm -rf /, and
// src/{a,b} two paths.
func (s *state) words(w *syntax.Word) []arg {
	if w == nil {
		return []arg{s.word(w)}
	}
	// SplitBraces rewrites the word it is given: split a copy, so that
	// the line's syntax tree stays as written.
	split := &syntax.Word{Parts: slices.Clone(w.Parts)}
	if !syntax.SplitBraces(split) {
		return []arg{s.word(w)}
	}
	if braceCount(split.Parts) > maxBraceWords {
		return []arg{{Value: source(w), Known: false}}
	}
	var out []arg
	ok := braceExpand(split, func(x *syntax.Word) bool {
		if len(out) >= maxBraceWords || !s.spend(1) {
			return false
		}
		out = append(out, s.word(x))
		return true
	})
	if !ok {
		return []arg{{Value: source(w), Known: false}}
	}
	return out
}

// braceCount returns how many words parts expand into, or more than
// maxBraceWords as soon as it is clear they expand into more.
func braceCount(parts []syntax.WordPart) int {
	n := 1
	for _, part := range parts {
		br, ok := part.(*syntax.BraceExp)
		if !ok {
			continue
		}
		alts := 0
		if br.Sequence {
			seq, ok := braceSequence(br)
			if !ok {
				return maxBraceWords + 1
			}
			alts = len(seq)
		} else {
			for _, e := range br.Elems {
				alts += braceCount(e.Parts)
				if alts > maxBraceWords {
					return maxBraceWords + 1
				}
			}
		}
		n *= max(alts, 1)
		if n > maxBraceWords {
			return maxBraceWords + 1
		}
	}
	return n
}

// braceExpand yields each word a word with brace expansions (after
// syntax.SplitBraces) expands into, in bash's order; false when yield
// stopped it.
func braceExpand(w *syntax.Word, yield func(*syntax.Word) bool) bool {
	for i, part := range w.Parts {
		br, ok := part.(*syntax.BraceExp)
		if !ok {
			continue
		}
		left, rest := w.Parts[:i], w.Parts[i+1:]
		next := func(middle []syntax.WordPart) bool {
			parts := append(append(append([]syntax.WordPart{}, left...), middle...), rest...)
			return braceExpand(&syntax.Word{Parts: parts}, yield)
		}
		if !br.Sequence {
			for _, e := range br.Elems {
				if !next(e.Parts) {
					return false
				}
			}
			return true
		}
		seq, ok := braceSequence(br)
		if !ok {
			return false
		}
		for _, v := range seq {
			if !next([]syntax.WordPart{&syntax.Lit{Value: v}}) {
				return false
			}
		}
		return true
	}
	return yield(w)
}

// braceSequence lists the words of {a..b[..step]}, numbers or letters;
// false when it is longer than maxBraceWords.
func braceSequence(br *syntax.BraceExp) ([]string, bool) {
	if len(br.Elems) < 2 {
		return nil, false
	}
	fromLit, toLit := br.Elems[0].Lit(), br.Elems[1].Lit()
	from, err1 := strconv.ParseInt(fromLit, 10, 64)
	to, err2 := strconv.ParseInt(toLit, 10, 64)
	chars := err1 != nil || err2 != nil
	if chars {
		if len(fromLit) != 1 || len(toLit) != 1 {
			return nil, false
		}
		from, to = int64(fromLit[0]), int64(toLit[0])
	}
	if max(from, -from, to, -to) > 1<<40 {
		return nil, false
	}
	step := int64(1)
	if len(br.Elems) > 2 {
		n, err := strconv.ParseInt(br.Elems[2].Lit(), 10, 64)
		if err != nil {
			return nil, false
		}
		if n < 0 {
			n = -n
		}
		if n != 0 {
			step = n
		}
	}
	span := to - from
	if span < 0 {
		span, step = -span, -step
	}
	if span/max(step, -step) >= maxBraceWords {
		return nil, false
	}
	var out []string
	for n := from; step > 0 && n <= to || step < 0 && n >= to; n += step {
		if chars {
			out = append(out, string(rune(n)))
		} else {
			out = append(out, strconv.FormatInt(n, 10))
		}
	}
	return out, true
}
