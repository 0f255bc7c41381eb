package classify

import (
	"strings"

	"keyturn"
)

// The programs that run this machine: services, processes, power, cron,
// firewall, users, mounts and kernel settings. Everything lands on this
// machine (local) unless a flag names another host (systemctl -H).
//
// Stopping something that runs (a service, a process, the machine),
// deleting an account or a rule set, and switching protection or logging
// off are destructive: what was running or configured does not come back by
// itself. Starting, adding and reloading are writes.

func init() {
	register(sysSystemctl, "systemctl")
	register(sysService, "service")
	register(sysJournalctl, "journalctl")
	register(sysKill, "kill")
	register(sysPkill, "pkill", "killall")
	register(sysPower, "shutdown", "reboot", "halt", "poweroff")
	register(sysCrontab, "crontab")
	register(sysIptables, "iptables", "ip6tables")
	register(sysIptablesRestore, "iptables-restore")
	register(sysNft, "nft")
	register(sysUfw, "ufw")
	register(sysFirewallCmd, "firewall-cmd")
	register(sysUsers, "useradd", "usermod", "userdel", "groupadd", "groupmod", "groupdel", "passwd", "chpasswd")
	register(sysMount, "mount")
	register(sysUmount, "umount")
	register(sysSwap, "swapon", "swapoff")
	register(sysSysctl, "sysctl")
	register(sysLaunchctl, "launchctl")
	register(sysModules, "modprobe", "rmmod", "insmod")
}

func (c *call) sys(op string, class keyturn.Class, targets ...string) keyturn.Effect {
	return c.localEffect(c.prog, op, class, targets...)
}

// sysNoted is a local effect with a note that says why it has its class.
func (c *call) sysNoted(op string, class keyturn.Class, note string, targets ...string) keyturn.Effect {
	e := c.sys(op, class, targets...)
	e.Note = note
	return e
}

// systemctlClass is the class of each systemctl verb.
var systemctlClass = map[string]keyturn.Class{
	"status": keyturn.Read, "show": keyturn.Read, "cat": keyturn.Read, "help": keyturn.Read, "is-active": keyturn.Read,
	"is-failed": keyturn.Read, "is-enabled": keyturn.Read, "is-system-running": keyturn.Read, "list-units": keyturn.Read,
	"list-unit-files": keyturn.Read, "list-sockets": keyturn.Read, "list-timers": keyturn.Read, "list-jobs": keyturn.Read,
	"list-dependencies": keyturn.Read, "list-machines": keyturn.Read, "list-automounts": keyturn.Read,
	"list-paths": keyturn.Read, "get-default": keyturn.Read, "show-environment": keyturn.Read, "whoami": keyturn.Read,

	"start": keyturn.Write, "restart": keyturn.Write, "try-restart": keyturn.Write, "reload": keyturn.Write,
	"reload-or-restart": keyturn.Write, "try-reload-or-restart": keyturn.Write, "condrestart": keyturn.Write,
	"condreload": keyturn.Write, "force-reload": keyturn.Write, "reload-or-try-restart": keyturn.Write,
	"enable": keyturn.Write, "reenable": keyturn.Write, "daemon-reload": keyturn.Write, "daemon-reexec": keyturn.Write,
	"preset": keyturn.Write, "preset-all": keyturn.Write, "unmask": keyturn.Write, "link": keyturn.Write,
	"add-wants": keyturn.Write, "add-requires": keyturn.Write, "edit": keyturn.Write, "set-default": keyturn.Write,
	"set-environment": keyturn.Write, "unset-environment": keyturn.Write, "import-environment": keyturn.Write,
	"reset-failed": keyturn.Write, "thaw": keyturn.Write, "bind": keyturn.Write, "mount-image": keyturn.Write,
	"cancel": keyturn.Write, "set-property": keyturn.Write,

	// Stopping or disabling a unit, switching the system's state, and
	// deleting a unit's state or its local configuration.
	"stop": keyturn.Destructive, "disable": keyturn.Destructive, "mask": keyturn.Destructive, "kill": keyturn.Destructive,
	"isolate": keyturn.Destructive, "poweroff": keyturn.Destructive, "reboot": keyturn.Destructive,
	"halt": keyturn.Destructive, "kexec": keyturn.Destructive, "rescue": keyturn.Destructive,
	"emergency": keyturn.Destructive, "default": keyturn.Destructive, "suspend": keyturn.Destructive,
	"hibernate": keyturn.Destructive, "hybrid-sleep": keyturn.Destructive, "suspend-then-hibernate": keyturn.Destructive,
	"switch-root": keyturn.Destructive, "exit": keyturn.Destructive, "soft-reboot": keyturn.Destructive,
	"clean": keyturn.Destructive, "revert": keyturn.Destructive, "freeze": keyturn.Destructive,
}

