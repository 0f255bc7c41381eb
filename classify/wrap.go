package classify

import (
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
	register(builtinRead, ":", "true", "false", "echo", "printf", "test", "[", "read", "wait", "jobs",
		"trap", "return", "exit", "shift", "break", "continue", "pwd", "umask", "ulimit", "history",
		"getopts", "set", "shopt", "unset", "type", "hash", "which", "whereis", "help", "dirs", "disown",
		"bg", "fg", "times", "caller", "enable", "logout", "mapfile", "readarray", "let", "sleep", "export",
		"declare", "local", "readonly", "typeset", "compgen", "complete", "suspend")
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
	if dir.Value == "-" {
		c.s.cwd = "" // the previous directory: not tracked
	} else if p, ok := c.s.abs(dir); ok {
		c.s.cwd = p
	} else {
		c.s.cwd = ""
	}
	return []keyturn.Effect{readEffect(c)}
}

func builtinPopd(c *call) []keyturn.Effect {
	c.s.cwd = "" // the directory stack is not tracked: relative paths are unknown from here
	return []keyturn.Effect{readEffect(c)}
}

func builtinEval(c *call) []keyturn.Effect {
	src, known := joinKnown(c.args)
	if known && c.s.depth < maxDepth {
		// eval of a literal string is that string; anything built at run
		// time cannot be read.
		c.shell(src, "eval string")
		return []keyturn.Effect{c.unknown("eval", "eval runs code built at run time")}
	}
	return []keyturn.Effect{c.unknown("eval", "eval runs code built at run time")}
}

func builtinSource(c *call) []keyturn.Effect {
	return []keyturn.Effect{c.unknown("source", "sources a file whose code keyturn does not judge")}
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
	f := parseFlags(c.args, valued, true)
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
	c.run(argv)
	return nil
}

func wrapEnv(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-u", "--unset", "-C", "--chdir", "-S", "--split-string", "-a", "--argv0"), true)
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
	for len(argv) > 0 && isAssignment(argv[0].Value) {
		name, val, _ := strings.Cut(argv[0].Value, "=")
		if argv[0].Known {
			env[name] = val
		} else {
			delete(env, name)
		}
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
	}
	if c.prog == "systemd-run" {
		valued = set("-p", "--property", "-u", "--unit", "-M", "--machine", "-E", "--setenv", "--uid", "--gid", "--description", "--slice", "-H", "--host", "--working-directory")
	}
	f := parseFlags(c.args, valued, true)
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
	valued := set("-j", "--jobs", "-S", "--sshlogin", "-a", "--arg-file", "--delay", "--joblog", "-n", "--max-args", "--results", "--timeout", "--retries", "--tmpdir", "--workdir", "--colsep", "-d", "--delimiter", "-I")
	f := parseFlags(c.args, valued, true)
	argv := commandOf(f)
	// parallel CMD ::: ARGS — the command ends at the first :::.
	for i, a := range argv {
		if a.Value == ":::" || a.Value == "::::" || a.Value == ":::+" {
			argv = argv[:i]
			break
		}
	}
	if len(argv) == 0 {
		return []keyturn.Effect{c.unknown("parallel", "runs commands read from its input")}
	}
	if len(argv) == 1 && strings.ContainsAny(argv[0].Value, " ;|&") {
		c.shell(argv[0].Value, "parallel command")
		return nil
	}
	c.run(append(argv, arg{Value: "{parallel input}", Known: false}))
	return nil
}

