package classify

import (
	"os"
	"path"
	"strings"

	"keyturn"
)

// readOnly holds the programs known to change nothing, or only the
// workspace, that have no analyzer of their own. A program that is not here
// (and has no analyzer) is unknown.
var readOnly = map[string]analyzer{}

// The table is filled in init: its analyzers run wrapped commands, which
// look programs up in it again.
func init() {
	m := readOnly
	add := func(a analyzer, names ...string) {
		for _, n := range names {
			m[n] = a
		}
	}
	// A program that only reads is its own tool in the effect table.
	reads := func(c *call) []keyturn.Effect {
		return []keyturn.Effect{{Tool: c.prog, Operation: c.prog, Class: keyturn.Read, Environment: keyturn.EnvLocal}}
	}

	// Print or inspect files and data: they open their inputs for reading
	// and write only to stdout, which the shell redirects if asked.
	add(reads, "cat", "more", "head", "tail", "wc", "grep", "egrep", "fgrep", "zgrep", "ag", "ack", "stat",
		"diff", "cmp", "comm", "cut", "tr", "column", "jq", "base64", "base32", "md5sum", "sha1sum", "sha224sum",
		"sha256sum", "sha384sum", "sha512sum", "b2sum", "cksum", "sum", "shasum", "md5", "od", "hexdump",
		"strings", "nl", "fold", "paste", "join", "tac", "rev", "expand", "unexpand", "fmt", "numfmt", "pr",
		"look", "envsubst", "ls", "dir", "vdir", "zcat", "bzcat", "xzcat")
	// Names and paths: they compute strings.
	add(reads, "basename", "dirname", "realpath", "readlink", "seq", "yes", "expr", "factor", "cal", "ncal",
		"tput", "clear", "tty")
	// Look at the system: processes, users, hardware, disks, network state.
	add(reads, "du", "df", "free", "uptime", "whoami", "id", "uname", "printenv", "ps", "top", "htop", "btop",
		"pgrep", "pidof", "pstree", "pwdx", "lsof", "netstat", "ping", "ping6", "dig", "nslookup", "host",
		"traceroute", "traceroute6", "tracepath", "mtr", "whois", "locate", "lscpu", "lsblk", "blkid", "nproc",
		"getent", "groups", "users", "who", "w", "last", "lastlog", "arch", "lsmod", "lspci", "lsusb", "vmstat",
		"iostat", "mpstat", "locale", "findmnt", "lslogins", "lsns", "lsipc")
	// Calculators and pipes that only pass data on.
	add(reads, "bc", "pv", "finger", "units", "figlet", "toilet", "lolcat")
	add(roDc, "dc")
	add(roCowsay, "cowsay", "cowthink")
	// Documentation.
	add(reads, "whatis", "apropos")
	add(roInfo, "info")
	// Linters that only report (they may keep a cache of their own).
	add(reads, "shellcheck", "hadolint", "staticcheck")
	add(roActionlint, "actionlint")

	// Read-only tools with an option that writes or runs something.
	add(roSort, "sort")
	add(roUniq, "uniq")
	add(roXxd, "xxd")
	add(roYq, "yq")
	add(roTree, "tree")
	add(roHostname, "hostname")
	add(roDate, "date")
	add(roDmesg, "dmesg")
	add(roSs, "ss")
	add(roIP, "ip")
	add(roPager, "less")
	add(roMan, "man")
	add(roBat, "bat", "batcat")
	add(roRg, "rg")
	add(roFd, "fd", "fdfind")
	add(roFile, "file")
	add(roIconv, "iconv")
	add(roTldr, "tldr")

	// The Go toolchain: builds and tests write in the workspace; go env,
	// version, list and doc read.
	add(goTool, "go")
	add(gofmtTool, "gofmt")
	// Rust.
	add(cargoTool, "cargo")
	add(compilerTool, "rustc", "gcc", "cc", "clang", "g++", "c++", "clang++", "javac")
	// JavaScript package managers: installs write the project's
	// node_modules, scripts run the project's code.
	add(npmTool, "npm")
	add(pnpmTool, "pnpm")
	add(yarnTool, "yarn")
	add(npxTool, "npx")
	add(tscTool, "tsc")
	add(eslintTool, "eslint")
	add(prettierTool, "prettier")
	// Python.
	add(pipTool, "pip", "pip3")
	add(uvTool, "uv")
	add(poetryTool, "poetry")
	add(pipenvTool, "pipenv")
	add(projectRunner, "pytest", "tox")
	add(blackTool, "black")
	add(ruffTool, "ruff")
	add(mypyTool, "mypy")
	// Build systems and task runners run the project's own recipes.
	add(makeTool, "make", "gmake")
	add(cmakeTool, "cmake")
	add(ninjaTool, "ninja")
	add(mavenTool, "mvn", "gradle")
	add(justTool, "just")
	// task is go-task here; Taskwarrior's `task add …` would be judged as a
	// project task too, a write in the workspace.
	add(taskTool, "task")
	add(bazelTool, "bazel")
	add(javaTool, "java")
	// Ruby, PHP, .NET, Swift, Zig.
	add(bundleTool, "bundle")
	add(gemTool, "gem")
	add(composerTool, "composer")
	add(dotnetTool, "dotnet")
	add(swiftTool, "swift")
	add(zigTool, "zig")
	// Linters with a fix mode.
	add(precommitTool, "pre-commit")
	add(tflintTool, "tflint")
	add(golangciTool, "golangci-lint")
}

// --- helpers

// toolDir resolves a directory a tool works in; "" is the cwd.
func toolDir(c *call, dir arg) (string, bool) {
	if dir.Value == "" {
		if c.s.cwd == "" {
			return "", false
		}
		return c.s.cwd, dir.Known || dir.Value == ""
	}
	return c.s.abs(dir)
}

// runsProject is running the project's own code (tests, scripts, a
// Makefile, build scripts) in dir: a write in the workspace. Elsewhere it
// is code keyturn cannot judge.
func runsProject(c *call, op string, dir arg) keyturn.Effect {
	p, ok := toolDir(c, dir)
	if ok && c.s.inWorkspace(p) {
		return c.workspaceEffect(c.prog, op, keyturn.Write)
	}
	return c.unknown(op, "runs code outside the workspace that keyturn cannot judge")
}

// writesIn is a tool writing files in dir ("" is the cwd): a write where
// they land.
func writesIn(c *call, op string, dir arg) keyturn.Effect {
	if dir.Value == "" {
		if c.s.cwd == "" {
			return c.s.writeEffect(c.prog, op, arg{Value: ".", Known: false})
		}
		dir = arg{Value: c.s.cwd, Known: true}
	}
	return c.s.writeEffect(c.prog, op, dir)
}

// writesFiles writes each named file or directory, or the cwd when none
// is named.
func writesFiles(c *call, op string, files []arg) []keyturn.Effect {
	if len(files) == 0 {
		return []keyturn.Effect{writesIn(c, op, arg{})}
	}
	var out []keyturn.Effect
	for _, f := range files {
		out = append(out, c.s.writeEffect(c.prog, op, f))
	}
	return out
}

func localWrite(c *call, op string) keyturn.Effect {
	return c.localEffect(c.prog, op, keyturn.Write)
}

// publish is a release to a package registry: a write there.
func publish(c *call, op, host string) keyturn.Effect {
	e := c.effect(c.prog, op, keyturn.Write, map[string]string{"host": host}, host)
	e.Note = "publishes to a package registry"
	return e
}

// firstWord returns the subcommand: the first operand, with the options
// before it (valued ones given by valued) skipped.
func firstWord(args []arg, valued map[string]bool) (sub arg, rest []arg, opts []cliOpt) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.Value
		switch {
		case v == "--":
			if i+1 < len(args) {
				return args[i+1], args[i+2:], opts
			}
			return arg{}, nil, opts
		case strings.HasPrefix(v, "-") && len(v) > 1 && a.Known:
			name, val, eq := strings.Cut(v, "=")
			if !eq && valued[name] && i+1 < len(args) {
				i++
				opts = append(opts, cliOpt{name: name, val: args[i]})
				continue
			}
			opts = append(opts, cliOpt{name: name, val: arg{Value: val, Known: true}})
		default:
			return a, args[i+1:], opts
		}
	}
	return arg{}, nil, opts
}

func isHelpOrVersion(args []arg) bool {
	for _, a := range args {
		switch a.Value {
		case "--version", "-V", "--help", "-h", "-help", "-version", "help", "version":
			return true
		}
	}
	return false
}

// unknownSub is the effect of a subcommand keyturn does not know.
func unknownSub(c *call, sub arg) []keyturn.Effect {
	if !sub.Known {
		return []keyturn.Effect{c.unknown(c.prog, "the subcommand is only known at run time")}
	}
	return []keyturn.Effect{c.unknown(c.prog+" "+sub.Value, "a "+c.prog+" command keyturn does not know")}
}

// --- read-only tools with a writing option

func roSort(c *call) []keyturn.Effect {
	args := longAbbrev(c.args, []string{"--output", "--compress-program"})
	opts, _ := dbArgs(args, set("-o", "--output", "-k", "--key", "-t", "--field-separator", "-S",
		"--buffer-size", "-T", "--temporary-directory", "--parallel", "--files0-from", "--batch-size", "--random-source"), false)
	if hasOpt(opts, "--compress-program") {
		return []keyturn.Effect{c.unknown("sort --compress-program", "runs a program of the caller's choosing")}
	}
	if o, ok := lastOpt(opts, "-o", "--output"); ok {
		return []keyturn.Effect{readEffect(c), c.writeEffect("sort -o", o)}
	}
	return []keyturn.Effect{readEffect(c)}
}

func roUniq(c *call) []keyturn.Effect {
	opts, _ := dbArgs(c.args, set("-f", "--skip-fields", "-s", "--skip-chars", "-w", "--check-chars", "--group", "--all-repeated"), false)
	if pos := operands(opts); len(pos) > 1 {
		return []keyturn.Effect{readEffect(c), c.writeEffect("uniq", pos[1])}
	}
	return []keyturn.Effect{readEffect(c)}
}

func roXxd(c *call) []keyturn.Effect {
	opts, _ := dbArgs(c.args, set("-c", "-cols", "-g", "-groupsize", "-l", "-len", "-o", "-offset", "-s", "-seek", "-n", "-name"), true)
	if pos := operands(opts); len(pos) > 1 && pos[1].Value != "-" {
		return []keyturn.Effect{readEffect(c), c.writeEffect("xxd", pos[1])}
	}
	return []keyturn.Effect{readEffect(c)}
}

func roYq(c *call) []keyturn.Effect {
	opts, _ := dbArgs(c.args, set("--arg", "--argjson", "-I", "--indent", "-o", "--output-format",
		"-p", "--input-format", "--expression", "--from-file", "--front-matter", "--split-exp", "-s"), false)
	if !hasOpt(opts, "-i", "--inplace", "--in-place") {
		return []keyturn.Effect{readEffect(c)}
	}
	pos := operands(opts)
	if len(pos) > 0 && (pos[0].Value == "eval" || pos[0].Value == "e" || pos[0].Value == "eval-all" || pos[0].Value == "ea") {
		pos = pos[1:]
	}
	if len(pos) > 1 && !hasOpt(opts, "--expression", "--from-file") {
		pos = pos[1:] // the first operand is the expression
	}
	return writesFiles(c, "yq -i", pos)
}

func roTree(c *call) []keyturn.Effect {
	opts, _ := dbArgs(c.args, set("-o", "-L", "-P", "-I", "-H", "-T", "--charset", "--filelimit", "--timefmt", "--sort", "--fromfile"), false)
	if o, ok := lastOpt(opts, "-o"); ok {
		return []keyturn.Effect{readEffect(c), c.writeEffect("tree -o", o)}
	}
	return []keyturn.Effect{readEffect(c)}
}