// systemctlPower are the verbs that --dry-run makes a no-op.
var systemctlPower = map[string]bool{
	"halt": true, "poweroff": true, "reboot": true, "kexec": true, "suspend": true, "hibernate": true,
	"hybrid-sleep": true, "suspend-then-hibernate": true, "default": true, "rescue": true, "emergency": true,
	"exit": true, "soft-reboot": true,
}

func sysSystemctl(c *call) []keyturn.Effect {
	valued := set("-H", "--host", "-M", "--machine", "-t", "--type", "--state", "-p", "--property", "-P", "-n", "--lines",
		"-o", "--output", "-s", "--signal", "--kill-whom", "--kill-who", "--kill-value", "--what", "--job-mode", "--root",
		"--image", "--image-policy", "--check-inhibitors", "--timestamp", "--boot-loader-menu", "--boot-loader-entry",
		"--preset-mode", "--legend", "--message", "--reboot-argument", "--drop-in", "--when")
	f := parseFlags(c.args, valued, false)
	ops := flagOperands(f)
	verb, units := "list-units", ops
	if len(ops) > 0 {
		if !ops[0].Known {
			return []keyturn.Effect{c.unknown("systemctl", "the verb is only known at run time: "+ops[0].Value)}
		}
		verb, units = ops[0].Value, ops[1:]
	}
	class, ok := systemctlClass[verb]
	switch {
	case verb == "log-level" || verb == "log-target" || verb == "service-watchdogs":
		class, ok = keyturn.Write, true
		if len(units) == 0 {
			class = keyturn.Read
		}
	case verb == "service-log-level" || verb == "service-log-target":
		class, ok = keyturn.Write, true
		if len(units) <= 1 {
			class = keyturn.Read
		}
	}
	if !ok {
		return []keyturn.Effect{c.unknown("systemctl "+verb, "a systemctl verb keyturn does not know")}
	}
	if f.has("--dry-run") && systemctlPower[verb] {
		class = keyturn.Read
	}
	op := "systemctl " + verb
	targets := strs(units)
	if host := f.get("-H", "--host"); host != "" {
		if i := strings.LastIndex(host, "@"); i >= 0 {
			host = host[i+1:]
		}
		return []keyturn.Effect{c.effect("systemctl", op, class, map[string]string{"host": host}, targets...)}
	}
	if m := f.get("-M", "--machine"); m != "" {
		return []keyturn.Effect{c.effect("systemctl", op, class, map[string]string{"container": m}, targets...)}
	}
	e := c.sys(op, class, targets...)
	if class == keyturn.Destructive && !systemctlPower[verb] {
		e.Note = "stops or removes what a unit runs or keeps"
	}
	return []keyturn.Effect{e}
}

func sysService(c *call) []keyturn.Effect {
	ops := flagOperands(parseFlags(c.args, nil, false))
	if len(c.args) > 0 && c.args[0].Value == "--status-all" {
		return []keyturn.Effect{c.sys("service --status-all", keyturn.Read)}
	}
	if len(ops) < 2 {
		return []keyturn.Effect{c.sys("service", keyturn.Read, strs(ops)...)} // the script prints its usage
	}
	name, action := ops[0], ops[1]
	if !action.Known || !name.Known {
		return []keyturn.Effect{c.unknown("service", "the service or action is only known at run time")}
	}
	switch action.Value {
	case "status", "configtest":
		return []keyturn.Effect{c.sys("service "+action.Value, keyturn.Read, name.Value)}
	case "start", "restart", "reload", "force-reload", "try-restart", "condrestart", "reload-or-restart":
		return []keyturn.Effect{c.sys("service "+action.Value, keyturn.Write, name.Value)}
	case "stop":
		return []keyturn.Effect{c.sysNoted("service stop", keyturn.Destructive, "stops a running service", name.Value)}
	}
	return []keyturn.Effect{c.unknown("service "+action.Value, "an init script action keyturn does not know")}
}

func sysJournalctl(c *call) []keyturn.Effect {
	// journalctl takes a prefix of a long option: --vacuum-t=1s, --vac.
	f := parseFlags(longAbbrev(c.args, []string{"--vacuum-", "--rotate", "--flush", "--relinquish-var"}), nil, false)
	for o := range f.opts {
		if strings.HasPrefix(o, "--vacuum-") {
			return []keyturn.Effect{c.sysNoted("journalctl --vacuum", keyturn.Destructive, "deletes archived journal files")}
		}
	}
	if f.has("--rotate", "--flush", "--sync", "--relinquish-var", "--smart-relinquish-var", "--setup-keys", "--update-catalog") {
		return []keyturn.Effect{c.sys("journalctl", keyturn.Write)}
	}
	return []keyturn.Effect{c.sys("journalctl", keyturn.Read)}
}

