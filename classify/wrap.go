package classify

import (
	"path"
	"regexp"
	"slices"
	"strings"

	"keyturn"
)

// This file holds the shell's builtins and the programs that run other
// programs: wrappers (sudo, env, timeout, xargs, find -exec, …), shells
// given code (bash -c), interpreters and remote shells. A wrapper's effects
// are those of the command it runs.

func init() {
	register(builtinCd, "cd", "pushd")
	register(builtinPopd, "popd")
	register(builtinRead, ":", "true", "false", "echo", "test", "[", "wait", "jobs",
		"return", "exit", "shift", "break", "continue", "pwd", "umask", "ulimit", "history",
		"set", "shopt", "type", "which", "whereis", "help", "dirs", "disown",
		"bg", "fg", "times", "caller", "logout", "sleep", "compgen", "complete", "suspend")
	register(builtinSetsVars, "read", "mapfile", "readarray", "printf", "getopts", "let")
	register(builtinDeclare, "export", "declare", "local", "readonly", "typeset")
	register(builtinUnset, "unset")
	register(builtinTrap, "trap")
	register(builtinHash, "hash", "enable")
	register(builtinEval, "eval")
	register(builtinSource, "source", ".")
	register(builtinAlias, "alias")
	register(wrapCommand, "command", "builtin", "exec")
	register(wrapSudo, "sudo", "doas", "run0", "pkexec")
	register(wrapEnv, "env")
	register(wrapSimple, "nohup", "setsid", "unbuffer", "catchsegv", "torsocks", "proxychains", "proxychains4",
		"caffeinate", "fakeroot", "time", "chronic", "ifne", "systemd-run", "sg", "newgrp", "dbus-run-session")
	register(wrapNice, "nice", "renice")
	register(wrapTimeout, "timeout", "gtimeout")
	register(wrapStdbuf, "stdbuf")
	register(wrapIonice, "ionice", "chrt", "taskset")
	register(wrapChroot, "chroot")
	register(wrapWatch, "watch")
	register(wrapXargs, "xargs")
	register(wrapParallel, "parallel")
	register(wrapFlock, "flock")
	register(wrapSu, "su", "runuser")
	register(wrapScript, "script")
	register(wrapStrace, "strace", "ltrace", "valgrind", "perf")
	register(wrapNsenter, "nsenter", "unshare", "firejail", "bwrap")
	register(wrapShell, "sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "tcsh", "csh", "busybox")
	register(wrapInterpreter, "python", "python2", "python3", "node", "nodejs", "ruby", "perl", "php",
		"deno", "bun", "lua", "luajit", "Rscript", "osascript", "pwsh", "powershell", "tclsh", "wish",
		"awk", "gawk", "mawk", "nawk", "groovy", "jshell", "scala", "julia", "irb", "erl", "elixir", "racket", "guile")
	register(wrapFind, "find")
	register(wrapSSH, "ssh")
}

func readEffect(c *call) keyturn.Effect {
	return keyturn.Effect{Tool: "shell", Operation: c.prog, Class: keyturn.Read, Environment: keyturn.EnvLocal}
}

func builtinRead(c *call) []keyturn.Effect { return []keyturn.Effect{readEffect(c)} }

func builtinCd(c *call) []keyturn.Effect {
	f := parseFlags(c.args, nil, true)
	dir := arg{Value: "~", Known: true}
	if len(f.pos) > 0 {
		dir = f.pos[0]
	} else if h, ok := c.env["HOME"]; ok {
		dir = arg{Value: h, Known: true}
	}
	// A relative name is looked up in CDPATH first: with CDPATH=/, cd usr
	// goes to /usr. pushd +N and -N rotate the directory stack, which is
	// not tracked.
	relative := !strings.HasPrefix(dir.Value, "/") && !strings.HasPrefix(dir.Value, "./") &&
		!strings.HasPrefix(dir.Value, "../") && dir.Value != "." && dir.Value != ".."
	rotate := c.prog == "pushd" && len(c.args) > 0 && strings.TrimLeft(c.args[0].Value, "+-0123456789") == "" && len(c.args[0].Value) > 1
	switch {
	case c.prog == "pushd" && f.has("-n"):
		// pushd -n adds to the stack without changing directory.
	case dir.Value == "-" || rotate || relative && c.env["CDPATH"] != "":
		c.s.cwd = "" // the previous directory, a stack entry, or a CDPATH match
	default:
		if p, ok := c.s.abs(dir); ok {
			c.s.cwd = p
		} else {
			c.s.cwd = ""
		}
	}
	return []keyturn.Effect{readEffect(c)}
}

// builtinSetsVars: read, mapfile, printf -v, getopts and let assign the
// variables they name with values only known when they run: X=build; read
// X <<< /; rm -rf "$X" removes /.
func builtinSetsVars(c *call) []keyturn.Effect {
	var names []arg
	switch c.prog {
	case "read":
		f := parseFlags(c.args, set("-a", "-d", "-i", "-n", "-N", "-p", "-t", "-u"), false)
		names = flagOperands(f)
		for _, v := range f.opts["-a"] {
			names = append(names, fsValueArg(c.args, v))
		}
		if len(names) == 0 {
			names = lits("REPLY")
		}
	case "mapfile", "readarray":
		f := parseFlags(c.args, set("-d", "-n", "-O", "-s", "-u", "-C", "-c"), false)
		names = flagOperands(f)
		if len(names) == 0 {
			names = lits("MAPFILE")
		}
		if cb := f.get("-C"); f.has("-C") {
			// The callback is shell code run as lines are read.
			c.shell(cb+" 0 line", c.prog+" -C callback")
		}
	case "printf":
		f := parseFlags(c.args, set("-v"), true)
		for _, v := range f.opts["-v"] {
			names = append(names, fsValueArg(c.args, v))
		}
	case "getopts":
		if len(c.args) > 1 {
			names = append([]arg{c.args[1]}, lits("OPTARG", "OPTIND")...)
		}
	case "let":
		for _, a := range c.args {
			if name, _, ok := strings.Cut(a.Value, "="); ok {
				names = append(names, arg{Value: strings.TrimRight(name, "+-*/%<>&|^"), Known: a.Known})
			}
		}
	}
	for _, n := range names {
		c.s.forgetVar(n)
	}
	return []keyturn.Effect{readEffect(c)}
}

// forgetVar forgets the variable named by a word; a name known only at
// run time may be any of them.
func (s *state) forgetVar(name arg) {
	n, _, _ := strings.Cut(name.Value, "[")
	if !name.Known || !isVarName(n) {
		if !s.spend(len(s.env)) {
			return // the line is already unknown: too complex
		}
		for k := range s.env {
			if isVarName(k) {
				s.unsetEnv(k)
			}
		}
		return
	}
	s.unsetEnv(n)
}

// builtinDeclare is export, declare and the like reached as a command
// (builtin export X=1, command declare …) rather than parsed as a
// declaration: its words are judged the same way.
func builtinDeclare(c *call) []keyturn.Effect {
	for _, a := range c.args {
		c.s.declWord(c.prog, a)
	}
	return []keyturn.Effect{readEffect(c)}
}

// builtinUnset forgets variables, and functions: after unset -f rm, rm is
// the program again. A plain unset NAME removes the variable, or the
// function when there is no variable of that name.
func builtinUnset(c *call) []keyturn.Effect {
	f := parseFlags(c.args, nil, false)
	for _, a := range flagOperands(f) {
		name, _, _ := strings.Cut(a.Value, "[")
		if !f.has("-f") {
			c.s.forgetVar(a)
		}
		if !a.Known && !f.has("-v", "-n") {
			// Any function may be gone: each call may run the program.
			for n, fn := range c.s.funcs {
				c.s.setFunc(n, &function{bodies: fn.bodies, maybe: true})
			}
			continue
		}
		if fn, ok := c.s.funcs[name]; ok && !f.has("-v", "-n") {
			if f.has("-f") {
				c.s.deleteFunc(name)
			} else {
				c.s.setFunc(name, &function{bodies: fn.bodies, maybe: true})
			}
		}
	}
	return []keyturn.Effect{readEffect(c)}
}

// builtinTrap: trap 'CMD' SIGNAL runs CMD later (at exit, on an error, on
// every command with DEBUG): CMD is judged as if it ran.
func builtinTrap(c *call) []keyturn.Effect {
	f := parseFlags(c.args, nil, true)
	if len(f.pos) == 0 && f.hasRest && len(f.rest) > 0 {
		f.pos, f.rest = f.rest[:1], f.rest[1:] // trap -- CMD SIGNAL
	}
	if f.has("-l", "-p") || len(f.pos) == 0 {
		return []keyturn.Effect{readEffect(c)}
	}
	handler := f.pos[0]
	if len(f.rest) == 0 || handler.Value == "-" || handler.Value == "" && handler.Known {
		return []keyturn.Effect{readEffect(c)} // resets or ignores signals
	}
	if strings.TrimLeft(handler.Value, "0123456789") == "" && handler.Known {
		return []keyturn.Effect{readEffect(c)} // trap 1 2: resets signals 1 and 2
	}
	if !handler.Known {
		return []keyturn.Effect{c.unknown("trap", "installs a handler known only at run time: "+handler.Value)}
	}
	c.shell(handler.Value, "trap handler")
	return []keyturn.Effect{readEffect(c)}
}

// builtinHash: hash -p FILE NAME makes NAME run FILE, and enable -f loads
// a builtin from a shared object: every later command may be the agent's
// own code.
func builtinHash(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-p", "-f"), false)
	if c.prog == "hash" && f.has("-p") || c.prog == "enable" && (f.has("-f") || f.has("-n")) {
		c.s.ownEnv()
		markSet(c.s.env, "PATH")
		return []keyturn.Effect{c.unknown(c.prog, "changes what a command name runs")}
	}
	return []keyturn.Effect{readEffect(c)}
}

func builtinPopd(c *call) []keyturn.Effect {
	c.s.cwd = "" // the directory stack is not tracked: relative paths are unknown from here
	return []keyturn.Effect{readEffect(c)}
}

func builtinEval(c *call) []keyturn.Effect {
	// eval is always unknown; a literal string is also walked, in this
	// shell (eval 'cd /' moves the commands after it), so what it runs
	// counts too.
	if src, known := joinKnown(c.args); known && c.s.depth < maxDepth {
		c.s.depth++
		c.s.script(src, "eval string")
		c.s.depth--
	}
	return []keyturn.Effect{c.unknown("eval", "eval runs code built at run time")}
}

// builtinSource runs a file's code in the current shell. A file of the
// workspace that keyturn can read (.venv/bin/activate) is walked in place,
// so what it sets and runs counts; anything else is unknown. A name with no
// slash is looked up in PATH first, so only a path names a known file.
func builtinSource(c *call) []keyturn.Effect {
	if len(c.args) == 0 || !c.args[0].Known || !strings.Contains(c.args[0].Value, "/") || c.s.remote != nil {
		return []keyturn.Effect{c.unknown("source", "sources a file whose code keyturn does not judge")}
	}
	name := c.args[0].Value
	p, ok := c.s.abs(c.args[0])
	if !ok || !c.s.inWorkspace(p) || c.s.written[p] {
		return []keyturn.Effect{c.unknown("source", "sources a file whose code keyturn does not judge")}
	}
	src, err := readSmall(p)
	if err != nil {
		return []keyturn.Effect{c.unknown("source", "sources "+name+", which keyturn cannot read")}
	}
	c.s.depth++
	c.s.script(string(src), "sourced file "+name)
	c.s.depth--
	return []keyturn.Effect{c.workspaceEffect("shell", "source", keyturn.Read, p)}
}

func builtinAlias(c *call) []keyturn.Effect {
	for _, a := range c.args {
		if strings.Contains(a.Value, "=") {
			return []keyturn.Effect{c.unknown("alias", "defines an alias: what later commands run cannot be trusted")}
		}
	}
	return []keyturn.Effect{readEffect(c)}
}

// wrapped runs the operands of a wrapper as a command. A wrapper given no
// command has the effect own (a read for most).
func wrapped(c *call, argv []arg, own keyturn.Effect) []keyturn.Effect {
	if len(argv) == 0 {
		return []keyturn.Effect{own}
	}
	c.run(argv)
	return nil
}

// commandOf returns the command a getopt-style wrapper runs.
func commandOf(f flags) []arg {
	if len(f.pos) > 0 {
		return append([]arg{f.pos[0]}, f.rest...)
	}
	return f.rest
}

func wrapCommand(c *call) []keyturn.Effect {
	f := parseFlags(c.args, nil, true)
	if c.prog == "command" && f.has("-v", "-V") {
		return []keyturn.Effect{readEffect(c)}
	}
	if c.prog == "exec" {
		f = parseFlags(c.args, set("-a"), true)
	}
	return wrapped(c, commandOf(f), readEffect(c))
}

func wrapSudo(c *call) []keyturn.Effect {
	valued := set("-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "-R",
		"--user", "--group", "--chdir", "--host", "--prompt", "--role", "--type", "--other-user", "--close-from", "--command-timeout", "--chroot")
	args := longAbbrev(c.args, []string{"--shell", "--login", "--chdir", "--chroot", "--edit", "--user", "--group"})
	f := parseFlags(args, valued, true)
	argv := commandOf(f)
	if len(argv) == 0 {
		if f.has("-i", "-s", "--login", "--shell") || c.prog == "run0" {
			return []keyturn.Effect{c.unknown(c.prog+" shell", "opens a root shell whose commands keyturn cannot see")}
		}
		if f.has("-e", "--edit") {
			return []keyturn.Effect{c.localEffect("fs", "sudoedit", keyturn.Write)}
		}
		return []keyturn.Effect{readEffect(c)} // sudo -l, sudo -v, sudo -k
	}
	// sudo VAR=value CMD sets VAR for CMD, as env does.
	if c.prog == "sudo" {
		env := cloneEnv(c.env)
		for len(argv) > 1 && strings.Contains(argv[0].Value, "=") && !strings.HasPrefix(argv[0].Value, "=") {
			name, val, _ := strings.Cut(argv[0].Value, "=")
			assignVar(env, name, val, argv[0].Known)
			c.s.assigned(name, arg{Value: val, Known: argv[0].Known})
			argv = argv[1:]
		}
		c.env = env
	}
	if f.has("-s", "-i", "--shell", "--login") {
		src, known := joinKnown(argv)
		if !known {
			return []keyturn.Effect{c.unknown(c.prog, "the command is only known at run time")}
		}
		c.shell(src, c.prog+" -s command")
		return nil
	}
	if dir := f.get("-D", "--chdir"); dir != "" {
		c.runIn(arg{Value: dir, Known: true}, argv)
		return nil
	}
	if f.has("-R", "--chroot") {
		return []keyturn.Effect{c.unknown(c.prog+" --chroot", "runs the command under another root directory")}
	}
	c.run(argv)
	return nil
}

func wrapEnv(c *call) []keyturn.Effect {
	args := longAbbrev(c.args, []string{"--split-string", "--chdir", "--argv0", "--unset"})
	f := parseFlags(args, set("-u", "--unset", "-C", "--chdir", "-S", "--split-string", "-a", "--argv0"), true)
	argv := commandOf(f)
	env := c.env
	if f.has("-i", "--ignore-environment", "-") {
		env = map[string]string{}
	} else {
		env = cloneEnv(env)
	}
	for _, n := range f.opts["-u"] {
		delete(env, n)
	}
	for _, n := range f.opts["--unset"] {
		delete(env, n)
	}
	// NAME=VALUE operands are assignments until the first that is not.
	// env takes any word with an = for one, valid name or not:
	// 'BASH_FUNC_ls%%=() { …; }' hands bash a function named ls.
	for len(argv) > 0 && strings.Contains(argv[0].Value, "=") && !strings.HasPrefix(argv[0].Value, "=") {
		name, val, _ := strings.Cut(argv[0].Value, "=")
		assignVar(env, name, val, argv[0].Known)
		c.s.assigned(name, arg{Value: val, Known: argv[0].Known})
		argv = argv[1:]
	}
	if s := f.get("-S", "--split-string"); s != "" {
		c.env = env
		c.shell(s+" "+strings.Join(strs(argv), " "), "env -S string")
		return nil
	}
	if len(argv) == 0 {
		return []keyturn.Effect{readEffect(c)} // prints the environment
	}
	c.env = env
	if dir := f.get("-C", "--chdir"); dir != "" {
		c.runIn(arg{Value: dir, Known: true}, argv)
		return nil
	}
	c.run(argv)
	return nil
}

func cloneEnv(env map[string]string) map[string]string {
	m := make(map[string]string, len(env)+4)
	for k, v := range env {
		m[k] = v
	}
	return m
}

func isAssignment(w string) bool {
	name, _, ok := strings.Cut(w, "=")
	if !ok || name == "" {
		return false
	}
	for i, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func wrapSimple(c *call) []keyturn.Effect {
	valued := map[string]bool{}
	if c.prog == "time" {
		valued = set("-f", "--format", "-o", "--output")
		if f := parseFlags(c.args, valued, true); f.has("-o", "--output") {
			// GNU time -o FILE writes its report there.
			c.s.emit(c.writeEffect("time -o", fsValueArg(c.args, f.get("-o", "--output"))))
		}
	}
	args := c.args
	if c.prog == "systemd-run" {
		valued = set("-p", "--property", "-u", "--unit", "-M", "--machine", "-E", "--setenv", "--uid", "--gid", "--description", "--slice", "-H", "--host", "--working-directory")
		args = longAbbrev(args, []string{"--property", "--setenv", "--working-directory", "--host", "--machine"})
	}
	f := parseFlags(args, valued, true)
	if c.prog == "systemd-run" {
		// -p ExecStartPre=… and the like run more commands than the one
		// given; -H and -M run it on another host or container.
		for _, p := range append(f.opts["-p"], f.opts["--property"]...) {
			if strings.HasPrefix(strings.ToLower(strings.TrimSpace(p)), "exec") {
				return []keyturn.Effect{c.unknown("systemd-run -p "+p, "the property runs another command")}
			}
		}
		if f.has("-H", "--host", "-M", "--machine") {
			return []keyturn.Effect{c.unknown("systemd-run --host", "runs the command on another host or container")}
		}
		c.env = cloneEnv(c.env)
		for _, e := range append(f.opts["-E"], f.opts["--setenv"]...) {
			name, val, _ := strings.Cut(e, "=")
			assignVar(c.env, name, val, true)
			c.s.assigned(name, arg{Value: val, Known: true})
		}
		if d := f.get("--working-directory"); d != "" {
			if argv := commandOf(f); len(argv) > 0 {
				c.runIn(arg{Value: d, Known: true}, argv)
				return nil
			}
		}
	}
	if c.prog == "sg" && len(f.pos) > 0 {
		// sg GROUP CMD: CMD is one string for a shell.
		if len(f.rest) == 0 {
			return []keyturn.Effect{c.unknown("sg", "opens a shell")}
		}
		src, _ := joinKnown(f.rest)
		c.shell(src, "sg command")
		return nil
	}
	return wrapped(c, commandOf(f), readEffect(c))
}

func wrapNice(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-n", "--adjustment", "-p", "-g", "-u"), true)
	if c.prog == "renice" {
		return []keyturn.Effect{c.localEffect("process", "renice", keyturn.Write)}
	}
	argv := commandOf(f)
	// nice -10 CMD: a numeric "option" is an adjustment, not a flag set.
	return wrapped(c, argv, readEffect(c))
}

func wrapTimeout(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-s", "--signal", "-k", "--kill-after"), true)
	argv := commandOf(f)
	if len(argv) > 0 {
		argv = argv[1:] // the duration
	}
	return wrapped(c, argv, readEffect(c))
}

func wrapStdbuf(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-i", "-o", "-e", "--input", "--output", "--error"), true)
	return wrapped(c, commandOf(f), readEffect(c))
}

func wrapIonice(c *call) []keyturn.Effect {
	valued := set("-c", "--class", "-n", "--classdata", "-p", "--pid", "-P", "--pgid", "-u", "--uid")
	f := parseFlags(c.args, valued, true)
	argv := commandOf(f)
	if c.prog == "chrt" || c.prog == "taskset" {
		// chrt PRIO CMD, taskset MASK CMD
		if f.has("-p", "--pid") {
			return []keyturn.Effect{c.localEffect("process", c.prog, keyturn.Write)}
		}
		if len(argv) > 0 {
			argv = argv[1:]
		}
	}
	if len(argv) == 0 && f.has("-p", "--pid", "-P", "--pgid", "-u", "--uid") {
		return []keyturn.Effect{c.localEffect("process", c.prog, keyturn.Write)}
	}
	return wrapped(c, argv, readEffect(c))
}

func wrapChroot(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("--userspec", "--groups"), true)
	if len(f.pos) == 0 {
		return []keyturn.Effect{readEffect(c)}
	}
	argv := f.rest
	if len(argv) == 0 {
		return []keyturn.Effect{c.unknown("chroot shell", "opens a shell in another root")}
	}
	// Paths inside the new root are on this machine but never the workspace.
	t := c.s.fork()
	t.stdin = c.stdin
	t.depth++
	t.workspace = ""
	t.cwd = "/"
	t.run(argv, c.env)
	return nil
}

func wrapWatch(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-n", "--interval", "-q", "--equexit", "-g"), true)
	argv := commandOf(f)
	if len(argv) == 0 {
		return []keyturn.Effect{readEffect(c)}
	}
	if f.has("-x", "--exec") {
		c.run(argv)
		return nil
	}
	// watch hands its arguments, joined, to sh -c.
	src, known := joinKnown(argv)
	if !known {
		return []keyturn.Effect{c.unknown("watch", "the command is only known at run time")}
	}
	c.shell(src, "watch command")
	return nil
}

func wrapXargs(c *call) []keyturn.Effect {
	// -i, -e and -l take their value only when attached (-i{}), as in GNU xargs.
	valued := set("-I", "-n", "-P", "-L", "-d", "-E", "-s", "-a",
		"--replace", "--max-args", "--max-procs", "--max-lines", "--delimiter", "--eof", "--max-chars", "--arg-file", "--process-slot-var")
	f := parseFlags(c.args, valued, true)
	argv := commandOf(f)
	if len(argv) == 0 {
		argv = lits("echo") // xargs alone runs echo
	}
	// With -I R (or -i), each R in the command is replaced by input;
	// otherwise input is appended. Either way it is only known at run time.
	replace := f.get("-I", "--replace")
	if replace == "" && (f.has("-I", "--replace") || f.has("-i")) {
		replace = "{}"
	}
	if replace == "" {
		for _, v := range f.opts["-i"] {
			replace = v
		}
	}
	if replace != "" {
		sub := make([]arg, len(argv))
		for i, a := range argv {
			sub[i] = a
			if i > 0 && strings.Contains(a.Value, replace) {
				sub[i] = arg{Value: strings.ReplaceAll(a.Value, replace, "{xargs input}"), Known: false}
			}
		}
		c.run(sub)
		return nil
	}
	c.run(append(argv, arg{Value: "{xargs input}", Known: false}))
	return nil
}

func wrapParallel(c *call) []keyturn.Effect {
	valued := set("-j", "--jobs", "-S", "--sshlogin", "-a", "--arg-file", "--delay", "--joblog", "-n", "--max-args", "--results", "--timeout", "--retries", "--tmpdir", "--workdir", "--colsep", "-d", "--delimiter", "-I", "--replace")
	f := parseFlags(c.args, valued, true)
	argv := commandOf(f)
	// parallel CMD ::: ARGS — the command ends at the first :::.
	for i, a := range argv {
		if a.Value == ":::" || a.Value == "::::" || a.Value == ":::+" || a.Value == "::::+" {
			argv = argv[:i]
			break
		}
	}
	if len(argv) == 0 {
		return []keyturn.Effect{c.unknown("parallel", "runs commands read from its input")}
	}
	if f.has("-S", "--sshlogin") {
		return []keyturn.Effect{c.unknown("parallel -S", "runs the commands on other hosts")}
	}
	// GNU parallel joins the command's words and runs them with a shell:
	// parallel echo ';' rm -rf / ::: a runs rm. Each replacement string
	// ({}, {.}, {/}, {1}, the -I string) is input known only at run time;
	// without one, the input is appended.
	src, known := joinKnown(argv)
	if !known {
		return []keyturn.Effect{c.unknown("parallel", "the command is only known at run time")}
	}
	const input = "${KEYTURN_PARALLEL_INPUT}"
	replaced := parallelReplacement.ReplaceAllLiteralString(src, input)
	if r := f.get("-I", "--replace"); r != "" {
		replaced = strings.ReplaceAll(replaced, r, input)
	}
	if replaced == src {
		replaced += " " + input
	}
	c.shell(replaced, "parallel command")
	return nil
}

// parallelReplacement matches GNU parallel's replacement strings.
var parallelReplacement = regexp.MustCompile(`\{[0-9]*[./#%]*[./]*\}|\{[0-9]+\}`)

func wrapFlock(c *call) []keyturn.Effect {
	args := longAbbrev(c.args, []string{"--command"})
	f := parseFlags(args, set("-w", "--timeout", "-E", "--conflict-exit-code", "-c", "--command"), true)
	if cmd := f.get("-c", "--command"); cmd != "" {
		c.shell(cmd, "flock -c command")
		return nil
	}
	argv := f.rest // flock FILE CMD…
	return wrapped(c, argv, readEffect(c))
}

func wrapSu(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-c", "--command", "-s", "--shell", "-g", "--group", "-G", "--supp-group", "-u", "--user", "-w", "--whitelist-environment"), false)
	if cmd := f.get("-c", "--command"); cmd != "" {
		c.shell(cmd, c.prog+" -c command")
		return nil
	}
	if f.hasRest && len(f.rest) > 0 {
		c.run(f.rest) // runuser -u USER -- CMD
		return nil
	}
	return []keyturn.Effect{c.unknown(c.prog+" shell", "opens a shell as another user")}
}

func wrapScript(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-c", "--command", "-E", "--echo", "-O", "--log-out", "-I", "--log-in", "-B", "--log-io", "-T", "--log-timing", "-m", "--logging-format", "-o", "--output-limit"), false)
	if cmd := f.get("-c", "--command"); cmd != "" {
		c.shell(cmd, "script -c command")
		return nil
	}
	return []keyturn.Effect{c.unknown("script", "records an interactive shell")}
}

func wrapStrace(c *call) []keyturn.Effect {
	valued := set("-o", "-e", "-p", "-s", "-u", "-E", "-a", "-b", "-I", "-S", "-P", "-X", "--tool", "--log-file", "--output")
	f := parseFlags(c.args, valued, true)
	argv := commandOf(f)
	// strace -o FILE, valgrind --log-file=FILE: the trace is written there.
	for _, o := range append(append(f.opts["-o"], f.opts["--log-file"]...), f.opts["--output"]...) {
		if c.prog != "perf" && o != "" && !strings.HasPrefix(o, "|") && !strings.HasPrefix(o, "!") {
			c.s.emit(c.writeEffect(c.prog+" -o", fsValueArg(c.args, o)))
		} else if strings.HasPrefix(o, "|") || strings.HasPrefix(o, "!") {
			// strace -o '|cmd' pipes the trace into a shell command.
			c.shell(strings.TrimLeft(o, "|!"), c.prog+" -o command")
		}
	}
	if c.prog == "perf" {
		// perf record|stat|trace CMD
		if len(argv) > 0 && (argv[0].Value == "record" || argv[0].Value == "stat" || argv[0].Value == "trace") {
			g := parseFlags(argv[1:], set("-e", "-o", "-p", "-F", "-c", "-g", "-C"), true)
			return wrapped(c, commandOf(g), readEffect(c))
		}
		return []keyturn.Effect{readEffect(c)}
	}
	return wrapped(c, argv, readEffect(c))
}

func wrapNsenter(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-t", "--target", "-S", "--setuid", "-G", "--setgid", "--wd", "-w", "--root", "-r", "--bind", "--ro-bind", "--dev-bind", "--chdir", "--setenv", "--unsetenv", "--uid", "--gid", "--profile", "--private"), true)
	argv := commandOf(f)
	if len(argv) == 0 {
		return []keyturn.Effect{c.unknown(c.prog+" shell", "opens a shell in another namespace")}
	}
	return wrapped(c, argv, readEffect(c))
}

// shellOptions take a value in sh/bash/zsh argument lists.
var shellOptions = set("-o", "+o", "-O", "+O", "--rcfile", "--init-file")

func wrapShell(c *call) []keyturn.Effect {
	args := c.args
	if c.prog == "busybox" {
		// busybox APPLET ARGS: the applet is the program.
		if len(args) == 0 {
			return []keyturn.Effect{readEffect(c)}
		}
		c.run(args)
		return nil
	}
	var code *arg
	var script []arg
	fromStdin := false // -s: commands come from stdin, the operands are $1…
	for i := 0; i < len(args); i++ {
		v := args[i].Value
		if !args[i].Known && strings.HasPrefix(v, "-") {
			continue
		}
		name, val, eq := strings.Cut(v, "=")
		switch {
		case v == "--" || v == "-":
			script = args[i+1:]
			i = len(args)
		case shellOptions[v]:
			i++
		case c.prog == "fish" && (name == "--command" || name == "--init-command" || v == "-C"):
			// fish -c/--command and -C/--init-command run their value.
			value := arg{Value: val, Known: args[i].Known}
			if !eq && i+1 < len(args) {
				i++
				value = args[i]
			}
			if name == "--command" {
				code = &value
			} else {
				c.shell(value.Value, "fish init command")
			}
		case strings.HasPrefix(v, "--"):
		case (strings.HasPrefix(v, "-") || strings.HasPrefix(v, "+")) && len(v) > 1:
			if strings.Contains(v[1:], "s") && c.prog != "fish" {
				fromStdin = true
			}
			if strings.Contains(v[1:], "c") && code == nil {
				// -c, -ec, -lc: the next operand is the code.
				for j := i + 1; j < len(args); j++ {
					if !strings.HasPrefix(args[j].Value, "-") || j == len(args)-1 {
						code = &args[j]
						break
					}
				}
				if code == nil {
					return []keyturn.Effect{c.unknown(c.prog+" -c", "-c without code")}
				}
				i = len(args)
			}
		default:
			script = args[i:]
			i = len(args)
		}
	}
	switch {
	case code != nil:
		if !code.Known {
			return []keyturn.Effect{c.unknown(c.prog+" -c", "runs shell code built at run time: "+code.Value)}
		}
		c.shell(code.Value, c.prog+" -c string")
		return nil
	case len(script) > 0 && !fromStdin:
		if !script[0].Known {
			return []keyturn.Effect{c.unknown(c.prog, "runs a script named only at run time")}
		}
		// Whatever its name, a file given to a shell is shell code.
		return c.scriptFile(script[0].Value, true)
	}
	return c.stdinCode(c.prog, func(src string) { c.shell(src, c.prog+" input") })
}

// stdinCode handles a shell or interpreter reading its program from stdin:
// literal text is analysed by parse; anything else cannot be read.
func (c *call) stdinCode(name string, parse func(string)) []keyturn.Effect {
	switch {
	case c.stdin == nil:
		return []keyturn.Effect{c.unknown(name, "starts an interactive "+name)}
	case !c.stdin.known:
		return []keyturn.Effect{c.unknown(name, "runs code from a "+c.stdin.what+" that keyturn cannot read")}
	case parse == nil:
		return []keyturn.Effect{c.unknown(name, "runs "+name+" code from a "+c.stdin.what)}
	}
	parse(c.stdin.text)
	return nil
}

// interpreterModules are `python -m` modules that only run the project's
// own tooling.
var interpreterModules = map[string]bool{
	"pytest": true, "unittest": true, "mypy": true, "pip": true, "venv": true, "black": true,
	"ruff": true, "flake8": true, "pylint": true, "isort": true, "coverage": true, "build": true,
	"pyflakes": true, "doctest": true, "compileall": true, "json.tool": true, "tox": true, "nox": true,
}

// interpreterArgs describes an interpreter's command line, so that the
// value of an option is never taken for the script and code given on the
// command line is always found: python -X dev -c CODE, node -r fs -e CODE,
// perl -I lib -e CODE, python -Ic CODE.
type interpreterArgs struct {
	code      []string // options whose value is code the interpreter runs: -c, -e, --eval
	valueNext []string // options that take the next word as their value when none is attached
	loads     []string // options whose value is a module or file loaded before the script
	// In a bundle of short options (-Ic, -lane, -Mstrict): codeLetters
	// run code, valueNextLetters take the rest of the bundle or else the
	// next word, valueRestLetters take the rest of the bundle only, and
	// digitLetters take the digits that follow (perl -0777ne, -l).
	codeLetters, valueNextLetters, valueRestLetters, digitLetters string
	// strict: any option at all is more than keyturn reads; only a script
	// path is understood.
	strict bool
}

var nodeArgs = interpreterArgs{
	code: []string{"-e", "--eval", "-p", "--print"},
	valueNext: []string{"-r", "--require", "-C", "--conditions", "--import", "--loader", "--experimental-loader",
		"--allow-fs-read", "--allow-fs-write", "--build-snapshot-config", "--cpu-prof-dir", "--cpu-prof-interval",
		"--cpu-prof-name", "--diagnostic-dir", "--disable-proto", "--disable-warning", "--dns-result-order",
		"--env-file", "--env-file-if-exists", "--experimental-default-type", "--experimental-policy",
		"--experimental-sea-config", "--heap-prof-dir", "--heap-prof-interval", "--heap-prof-name",
		"--heapsnapshot-near-heap-limit", "--heapsnapshot-signal", "--icu-data-dir", "--input-type",
		"--inspect-publish-uid", "--max-http-header-size", "--openssl-config", "--policy-integrity",
		"--redirect-warnings", "--report-filename", "--report-signal", "--secure-heap", "--secure-heap-min",
		"--snapshot-blob", "--test-concurrency", "--test-name-pattern", "--test-reporter",
		"--test-reporter-destination", "--test-shard", "--test-timeout", "--title", "--tls-cipher-list",
		"--tls-keylog", "--trace-event-categories", "--trace-event-file-pattern", "--unhandled-rejections",
		"--use-largepages", "--v8-pool-size", "--watch-path", "--stack-size"},
	loads:       []string{"-r", "--require", "--import", "--loader", "--experimental-loader"},
	codeLetters: "ep", valueNextLetters: "rC",
}

var interpreters = map[string]interpreterArgs{
	"python": {
		code: []string{"-c"}, valueNext: []string{"-W", "-X", "-Q", "--check-hash-based-pycs"},
		codeLetters: "c", valueNextLetters: "WXQ",
	},
	"node": nodeArgs,
	"bun":  nodeArgs,
	"ruby": {
		code: []string{"-e"}, valueNext: []string{"-r", "-I", "-C", "-E", "--encoding"}, loads: []string{"-r"},
		codeLetters: "e", valueNextLetters: "rICE", valueRestLetters: "FxiK", digitLetters: "0WT",
	},
	"perl": {
		code: []string{"-e", "-E"}, valueNext: []string{"-I"},
		codeLetters: "eE", valueNextLetters: "I", valueRestLetters: "MmixdDCV", digitLetters: "0l",
	},
	"php":       {code: []string{"-r", "-B", "-R", "-E", "-F", "-a"}, valueNext: []string{"-c", "-d", "-z", "-t", "-S"}},
	"lua":       {code: []string{"-e", "-i"}, valueNext: []string{"-l"}, loads: []string{"-l"}},
	"luajit":    {code: []string{"-e", "-i", "-b"}, valueNext: []string{"-l", "-j", "-O"}, loads: []string{"-l"}},
	"Rscript":   {code: []string{"-e"}},
	"osascript": {code: []string{"-e"}, valueNext: []string{"-l", "-s"}},
	"tclsh":     {valueNext: []string{"-encoding"}},
	"wish":      {valueNext: []string{"-encoding"}},
	// Their command lines are more than keyturn reads: only a script path.
	"irb": {strict: true}, "pwsh": {strict: true}, "powershell": {strict: true}, "groovy": {strict: true},
	"jshell": {strict: true}, "scala": {strict: true}, "julia": {strict: true}, "erl": {strict: true},
	"elixir": {strict: true}, "racket": {strict: true}, "guile": {strict: true},
}

func interpreterOf(prog string) interpreterArgs {
	switch prog {
	case "python2", "python3":
		prog = "python"
	case "nodejs", "deno":
		prog = "node"
	}
	return interpreters[prog]
}

func wrapInterpreter(c *call) []keyturn.Effect {
	vals := c.values()
	if len(vals) == 1 && (vals[0] == "--version" || vals[0] == "-V" || vals[0] == "-v" || vals[0] == "--help" || vals[0] == "-h") {
		return []keyturn.Effect{readEffect(c)}
	}
	if isAwk(c.prog) {
		return awkEffects(c)
	}
	ia := interpreterOf(c.prog)
	python := strings.HasPrefix(c.prog, "python")
	codeGiven := func(v string) []keyturn.Effect {
		return []keyturn.Effect{c.unknown(c.prog+" "+v, "runs "+c.prog+" code given on the command line")}
	}
	var loaded []keyturn.Effect
	load := func(opt string, a arg) {
		// A module named by a path is code from that file: judged like a
		// script (node -r /tmp/evil.js app.js).
		if slices.Contains(ia.loads, opt) && (strings.Contains(a.Value, "/") || !a.Known) {
			loaded = append(loaded, c.projectScript(a.Value)...)
		}
	}
	for i := 0; i < len(c.args); i++ {
		a := c.args[i]
		v := a.Value
		name, _, eq := strings.Cut(v, "=")
		next := func() arg {
			if i+1 < len(c.args) {
				i++
				return c.args[i]
			}
			return arg{Known: true}
		}
		switch {
		case !a.Known && (v == "" || strings.HasPrefix(v, "-") || strings.HasPrefix(v, "$")):
			return []keyturn.Effect{c.unknown(c.prog, "an option known only at run time: "+v)}
		case v == "-":
			return c.stdinCode(c.prog, nil)
		case v == "--" && i+1 < len(c.args):
			return append(loaded, c.interpreterScript(c.args[i+1])...)
		case !strings.HasPrefix(v, "-") || v == "--":
			if c.prog == "deno" || c.prog == "bun" {
				if eff, ok := c.denoBun(v, c.args[i+1:]); ok {
					return append(loaded, eff...)
				}
			}
			return append(loaded, c.interpreterScript(a)...)
		case ia.strict:
			return []keyturn.Effect{c.unknown(c.prog+" "+v, "an option of "+c.prog+" keyturn does not read")}
		case slices.Contains(ia.code, name):
			return codeGiven(v)
		case python && v == "-m":
			mod := next()
			return append(loaded, c.pythonModule(mod, c.args[i+1:])...)
		case slices.Contains(ia.valueNext, name):
			val := arg{Value: strings.TrimPrefix(v, name+"="), Known: a.Known}
			if !eq && len(name) == len(v) {
				val = next()
			}
			load(name, val)
		case strings.HasPrefix(v, "--"):
			// A long option: a switch, or its value is attached with =.
		default:
			// A bundle of short options: -Ic, -ne, -Wignore, -mpip.
			for j := 1; j < len(v); j++ {
				l := v[j]
				rest := v[j+1:]
				switch {
				case strings.IndexByte(ia.codeLetters, l) >= 0:
					return codeGiven(v)
				case python && l == 'm':
					mod := arg{Value: rest, Known: a.Known}
					if rest == "" {
						mod = next()
					}
					return append(loaded, c.pythonModule(mod, c.args[i+1:])...)
				case strings.IndexByte(ia.valueNextLetters, l) >= 0:
					val := arg{Value: rest, Known: a.Known}
					if rest == "" {
						val = next()
					}
					load("-"+string(l), val)
				case strings.IndexByte(ia.digitLetters, l) >= 0:
					digits := "0123456789"
					if l == '0' && j+1 < len(v) && (v[j+1] == 'x' || v[j+1] == 'X') {
						j++ // -0xHHH
						digits += "abcdefABCDEF"
					}
					for j+1 < len(v) && strings.IndexByte(digits, v[j+1]) >= 0 {
						j++
					}
					continue
				case strings.IndexByte(ia.valueRestLetters, l) < 0:
					continue
				}
				break
			}
		}
	}
	if len(loaded) > 0 {
		return loaded
	}
	return c.stdinCode(c.prog, nil)
}

// interpreterScript is an interpreter running a script file: the
// project's own code, or, for a URL, code from somewhere else.
func (c *call) interpreterScript(a arg) []keyturn.Effect {
	if !a.Known {
		return []keyturn.Effect{c.unknown(c.prog, "runs a script named only at run time")}
	}
	if strings.Contains(a.Value, "://") || strings.HasPrefix(a.Value, "npm:") || strings.HasPrefix(a.Value, "jsr:") {
		return []keyturn.Effect{c.unknown(c.prog+" "+a.Value, "downloads and runs code keyturn cannot judge")}
	}
	return c.projectScript(a.Value)
}

// denoBun handles deno's and bun's subcommands.
func (c *call) denoBun(v string, rest []arg) ([]keyturn.Effect, bool) {
	switch v {
	case "test", "fmt", "lint", "check", "install", "add", "build", "task", "run":
		if v == "run" {
			// deno run [options] SCRIPT [args]: the first operand is the
			// script; options may take values, so any URL is checked too.
			for _, a := range rest {
				if strings.Contains(a.Value, "://") || strings.HasPrefix(a.Value, "npm:") || strings.HasPrefix(a.Value, "jsr:") || !a.Known {
					return c.interpreterScript(a), true
				}
			}
			for _, a := range rest {
				if !strings.HasPrefix(a.Value, "-") {
					return c.interpreterScript(a), true
				}
			}
		}
		return []keyturn.Effect{c.workspaceEffect(c.prog, c.prog+" "+v, keyturn.Write)}, true
	case "eval", "x", "repl", "jupyter":
		return []keyturn.Effect{c.unknown(c.prog+" "+v, "runs code keyturn cannot judge")}, true
	case "upgrade":
		return []keyturn.Effect{c.localEffect(c.prog, c.prog+" upgrade", keyturn.Write)}, true
	}
	return nil, false
}

// pythonModule is python -m MODULE ARGS: the modules that have an
// analyzer (pip, pytest, black, …) are judged by it, a few others are the
// project's tooling, anything else is code keyturn cannot judge.
func (c *call) pythonModule(mod arg, rest []arg) []keyturn.Effect {
	if !mod.Known {
		return []keyturn.Effect{c.unknown(c.prog+" -m", "runs a module named only at run time")}
	}
	switch mod.Value {
	case "pip", "pytest", "black", "ruff", "mypy", "tox":
		c.run(append(lits(mod.Value), rest...))
		return nil
	case "json.tool":
		// python -m json.tool [IN [OUT]]: OUT is overwritten.
		var ops []arg
		for _, a := range rest {
			if !strings.HasPrefix(a.Value, "-") {
				ops = append(ops, a)
			}
		}
		if len(ops) > 1 {
			return []keyturn.Effect{readEffect(c), c.overwriteEffect("python -m json.tool", ops[1])}
		}
		return []keyturn.Effect{readEffect(c)}
	}
	if interpreterModules[mod.Value] {
		return []keyturn.Effect{c.workspaceEffect(c.prog, c.prog+" -m "+mod.Value, keyturn.Write)}
	}
	return []keyturn.Effect{c.unknown(c.prog+" -m "+mod.Value, "runs the module "+mod.Value)}
}

func isAwk(p string) bool { return p == "awk" || p == "gawk" || p == "mawk" || p == "nawk" }

// awkEffects: awk programs read and print. system(), pipes to or from
// commands, and output redirection inside print make them something keyturn
// cannot judge.
func awkEffects(c *call) []keyturn.Effect {
	var out []keyturn.Effect
	var args []arg
	for _, a := range longAbbrev(c.args, []string{"--file", "--exec", "--include", "--load", "--source",
		"--dump-variables", "--pretty-print", "--profile", "--debug", "--assign", "--field-separator"}) {
		// gawk's dump, profile and debug options write a file:
		// awkvars.out or awkprof.out in the cwd, or the one attached
		// (-d/etc/passwd, --profile=FILE).
		name, v, _ := strings.Cut(a.Value, "=")
		switch {
		case len(a.Value) >= 2 && a.Value[0] == '-' && strings.IndexByte("dopD", a.Value[1]) >= 0:
			name, v = a.Value[:2], a.Value[2:]
		case name == "--dump-variables" || name == "--pretty-print" || name == "--profile" || name == "--debug":
		default:
			args = append(args, a)
			continue
		}
		if v == "" {
			v = "awkprof.out"
		}
		out = append(out, c.writeEffect(c.prog+" "+name, arg{Value: v, Known: a.Known}))
	}
	f := parseFlags(args, set("-F", "-v", "-f", "-e", "-E", "-i", "-l", "-W", "--file", "--exec", "--include",
		"--load", "--source", "--field-separator", "--assign"), true)
	// Program text from a file or an extension, and mawk's -W options
	// (-W exec FILE), are code keyturn does not read.
	if f.has("-f", "--file", "-E", "--exec", "-i", "--include", "-l", "--load", "-W") {
		return []keyturn.Effect{c.unknown(c.prog+" -f", "runs an awk program from a file or extension")}
	}
	sandbox := f.has("-S", "--sandbox")
	var progs []arg
	for _, o := range []string{"-e", "--source"} {
		for _, v := range f.opts[o] {
			progs = append(progs, fsValueArg(args, v))
		}
	}
	if len(progs) == 0 && len(f.pos) > 0 {
		progs = f.pos[:1]
	}
	for _, prog := range progs {
		if !prog.Known {
			return []keyturn.Effect{c.unknown(c.prog, "the awk program is only known at run time")}
		}
		if !sandbox && awkRunsOrWrites(prog.Value) {
			return []keyturn.Effect{c.unknown(c.prog, "the awk program runs commands or writes files")}
		}
	}
	return append(out, readEffect(c))
}

// awkRunsOrWrites looks at an awk program with its string literals taken
// out: system(), a | that is not ||, or a > inside a print statement (a
// redirection there) mean it reaches beyond its output.
func awkRunsOrWrites(prog string) bool {
	var code strings.Builder
	inString := false
	last := byte(0) // the last code byte that is not a space
	for i := 0; i < len(prog); i++ {
		ch := prog[i]
		switch {
		case inString && ch == '\\':
			i++
		case ch == '"':
			inString = !inString
			code.WriteByte('"')
		case inString:
		case ch == '/' && (last == 0 || strings.IndexByte("(,~!{;&|", last) >= 0):
			// A regex literal (where a division cannot stand): skip it.
			for i++; i < len(prog) && prog[i] != '/'; i++ {
				if prog[i] == '\\' {
					i++
				}
			}
			code.WriteString("//")
			last = '/'
		default:
			code.WriteByte(ch)
			if ch != ' ' && ch != '\t' && ch != '\n' {
				last = ch
			}
		}
	}
	if inString {
		return true // unbalanced quotes: not a program keyturn can read
	}
	text := code.String()
	if strings.Contains(text, "system") || strings.Contains(text, "getline") && strings.Contains(text, "|") {
		return true
	}
	// gawk's @f(…) calls the function named by f's value ("sys" "tem"), and
	// @load/@include bring in code.
	if strings.Contains(text, "@") {
		return true
	}
	for i := 0; i < len(text); i++ {
		if text[i] == '|' {
			if i+1 < len(text) && text[i+1] == '|' {
				i++
				continue
			}
			return true
		}
	}
	// A > or >> after print/printf, before the statement ends, redirects.
	for _, stmt := range strings.FieldsFunc(text, func(r rune) bool { return r == ';' || r == '}' || r == '{' || r == '\n' }) {
		stmt = strings.TrimSpace(stmt)
		if (strings.HasPrefix(stmt, "print") || strings.Contains(stmt, " print")) && strings.Contains(stmt, ">") {
			return true
		}
	}
	return false
}

// findActions are find's primaries that run a command.
var findActions = map[string]bool{"-exec": true, "-execdir": true, "-ok": true, "-okdir": true}

func wrapFind(c *call) []keyturn.Effect {
	// Starting points come before the first expression word.
	var roots []arg
	i := 0
	for ; i < len(c.args); i++ {
		v := c.args[i].Value
		if v == "-H" || v == "-L" || v == "-P" || strings.HasPrefix(v, "-O") || v == "-D" {
			if v == "-D" {
				i++
			}
			continue
		}
		if strings.HasPrefix(v, "-") || v == "(" || v == "!" || v == "\\(" {
			break
		}
		roots = append(roots, c.args[i])
	}
	if len(roots) == 0 {
		roots = lits(".")
	}
	// A file find reaches is somewhere below a root, or the root itself
	// (find /home/dev/project -delete removes the workspace).
	matches := findMatches(c, roots, c.args[i:])
	effects := []keyturn.Effect{c.localEffect("find", "find", keyturn.Read)}
	effects[0].Environment = keyturn.EnvLocal
	for ; i < len(c.args); i++ {
		v := c.args[i].Value
		switch {
		case v == "-delete":
			for _, r := range matches {
				effects = append(effects, c.deleteEffect("find -delete", r))
			}
		case findActions[v]:
			var argv []arg
			j := i + 1
			for ; j < len(c.args); j++ {
				if w := c.args[j].Value; w == ";" || w == "+" || w == `\;` {
					break
				}
				argv = append(argv, c.args[j])
			}
			i = j
			for _, r := range matches {
				// -execdir runs in the file's directory with {} as ./NAME.
				dir := v == "-execdir" || v == "-okdir"
				name := r.Value
				if dir {
					name = "./" + path.Base(r.Value)
				}
				sub := make([]arg, len(argv))
				for k, a := range argv {
					sub[k] = a
					if strings.Contains(a.Value, "{}") {
						sub[k] = arg{Value: strings.ReplaceAll(a.Value, "{}", name), Known: a.Known && r.Known}
					}
				}
				if len(sub) > 0 {
					if dir {
						c.runIn(arg{Value: path.Dir(r.Value), Known: r.Known}, sub)
					} else {
						c.run(sub)
					}
				}
			}
		case v == "-fprint" || v == "-fprint0" || v == "-fprintf" || v == "-fls":
			if i+1 < len(c.args) {
				effects = append(effects, c.writeEffect("find "+v, c.args[i+1]))
				i++
			}
		}
	}
	return effects
}

// findMatches returns what find's actions may act on: the files below
// each root and, when the root is the workspace itself, the root too
// (find /home/dev/project -delete removes the project) unless a test
// rules the root out: -mindepth 1, -type f, or a -name it fails. Below any
// other root, the files below are judged as the root would be.
func findMatches(c *call, roots, expr []arg) []arg {
	self := true
	alternatives := false
	for i, a := range expr {
		next := ""
		if i+1 < len(expr) {
			next = expr[i+1].Value
		}
		switch a.Value {
		case "-o", "-or", "!", "-not", ",":
			alternatives = true
		case "-mindepth":
			self = self && next == "0"
		case "-type", "-xtype":
			self = self && strings.Contains(next, "d")
		case "-name", "-iname":
			name := path.Base(path.Clean(c.s.workspace))
			if m, err := path.Match(next, name); err == nil && !m {
				self = false
			}
		}
	}
	var out []arg
	for _, r := range roots {
		out = append(out, arg{Value: strings.TrimSuffix(r.Value, "/") + "/*", Known: r.Known})
		clean := path.Clean(r.Value)
		if clean == "." || strings.HasSuffix(clean, "/.") {
			continue // find never deletes ".", and rm refuses it
		}
		if p, ok := c.s.abs(r); ok && c.s.workspace != "" && p == c.s.workspace && (self || alternatives) {
			out = append(out, r)
		}
	}
	return out
}

// sshOption splits an ssh -o option (Key=Value or "Key Value") into its
// lower-cased key and value.
func sshOption(o string) (key, val string, ok bool) {
	o = strings.TrimSpace(o)
	i := strings.IndexAny(o, "= \t")
	if i < 0 {
		return strings.ToLower(o), "", false
	}
	return strings.ToLower(o[:i]), strings.TrimLeft(o[i:], "= \t"), true
}

// sshLocalCode says why ssh (or scp, or an ssh that rsync or git starts)
// runs something on this machine besides connecting, or "" when it does
// not: a ProxyCommand, LocalCommand or KnownHostsCommand is a local shell
// command; a PKCS#11 or security-key provider is a library it loads; a
// config file (-F) may hold any of those.
func sshLocalCode(f flags) string {
	for _, o := range f.opts["-o"] {
		k, _, _ := sshOption(o)
		switch k {
		case "proxycommand", "localcommand", "knownhostscommand", "permitlocalcommand", "pkcs11provider",
			"securitykeyprovider", "include", "match":
			return "the ssh option " + o + " runs a program on this machine"
		}
	}
	if f.has("-I") {
		return "ssh -I loads a PKCS#11 library into ssh"
	}
	if cfg := f.get("-F"); f.has("-F") && cfg != "/dev/null" && cfg != "none" {
		return "ssh -F reads a config file that can run local commands (ProxyCommand): " + cfg
	}
	return ""
}

var sshValued = set("-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-O", "-o", "-p", "-Q", "-R", "-S", "-W", "-w", "-B", "-P")

func wrapSSH(c *call) []keyturn.Effect {
	f := parseFlags(c.args, sshValued, true)
	if why := sshLocalCode(f); why != "" && len(f.pos) == 0 {
		// No host here: git, rsync and scp add it (GIT_SSH_COMMAND).
		return []keyturn.Effect{c.unknown("ssh option", why)}
	}
	if len(f.pos) == 0 && f.hasRest && len(f.rest) > 0 {
		// ssh [options] -- HOST [COMMAND…]
		f.pos, f.rest = f.rest[:1], f.rest[1:]
	}
	if len(f.pos) == 0 {
		return []keyturn.Effect{readEffect(c)} // ssh -V, ssh -G
	}
	host := f.pos[0].Value
	if i := strings.LastIndex(host, "@"); i >= 0 {
		host = host[i+1:]
	}
	host = strings.TrimPrefix(host, "ssh://")
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	hints := map[string]string{"host": host}
	var out []keyturn.Effect
	if why := sshLocalCode(f); why != "" {
		out = append(out, c.localEffect("ssh", "ssh option", keyturn.Unknown, host))
		out[0].Note = why
	}
	for _, o := range f.opts["-o"] {
		if k, _, _ := sshOption(o); k == "remotecommand" {
			e := c.effect("ssh", "ssh -o RemoteCommand", keyturn.Unknown, hints, host)
			e.Note = "RemoteCommand replaces the command keyturn would judge: " + o
			return append(out, e)
		}
	}
	if f.has("-O") || f.has("-N") {
		return append(out, c.effect("ssh", "ssh "+f.get("-O"), keyturn.Read, hints, host))
	}
	if len(out) > 0 {
		c.s.emit(out...)
	}
	if len(f.rest) == 0 {
		if c.stdin != nil && c.stdin.known {
			c.insideShell(hints, c.stdin.text, "ssh input")
			return nil
		}
		return []keyturn.Effect{{Tool: "ssh", Operation: "ssh shell", Class: keyturn.Unknown, Hints: hints, Targets: []string{host},
			Note: "opens a shell on " + host + " whose commands keyturn cannot see"}}
	}
	// ssh joins its command arguments with spaces and hands them to the
	// remote shell.
	src, known := joinKnown(f.rest)
	if !known {
		return []keyturn.Effect{{Tool: "ssh", Operation: "ssh command", Class: keyturn.Unknown, Hints: hints, Targets: []string{host},
			Note: "the remote command is only known at run time"}}
	}
	c.insideShell(hints, src, "ssh command")
	return nil
}