func roHostname(c *call) []keyturn.Effect {
	opts, _ := dbArgs(c.args, set("-F", "--file"), false)
	if hasOpt(opts, "-F", "--file", "-b", "--boot") || len(operands(opts)) > 0 {
		return []keyturn.Effect{localWrite(c, "set hostname")}
	}
	return []keyturn.Effect{readEffect(c)}
}

func roDate(c *call) []keyturn.Effect {
	opts, _ := dbArgs(longAbbrev(c.args, []string{"--set"}), set("-d", "--date", "-f", "--file", "-r", "--reference", "-s", "--set", "-I", "--iso-8601", "--rfc-3339"), false)
	if hasOpt(opts, "-s", "--set") {
		return []keyturn.Effect{localWrite(c, "set clock")}
	}
	for _, p := range operands(opts) {
		if !strings.HasPrefix(p.Value, "+") {
			return []keyturn.Effect{localWrite(c, "set clock")} // date MMDDhhmm sets the clock
		}
	}
	return []keyturn.Effect{readEffect(c)}
}

func roDmesg(c *call) []keyturn.Effect {
	opts, _ := dbArgs(longAbbrev(c.args, []string{"--clear", "--read-clear", "--console-level", "--console-off", "--console-on"}), set("-f", "--facility", "-l", "--level", "-n", "--console-level", "-F", "--file", "-s", "--buffer-size", "--time-format", "-S"), false)
	if hasOpt(opts, "-c", "-C", "--clear", "--read-clear", "-n", "--console-level", "-D", "--console-off", "-E", "--console-on") {
		return []keyturn.Effect{localWrite(c, "dmesg clear")}
	}
	return []keyturn.Effect{readEffect(c)}
}

func roSs(c *call) []keyturn.Effect {
	// ss --kil is ss --kill: iproute2 takes a prefix of a long option.
	opts, _ := dbArgs(longAbbrev(c.args, []string{"--kill"}), set("-N", "--net", "-f", "--family", "-A", "--query", "--socket", "-F", "--filter"), false)
	if hasOpt(opts, "-K", "--kill") {
		e := c.localEffect("ss", "ss --kill", keyturn.Destructive)
		e.Note = "closes the sockets it lists"
		return []keyturn.Effect{e}
	}
	return []keyturn.Effect{readEffect(c)}
}

// ipObjects are ip's objects in the order iproute2 matches an abbreviation
// against them ("l" is link, "n" is neighbor).
var ipObjects = strings.Fields(`address addrlabel maddress route rule neighbor neighbour ntable ntbl link l2tp
fou ila macsec tunnel tuntap tap token tcpmetrics tcp_metrics monitor xfrm mroute mrule netns netconf vrf sr
nexthop mptcp ioam stats`)

// ipObjectCommands are the commands of the common objects in the order
// iproute2 tries them, so that "ip a s" is show but "ip l s" is set.
var ipObjectCommands = map[string][]string{
	"address":  {"add", "change", "chg", "replace", "delete", "list", "show", "lst", "flush", "save", "showdump", "restore", "help"},
	"route":    {"add", "change", "chg", "replace", "prepend", "append", "test", "delete", "list", "show", "lst", "get", "flush", "save", "restore", "showdump", "help"},
	"link":     {"add", "set", "change", "replace", "delete", "show", "lst", "list", "xstats", "afstats", "property", "help"},
	"neighbor": {"add", "change", "chg", "replace", "delete", "list", "show", "lst", "flush", "get", "help"},
	"rule":     {"add", "delete", "flush", "list", "show", "lst", "save", "restore", "help"},
}

// ipCommands classifies ip's commands. For an object without a known
// order, a word that abbreviates several commands is judged by the
// strictest.
var ipCommands = []struct {
	name  string
	class keyturn.Class
}{
	{"show", keyturn.Read}, {"list", keyturn.Read}, {"lst", keyturn.Read}, {"get", keyturn.Read},
	{"showdump", keyturn.Read}, {"save", keyturn.Read}, {"monitor", keyturn.Read}, {"help", keyturn.Read},
	{"identify", keyturn.Read}, {"pids", keyturn.Read}, {"test", keyturn.Read},
	{"add", keyturn.Write}, {"append", keyturn.Write}, {"change", keyturn.Write}, {"chg", keyturn.Write},
	{"replace", keyturn.Write}, {"prepend", keyturn.Write}, {"set", keyturn.Write}, {"restore", keyturn.Write},
	{"attach", keyturn.Write}, {"exec", keyturn.Write},
	{"delete", keyturn.Destructive}, {"del", keyturn.Destructive}, {"flush", keyturn.Destructive},
	{"detach", keyturn.Destructive},
}