// signalZero reports whether a signal spec is 0, which only checks that a
// process exists.
func signalZero(sig string) bool {
	s := strings.ToUpper(strings.TrimPrefix(sig, "-"))
	return s == "0" || s == "SIG0" || s == "NULL"
}

func sysKill(c *call) []keyturn.Effect {
	args := c.args
	sig := ""
	i := 0
loop:
	for ; i < len(args); i++ {
		v := args[i].Value
		switch {
		case !args[i].Known:
			break loop
		case v == "--":
			i++
			break loop
		case v == "-l" || v == "-L" || v == "--list" || v == "--table" || strings.HasPrefix(v, "--list="):
			return []keyturn.Effect{c.sys("kill -l", keyturn.Read)}
		case v == "-s" || v == "-n" || v == "--signal":
			if i+1 < len(args) {
				i++
				sig = args[i].Value
			}
		case strings.HasPrefix(v, "--signal="):
			sig = strings.TrimPrefix(v, "--signal=")
		case strings.HasPrefix(v, "-") && len(v) > 1 && sig == "":
			sig = v[1:] // -9, -KILL, -SIGTERM; later -N words are process groups
		default:
			break loop
		}
	}
	pids := strs(args[i:])
	if len(pids) == 0 {
		return []keyturn.Effect{c.sys("kill", keyturn.Read)} // prints its usage
	}
	if signalZero(sig) {
		return []keyturn.Effect{c.sys("kill -0", keyturn.Read, pids...)}
	}
	return []keyturn.Effect{c.sysNoted("kill", keyturn.Destructive, "stops processes", pids...)}
}

// leadingSignal splits a -SIGNAL first argument off (pkill -HUP, killall
// -9): it is not a cluster of one-letter options.
func leadingSignal(args []arg) (string, []arg) {
	if len(args) == 0 || !args[0].Known {
		return "", args
	}
	v := args[0].Value
	if len(v) < 2 || v[0] != '-' {
		return "", args
	}
	s := v[1:]
	if strings.Trim(s, "0123456789") == "" || len(s) > 1 && strings.ToUpper(s) == s && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-") == "" {
		return s, args[1:]
	}
	return "", args
}

func sysPkill(c *call) []keyturn.Effect {
	sig, args := leadingSignal(c.args)
	valued := set("-g", "-G", "-P", "-s", "-t", "-u", "-U", "-F", "--pidfile", "--signal", "--ns", "--nslist",
		"--pgroup", "--group", "--parent", "--session", "--terminal", "--euid", "--uid", "-q", "--queue", "--env")
	if c.prog == "killall" {
		valued = set("-s", "--signal", "-u", "--user", "-o", "--older-than", "-y", "--younger-than", "-n", "--ns", "-Z", "--context")
	}
	f := parseFlags(args, valued, false)
	if c.prog == "killall" && f.has("-l", "--list", "-V", "--version") || c.prog == "pkill" && f.has("-V", "--version", "-h", "--help") {
		return []keyturn.Effect{c.sys(c.prog, keyturn.Read)}
	}
	if s := f.get("-s", "--signal"); s != "" && (c.prog == "killall" || f.has("--signal")) {
		sig = s
	}
	targets := strs(flagOperands(f))
	if len(targets) == 0 && len(f.opts) == 0 {
		return []keyturn.Effect{c.sys(c.prog, keyturn.Read)} // no pattern: it prints its usage
	}
	if signalZero(sig) {
		return []keyturn.Effect{c.sys(c.prog+" -0", keyturn.Read, targets...)}
	}
	return []keyturn.Effect{c.sysNoted(c.prog, keyturn.Destructive, "stops every process that matches", targets...)}
}

func sysPower(c *call) []keyturn.Effect {
	f := parseFlags(c.args, nil, false)
	switch {
	case f.has("--help", "--version"):
		return []keyturn.Effect{c.sys(c.prog, keyturn.Read)}
	case c.prog == "shutdown" && f.has("-c"):
		return []keyturn.Effect{c.sys("shutdown -c", keyturn.Write)}
	case c.prog == "shutdown" && f.has("-k"):
		return []keyturn.Effect{c.sys("shutdown -k", keyturn.Write)} // only warns logged-in users
	case f.has("-w", "--wtmp-only"):
		return []keyturn.Effect{c.sys(c.prog+" -w", keyturn.Write)}
	}
	return []keyturn.Effect{c.sysNoted(c.prog, keyturn.Destructive, "stops the machine and everything running on it")}
}