func wrapFlock(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-w", "--timeout", "-E", "--conflict-exit-code", "-c", "--command"), true)
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
	for i := 0; i < len(args); i++ {
		v := args[i].Value
		if !args[i].Known && strings.HasPrefix(v, "-") {
			continue
		}
		switch {
		case v == "--" || v == "-":
			script = args[i+1:]
			i = len(args)
		case shellOptions[v]:
			i++
		case strings.HasPrefix(v, "--"):
		case (strings.HasPrefix(v, "-") || strings.HasPrefix(v, "+")) && len(v) > 1:
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
	case len(script) > 0:
		if !script[0].Known {
			return []keyturn.Effect{c.unknown(c.prog, "runs a script named only at run time")}
		}
		return c.projectScript(script[0].Value)
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

func wrapInterpreter(c *call) []keyturn.Effect {
	vals := c.values()
	if len(vals) == 1 && (vals[0] == "--version" || vals[0] == "-V" || vals[0] == "-v" || vals[0] == "--help" || vals[0] == "-h") {
		return []keyturn.Effect{readEffect(c)}
	}
	if isAwk(c.prog) {
		return awkEffects(c)
	}
	for i, a := range c.args {
		v := a.Value
		switch {
		case v == "-c" || v == "-e" || v == "--eval" || v == "-r" || v == "-p" || v == "--print" || v == "-E" ||
			strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--") && len(v) > 2 && strings.ContainsAny(v[1:], "ce") && c.prog != "python" && c.prog != "python3":
			if c.prog == "php" && v == "-r" || v != "-r" {
				return []keyturn.Effect{c.unknown(c.prog+" "+v, "runs "+c.prog+" code given on the command line")}
			}
		case v == "-m" && i+1 < len(c.args):
			mod := c.args[i+1].Value
			if interpreterModules[mod] {
				return []keyturn.Effect{c.workspaceEffect(c.prog, c.prog+" -m "+mod, keyturn.Write)}
			}
			return []keyturn.Effect{c.unknown(c.prog+" -m "+mod, "runs the module "+mod)}
		case v == "-":
			return c.stdinCode(c.prog, nil)
		case strings.HasPrefix(v, "-"):
			continue
		default:
			if c.prog == "deno" || c.prog == "bun" {
				switch v {
				case "test", "fmt", "lint", "check", "install", "add", "build", "task", "run":
					if v == "run" && i+1 < len(c.args) {
						return c.projectScript(c.args[len(c.args)-1].Value)
					}
					return []keyturn.Effect{c.workspaceEffect(c.prog, c.prog+" "+v, keyturn.Write)}
				case "eval", "x", "repl":
					return []keyturn.Effect{c.unknown(c.prog+" "+v, "runs code keyturn cannot judge")}
				}
			}
			if !a.Known {
				return []keyturn.Effect{c.unknown(c.prog, "runs a script named only at run time")}
			}
			return c.projectScript(v)
		}
	}
	return c.stdinCode(c.prog, nil)
}

func isAwk(p string) bool { return p == "awk" || p == "gawk" || p == "mawk" || p == "nawk" }

// awkEffects: awk programs read and print. system(), pipes to or from
// commands, and output redirection inside print make them something keyturn
// cannot judge.
func awkEffects(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-F", "-v", "-f", "--file", "--field-separator", "--assign"), true)
	if f.has("-f", "--file") {
		return []keyturn.Effect{c.unknown(c.prog+" -f", "runs an awk program from a file")}
	}
	if len(f.pos) == 0 {
		return []keyturn.Effect{readEffect(c)}
	}
	prog := f.pos[0]
	if !prog.Known {
		return []keyturn.Effect{c.unknown(c.prog, "the awk program is only known at run time")}
	}
	if awkRunsOrWrites(prog.Value) {
		return []keyturn.Effect{c.unknown(c.prog, "the awk program runs commands or writes files")}
	}
	return []keyturn.Effect{readEffect(c)}
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
	// A file find reaches is somewhere below a root.
	child := func(r arg) arg {
		return arg{Value: strings.TrimSuffix(r.Value, "/") + "/*", Known: r.Known}
	}
	effects := []keyturn.Effect{c.localEffect("find", "find", keyturn.Read)}
	effects[0].Environment = keyturn.EnvLocal
	for ; i < len(c.args); i++ {
		v := c.args[i].Value
		switch {
		case v == "-delete":
			for _, r := range roots {
				effects = append(effects, c.deleteEffect("find -delete", child(r)))
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
			for _, r := range roots {
				sub := make([]arg, len(argv))
				for k, a := range argv {
					sub[k] = a
					if strings.Contains(a.Value, "{}") {
						sub[k] = arg{Value: strings.ReplaceAll(a.Value, "{}", child(r).Value), Known: a.Known && r.Known}
					}
				}
				if len(sub) > 0 {
					if v == "-execdir" || v == "-okdir" {
						c.runIn(r, sub)
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

func wrapSSH(c *call) []keyturn.Effect {
	valued := set("-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-O", "-o", "-p", "-Q", "-R", "-S", "-W", "-w", "-B", "-P")
	f := parseFlags(c.args, valued, true)
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
	if f.has("-O") || f.has("-N") {
		return []keyturn.Effect{c.effect("ssh", "ssh "+f.get("-O"), keyturn.Read, hints, host)}
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