func roIP(c *call) []keyturn.Effect {
	i := 0
	for ; i < len(c.args); i++ {
		v := c.args[i].Value
		if !strings.HasPrefix(v, "-") {
			break
		}
		switch v {
		case "-n", "-netns", "--netns", "-f", "-family", "--family", "-rc", "-rcvbuf", "-l", "-loops":
			i++
		case "-b", "-batch", "--batch", "-force":
			return []keyturn.Effect{c.unknown("ip -batch", "runs ip commands from a file")}
		}
	}
	if i >= len(c.args) {
		return []keyturn.Effect{readEffect(c)}
	}
	obj := c.args[i]
	if !obj.Known {
		return []keyturn.Effect{c.unknown("ip", "the object is only known at run time")}
	}
	if i+1 >= len(c.args) {
		return []keyturn.Effect{readEffect(c)} // ip addr: show
	}
	cmd := c.args[i+1]
	if !cmd.Known {
		return []keyturn.Effect{c.unknown("ip "+obj.Value, "the command is only known at run time")}
	}
	if strings.HasPrefix("netns", obj.Value) && strings.HasPrefix("exec", cmd.Value) && len(cmd.Value) > 0 {
		if i+3 < len(c.args) {
			c.run(c.args[i+3:]) // ip netns exec NAME CMD…
			return nil
		}
		return []keyturn.Effect{c.unknown("ip netns exec", "runs a shell in a network namespace")}
	}
	object := ""
	for _, o := range ipObjects {
		if strings.HasPrefix(o, obj.Value) {
			object = o
			break
		}
	}
	if object == "neighbour" {
		object = "neighbor"
	}
	class, found := keyturn.Read, false
	if order, ok := ipObjectCommands[object]; ok {
		for _, name := range order {
			if strings.HasPrefix(name, cmd.Value) {
				for _, ic := range ipCommands {
					if ic.name == name {
						class, found = ic.class, true
					}
				}
				if name == "xstats" || name == "afstats" || name == "property" {
					class, found = keyturn.Read, true
					if name == "property" {
						class = keyturn.Write
					}
				}
				break
			}
		}
	} else {
		for _, ic := range ipCommands {
			if strings.HasPrefix(ic.name, cmd.Value) {
				found = true
				class = keyturn.MaxClass(class, ic.class)
			}
		}
	}
	if !found {
		// ip link dev0 … and the like: an interface name, not a command.
		if strings.HasPrefix(cmd.Value, "-") || cmd.Value == "dev" || cmd.Value == "to" || cmd.Value == "from" || cmd.Value == "table" {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{c.unknown("ip "+obj.Value+" "+cmd.Value, "an ip command keyturn does not know")}
	}
	if class == keyturn.Read {
		return []keyturn.Effect{readEffect(c)}
	}
	e := c.localEffect("ip", "ip "+obj.Value+" "+cmd.Value, class, strs(c.args[i+2:])...)
	e.Note = "changes this machine's network configuration"
	return []keyturn.Effect{e}
}

// roPager: less and its log file; a +command that runs a shell (!) or a
// pipe (|) is code.
func roPager(c *call) []keyturn.Effect {
	for _, a := range c.args {
		if strings.HasPrefix(a.Value, "+") && strings.ContainsAny(a.Value, "!|") {
			return []keyturn.Effect{c.unknown(c.prog+" +command", "runs a shell command from within "+c.prog)}
		}
	}
	opts, _ := dbArgs(c.args, set("-o", "-O", "--log-file", "--LOG-FILE", "-b", "-h", "-j", "-k", "-p", "-P", "-t", "-T", "-x", "-y", "-z", "-#"), false)
	if o, ok := lastOpt(opts, "-o", "-O", "--log-file", "--LOG-FILE"); ok {
		return []keyturn.Effect{readEffect(c), c.writeEffect(c.prog+" log file", o)}
	}
	return []keyturn.Effect{readEffect(c)}
}

// safePager reports whether a pager option names a plain pager.
func safePager(v string) bool {
	f := strings.Fields(v)
	if len(f) == 0 {
		return true
	}
	switch path.Base(f[0]) {
	case "less", "more", "cat", "most", "never", "always", "auto", "builtin":
		return true
	}
	return false
}

func roMan(c *call) []keyturn.Effect {
	opts, _ := dbArgs(longAbbrev(c.args, []string{"--pager", "--html", "--preprocessor"}), set("-P", "--pager", "-H", "--html", "-M", "--manpath", "-S", "-s", "--sections",
		"-L", "--locale", "-m", "--systems", "-C", "--config-file", "-R", "--recode", "-E", "--encoding", "-p", "--preprocessor"), false)
	for _, o := range opts {
		if optIs(o, "-P", "--pager", "-H", "--html", "-p", "--preprocessor") && !(optIs(o, "-P", "--pager") && safePager(o.val.Value)) {
			return []keyturn.Effect{c.unknown("man "+o.name, "runs a program of the caller's choosing")}
		}
	}
	return []keyturn.Effect{readEffect(c)}
}

func roBat(c *call) []keyturn.Effect {
	if len(c.args) > 0 && c.args[0].Value == "cache" {
		return []keyturn.Effect{localWrite(c, "bat cache")}
	}
	opts, _ := dbArgs(c.args, set("--pager", "-l", "--language", "-H", "--highlight-line", "--theme", "--style",
		"-r", "--line-range", "-m", "--map-syntax", "--tabs", "--wrap", "--terminal-width", "--color",
		"--italic-text", "--decorations", "--paging", "--file-name", "--diff-context", "--ignored-suffix"), false)
	if p, ok := lastOpt(opts, "--pager"); ok && (!p.Known || !safePager(p.Value)) {
		return []keyturn.Effect{c.unknown("bat --pager", "runs a program of the caller's choosing")}
	}
	return []keyturn.Effect{readEffect(c)}
}

func roRg(c *call) []keyturn.Effect {
	for _, a := range c.args {
		name, _, _ := strings.Cut(a.Value, "=")
		if name == "--pre" || name == "--hostname-bin" {
			return []keyturn.Effect{c.unknown("rg "+name, "runs a program on every file it searches")}
		}
	}
	return []keyturn.Effect{readEffect(c)}
}

// roFd: fd's --exec runs a command for each file found, like find -exec.
func roFd(c *call) []keyturn.Effect {
	for i, a := range c.args {
		// --exec=CMD and a bundle ending in x (-Hx CMD) start the command
		// too.
		name, first, eq := strings.Cut(a.Value, "=")
		bundle := len(a.Value) > 2 && a.Value[0] == '-' && a.Value[1] != '-' && strings.ContainsAny(a.Value[1:], "xX")
		if name != "-x" && name != "--exec" && name != "-X" && name != "--exec-batch" && !bundle {
			continue
		}
		var argv []arg
		if eq {
			argv = append(argv, arg{Value: first, Known: a.Known})
		}
		placeholder := false
		for _, w := range c.args[i+1:] {
			if w.Value == ";" || w.Value == `\;` {
				break
			}
			if strings.Contains(w.Value, "{") && strings.Contains(w.Value, "}") {
				placeholder = true
				w = arg{Value: w.Value, Known: false}
			}
			argv = append(argv, w)
		}
		if len(argv) == 0 {
			return []keyturn.Effect{c.unknown("fd --exec", "fd --exec without a command")}
		}
		if !placeholder {
			argv = append(argv, arg{Value: "{fd match}", Known: false})
		}
		c.run(argv)
		return []keyturn.Effect{readEffect(c)}
	}
	return []keyturn.Effect{readEffect(c)}
}

func roFile(c *call) []keyturn.Effect {
	opts, _ := dbArgs(longAbbrev(c.args, []string{"--compile"}), set("-m", "--magic-file", "-f", "--files-from", "-F", "--separator", "-P", "--parameter", "-e", "--exclude"), false)
	if hasOpt(opts, "-C", "--compile") {
		return []keyturn.Effect{writesIn(c, "file --compile", arg{})}
	}
	return []keyturn.Effect{readEffect(c)}
}

func roIconv(c *call) []keyturn.Effect {
	opts, _ := dbArgs(longAbbrev(c.args, []string{"--output"}), set("-f", "--from-code", "-t", "--to-code", "-o", "--output"), false)
	if o, ok := lastOpt(opts, "-o", "--output"); ok {
		return []keyturn.Effect{readEffect(c), c.writeEffect("iconv -o", o)}
	}
	return []keyturn.Effect{readEffect(c)}
}

// roInfo: info -o FILE writes the node it shows to FILE.
func roInfo(c *call) []keyturn.Effect {
	opts, _ := dbArgs(longAbbrev(c.args, []string{"--output"}), set("-o", "--output", "-f", "--file", "-d", "--directory", "-n", "--node"), false)
	if o, ok := lastOpt(opts, "-o", "--output"); ok && o.Value != "-" {
		return []keyturn.Effect{readEffect(c), c.writeEffect("info -o", o)}
	}
	return []keyturn.Effect{readEffect(c)}
}

// roDc: dc's ! runs the rest of the line as a shell command; any ! is
// taken for one (telling it from the comparisons !<, !> and != is not
// worth the risk). The program comes from -e, files, or stdin.
func roDc(c *call) []keyturn.Effect {
	var texts []string
	known := true
	files := false
	for i := 0; i < len(c.args); i++ {
		a := c.args[i]
		switch {
		case a.Value == "-e" || a.Value == "--expression":
			if i+1 < len(c.args) {
				i++
				texts = append(texts, c.args[i].Value)
				known = known && c.args[i].Known
			}
		case strings.HasPrefix(a.Value, "-e") || strings.HasPrefix(a.Value, "--expression="):
			texts = append(texts, strings.TrimPrefix(strings.TrimPrefix(a.Value, "--expression="), "-e"))
			known = known && a.Known
		case strings.HasPrefix(a.Value, "-"):
		default:
			files = true
		}
	}
	if len(texts) == 0 || files {
		if files || c.stdin == nil || !c.stdin.known {
			return []keyturn.Effect{c.unknown("dc", "a dc program keyturn cannot read: its ! runs shell commands")}
		}
		texts = append(texts, c.stdin.text)
	}
	for _, t := range texts {
		if !known || strings.ContainsRune(t, '!') {
			return []keyturn.Effect{c.unknown("dc", "the dc program may run a shell command with !")}
		}
	}
	return []keyturn.Effect{readEffect(c)}
}

// roCowsay: a cow file (-f) is Perl code that cowsay evaluates; the
// installed ones are named without a path.
func roCowsay(c *call) []keyturn.Effect {
	opts, _ := dbArgs(c.args, set("-f", "-e", "-T", "-W"), false)
	if f, ok := lastOpt(opts, "-f"); ok && (!f.Known || strings.Contains(f.Value, "/")) {
		return []keyturn.Effect{c.unknown(c.prog+" -f", "a cow file is Perl code: "+f.Value)}
	}
	return []keyturn.Effect{readEffect(c)}
}

// roActionlint: -shellcheck and -pyflakes name the programs it runs.
func roActionlint(c *call) []keyturn.Effect {
	for _, a := range c.args {
		name, val, _ := strings.Cut(strings.TrimPrefix(a.Value, "-"), "=")
		if (name == "-shellcheck" || name == "shellcheck" || name == "-pyflakes" || name == "pyflakes") && val != "" {
			return []keyturn.Effect{c.unknown("actionlint -"+strings.TrimPrefix(name, "-"), "runs a program of the caller's choosing: "+val)}
		}
		if a.Value == "-shellcheck" || a.Value == "-pyflakes" || a.Value == "--shellcheck" || a.Value == "--pyflakes" {
			return []keyturn.Effect{c.unknown("actionlint "+a.Value, "runs a program of the caller's choosing")}
		}
	}
	return []keyturn.Effect{readEffect(c)}
}

func roTldr(c *call) []keyturn.Effect {
	opts, _ := dbArgs(c.args, set("-p", "--platform", "-L", "--language"), false)
	if hasOpt(opts, "-u", "--update", "--clear-cache") {
		return []keyturn.Effect{localWrite(c, "tldr --update")}
	}
	return []keyturn.Effect{readEffect(c)}
}

// --- Go

func goTool(c *call) []keyturn.Effect {
	args := c.args
	dir := arg{}
	for len(args) > 1 && (args[0].Value == "-C" || strings.HasPrefix(args[0].Value, "-C=")) {
		if args[0].Value == "-C" {
			dir, args = args[1], args[2:]
		} else {
			dir, args = arg{Value: strings.TrimPrefix(args[0].Value, "-C="), Known: args[0].Known}, args[1:]
		}
	}
	if len(args) == 0 {
		return []keyturn.Effect{readEffect(c)}
	}
	sub := args[0]
	if !sub.Known {
		return unknownSub(c, sub)
	}
	rest := make([]arg, 0, len(args)-1)
	for _, a := range args[1:] {
		// The go command's flags take one dash or two: --toolexec is
		// -toolexec.
		if strings.HasPrefix(a.Value, "--") && len(a.Value) > 2 && a.Known {
			a.Value = a.Value[1:]
		}
		rest = append(rest, a)
	}
	opts, _ := dbArgs(rest, set("-o", "-C", "-p", "-tags", "-ldflags", "-gcflags", "-asmflags", "-mod", "-modfile",
		"-run", "-bench", "-count", "-timeout", "-coverprofile", "-cpu", "-exec", "-toolexec", "-overlay", "-pgo",
		"-buildmode", "-compiler", "-installsuffix", "-pkgdir", "-trimpath-unused", "-skip", "-fuzz", "-fuzztime",
		"-benchtime", "-cpuprofile", "-memprofile", "-blockprofile", "-mutexprofile", "-outputdir", "-shuffle",
		"-parallel", "-json-unused", "-f", "-covermode", "-coverpkg", "-vet", "-gccgoflags", "-debug-actiongraph"), true)
	op := "go " + sub.Value
	if hasOpt(opts, "-toolexec", "-exec", "-vettool") {
		return []keyturn.Effect{c.unknown(op+" -toolexec", "runs a program of the caller's choosing around the build")}
	}
	for _, o := range opts {
		// -ldflags=-extld=PROG names the external linker the build runs.
		if optIs(o, "-ldflags") && (strings.Contains(o.val.Value, "extld") || !o.val.Known) {
			return []keyturn.Effect{c.unknown(op+" -ldflags", "the linker flags name a program the build runs: "+o.val.Value)}
		}
	}
	switch sub.Value {
	case "version", "help", "doc", "list", "bug":
		return []keyturn.Effect{readEffect(c)}
	case "env":
		if hasOpt(opts, "-w", "-u") {
			return []keyturn.Effect{localWrite(c, "go env -w")}
		}
		return []keyturn.Effect{readEffect(c)}
	case "telemetry":
		if len(rest) > 0 {
			return []keyturn.Effect{localWrite(c, "go telemetry")}
		}
		return []keyturn.Effect{readEffect(c)}
	case "build", "vet", "fmt", "fix":
		if o, ok := lastOpt(opts, "-o"); ok {
			return []keyturn.Effect{toolOutput(c, op+" -o", o)}
		}
		return []keyturn.Effect{writesIn(c, op, dir)}
	case "test", "generate", "tool":
		if o, ok := lastOpt(opts, "-o"); ok {
			return []keyturn.Effect{runsProject(c, op, dir), toolOutput(c, op+" -o", o)}
		}
		return []keyturn.Effect{runsProject(c, op, dir)}
	case "run":
		for _, p := range operands(opts) {
			if strings.Contains(p.Value, "@") {
				return []keyturn.Effect{c.unknown(op+" "+p.Value, "downloads and runs a program keyturn cannot judge")}
			}
			if strings.HasSuffix(p.Value, ".go") || strings.HasPrefix(p.Value, "/") || strings.HasPrefix(p.Value, ".") {
				if abs, ok := c.s.abs(p); !ok || !c.s.inWorkspace(abs) {
					return []keyturn.Effect{c.unknown(op, "runs Go code outside the workspace")}
				}
			}
			break
		}
		return []keyturn.Effect{runsProject(c, op, dir)}
	case "mod":
		verb := ""
		if p := operands(opts); len(p) > 0 {
			verb = p[0].Value
		}
		switch verb {
		case "graph", "why", "verify", "help":
			return []keyturn.Effect{readEffect(c)}
		case "download":
			return []keyturn.Effect{localWrite(c, "go mod download")}
		case "tidy", "vendor", "init", "edit":
			return []keyturn.Effect{writesIn(c, "go mod "+verb, dir)}
		}
		return []keyturn.Effect{c.unknown("go mod "+verb, "a go mod command keyturn does not know")}
	case "work":
		verb := ""
		if p := operands(opts); len(p) > 0 {
			verb = p[0].Value
		}
		if verb == "" || verb == "help" {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{writesIn(c, "go work "+verb, dir)}
	case "get":
		return []keyturn.Effect{writesIn(c, op, dir)}
	case "install":
		return []keyturn.Effect{localWrite(c, op)}
	case "clean":
		if hasOpt(opts, "-cache", "-modcache", "-testcache", "-fuzzcache") {
			return []keyturn.Effect{localWrite(c, "go clean -cache")}
		}
		return []keyturn.Effect{writesIn(c, op, dir)}
	}
	return unknownSub(c, sub)
}

func gofmtTool(c *call) []keyturn.Effect {
	opts, _ := dbArgs(c.args, set("-r"), false)
	if hasOpt(opts, "-w") {
		return writesFiles(c, "gofmt -w", operands(opts))
	}
	return []keyturn.Effect{readEffect(c)}
}

// --- Rust and compilers

func cargoTool(c *call) []keyturn.Effect {
	args := c.args
	if len(args) > 0 && strings.HasPrefix(args[0].Value, "+") {
		args = args[1:] // +toolchain
	}
	sub, rest, gopts := firstWord(args, set("-C", "--manifest-path", "-Z", "--config", "--color", "--target-dir"))
	for _, a := range args {
		if a.Value == "--" {
			break
		}
		// --config may also follow the subcommand (cargo tree --config
		// build.rustc-wrapper=…): it can name programs cargo runs.
		if a.Value == "--config" || strings.HasPrefix(a.Value, "--config=") {
			return []keyturn.Effect{c.unknown("cargo --config", "overrides cargo's configuration, which can name programs to run")}
		}
	}
	if sub.Value == "" {
		return []keyturn.Effect{readEffect(c)} // cargo --version, --list
	}
	if !sub.Known {
		return unknownSub(c, sub)
	}
	dir, _ := lastOpt(gopts, "-C")
	op := "cargo " + sub.Value
	switch sub.Value {
	case "version", "help", "tree", "metadata", "search", "locate-project", "pkgid", "verify-project",
		"read-manifest", "info", "report":
		return []keyturn.Effect{readEffect(c)}
	case "build", "b", "check", "c", "test", "t", "bench", "run", "r", "doc", "d", "clippy", "fix", "rustc",
		"rustdoc", "miri", "llvm-cov", "nextest":
		// Build scripts and procedural macros are the project's code.
		return []keyturn.Effect{runsProject(c, op, dir)}
	case "fmt", "clean", "update", "add", "remove", "rm", "generate-lockfile", "vendor", "init", "package":
		return []keyturn.Effect{writesIn(c, op, dir)}
	case "new":
		if len(rest) > 0 {
			return []keyturn.Effect{c.s.writeEffect("cargo", op, rest[len(rest)-1])}
		}
		return []keyturn.Effect{writesIn(c, op, dir)}
	case "fetch", "install", "uninstall", "login", "logout":
		return []keyturn.Effect{localWrite(c, op)}
	case "publish", "yank", "owner":
		host := "crates.io"
		ropts, _ := dbArgs(rest, set("--registry", "--index", "--token"), false)
		if r, ok := lastOpt(ropts, "--registry"); ok {
			host = r.Value
		}
		if sub.Value == "publish" && hasOpt(ropts, "--dry-run", "-n") {
			return []keyturn.Effect{runsProject(c, op+" --dry-run", dir)}
		}
		return []keyturn.Effect{publish(c, op, host)}
	}
	return unknownSub(c, sub) // cargo-X: a third-party program
}

// compilerTool: the output lands where -o (or javac -d, rustc --out-dir)
// says, else in the cwd. Options that run another program are unknown.
func compilerTool(c *call) []keyturn.Effect {
	if len(c.args) == 0 || isHelpOrVersion(c.args) {
		return []keyturn.Effect{readEffect(c)}
	}
	var out []keyturn.Effect
	outputs := 0
	for i := 0; i < len(c.args); i++ {
		a := c.args[i]
		v := a.Value
		switch {
		case strings.HasPrefix(v, "@"):
			return []keyturn.Effect{c.unknown(c.prog+" @file", "reads its options from a file")}
		case v == "-wrapper" || strings.HasPrefix(v, "-fplugin") || v == "-B" || strings.HasPrefix(v, "-B") && c.prog != "javac" ||
			c.prog == "javac" && (v == "-processor" || v == "-processorpath" || v == "--processor-path"):
			return []keyturn.Effect{c.unknown(c.prog+" "+v, "runs or loads a program of the caller's choosing")}
		case v == "-E" || v == "-fsyntax-only" || v == "-M" || v == "-MM" || strings.HasPrefix(v, "-print-") ||
			strings.HasPrefix(v, "-dump") || v == "--print" || v == "-###":
			return []keyturn.Effect{readEffect(c)}
		case v == "-o" || v == "-d" && c.prog == "javac" || v == "--out-dir" || v == "-s" && c.prog == "javac" || v == "-h" && c.prog == "javac":
			if i+1 < len(c.args) {
				i++
				outputs++
				out = append(out, toolOutput(c, c.prog+" "+v, c.args[i]))
			}
		case strings.HasPrefix(v, "-o") && len(v) > 2 && c.prog != "javac":
			outputs++
			out = append(out, toolOutput(c, c.prog+" -o", arg{Value: v[2:], Known: a.Known}))
		case strings.HasPrefix(v, "--out-dir="):
			outputs++
			out = append(out, toolOutput(c, c.prog+" --out-dir", arg{Value: strings.TrimPrefix(v, "--out-dir="), Known: a.Known}))
		}
	}
	if outputs == 0 {
		out = append(out, writesIn(c, c.prog, arg{}))
	}
	return out
}

// toolOutput is a tool's output file: /dev/null writes nothing.
func toolOutput(c *call, op string, a arg) keyturn.Effect {
	if p, ok := c.s.abs(a); ok && harmlessSink(p) {
		return readEffect(c)
	}
	return c.s.writeEffect(c.prog, op, a)
}

// --- JavaScript

// npmRegistry is the registry host an npm-like command talks to.
func npmRegistry(opts []cliOpt) string {
	if r, ok := lastOpt(opts, "--registry"); ok && r.Known {
		if _, host, _ := webURL(r.Value, "https"); host != "" {
			return host
		}
	}
	return "registry.npmjs.org"
}

var npmValued = set("--registry", "--prefix", "-C", "--workspace", "-w", "--tag", "--access", "--otp",
	"--location", "--cache", "--userconfig", "--globalconfig", "--loglevel", "--omit", "--include", "--install-strategy",
	"--script-shell", "--filter", "-F", "--dir", "--cwd")

func npmTool(c *call) []keyturn.Effect {
	sub, rest, _ := firstWord(c.args, npmValued)
	all, _ := dbArgs(c.args, npmValued, false)
	global := hasOpt(all, "-g", "--global") || optValueIs(all, "--location", "global")
	if sub.Value == "" {
		return []keyturn.Effect{readEffect(c)}
	}
	if !sub.Known {
		return unknownSub(c, sub)
	}
	if hasOpt(all, "--script-shell") {
		return []keyturn.Effect{c.unknown("npm --script-shell", "runs scripts with a shell of the caller's choosing")}
	}
	if hasOpt(all, "--browser", "--viewer", "--editor", "--shell", "--git", "--userconfig", "--globalconfig") {
		// npm docs --browser=CMD runs CMD; a config file may set any of
		// these.
		return []keyturn.Effect{c.unknown("npm", "an option names a program npm runs, or a config file that may")}
	}
	// npm takes its options anywhere: npm run build --prefix /srv/app.
	dir, _ := lastOpt(all, "--prefix", "-C")
	op := "npm " + sub.Value
	switch sub.Value {
	case "ls", "list", "ll", "la", "view", "v", "info", "show", "outdated", "search", "s", "se", "find", "help",
		"root", "prefix", "bin", "whoami", "ping", "doctor", "explain", "why", "fund", "docs", "home", "repo",
		"bugs", "query", "help-search", "completion", "sbom":
		return []keyturn.Effect{readEffect(c)}
	case "version", "--version", "-v":
		if len(rest) == 0 || strings.HasPrefix(rest[0].Value, "-") {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{writesIn(c, op, dir)}
	case "audit":
		if len(rest) > 0 && rest[0].Value == "fix" {
			return []keyturn.Effect{writesIn(c, "npm audit fix", dir)}
		}
		return []keyturn.Effect{readEffect(c)}
	case "install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal", "isntall", "add",
		"ci", "clean-install", "ic", "install-clean", "isntall-clean", "uninstall", "un", "unlink", "remove", "rm",
		"r", "update", "up", "upgrade", "udpate", "dedupe", "ddp", "prune", "rebuild", "rb", "link", "ln", "pack",
		"shrinkwrap", "init", "create", "innit", "install-test", "it", "install-ci-test", "cit":
		if global {
			return []keyturn.Effect{localWrite(c, op+" --global")}
		}
		if sub.Value == "init" || sub.Value == "create" || sub.Value == "innit" {
			if len(rest) > 0 && !strings.HasPrefix(rest[0].Value, "-") {
				// npm init <initializer> runs create-<initializer> from the registry.
				return []keyturn.Effect{c.unknown(op+" "+rest[0].Value, "downloads and runs a package initializer")}
			}
		}
		if strings.HasPrefix(sub.Value, "i") && strings.HasSuffix(sub.Value, "t") && sub.Value != "init" ||
			sub.Value == "install-test" || sub.Value == "install-ci-test" || sub.Value == "cit" {
			return []keyturn.Effect{writesIn(c, op, dir), runsProject(c, op, dir)}
		}
		return []keyturn.Effect{writesIn(c, op, dir)}
	case "run", "run-script", "rum", "urn", "test", "t", "tst", "start", "stop", "restart":
		op := op
		if (sub.Value == "run" || sub.Value == "run-script" || sub.Value == "rum" || sub.Value == "urn") && len(rest) > 0 {
			op += " " + rest[0].Value
		}
		return []keyturn.Effect{runsProject(c, op, dir)}
	case "exec", "x":
		return []keyturn.Effect{c.unknown(op, "runs a package's program, downloading it if needed")}
	case "config", "c", "set", "get":
		verb := sub.Value
		if (verb == "config" || verb == "c") && len(rest) > 0 {
			verb = rest[0].Value
		}
		switch verb {
		case "get", "list", "ls":
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{localWrite(c, "npm config "+verb)}
	case "cache":
		if len(rest) > 0 && (rest[0].Value == "ls" || rest[0].Value == "verify" || rest[0].Value == "npx") {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{localWrite(c, "npm cache")}
	case "login", "adduser", "add-user", "logout":
		return []keyturn.Effect{localWrite(c, op)}
	case "publish":
		if hasOpt(all, "--dry-run") {
			return []keyturn.Effect{runsProject(c, op+" --dry-run", dir)}
		}
		return []keyturn.Effect{publish(c, op, npmRegistry(all))}
	case "unpublish":
		e := publish(c, op, npmRegistry(all))
		e.Class, e.Note = keyturn.Destructive, "removes a published package version"
		return []keyturn.Effect{e}
	case "deprecate", "dist-tag", "owner", "access", "star", "unstar", "team", "org", "token", "hook":
		if len(rest) > 0 && (rest[0].Value == "ls" || rest[0].Value == "list" || rest[0].Value == "get") {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{publish(c, op, npmRegistry(all))}
	case "pkg":
		if len(rest) > 0 && rest[0].Value == "get" {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{writesIn(c, "npm pkg", dir)}
	}
	return unknownSub(c, sub)
}

func optValueIs(opts []cliOpt, name, value string) bool {
	v, ok := lastOpt(opts, name)
	return ok && v.Value == value
}

func pnpmTool(c *call) []keyturn.Effect {
	sub, rest, gopts := firstWord(c.args, npmValued)
	all, _ := dbArgs(c.args, npmValued, false)
	if sub.Value == "" {
		return []keyturn.Effect{readEffect(c)}
	}
	if !sub.Known {
		return unknownSub(c, sub)
	}
	dir, _ := lastOpt(gopts, "-C", "--dir")
	op := "pnpm " + sub.Value
	global := hasOpt(all, "-g", "--global")
	switch sub.Value {
	case "audit", "list", "ls", "ll", "outdated", "why", "licenses", "root", "bin", "view", "info", "search",
		"help", "doctor", "store-path":
		if sub.Value == "audit" && hasOpt(all, "--fix") {
			return []keyturn.Effect{writesIn(c, "pnpm audit --fix", dir)}
		}
		return []keyturn.Effect{readEffect(c)}
	case "add", "install", "i", "update", "up", "upgrade", "remove", "rm", "uninstall", "un", "link", "ln",
		"unlink", "import", "rebuild", "rb", "prune", "fetch", "patch", "patch-commit", "patch-remove", "dedupe",
		"init", "pack", "deploy":
		if global {
			return []keyturn.Effect{localWrite(c, op+" --global")}
		}
		return []keyturn.Effect{writesIn(c, op, dir)}
	case "install-test", "it":
		return []keyturn.Effect{writesIn(c, op, dir), runsProject(c, op, dir)}
	case "exec":
		return yarnRuns(c, "exec", rest, dir)
	case "run", "test", "t", "start", "recursive", "-r":
		if sub.Value == "run" && len(rest) > 0 {
			op += " " + rest[0].Value
		}
		return []keyturn.Effect{runsProject(c, op, dir)}
	case "dlx", "create":
		return []keyturn.Effect{c.unknown(op, "downloads and runs a package")}
	case "publish":
		return []keyturn.Effect{publish(c, op, npmRegistry(all))}
	case "config":
		if len(rest) > 0 && (rest[0].Value == "get" || rest[0].Value == "list") {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{localWrite(c, "pnpm config")}
	case "store", "env", "setup", "self-update", "cache", "server":
		if len(rest) > 0 && (rest[0].Value == "status" || rest[0].Value == "path" || rest[0].Value == "list") {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{localWrite(c, op)}
	}
	// pnpm runs a package.json script given by its name.
	return []keyturn.Effect{runsProject(c, op, dir)}
}

func yarnTool(c *call) []keyturn.Effect {
	sub, rest, gopts := firstWord(c.args, set("--cwd", "--registry", "--modules-folder", "--cache-folder", "--network-timeout"))
	all, _ := dbArgs(c.args, nil, false)
	dir, _ := lastOpt(gopts, "--cwd")
	if sub.Value == "" {
		if hasOpt(gopts, "--version", "-v", "--help", "-h") {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{writesIn(c, "yarn install", dir)} // yarn alone installs
	}
	if !sub.Known {
		return unknownSub(c, sub)
	}
	op := "yarn " + sub.Value
	verb := ""
	if len(rest) > 0 {
		verb = rest[0].Value
	}
	switch sub.Value {
	case "info", "list", "why", "outdated", "audit", "licenses", "help", "bin", "owner", "team", "versions",
		"explain", "constraints", "check", "--version", "-v":
		return []keyturn.Effect{readEffect(c)}
	case "install", "add", "remove", "upgrade", "up", "upgrade-interactive", "import", "link", "unlink",
		"dedupe", "autoclean", "pack", "init", "version", "patch", "patch-commit", "generate-lock-entry":
		return []keyturn.Effect{writesIn(c, op, dir)}
	case "set":
		return []keyturn.Effect{writesIn(c, op+" "+verb, dir)}
	case "exec", "node":
		// yarn exec CMD runs a shell command; yarn node ARGS runs node.
		return yarnRuns(c, sub.Value, rest, dir)
	case "run", "test", "start", "workspace", "workspaces":
		if sub.Value == "run" && verb != "" {
			op += " " + verb
		}
		return []keyturn.Effect{runsProject(c, op, dir)}
	case "dlx", "create":
		return []keyturn.Effect{c.unknown(op, "downloads and runs a package")}
	case "global":
		if verb == "list" || verb == "bin" || verb == "dir" {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{localWrite(c, "yarn global "+verb)}
	case "cache":
		if verb == "dir" || verb == "list" {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{localWrite(c, "yarn cache "+verb)}
	case "config":
		if verb == "get" || verb == "list" || verb == "" {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{localWrite(c, "yarn config "+verb)}
	case "login", "logout":
		return []keyturn.Effect{localWrite(c, op)}
	case "publish":
		return []keyturn.Effect{publish(c, op, npmRegistry(all))}
	case "npm":
		if verb == "publish" {
			return []keyturn.Effect{publish(c, "yarn npm publish", npmRegistry(all))}
		}
		if verb == "info" || verb == "whoami" || verb == "audit" {
			return []keyturn.Effect{readEffect(c)}
		}
		return unknownSub(c, arg{Value: "npm " + verb, Known: true})
	}
	// yarn runs a package.json script or a dependency's binary by name.
	return []keyturn.Effect{runsProject(c, op, dir)}
}

// yarnRuns is yarn exec / pnpm exec CMD (a command run with the project's
// binaries on PATH, analysed as the command it is) and yarn node ARGS
// (node, analysed as node).
func yarnRuns(c *call, sub string, rest []arg, dir arg) []keyturn.Effect {
	for sub == "exec" && len(rest) > 0 && strings.HasPrefix(rest[0].Value, "-") && rest[0].Known {
		if rest[0].Value == "--" {
			rest = rest[1:]
			break
		}
		rest = rest[1:]
	}
	if sub == "node" {
		rest = append(lits("node"), rest...)
	}
	if len(rest) == 0 {
		return []keyturn.Effect{c.unknown(c.prog+" "+sub, "runs a command keyturn cannot see")}
	}
	c.run(rest)
	return []keyturn.Effect{runsProject(c, c.prog+" "+sub, dir)}
}

func npxTool(c *call) []keyturn.Effect {
	if len(c.args) == 1 && (c.args[0].Value == "--version" || c.args[0].Value == "-v" || c.args[0].Value == "--help") {
		return []keyturn.Effect{readEffect(c)}
	}
	name := "a package"
	if sub, _, _ := firstWord(c.args, set("-p", "--package", "-c", "--call")); sub.Value != "" {
		name = sub.Value
	}
	return []keyturn.Effect{c.unknown("npx "+name, "npx downloads and runs a package keyturn cannot judge")}
}

func tscTool(c *call) []keyturn.Effect {
	opts, _ := dbArgs(c.args, set("-p", "--project", "--outDir", "--outFile", "--rootDir", "--target", "-t",
		"--module", "-m", "--lib", "--jsx", "--declarationDir", "--tsBuildInfoFile", "--locale"), false)
	switch {
	case hasOpt(opts, "--version", "-v", "--help", "-h", "--all", "--showConfig", "--listFilesOnly"):
		return []keyturn.Effect{readEffect(c)}
	case hasOpt(opts, "--noEmit"):
		return []keyturn.Effect{readEffect(c)}
	case hasOpt(opts, "--init"):
		return []keyturn.Effect{writesIn(c, "tsc --init", arg{})}
	}
	if o, ok := lastOpt(opts, "--outDir", "--outFile", "--declarationDir"); ok {
		return []keyturn.Effect{c.s.writeEffect("tsc", "tsc", o)}
	}
	return []keyturn.Effect{writesIn(c, "tsc", arg{})}
}

func eslintTool(c *call) []keyturn.Effect {
	opts, _ := dbArgs(c.args, set("-c", "--config", "-o", "--output-file", "-f", "--format", "--ext", "--rule",
		"--rulesdir", "--plugin", "--parser", "--parser-options", "--resolve-plugins-relative-to", "--cache-location",
		"--ignore-path", "--ignore-pattern", "--max-warnings", "--env", "--global", "--fix-type", "--stdin-filename"), false)
	var out []keyturn.Effect
	if hasOpt(opts, "--init") {
		return []keyturn.Effect{writesIn(c, "eslint --init", arg{})}
	}
	if hasOpt(opts, "--fix") {
		out = append(out, writesFiles(c, "eslint --fix", operands(opts))...)
	}
	if o, ok := lastOpt(opts, "-o", "--output-file"); ok {
		out = append(out, c.s.writeEffect("eslint", "eslint --output-file", o))
	}
	if len(out) == 0 {
		out = append(out, readEffect(c))
	}
	return out
}

func prettierTool(c *call) []keyturn.Effect {
	opts, _ := dbArgs(c.args, set("--config", "--ignore-path", "--parser", "--plugin", "--print-width",
		"--tab-width", "--trailing-comma", "--end-of-line", "--stdin-filepath", "--log-level", "--cache-location",
		"--cache-strategy", "--arrow-parens", "--prose-wrap", "--quote-props"), false)
	if hasOpt(opts, "--write", "-w") {
		return writesFiles(c, "prettier --write", operands(opts))
	}
	return []keyturn.Effect{readEffect(c)}
}

// --- Python

// pythonEnv is where pip installs: --target/--prefix/--root, the user's
// site-packages, a virtual environment, or the system.
func pythonEnv(c *call, op string, opts []cliOpt) keyturn.Effect {
	if t, ok := lastOpt(opts, "-t", "--target", "--prefix", "--root"); ok {
		return c.s.writeEffect(c.prog, op, t)
	}
	if hasOpt(opts, "--user") {
		return localWrite(c, op+" --user")
	}
	if hasOpt(opts, "--system", "--break-system-packages") {
		return localWrite(c, op+" (system)")
	}
	if venv := c.env["VIRTUAL_ENV"]; venv != "" {
		return c.s.writeEffect(c.prog, op, arg{Value: venv, Known: true})
	}
	if c.s.workspace != "" && c.s.remote == nil {
		for _, name := range []string{".venv", "venv"} {
			p := path.Join(c.s.workspace, name)
			if fi, err := os.Stat(p); err == nil && fi.IsDir() {
				return c.s.writeEffect(c.prog, op, arg{Value: p, Known: true})
			}
		}
	}
	e := localWrite(c, op)
	e.Note = "no virtual environment: installs into the Python of this machine"
	return e
}

var pipValued = set("-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-t", "--target",
	"--prefix", "--root", "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--python",
	"--proxy", "--cert", "--client-cert", "--cache-dir", "--log", "--src", "--platform", "--python-version",
	"--implementation", "--abi", "-d", "--dest", "-w", "--wheel-dir", "--progress-bar", "--trusted-host",
	"--timeout", "--retries", "--exists-action", "--upgrade-strategy", "--config-settings", "--report",
	"--only-binary", "--no-binary", "--format", "--path", "--exclude", "-C")

func pipTool(c *call) []keyturn.Effect {
	sub, rest, gopts := firstWord(c.args, pipValued)
	if sub.Value == "" {
		return []keyturn.Effect{readEffect(c)}
	}
	if !sub.Known {
		return unknownSub(c, sub)
	}
	if hasOpt(gopts, "--python") {
		return []keyturn.Effect{c.unknown("pip --python", "acts on another Python installation")}
	}
	opts, _ := dbArgs(rest, pipValued, false)
	opts = append(opts, gopts...)
	op := "pip " + sub.Value
	verb := ""
	if p := operands(opts); len(p) > 0 {
		verb = p[0].Value
	}
	switch sub.Value {
	case "list", "show", "freeze", "check", "search", "index", "inspect", "debug", "hash", "help", "completion":
		return []keyturn.Effect{readEffect(c)}
	case "install", "uninstall":
		if hasOpt(opts, "--dry-run") {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{pythonEnv(c, op, opts)}
	case "download":
		d, _ := lastOpt(opts, "-d", "--dest")
		return []keyturn.Effect{writesIn(c, op, d)}
	case "wheel":
		d, _ := lastOpt(opts, "-w", "--wheel-dir")
		return []keyturn.Effect{writesIn(c, op, d)}
	case "config":
		if verb == "list" || verb == "get" || verb == "debug" {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{localWrite(c, "pip config "+verb)}
	case "cache":
		if verb == "list" || verb == "dir" || verb == "info" {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{localWrite(c, "pip cache "+verb)}
	}
	return unknownSub(c, sub)
}

func uvTool(c *call) []keyturn.Effect {
	valued := set("--directory", "--project", "--python", "-p", "--index-url", "--extra-index-url", "--cache-dir",
		"--config-file", "--color", "--with", "--from", "--package", "--group", "--extra", "-t", "--target", "--prefix",
		"-r", "--requirement", "-o", "--output-file", "--index", "--default-index", "--find-links", "-f")
	sub, rest, gopts := firstWord(c.args, valued)
	if sub.Value == "" {
		return []keyturn.Effect{readEffect(c)}
	}
	if !sub.Known {
		return unknownSub(c, sub)
	}
	dir, _ := lastOpt(gopts, "--directory", "--project")
	opts, _ := dbArgs(rest, valued, false)
	opts = append(opts, gopts...)
	verb := ""
	if p := operands(opts); len(p) > 0 {
		verb = p[0].Value
	}
	op := "uv " + sub.Value
	switch sub.Value {
	case "version", "help", "tree":
		if sub.Value == "version" && verb != "" {
			return []keyturn.Effect{writesIn(c, "uv version", dir)}
		}
		return []keyturn.Effect{readEffect(c)}
	case "pip":
		switch verb {
		case "list", "show", "freeze", "tree", "check":
			return []keyturn.Effect{readEffect(c)}
		case "install", "uninstall", "sync":
			return []keyturn.Effect{pythonEnv(c, "uv pip "+verb, opts)}
		case "compile":
			if o, ok := lastOpt(opts, "-o", "--output-file"); ok {
				return []keyturn.Effect{c.s.writeEffect("uv", "uv pip compile", o)}
			}
			return []keyturn.Effect{readEffect(c)}
		}
		return unknownSub(c, arg{Value: "pip " + verb, Known: true})
	case "sync", "lock", "add", "remove", "init", "venv", "build", "export", "format":
		if sub.Value == "export" {
			if o, ok := lastOpt(opts, "-o", "--output-file"); ok {
				return []keyturn.Effect{c.s.writeEffect("uv", op, o)}
			}
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{writesIn(c, op, dir)}
	case "run":
		for _, o := range opts {
			if optIs(o, "--with", "--from") || o.name == "" && strings.Contains(o.val.Value, "://") {
				return []keyturn.Effect{c.unknown("uv run", "downloads and runs code keyturn cannot judge")}
			}
		}
		return []keyturn.Effect{runsProject(c, op, dir)}
	case "tool":
		switch verb {
		case "list", "dir":
			return []keyturn.Effect{readEffect(c)}
		case "install", "uninstall", "upgrade", "update-shell":
			return []keyturn.Effect{localWrite(c, "uv tool "+verb)}
		}
		return []keyturn.Effect{c.unknown("uv tool "+verb, "downloads and runs a tool keyturn cannot judge")}
	case "python":
		switch verb {
		case "list", "find", "dir":
			return []keyturn.Effect{readEffect(c)}
		case "pin":
			return []keyturn.Effect{writesIn(c, "uv python pin", dir)}
		}
		return []keyturn.Effect{localWrite(c, "uv python "+verb)}
	case "cache":
		if verb == "dir" {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{localWrite(c, "uv cache "+verb)}
	case "self":
		return []keyturn.Effect{localWrite(c, "uv self "+verb)}
	case "publish":
		return []keyturn.Effect{publish(c, op, "upload.pypi.org")}
	}
	return unknownSub(c, sub)
}

func poetryTool(c *call) []keyturn.Effect {
	sub, rest, gopts := firstWord(c.args, set("-C", "--directory", "-P", "--project"))
	if sub.Value == "" {
		return []keyturn.Effect{readEffect(c)}
	}
	if !sub.Known {
		return unknownSub(c, sub)
	}
	dir, _ := lastOpt(gopts, "-C", "--directory", "-P", "--project")
	verb := ""
	if len(rest) > 0 {
		verb = rest[0].Value
	}
	op := "poetry " + sub.Value
	switch sub.Value {
	case "show", "check", "search", "about", "help", "list":
		return []keyturn.Effect{readEffect(c)}
	case "version":
		if verb == "" || strings.HasPrefix(verb, "-") {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{writesIn(c, op, dir)}
	case "install", "add", "remove", "update", "lock", "build", "init", "new", "sync", "export":
		return []keyturn.Effect{writesIn(c, op, dir)}
	case "run":
		return []keyturn.Effect{runsProject(c, op, dir)}
	case "shell":
		return []keyturn.Effect{c.unknown(op, "opens a shell whose commands keyturn cannot see")}
	case "publish":
		return []keyturn.Effect{publish(c, op, "upload.pypi.org")}
	case "env":
		if verb == "info" || verb == "list" {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{localWrite(c, "poetry env "+verb)}
	case "config", "self", "cache", "source":
		if strings.Contains(strings.Join(strs(rest), " "), "--list") || verb == "show" || verb == "list" {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{localWrite(c, op)}
	}
	return unknownSub(c, sub)
}

func pipenvTool(c *call) []keyturn.Effect {
	sub, _, gopts := firstWord(c.args, set("--python"))
	if sub.Value == "" {
		switch {
		case hasOpt(gopts, "--rm"):
			return []keyturn.Effect{localWrite(c, "pipenv --rm")}
		case hasOpt(gopts, "--venv", "--where", "--py", "--envs", "--version", "--help", "-h", "--support"):
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{c.unknown("pipenv", "a pipenv command keyturn does not know")}
	}
	if !sub.Known {
		return unknownSub(c, sub)
	}
	op := "pipenv " + sub.Value
	switch sub.Value {
	case "graph", "check", "scan", "requirements", "verify", "open":
		return []keyturn.Effect{readEffect(c)}
	case "install", "uninstall", "lock", "sync", "update", "upgrade", "clean":
		return []keyturn.Effect{writesIn(c, op, arg{})}
	case "run":
		return []keyturn.Effect{runsProject(c, op, arg{})}
	case "shell":
		return []keyturn.Effect{c.unknown(op, "opens a shell whose commands keyturn cannot see")}
	}
	return unknownSub(c, sub)
}

// projectRunner: test runners run the project's tests.
func projectRunner(c *call) []keyturn.Effect {
	if isHelpOrVersion(c.args) {
		return []keyturn.Effect{readEffect(c)}
	}
	for _, a := range c.args {
		if c.prog == "tox" && (a.Value == "-l" || a.Value == "--listenvs" || a.Value == "-a" || a.Value == "--listenvs-all") {
			return []keyturn.Effect{readEffect(c)}
		}
	}
	return []keyturn.Effect{runsProject(c, c.prog, arg{})}
}

func blackTool(c *call) []keyturn.Effect {
	opts, _ := dbArgs(c.args, set("-l", "--line-length", "-t", "--target-version", "--config", "--include",
		"--exclude", "--extend-exclude", "--force-exclude", "-c", "--code", "-W", "--workers", "--stdin-filename",
		"--python-cell-magics", "--required-version"), false)
	if hasOpt(opts, "--check", "--diff", "-c", "--code", "--version", "--help", "-h") {
		return []keyturn.Effect{readEffect(c)}
	}
	pos := operands(opts)
	if len(pos) == 1 && pos[0].Value == "-" {
		return []keyturn.Effect{readEffect(c)}
	}
	return writesFiles(c, "black", pos)
}

func ruffTool(c *call) []keyturn.Effect {
	valued := set("--config", "--select", "--ignore", "--extend-select", "--exclude", "--extend-exclude",
		"--line-length", "--target-version", "--output-format", "-o", "--output-file", "--cache-dir",
		"--stdin-filename", "--fixable", "--unfixable", "--per-file-ignores")
	sub, rest, gopts := firstWord(c.args, valued)
	switch sub.Value {
	case "", "check":
		args := rest
		if sub.Value == "" {
			args = c.args
		}
		opts, _ := dbArgs(args, valued, false)
		opts = append(opts, gopts...)
		var out []keyturn.Effect
		if hasOpt(opts, "--fix", "--unsafe-fixes", "--add-noqa") && !hasOpt(opts, "--no-fix", "--diff") {
			out = append(out, writesFiles(c, "ruff check --fix", operands(opts))...)
		}
		if o, ok := lastOpt(opts, "-o", "--output-file"); ok {
			out = append(out, c.s.writeEffect("ruff", "ruff --output-file", o))
		}
		if len(out) == 0 {
			out = append(out, readEffect(c))
		}
		return out
	case "format":
		opts, _ := dbArgs(rest, valued, false)
		if hasOpt(opts, "--check", "--diff") {
			return []keyturn.Effect{readEffect(c)}
		}
		return writesFiles(c, "ruff format", operands(opts))
	case "clean":
		return []keyturn.Effect{writesIn(c, "ruff clean", arg{})}
	case "rule", "linter", "config", "version", "help", "analyze", "server":
		return []keyturn.Effect{readEffect(c)}
	}
	if strings.HasPrefix(sub.Value, "/") || strings.HasPrefix(sub.Value, ".") || strings.HasSuffix(sub.Value, ".py") {
		return []keyturn.Effect{readEffect(c)} // ruff PATH: the old spelling of ruff check PATH
	}
	return unknownSub(c, sub)
}

func mypyTool(c *call) []keyturn.Effect {
	for _, a := range c.args {
		if a.Value == "--install-types" {
			return []keyturn.Effect{localWrite(c, "mypy --install-types")}
		}
	}
	return []keyturn.Effect{readEffect(c)}
}

// --- build systems and task runners

func makeTool(c *call) []keyturn.Effect {
	// GNU make takes any prefix of a long option: --ev is --eval.
	args := longAbbrev(c.args, []string{"--eval", "--file", "--makefile", "--directory", "--include-dir"})
	opts, _ := dbArgs(args, set("-C", "--directory", "-f", "--file", "--makefile", "-I", "--include-dir",
		"-j", "--jobs", "-l", "--load-average", "-o", "--old-file", "--assume-old", "-W", "--what-if", "--new-file",
		"--assume-new", "-O", "--output-sync", "--eval", "-E"), false)
	if hasOpt(opts, "-v", "--version", "-h", "--help") {
		return []keyturn.Effect{readEffect(c)}
	}
	for _, o := range opts {
		// --eval=TEXT is a makefile given on the command line; SHELL=,
		// .SHELLFLAGS=, MAKEFILES= and MAKEFLAGS= change how every recipe
		// runs or what is read.
		name, _, _ := strings.Cut(o.val.Value, "=")
		if optIs(o, "--eval", "-E") || o.name == "" && (name == "SHELL" || name == ".SHELLFLAGS" || name == "MAKEFILES" || name == "MAKEFLAGS" || name == "MFLAGS") {
			return []keyturn.Effect{c.unknown("make", "the command line adds makefile code or changes the shell recipes run with")}
		}
	}
	dir, _ := lastOpt(opts, "-C", "--directory")
	if f, ok := lastOpt(opts, "-f", "--file", "--makefile"); ok {
		base := dir
		if base.Value == "" {
			base = arg{Value: c.s.cwd, Known: c.s.cwd != ""}
		}
		full := f
		if !path.IsAbs(f.Value) && base.Value != "" {
			full = arg{Value: path.Join(base.Value, f.Value), Known: f.Known && base.Known}
		}
		if p, ok := c.s.abs(full); !ok || !c.s.inWorkspace(p) {
			return []keyturn.Effect{c.unknown("make -f "+f.Value, "runs a Makefile outside the workspace that keyturn cannot judge")}
		}
	}
	op := "make"
	for _, p := range operands(opts) {
		if !strings.Contains(p.Value, "=") {
			op += " " + p.Value
		}
	}
	return []keyturn.Effect{runsProject(c, op, dir)}
}

func cmakeTool(c *call) []keyturn.Effect {
	if len(c.args) == 0 || isHelpOrVersion(c.args[:1]) || strings.HasPrefix(c.args[0].Value, "--help") {
		return []keyturn.Effect{readEffect(c)}
	}
	if c.args[0].Value == "-E" {
		return cmakeE(c, c.args[1:])
	}
	opts, _ := dbArgs(c.args, set("-S", "-B", "-G", "-T", "-A", "-C", "-D", "-U", "--build", "--install",
		"--target", "-t", "--config", "--prefix", "--preset", "--workflow", "-P", "--toolchain", "--install-prefix",
		"-j", "--parallel", "--component", "--log-level"), false)
	switch {
	case hasOpt(opts, "--build"):
		b, _ := lastOpt(opts, "--build")
		return []keyturn.Effect{runsProject(c, "cmake --build", b)}
	case hasOpt(opts, "--install"):
		if p, ok := lastOpt(opts, "--prefix"); ok {
			return []keyturn.Effect{c.s.writeEffect("cmake", "cmake --install", p)}
		}
		e := localWrite(c, "cmake --install")
		e.Note = "installs into the system prefix"
		return []keyturn.Effect{e}
	case hasOpt(opts, "-P"):
		s, _ := lastOpt(opts, "-P")
		if p, ok := c.s.abs(s); ok && c.s.inWorkspace(p) {
			return []keyturn.Effect{c.workspaceEffect("cmake", "cmake -P", keyturn.Write)}
		}
		return []keyturn.Effect{c.unknown("cmake -P", "runs a CMake script outside the workspace")}
	case hasOpt(opts, "-C"):
		s, _ := lastOpt(opts, "-C")
		if p, ok := c.s.abs(s); !ok || !c.s.inWorkspace(p) {
			return []keyturn.Effect{c.unknown("cmake -C", "loads a CMake script outside the workspace")}
		}
	}
	src, ok := lastOpt(opts, "-S")
	if !ok {
		if pos := operands(opts); len(pos) > 0 {
			src = pos[0]
		}
	}
	// Configuring runs the project's CMakeLists.txt.
	out := []keyturn.Effect{runsProject(c, "cmake configure", src)}
	if b, ok := lastOpt(opts, "-B"); ok {
		out = append(out, c.s.writeEffect("cmake", "cmake configure", b))
	}
	return out
}

// cmakeE judges cmake -E, CMake's portable shell commands.
func cmakeE(c *call, args []arg) []keyturn.Effect {
	if len(args) == 0 {
		return []keyturn.Effect{readEffect(c)}
	}
	cmd := args[0].Value
	rest := args[1:]
	var files []arg
	for _, a := range rest {
		if !strings.HasPrefix(a.Value, "-") {
			files = append(files, a)
		}
	}
	var out []keyturn.Effect
	switch cmd {
	case "rm", "remove", "remove_directory":
		for _, f := range files {
			out = append(out, c.deleteEffect("cmake -E "+cmd, f))
		}
		if len(out) == 0 {
			out = append(out, readEffect(c))
		}
		return out
	case "copy", "copy_directory", "copy_if_different", "copy_directory_if_different", "create_symlink",
		"create_hardlink", "rename":
		if len(files) < 2 {
			return []keyturn.Effect{c.unknown("cmake -E "+cmd, "a copy without a destination")}
		}
		out = append(out, c.writeEffect("cmake -E "+cmd, files[len(files)-1]))
		if cmd == "rename" {
			out = append(out, c.deleteEffect("cmake -E rename", files[0]))
		}
		return out
	case "make_directory", "touch", "touch_nocreate":
		for _, f := range files {
			out = append(out, c.writeEffect("cmake -E "+cmd, f))
		}
		return out
	case "tar":
		if len(rest) > 0 && strings.ContainsAny(rest[0].Value, "c") && len(files) > 1 {
			return []keyturn.Effect{c.writeEffect("cmake -E tar", files[1])}
		}
		return []keyturn.Effect{writesIn(c, "cmake -E tar", arg{})}
	case "env":
		i := 0
		for i < len(rest) && (strings.Contains(rest[i].Value, "=") || strings.HasPrefix(rest[i].Value, "-")) {
			i++
		}
		return wrapped(c, rest[i:], readEffect(c))
	case "time":
		return wrapped(c, rest, readEffect(c))
	case "chdir":
		if len(rest) > 1 {
			c.runIn(rest[0], rest[1:])
			return nil
		}
		return []keyturn.Effect{readEffect(c)}
	case "echo", "echo_append", "cat", "compare_files", "md5sum", "sha1sum", "sha224sum", "sha256sum",
		"sha384sum", "sha512sum", "capabilities", "environment", "true", "false", "sleep", "help":
		return []keyturn.Effect{readEffect(c)}
	}
	return []keyturn.Effect{c.unknown("cmake -E "+cmd, "a cmake -E command keyturn does not know")}
}

func ninjaTool(c *call) []keyturn.Effect {
	opts, _ := dbArgs(c.args, set("-C", "-f", "-j", "-k", "-l", "-d", "-t", "-w"), false)
	if hasOpt(opts, "--version", "-h", "--help") {
		return []keyturn.Effect{readEffect(c)}
	}
	dir, _ := lastOpt(opts, "-C")
	if t, ok := lastOpt(opts, "-t"); ok {
		switch t.Value {
		case "clean", "cleandead", "restat", "recompact", "compdb-targets":
			return []keyturn.Effect{writesIn(c, "ninja -t "+t.Value, dir)}
		}
		return []keyturn.Effect{readEffect(c)}
	}
	if hasOpt(opts, "-n") {
		return []keyturn.Effect{readEffect(c)} // a dry run runs nothing
	}
	return []keyturn.Effect{runsProject(c, "ninja", dir)}
}

// mavenTool judges mvn and gradle: the build runs the project's own build
// code; deploy and publish goals release artifacts to a repository keyturn
// cannot see, and install writes the local repository.
func mavenTool(c *call) []keyturn.Effect {
	opts, _ := dbArgs(c.args, set("-f", "--file", "-s", "--settings", "-gs", "--global-settings", "-P",
		"--activate-profiles", "-pl", "--projects", "-rf", "--resume-from", "-T", "--threads", "-l", "--log-file",
		"-b", "--builder", "-p", "--project-dir", "-c", "--settings-file", "-g", "--gradle-user-home", "-x",
		"--exclude-task", "-D", "-I", "--init-script", "--console", "--warning-mode", "--max-workers", "-Dorg"), false)
	if hasOpt(opts, "-v", "--version", "-h", "--help", "-V", "--show-version") && len(operands(opts)) == 0 {
		return []keyturn.Effect{readEffect(c)}
	}
	dir, _ := lastOpt(opts, "-p", "--project-dir")
	if f, ok := lastOpt(opts, "-f", "--file", "-b", "--build-file"); ok {
		dir = arg{Value: path.Dir(f.Value), Known: f.Known}
	}
	var out []keyturn.Effect
	out = append(out, runsProject(c, c.prog+" "+strings.Join(strs(operands(opts)), " "), dir))
	for _, g := range operands(opts) {
		goal := strings.ToLower(g.Value)
		switch {
		case goal == "deploy" || strings.HasPrefix(goal, "deploy:") || strings.HasPrefix(goal, "release:perform") ||
			strings.HasPrefix(goal, "publish") || goal == "uploadarchives":
			e := c.effect(c.prog, c.prog+" "+g.Value, keyturn.Write, nil)
			e.Note = "publishes artifacts to a repository"
			out = append(out, e)
		case goal == "install" && c.prog == "mvn":
			out = append(out, localWrite(c, "mvn install"))
		}
	}
	return out
}

func justTool(c *call) []keyturn.Effect {
	opts, _ := dbArgs(c.args, set("-f", "--justfile", "-d", "--working-directory", "--dotenv-filename",
		"--dotenv-path", "--shell", "--shell-arg", "--color", "--list-heading", "--list-prefix", "--chooser",
		"--command-color", "--timestamp-format", "-s", "--show", "--usage", "--completions", "--unstable-unused"), false)
	switch {
	case hasOpt(opts, "-l", "--list", "--summary", "-s", "--show", "--dump", "--variables", "-V", "--version",
		"-h", "--help", "--groups", "--usage", "--completions", "--fmt-check"):
		if hasOpt(opts, "--fmt-check") || !hasOpt(opts, "--fmt") {
			return []keyturn.Effect{readEffect(c)}
		}
	case hasOpt(opts, "--init", "--fmt"):
		return []keyturn.Effect{writesIn(c, "just --init", arg{})}
	case hasOpt(opts, "-e", "--edit", "--choose", "-c", "--command", "--shell"):
		return []keyturn.Effect{c.unknown("just", "runs a command or editor keyturn cannot judge")}
	}
	dir, _ := lastOpt(opts, "-d", "--working-directory")
	if f, ok := lastOpt(opts, "-f", "--justfile"); ok {
		if p, ok := c.s.abs(f); !ok || !c.s.inWorkspace(p) {
			return []keyturn.Effect{c.unknown("just -f", "runs a justfile outside the workspace")}
		}
	}
	op := "just"
	for _, p := range operands(opts) {
		op += " " + p.Value
		break
	}
	return []keyturn.Effect{runsProject(c, op, dir)}
}

func taskTool(c *call) []keyturn.Effect {
	opts, _ := dbArgs(c.args, set("-d", "--dir", "-t", "--taskfile", "-o", "--output", "-C", "--concurrency",
		"--interval", "--sort", "--output-group-begin", "--output-group-end", "-I"), false)
	switch {
	case hasOpt(opts, "-l", "--list", "-a", "--list-all", "--summary", "--version", "-h", "--help"):
		return []keyturn.Effect{readEffect(c)}
	case hasOpt(opts, "-i", "--init"):
		return []keyturn.Effect{writesIn(c, "task --init", arg{})}
	}
	dir, _ := lastOpt(opts, "-d", "--dir")
	if f, ok := lastOpt(opts, "-t", "--taskfile"); ok {
		if p, ok := c.s.abs(f); !ok || !c.s.inWorkspace(p) {
			return []keyturn.Effect{c.unknown("task -t", "runs a Taskfile outside the workspace")}
		}
	}
	op := "task"
	for _, p := range operands(opts) {
		op += " " + p.Value
		break
	}
	return []keyturn.Effect{runsProject(c, op, dir)}
}

func bazelTool(c *call) []keyturn.Effect {
	sub, rest, gopts := firstWord(c.args, nil)
	for _, o := range gopts {
		if o.name == "--bazelrc" || o.name == "--output_base" || o.name == "--output_user_root" {
			return []keyturn.Effect{c.unknown("bazel "+o.name, "a startup option that changes what bazel runs or where")}
		}
	}
	if sub.Value == "" {
		return []keyturn.Effect{readEffect(c)}
	}
	if !sub.Known {
		return unknownSub(c, sub)
	}
	op := "bazel " + sub.Value
	switch sub.Value {
	case "query", "cquery", "aquery", "info", "version", "help", "config", "print_action", "analyze-profile",
		"dump", "license", "canonicalize-flags", "mod":
		return []keyturn.Effect{readEffect(c)}
	case "build", "test", "run", "coverage", "fetch", "sync", "mobile-install", "vendor":
		return []keyturn.Effect{runsProject(c, op, arg{})}
	case "clean", "shutdown":
		for _, a := range rest {
			if a.Value == "--expunge" || a.Value == "--expunge_async" {
				return []keyturn.Effect{localWrite(c, "bazel clean --expunge")}
			}
		}
		return []keyturn.Effect{writesIn(c, op, arg{})}
	}
	return unknownSub(c, sub)
}

func javaTool(c *call) []keyturn.Effect {
	for _, a := range c.args {
		switch a.Value {
		case "-version", "--version", "-help", "--help", "-h", "-?", "-showversion", "--show-version", "-fullversion":
			return []keyturn.Effect{readEffect(c)}
		}
	}
	return []keyturn.Effect{c.unknown("java", "runs Java code keyturn cannot judge")}
}

// --- Ruby, PHP, .NET, Swift, Zig

func bundleTool(c *call) []keyturn.Effect {
	sub, rest, _ := firstWord(c.args, set("--gemfile", "--path", "--jobs", "-j", "--retry"))
	if !sub.Known && sub.Value != "" {
		return unknownSub(c, sub)
	}
	op := "bundle " + sub.Value
	switch sub.Value {
	case "", "install", "update":
		// Gems go into the Ruby installation unless a path is configured.
		if c.env["BUNDLE_PATH"] != "" || c.env["BUNDLE_DEPLOYMENT"] != "" || hasArg(rest, "--path", "--deployment") {
			return []keyturn.Effect{writesIn(c, "bundle install", arg{})}
		}
		return []keyturn.Effect{localWrite(c, "bundle install")}
	case "add", "remove", "lock", "init", "binstubs", "cache", "package", "clean":
		return []keyturn.Effect{writesIn(c, op, arg{})}
	case "exec":
		if len(rest) == 0 {
			return []keyturn.Effect{c.unknown(op, "bundle exec without a command")}
		}
		c.run(rest)
		return nil
	case "list", "show", "info", "check", "outdated", "platform", "doctor", "licenses", "version", "help", "--version", "-v":
		return []keyturn.Effect{readEffect(c)}
	case "config":
		if len(rest) == 0 || rest[0].Value == "list" || rest[0].Value == "get" {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{localWrite(c, "bundle config")}
	}
	return unknownSub(c, sub)
}

func hasArg(args []arg, values ...string) bool {
	for _, a := range args {
		for _, v := range values {
			if a.Value == v || strings.HasPrefix(a.Value, v+"=") {
				return true
			}
		}
	}
	return false
}

func gemTool(c *call) []keyturn.Effect {
	sub, rest, _ := firstWord(c.args, nil)
	if sub.Value == "" {
		return []keyturn.Effect{readEffect(c)}
	}
	if !sub.Known {
		return unknownSub(c, sub)
	}
	op := "gem " + sub.Value
	opts, _ := dbArgs(rest, set("-i", "--install-dir", "-n", "--bindir", "-v", "--version", "--source", "-s", "--host", "--key"), false)
	switch sub.Value {
	case "list", "search", "info", "query", "specification", "contents", "environment", "env", "which", "help",
		"outdated", "dependency", "stale", "check", "--version", "-v":
		return []keyturn.Effect{readEffect(c)}
	case "install", "update", "uninstall", "cleanup", "pristine", "rdoc":
		if d, ok := lastOpt(opts, "-i", "--install-dir"); ok {
			return []keyturn.Effect{c.s.writeEffect("gem", op, d)}
		}
		return []keyturn.Effect{localWrite(c, op)}
	case "build", "fetch", "unpack":
		return []keyturn.Effect{writesIn(c, op, arg{})}
	case "push":
		return []keyturn.Effect{publish(c, op, "rubygems.org")}
	case "yank":
		e := publish(c, op, "rubygems.org")
		e.Class, e.Note = keyturn.Destructive, "removes a published gem version"
		return []keyturn.Effect{e}
	case "signin", "signout", "cert":
		return []keyturn.Effect{localWrite(c, op)}
	case "sources", "owner":
		if hasOpt(opts, "-a", "--add", "-r", "--remove", "--clear-all", "-c", "-u", "--update") {
			if sub.Value == "owner" {
				return []keyturn.Effect{publish(c, op, "rubygems.org")}
			}
			return []keyturn.Effect{localWrite(c, op)}
		}
		return []keyturn.Effect{readEffect(c)}
	}
	return unknownSub(c, sub)
}

func composerTool(c *call) []keyturn.Effect {
	sub, rest, gopts := firstWord(c.args, set("-d", "--working-dir"))
	if sub.Value == "" {
		return []keyturn.Effect{readEffect(c)}
	}
	if !sub.Known {
		return unknownSub(c, sub)
	}
	dir, _ := lastOpt(gopts, "-d", "--working-dir")
	op := "composer " + sub.Value
	switch sub.Value {
	case "show", "info", "outdated", "validate", "diagnose", "licenses", "depends", "why", "prohibits", "why-not",
		"search", "suggests", "fund", "audit", "check-platform-reqs", "about", "list", "help", "status", "browse", "home":
		return []keyturn.Effect{readEffect(c)}
	case "install", "i", "update", "u", "upgrade", "require", "r", "remove", "rm", "dump-autoload", "dumpautoload",
		"reinstall", "bump", "init", "archive":
		return []keyturn.Effect{writesIn(c, op, dir)}
	case "config":
		if hasArg(rest, "--global", "-g") {
			return []keyturn.Effect{localWrite(c, op)}
		}
		if hasArg(rest, "--list", "-l") || len(rest) <= 1 {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{writesIn(c, op, dir)}
	case "create-project":
		pos := []arg{}
		for _, a := range rest {
			if !strings.HasPrefix(a.Value, "-") {
				pos = append(pos, a)
			}
		}
		if len(pos) > 1 {
			return []keyturn.Effect{c.s.writeEffect("composer", op, pos[1])}
		}
		return []keyturn.Effect{writesIn(c, op, dir)}
	case "global", "self-update", "selfupdate", "clear-cache", "clearcache", "cc":
		return []keyturn.Effect{localWrite(c, op)}
	}
	// run-script, exec and a script's own name run the project's scripts.
	return []keyturn.Effect{runsProject(c, op, dir)}
}

func dotnetTool(c *call) []keyturn.Effect {
	sub, rest, _ := firstWord(c.args, nil)
	if sub.Value == "" {
		return []keyturn.Effect{readEffect(c)} // --info, --version, --list-sdks
	}
	if !sub.Known {
		return unknownSub(c, sub)
	}
	op := "dotnet " + sub.Value
	verb := ""
	if len(rest) > 0 {
		verb = rest[0].Value
	}
	switch sub.Value {
	case "build", "test", "run", "restore", "publish", "pack", "clean", "msbuild", "watch", "format", "vstest", "build-server":
		return []keyturn.Effect{runsProject(c, op, arg{})}
	case "new", "add", "remove", "sln", "migrate":
		return []keyturn.Effect{writesIn(c, op, arg{})}
	case "list", "help", "sdk", "--info", "--version", "--list-sdks", "--list-runtimes":
		return []keyturn.Effect{readEffect(c)}
	case "tool":
		switch {
		case verb == "list" || verb == "search":
			return []keyturn.Effect{readEffect(c)}
		case verb == "run":
			return []keyturn.Effect{runsProject(c, "dotnet tool run", arg{})}
		case hasArg(rest, "-g", "--global", "--tool-path"):
			return []keyturn.Effect{localWrite(c, "dotnet tool "+verb+" --global")}
		}
		return []keyturn.Effect{writesIn(c, "dotnet tool "+verb, arg{})}
	case "nuget":
		switch verb {
		case "push":
			return []keyturn.Effect{publish(c, "dotnet nuget push", "api.nuget.org")}
		case "delete":
			e := publish(c, "dotnet nuget delete", "api.nuget.org")
			e.Class, e.Note = keyturn.Destructive, "removes a published package version"
			return []keyturn.Effect{e}
		case "locals":
			if hasArg(rest, "--clear", "-c") {
				return []keyturn.Effect{localWrite(c, "dotnet nuget locals --clear")}
			}
			return []keyturn.Effect{readEffect(c)}
		case "list":
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{localWrite(c, "dotnet nuget "+verb)}
	case "workload", "dev-certs", "user-secrets":
		if verb == "list" || verb == "search" || verb == "--check" {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{localWrite(c, op+" "+verb)}
	case "ef":
		return []keyturn.Effect{c.unknown("dotnet ef "+verb, "Entity Framework commands change a database keyturn cannot see")}
	}
	if strings.HasSuffix(sub.Value, ".dll") {
		return c.projectScript(sub.Value)
	}
	return unknownSub(c, sub)
}

func swiftTool(c *call) []keyturn.Effect {
	if len(c.args) == 0 {
		return []keyturn.Effect{c.unknown("swift", "starts the Swift REPL")}
	}
	sub := c.args[0]
	if !sub.Known {
		return unknownSub(c, sub)
	}
	switch sub.Value {
	case "--version", "-version", "--help", "-h", "help":
		return []keyturn.Effect{readEffect(c)}
	case "build", "test", "run", "package":
		// Package.swift is code the project runs.
		return []keyturn.Effect{runsProject(c, "swift "+sub.Value, arg{})}
	case "repl":
		return []keyturn.Effect{c.unknown("swift repl", "starts the Swift REPL")}
	}
	if strings.HasSuffix(sub.Value, ".swift") {
		return c.projectScript(sub.Value)
	}
	return unknownSub(c, sub)
}

func zigTool(c *call) []keyturn.Effect {
	if len(c.args) == 0 {
		return []keyturn.Effect{readEffect(c)}
	}
	sub := c.args[0]
	if !sub.Known {
		return unknownSub(c, sub)
	}
	rest := c.args[1:]
	op := "zig " + sub.Value
	switch sub.Value {
	case "version", "env", "targets", "zen", "help", "ast-check", "libc", "std", "--help", "-h":
		return []keyturn.Effect{readEffect(c)}
	case "build", "test", "run":
		// build.zig is code the project runs.
		return []keyturn.Effect{runsProject(c, op, arg{})}
	case "fmt":
		if hasArg(rest, "--check") {
			return []keyturn.Effect{readEffect(c)}
		}
		var files []arg
		for _, a := range rest {
			if !strings.HasPrefix(a.Value, "-") {
				files = append(files, a)
			}
		}
		return writesFiles(c, op, files)
	case "build-exe", "build-lib", "build-obj", "cc", "c++", "translate-c", "ar", "objcopy", "init":
		for i, a := range rest {
			if a.Value == "-o" && i+1 < len(rest) {
				return []keyturn.Effect{c.s.writeEffect("zig", op, rest[i+1])}
			}
			if strings.HasPrefix(a.Value, "-femit-bin=") {
				return []keyturn.Effect{c.s.writeEffect("zig", op, arg{Value: strings.TrimPrefix(a.Value, "-femit-bin="), Known: a.Known})}
			}
		}
		return []keyturn.Effect{writesIn(c, op, arg{})}
	case "fetch":
		if hasArg(rest, "--save") {
			return []keyturn.Effect{writesIn(c, op, arg{}), localWrite(c, op)}
		}
		return []keyturn.Effect{localWrite(c, op)}
	}
	return unknownSub(c, sub)
}

// --- linters with a fix mode

func precommitTool(c *call) []keyturn.Effect {
	sub, _, _ := firstWord(c.args, set("-c", "--config", "--color"))
	if sub.Value == "" {
		if hasArg(c.args, "--version", "-V", "--help", "-h") {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{runsProject(c, "pre-commit run", arg{})}
	}
	if !sub.Known {
		return unknownSub(c, sub)
	}
	op := "pre-commit " + sub.Value
	switch sub.Value {
	case "run", "hook-impl":
		return []keyturn.Effect{runsProject(c, op, arg{})}
	case "install", "uninstall":
		// Installing writes .git/hooks/pre-commit; the hook runs pre-commit
		// itself, which runs the project's configured hooks: the project's
		// code, as a commit does.
		return []keyturn.Effect{c.s.writeEffect(c.prog, op, arg{Value: ".git/hooks/pre-commit", Known: c.s.cwd != ""})}
	case "autoupdate", "migrate-config":
		return []keyturn.Effect{writesIn(c, op, arg{})}
	case "install-hooks", "clean", "gc", "init-templatedir":
		return []keyturn.Effect{localWrite(c, op)}
	case "sample-config", "validate-config", "validate-manifest", "help":
		return []keyturn.Effect{readEffect(c)}
	case "try-repo":
		return []keyturn.Effect{c.unknown(op, "fetches and runs hooks from another repository")}
	}
	return unknownSub(c, sub)
}

func tflintTool(c *call) []keyturn.Effect {
	switch {
	case hasArg(c.args, "--init"):
		return []keyturn.Effect{localWrite(c, "tflint --init")}
	case hasArg(c.args, "--fix"):
		return []keyturn.Effect{writesIn(c, "tflint --fix", arg{})}
	}
	return []keyturn.Effect{readEffect(c)}
}

func golangciTool(c *call) []keyturn.Effect {
	sub, rest, _ := firstWord(c.args, set("-c", "--config"))
	switch sub.Value {
	case "", "run":
		if hasArg(rest, "--fix") || hasArg(c.args, "--fix") {
			return []keyturn.Effect{writesIn(c, "golangci-lint run --fix", arg{})}
		}
		return []keyturn.Effect{readEffect(c)}
	case "fmt", "migrate":
		if hasArg(rest, "--diff", "-d") {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{writesIn(c, "golangci-lint "+sub.Value, arg{})}
	case "cache":
		if len(rest) > 0 && rest[0].Value == "clean" {
			return []keyturn.Effect{localWrite(c, "golangci-lint cache clean")}
		}
		return []keyturn.Effect{readEffect(c)}
	case "linters", "version", "help", "config", "completion", "formatters":
		return []keyturn.Effect{readEffect(c)}
	case "custom":
		return []keyturn.Effect{writesIn(c, "golangci-lint custom", arg{})}
	}
	return unknownSub(c, sub)
}