func sysCrontab(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-u", "-c"), false)
	user := f.get("-u")
	var targets []string
	if user != "" {
		targets = []string{user}
	}
	switch {
	case f.has("-r"):
		return []keyturn.Effect{c.sysNoted("crontab -r", keyturn.Destructive, "deletes the whole crontab", targets...)}
	case f.has("-l", "-T", "-V"):
		return []keyturn.Effect{c.sys("crontab -l", keyturn.Read, targets...)}
	case f.has("-e"):
		return []keyturn.Effect{c.sys("crontab -e", keyturn.Write, targets...)}
	}
	// crontab FILE (or stdin) replaces the crontab: the commands in it run
	// later, so judge them now when they can be read.
	ops := flagOperands(f)
	var text string
	known := false
	if len(ops) == 0 || ops[0].Value == "-" {
		if c.stdin != nil && c.stdin.known {
			text, known = c.stdin.text, true
		}
	} else if p, ok := c.s.abs(ops[0]); ok && c.s.remote == nil {
		if data, err := readSmall(p); err == nil {
			text, known = string(data), true
		}
	}
	if known {
		for _, cmd := range cronCommands(text) {
			c.shell(cmd, "crontab entry")
		}
	}
	e := c.sys("crontab", keyturn.Write, targets...)
	if !known {
		e.Note = "installs scheduled commands keyturn cannot read"
	}
	return []keyturn.Effect{e}
}

// cronCommands returns the commands of a crontab's entries.
func cronCommands(text string) []string {
	var cmds []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if isAssignment(fields[0]) && !strings.HasPrefix(fields[0], "@") {
			continue // NAME=value
		}
		n := 5
		if strings.HasPrefix(fields[0], "@") {
			n = 1
		}
		rest := line
		for i := 0; i < n; i++ {
			rest = strings.TrimLeft(rest, " \t")
			j := strings.IndexAny(rest, " \t")
			if j < 0 {
				rest = ""
				break
			}
			rest = rest[j:]
		}
		// An unescaped % ends the command; what follows is its stdin.
		if k := strings.Index(rest, "%"); k >= 0 && (k == 0 || rest[k-1] != '\\') {
			rest = rest[:k]
		}
		if rest = strings.TrimSpace(rest); rest != "" {
			cmds = append(cmds, rest)
		}
	}
	return cmds
}

// iptablesCommands maps each iptables command option to its class.
var iptablesCommands = map[string]keyturn.Class{
	"-L": keyturn.Read, "--list": keyturn.Read, "-S": keyturn.Read, "--list-rules": keyturn.Read,
	"-C": keyturn.Read, "--check": keyturn.Read, "-h": keyturn.Read, "--help": keyturn.Read,
	"-V": keyturn.Read, "--version": keyturn.Read,
	"-A": keyturn.Write, "--append": keyturn.Write, "-I": keyturn.Write, "--insert": keyturn.Write,
	"-R": keyturn.Write, "--replace": keyturn.Write, "-N": keyturn.Write, "--new-chain": keyturn.Write,
	"-E": keyturn.Write, "--rename-chain": keyturn.Write, "-Z": keyturn.Write, "--zero": keyturn.Write,
	"-F": keyturn.Destructive, "--flush": keyturn.Destructive, "-X": keyturn.Destructive,
	"--delete-chain": keyturn.Destructive, "-D": keyturn.Destructive, "--delete": keyturn.Destructive,
	// A default policy either opens the firewall (ACCEPT) or can cut
	// every connection, this session's included (DROP).
	"-P": keyturn.Destructive, "--policy": keyturn.Destructive,
}

// iptablesShort names each command by its short option, so the operation
// reads the same however it was written.
var iptablesShort = map[string]string{
	"-L": "-L", "--list": "-L", "-S": "-S", "--list-rules": "-S", "-C": "-C", "--check": "-C", "-h": "-h", "--help": "-h",
	"-V": "-V", "--version": "-V", "-A": "-A", "--append": "-A", "-I": "-I", "--insert": "-I", "-R": "-R",
	"--replace": "-R", "-N": "-N", "--new-chain": "-N", "-E": "-E", "--rename-chain": "-E", "-Z": "-Z", "--zero": "-Z",
	"-F": "-F", "--flush": "-F", "-X": "-X", "--delete-chain": "-X", "-D": "-D", "--delete": "-D", "-P": "-P", "--policy": "-P",
}

func sysIptables(c *call) []keyturn.Effect {
	// No option is listed as taking a value: a value that looks like a
	// command option can only make the result stricter.
	f := parseFlags(c.args, nil, false)
	class, op := keyturn.Class(""), ""
	for o := range f.opts {
		if k, ok := iptablesCommands[o]; ok && (class == "" || k.Stricter(class) || k == class && o < op) {
			class, op = k, o
		}
	}
	// A word known only at run time that is not an option's value may be
	// any command.
	for i, a := range c.args {
		if !a.Known && (i == 0 || !strings.HasPrefix(c.args[i-1].Value, "-")) {
			return []keyturn.Effect{c.unknown(c.prog, "an argument known only at run time may be any command: "+a.Value)}
		}
	}
	if class == "" {
		return []keyturn.Effect{c.unknown(c.prog, "no iptables command keyturn recognises")}
	}
	e := c.sys(c.prog+" "+iptablesShort[op], class, strs(flagOperands(f))...)
	if class == keyturn.Destructive {
		e.Note = "removes firewall rules or changes the default policy"
	}
	return []keyturn.Effect{e}
}

func sysIptablesRestore(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-M", "--modprobe", "-T", "--table", "-w", "--wait", "-W", "--wait-interval"), false)
	switch {
	case f.has("-t", "--test", "-h", "--help", "-V", "--version"):
		return []keyturn.Effect{c.sys("iptables-restore --test", keyturn.Read)}
	case f.has("-n", "--noflush"):
		return []keyturn.Effect{c.sys("iptables-restore --noflush", keyturn.Write)}
	}
	return []keyturn.Effect{c.sysNoted("iptables-restore", keyturn.Destructive, "replaces every rule of the tables it loads")}
}

// nftVerbs maps the first word of an nft command to its class. table,
// chain, set and map start a definition in an nft file (an implicit add).
var nftVerbs = map[string]keyturn.Class{
	"list": keyturn.Read, "describe": keyturn.Read, "monitor": keyturn.Read, "define": keyturn.Read,
	"add": keyturn.Write, "create": keyturn.Write, "insert": keyturn.Write, "replace": keyturn.Write,
	"rename": keyturn.Write, "reset": keyturn.Write, "table": keyturn.Write, "chain": keyturn.Write,
	"set": keyturn.Write, "map": keyturn.Write, "element": keyturn.Write, "flowtable": keyturn.Write,
	"flush": keyturn.Destructive, "delete": keyturn.Destructive, "destroy": keyturn.Destructive,
}

// nftStatements splits nft input into statements at the ; and newlines
// outside braces, and returns the first word of each.
func nftStatements(text string) []string {
	var words []string
	depth := 0
	start := true
	for i := 0; i < len(text); i++ {
		ch := text[i]
		switch {
		case ch == '#':
			for i < len(text) && text[i] != '\n' {
				i++
			}
			if depth == 0 {
				start = true
			}
		case ch == '{':
			depth++
		case ch == '}':
			if depth > 0 {
				depth--
			}
		case (ch == ';' || ch == '\n') && depth == 0:
			start = true
		case ch == ' ' || ch == '\t' || ch == '\r' || ch == '\\':
		case start && depth == 0:
			j := i
			for j < len(text) && strings.IndexByte(" \t\r\n;{}#", text[j]) < 0 {
				j++
			}
			words = append(words, text[i:j])
			i = j - 1
			start = false
		}
	}
	return words
}

func sysNft(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-f", "--file", "-I", "--includepath", "-D", "--define", "-T"), false)
	switch {
	case f.has("-c", "--check", "-v", "--version", "-V", "-h", "--help"):
		return []keyturn.Effect{c.sys("nft --check", keyturn.Read)}
	case f.has("-i", "--interactive"):
		return []keyturn.Effect{c.unknown("nft -i", "an interactive nft session keyturn cannot see")}
	}
	var text string
	if file := f.get("-f", "--file"); f.has("-f", "--file") {
		if file == "-" || file == "/dev/stdin" {
			if c.stdin == nil || !c.stdin.known {
				return []keyturn.Effect{c.unknown("nft -f", "loads rules from input keyturn cannot read")}
			}
			text = c.stdin.text
		} else {
			a := fsValueArg(c.args, file)
			p, ok := c.s.abs(a)
			var data []byte
			var err error
			if ok && c.s.remote == nil {
				data, err = readSmall(p)
			}
			if !ok || c.s.remote != nil || err != nil {
				return []keyturn.Effect{c.unknown("nft -f", "loads rules from a file keyturn cannot read: "+file)}
			}
			text = string(data)
		}
	} else {
		src, known := joinKnown(flagOperands(f))
		if !known {
			return []keyturn.Effect{c.unknown("nft", "the nft command is only known at run time")}
		}
		text = src
	}
	words := nftStatements(text)
	if len(words) == 0 {
		return []keyturn.Effect{c.unknown("nft", "no nft command keyturn recognises")}
	}
	var out []keyturn.Effect
	for _, w := range words {
		if strings.HasPrefix(w, "include") {
			return []keyturn.Effect{c.unknown("nft include", "includes rules from a file keyturn does not read")}
		}
		class, ok := nftVerbs[w]
		if !ok {
			return []keyturn.Effect{c.unknown("nft "+w, "an nft command keyturn does not know")}
		}
		e := c.sys("nft "+w, class)
		if class == keyturn.Destructive {
			e.Note = "removes firewall rules"
		}
		out = append(out, e)
	}
	return out
}

func sysUfw(c *call) []keyturn.Effect {
	args := c.args
	dry := false
	for len(args) > 0 && strings.HasPrefix(args[0].Value, "-") && args[0].Known {
		if args[0].Value == "--dry-run" {
			dry = true
		}
		if args[0].Value == "--version" || args[0].Value == "--help" || args[0].Value == "-h" {
			return []keyturn.Effect{c.sys("ufw", keyturn.Read)}
		}
		args = args[1:]
	}
	if len(args) == 0 {
		return []keyturn.Effect{c.sys("ufw", keyturn.Read)}
	}
	for _, a := range args[:min(len(args), 3)] {
		if !a.Known {
			return []keyturn.Effect{c.unknown("ufw", "the ufw command is only known at run time")}
		}
	}
	verb := args[0].Value
	arg1 := ""
	if len(args) > 1 {
		arg1 = args[1].Value
	}
	var e keyturn.Effect
	switch verb {
	case "status", "show", "version", "help":
		e = c.sys("ufw "+verb, keyturn.Read)
	case "app":
		if arg1 == "list" || arg1 == "info" {
			e = c.sys("ufw app "+arg1, keyturn.Read)
		} else {
			e = c.sys("ufw app "+arg1, keyturn.Write)
		}
	case "enable", "reload", "allow", "deny", "reject", "limit", "insert", "prepend":
		e = c.sys("ufw "+verb, keyturn.Write, strs(args[1:])...)
	case "route":
		e = c.sys("ufw route", keyturn.Write, strs(args[1:])...)
		if arg1 == "delete" {
			e = c.sysNoted("ufw route delete", keyturn.Destructive, "removes a firewall rule", strs(args[2:])...)
		}
	case "disable", "reset":
		e = c.sysNoted("ufw "+verb, keyturn.Destructive, "switches the firewall off or drops every rule")
	case "delete":
		e = c.sysNoted("ufw delete", keyturn.Destructive, "removes a firewall rule", strs(args[1:])...)
	case "default":
		e = c.sys("ufw default", keyturn.Write, strs(args[1:])...)
		if arg1 == "allow" {
			e = c.sysNoted("ufw default allow", keyturn.Destructive, "lets all traffic through: the firewall stops protecting", strs(args[1:])...)
		}
	case "logging":
		e = c.sys("ufw logging", keyturn.Write, arg1)
		if arg1 == "off" {
			e = c.sysNoted("ufw logging off", keyturn.Destructive, "switches firewall logging off")
		}
	default:
		return []keyturn.Effect{c.unknown("ufw "+verb, "a ufw command keyturn does not know")}
	}
	if dry {
		e.Class, e.Note = keyturn.Read, "a dry run"
	}
	return []keyturn.Effect{e}
}

func sysFirewallCmd(c *call) []keyturn.Effect {
	f := parseFlags(c.args, nil, false)
	if f.has("--passthrough") {
		return []keyturn.Effect{c.unknown("firewall-cmd --passthrough", "hands raw rules to iptables")}
	}
	class, op := keyturn.Class(""), ""
	consider := func(k keyturn.Class, o string) {
		if class == "" || k.Stricter(class) || k == class && o < op {
			class, op = k, o
		}
	}
	for o := range f.opts {
		switch {
		case o == "--state" || o == "--check-config" || o == "--version" || o == "-V" || o == "-h" || o == "--help" ||
			strings.HasPrefix(o, "--list-") || strings.HasPrefix(o, "--get-") || strings.HasPrefix(o, "--query-") ||
			strings.HasPrefix(o, "--info-"):
			consider(keyturn.Read, o)
		case strings.HasPrefix(o, "--remove-") || strings.HasPrefix(o, "--delete-") || o == "--panic-on" ||
			o == "--lockdown-off" || o == "--reset-to-defaults" || o == "--load-zone-defaults" ||
			o == "--load-service-defaults" || o == "--load-policy-defaults" || o == "--load-ipset-defaults" ||
			o == "--load-icmptype-defaults" || o == "--load-helper-defaults":
			consider(keyturn.Destructive, o)
		case o == "--reload" || o == "--complete-reload" || o == "--runtime-to-permanent" || o == "--panic-off" ||
			o == "--lockdown-on" || strings.HasPrefix(o, "--add-") || strings.HasPrefix(o, "--new-") ||
			strings.HasPrefix(o, "--set-") || strings.HasPrefix(o, "--change-"):
			consider(keyturn.Write, o)
		}
	}
	if class == "" {
		return []keyturn.Effect{c.unknown("firewall-cmd", "no firewall-cmd action keyturn recognises")}
	}
	e := c.sys("firewall-cmd "+op, class, strs(flagOperands(f))...)
	if class == keyturn.Destructive {
		e.Note = "removes firewall rules or switches protection off"
	}
	return []keyturn.Effect{e}
}

func sysUsers(c *call) []keyturn.Effect {
	valued := set("-c", "-d", "-e", "-f", "-g", "-G", "-k", "-K", "-p", "-s", "-u", "-R", "-P", "-b", "-Z",
		"--comment", "--home", "--home-dir", "--expiredate", "--inactive", "--gid", "--groups", "--skel", "--key",
		"--password", "--shell", "--uid", "--root", "--prefix", "--selinux-user", "--login", "--base-dir", "--new-name",
		"--users", "--crypt-method", "--sha-rounds")
	switch c.prog {
	case "usermod":
		valued["-l"], valued["-a"] = true, false
	case "groupmod":
		valued["-n"] = true
	case "passwd":
		valued = set("-n", "--mindays", "-x", "--maxdays", "-w", "--warndays", "-i", "--inactive", "-r", "--repository", "-R", "--root", "-P", "--prefix")
	case "chpasswd":
		valued = set("-c", "--crypt-method", "-s", "--sha-rounds", "-R", "--root", "-P", "--prefix")
	}
	f := parseFlags(c.args, valued, false)
	targets := strs(flagOperands(f))
	if f.has("-h", "--help") {
		return []keyturn.Effect{c.sys(c.prog, keyturn.Read)}
	}
	switch c.prog {
	case "userdel":
		return []keyturn.Effect{c.sysNoted("userdel", keyturn.Destructive, "deletes an account", targets...)}
	case "groupdel":
		return []keyturn.Effect{c.sysNoted("groupdel", keyturn.Destructive, "deletes a group", targets...)}
	case "passwd":
		switch {
		case f.has("-S", "--status"):
			return []keyturn.Effect{c.sys("passwd -S", keyturn.Read, targets...)}
		case f.has("-d", "--delete"):
			return []keyturn.Effect{c.sysNoted("passwd -d", keyturn.Destructive, "removes a password: the account may then log in without one", targets...)}
		}
	case "useradd", "groupadd":
		if f.has("-D", "--defaults") && len(f.opts) == 1 {
			return []keyturn.Effect{c.sys(c.prog+" -D", keyturn.Read)}
		}
	}
	return []keyturn.Effect{c.sys(c.prog, keyturn.Write, targets...)}
}

func sysMount(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-t", "--types", "-o", "--options", "-O", "--test-opts", "-L", "--label", "-U", "--uuid",
		"-T", "--fstab", "-N", "--namespace", "--source", "--target", "--target-prefix", "--options-mode", "--options-source"), false)
	ops := flagOperands(f)
	switch {
	case f.has("-h", "--help", "-V", "--version", "-f", "--fake"):
		return []keyturn.Effect{c.sys("mount", keyturn.Read)}
	case len(ops) == 0 && !f.has("-a", "--all", "--source", "--target", "-L", "-U", "--label", "--uuid", "-o", "--options"):
		return []keyturn.Effect{c.sys("mount", keyturn.Read)} // lists the mounts
	}
	e := c.sys("mount", keyturn.Write, strs(ops)...)
	e.Note = "a mount hides what was in the directory until it is unmounted"
	return []keyturn.Effect{e}
}

func sysUmount(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-t", "--types", "-O", "--test-opts", "-N", "--namespace"), false)
	ops := flagOperands(f)
	switch {
	case f.has("-h", "--help", "-V", "--version", "--fake"):
		return []keyturn.Effect{c.sys("umount", keyturn.Read)}
	case f.has("-a", "--all"):
		return []keyturn.Effect{c.sysNoted("umount -a", keyturn.Destructive, "unmounts every file system")}
	case f.has("-f", "--force"):
		return []keyturn.Effect{c.sysNoted("umount -f", keyturn.Destructive, "forces the unmount: writes still pending are lost", strs(ops)...)}
	}
	for _, a := range ops {
		if p, ok := c.s.abs(a); ok && p == "/" {
			return []keyturn.Effect{c.sysNoted("umount", keyturn.Destructive, "unmounts the root file system", strs(ops)...)}
		}
	}
	return []keyturn.Effect{c.sys("umount", keyturn.Write, strs(ops)...)}
}

func sysSwap(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-p", "--priority", "-o", "--options", "--show", "-d", "--discard"), false)
	ops := flagOperands(f)
	if c.prog == "swapon" && (len(ops) == 0 && !f.has("-a", "--all") || f.has("-s", "--summary", "--show")) {
		return []keyturn.Effect{c.sys("swapon --show", keyturn.Read)}
	}
	if f.has("-h", "--help", "-V", "--version") {
		return []keyturn.Effect{c.sys(c.prog, keyturn.Read)}
	}
	return []keyturn.Effect{c.sys(c.prog, keyturn.Write, strs(ops)...)}
}

func sysSysctl(c *call) []keyturn.Effect {
	f := parseFlags(c.args, nil, false)
	ops := flagOperands(f)
	write := f.has("-w", "--write", "-p", "--load", "--system")
	for _, a := range ops {
		if strings.Contains(a.Value, "=") || !a.Known {
			write = true
		}
	}
	if write {
		return []keyturn.Effect{c.sys("sysctl -w", keyturn.Write, strs(ops)...)}
	}
	return []keyturn.Effect{c.sys("sysctl", keyturn.Read, strs(ops)...)}
}

// launchctlClass is the class of each launchctl subcommand.
var launchctlClass = map[string]keyturn.Class{
	"list": keyturn.Read, "print": keyturn.Read, "print-cache": keyturn.Read, "print-disabled": keyturn.Read,
	"blame": keyturn.Read, "dumpstate": keyturn.Read, "dumpjpcategory": keyturn.Read, "managerpid": keyturn.Read,
	"manageruid": keyturn.Read, "managername": keyturn.Read, "getenv": keyturn.Read, "version": keyturn.Read,
	"hostinfo": keyturn.Read, "resolveport": keyturn.Read, "examine": keyturn.Read, "help": keyturn.Read,
	"error": keyturn.Read, "variant": keyturn.Read, "plist": keyturn.Read, "procinfo": keyturn.Read,
	"load": keyturn.Write, "start": keyturn.Write, "kickstart": keyturn.Write, "enable": keyturn.Write,
	"bootstrap": keyturn.Write, "setenv": keyturn.Write, "unsetenv": keyturn.Write, "submit": keyturn.Write,
	"config": keyturn.Write, "uncache": keyturn.Write, "debug": keyturn.Write, "umask": keyturn.Write,
	"unload": keyturn.Destructive, "stop": keyturn.Destructive, "remove": keyturn.Destructive,
	"bootout": keyturn.Destructive, "disable": keyturn.Destructive, "kill": keyturn.Destructive,
	"reboot": keyturn.Destructive,
}

func sysLaunchctl(c *call) []keyturn.Effect {
	if len(c.args) == 0 {
		return []keyturn.Effect{c.sys("launchctl", keyturn.Read)}
	}
	sub := c.args[0]
	if !sub.Known {
		return []keyturn.Effect{c.unknown("launchctl", "the subcommand is only known at run time")}
	}
	rest := c.args[1:]
	switch sub.Value {
	case "asuser", "bsexec":
		// asuser UID CMD…, bsexec PID CMD…: they run CMD.
		if len(rest) > 1 {
			c.run(rest[1:])
			return nil
		}
		return []keyturn.Effect{c.sys("launchctl "+sub.Value, keyturn.Read)}
	case "limit":
		if len(rest) > 1 {
			return []keyturn.Effect{c.sys("launchctl limit", keyturn.Write, strs(rest)...)}
		}
		return []keyturn.Effect{c.sys("launchctl limit", keyturn.Read)}
	}
	class, ok := launchctlClass[sub.Value]
	if !ok {
		return []keyturn.Effect{c.unknown("launchctl "+sub.Value, "a launchctl subcommand keyturn does not know")}
	}
	e := c.sys("launchctl "+sub.Value, class, strs(rest)...)
	if class == keyturn.Destructive {
		e.Note = "stops or removes a service, or the machine"
	}
	return []keyturn.Effect{e}
}

func sysModules(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-C", "--config", "-d", "--dirname", "-S", "--set-version", "-o"), false)
	targets := strs(flagOperands(f))
	if f.has("-h", "--help", "-V", "--version") {
		return []keyturn.Effect{c.sys(c.prog, keyturn.Read)}
	}
	switch {
	case c.prog == "rmmod", c.prog == "modprobe" && f.has("-r", "--remove"):
		if c.prog == "modprobe" && f.has("-n", "--dry-run") {
			return []keyturn.Effect{c.sys("modprobe -r", keyturn.Read, targets...)}
		}
		op := "rmmod"
		if c.prog == "modprobe" {
			op = "modprobe -r"
		}
		return []keyturn.Effect{c.sysNoted(op, keyturn.Destructive, "unloads a kernel driver: what depends on it stops working", targets...)}
	case c.prog == "modprobe" && f.has("-n", "--dry-run", "-c", "--showconfig", "-D", "--show-depends", "--show-modversions", "--dump-modversions"):
		return []keyturn.Effect{c.sys("modprobe", keyturn.Read, targets...)}
	}
	return []keyturn.Effect{c.sys(c.prog, keyturn.Write, targets...)}
}
