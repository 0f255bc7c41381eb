package classify

import (
	"strings"

	"keyturn"
)

// System package managers change what is installed on this machine for
// every user: installing and upgrading are writes, removing and purging
// are destructive, queries are reads. (Project package managers — npm, pip
// in a venv, cargo — are in readonly.go: they write the workspace.)

func init() {
	register(packageManager, "apt", "apt-get", "aptitude", "yum", "dnf", "microdnf", "zypper", "apk", "pacman",
		"brew", "snap", "flatpak", "port", "pkg", "emerge", "xbps-install", "nix-env")
	register(packageFiles, "dpkg", "rpm")
	register(miscSSHKeygen, "ssh-keygen")
	register(miscIfconfig, "ifconfig")
	register(miscMultiplexer, "screen", "tmux")
	register(miscKubectx, "kubectx", "kubens")
}

var (
	packageReads = set("list", "search", "show", "info", "policy", "depends", "rdepends", "madison", "check",
		"provides", "whatprovides", "repolist", "history", "leaves", "deps", "uses", "outdated", "doctor",
		"config", "desc", "home", "--version", "-v", "version", "help", "-h", "--help", "query", "-Q", "-Qi", "-Ql",
		"-Ss", "-Si", "-Qs", "-Qo", "find", "changelog", "download", "source", "files", "cat", "stats", "--dry-run",
		"-s", "--simulate", "updateinfo", "check-update", "audit", "tap-info", "where", "ls", "se", "if")
	packageWrites = set("install", "reinstall", "update", "upgrade", "full-upgrade", "dist-upgrade", "add", "in",
		"up", "dup", "refresh", "ref", "makecache", "tap", "link", "pin", "unpin", "switch", "cleanup", "clean",
		"autoclean", "-S", "-Syu", "-Sy", "-Su", "-U", "-i", "fix", "build-dep", "satisfy", "localinstall",
		"groupinstall", "enable", "services", "bundle", "mark", "hold", "unhold", "-u")
	packageRemoves = set("remove", "purge", "autoremove", "erase", "uninstall", "del", "rm", "rem", "untap", "unlink",
		"-R", "-Rs", "-Rns", "-Rdd", "groupremove", "disable", "revert", "--uninstall", "-e")
)

func packageManager(c *call) []keyturn.Effect {
	var verb string
	for _, a := range c.args {
		if !a.Known {
			return []keyturn.Effect{c.unknown(c.prog, "the command is only known at run time")}
		}
		v := a.Value
		if strings.HasPrefix(v, "-") && !packageReads[v] && !packageWrites[v] && !packageRemoves[v] {
			continue // an option of the manager
		}
		verb = v
		break
	}
	op := c.prog + " " + verb
	switch {
	case verb == "" && len(c.args) == 0:
		return []keyturn.Effect{readEffect(c)}
	case packageRemoves[verb]:
		return []keyturn.Effect{c.localEffect("package", op, keyturn.Destructive, packageNames(c.args)...)}
	case packageWrites[verb]:
		return []keyturn.Effect{c.localEffect("package", op, keyturn.Write, packageNames(c.args)...)}
	case packageReads[verb]:
		return []keyturn.Effect{readEffect(c)}
	}
	return []keyturn.Effect{c.unknown(op, "a "+c.prog+" command keyturn does not know")}
}

func packageNames(args []arg) []string {
	var names []string
	for _, a := range args[1:] {
		if !strings.HasPrefix(a.Value, "-") {
			names = append(names, a.Value)
		}
	}
	return names
}

func packageFiles(c *call) []keyturn.Effect {
	for _, a := range c.args {
		v := a.Value
		switch {
		case v == "-i" || v == "--install" || v == "-U" || v == "--upgrade" || v == "--unpack" || v == "--configure" || v == "-F" || v == "--freshen":
			return []keyturn.Effect{c.localEffect("package", c.prog+" "+v, keyturn.Write, packageNames(c.args)...)}
		case v == "-r" || v == "--remove" || v == "-P" || v == "--purge" || v == "-e" || v == "--erase":
			return []keyturn.Effect{c.localEffect("package", c.prog+" "+v, keyturn.Destructive, packageNames(c.args)...)}
		case strings.HasPrefix(v, "-q") || strings.HasPrefix(v, "-l") || v == "-L" || v == "-s" || v == "-S" ||
			v == "--list" || v == "--listfiles" || v == "--status" || v == "--search" || v == "--print-architecture" || v == "--version" || v == "--get-selections" || v == "-V" || v == "--verify" || v == "-c" || v == "--contents" || v == "--info":
			return []keyturn.Effect{readEffect(c)}
		}
	}
	return []keyturn.Effect{c.unknown(c.prog, "a "+c.prog+" command keyturn does not know")}
}

func miscSSHKeygen(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-f", "-t", "-b", "-C", "-N", "-P", "-F", "-R", "-E", "-m", "-O", "-n", "-I", "-V", "-z", "-s", "-a", "-Z", "-w", "-Y", "-r", "-D", "-M", "-S", "-j", "-J", "-K"), false)
	switch {
	case f.has("-l", "-y", "-F", "-B", "-r", "-L", "-Q"):
		return []keyturn.Effect{readEffect(c)}
	case f.has("-R"):
		file := f.get("-f")
		if file == "" {
			file = c.env["HOME"] + "/.ssh/known_hosts"
		}
		return []keyturn.Effect{c.writeEffect("ssh-keygen -R", arg{Value: file, Known: c.env["HOME"] != "" || f.get("-f") != ""})}
	}
	file := f.get("-f")
	if file == "" {
		file = c.env["HOME"] + "/.ssh/id_*"
	}
	return []keyturn.Effect{c.overwriteEffect("ssh-keygen", arg{Value: file, Known: c.env["HOME"] != "" || f.get("-f") != ""})}
}

func miscIfconfig(c *call) []keyturn.Effect {
	vals := c.values()
	if len(vals) == 0 || len(vals) == 1 || vals[0] == "-a" || vals[0] == "-s" || vals[0] == "-l" {
		return []keyturn.Effect{readEffect(c)}
	}
	class := keyturn.Write
	for _, v := range vals {
		if v == "down" || v == "delete" || v == "-alias" || v == "destroy" {
			class = keyturn.Destructive // cuts the machine's network
		}
	}
	return []keyturn.Effect{c.localEffect("network", "ifconfig "+strings.Join(vals[1:], " "), class, vals[0])}
}

// miscMultiplexer: screen and tmux run shells whose input keyturn never
// sees; listing sessions is a read, killing them destroys their work.
func miscMultiplexer(c *call) []keyturn.Effect {
	vals := c.values()
	if c.prog == "screen" {
		for _, v := range vals {
			if v == "-ls" || v == "-list" || v == "-v" || v == "--version" {
				return []keyturn.Effect{readEffect(c)}
			}
		}
		return []keyturn.Effect{c.unknown("screen", "runs a terminal session whose commands keyturn cannot see")}
	}
	f := parseFlags(c.args, set("-L", "-S", "-f", "-c", "-T"), true)
	if cmd := f.get("-c"); cmd != "" {
		c.shell(cmd, "tmux -c command")
		return nil
	}
	if len(f.pos) == 0 {
		return []keyturn.Effect{c.unknown("tmux", "starts a terminal session whose commands keyturn cannot see")}
	}
	switch f.pos[0].Value {
	case "ls", "list-sessions", "list-windows", "lsw", "list-panes", "lsp", "list-clients", "lsc", "list-keys", "lsk",
		"list-buffers", "lsb", "show-options", "show", "display-message", "display", "has-session", "has", "capture-pane", "capturep", "info", "-V":
		return []keyturn.Effect{readEffect(c)}
	case "kill-server", "kill-session", "kill-window", "kill-pane", "killp", "killw":
		return []keyturn.Effect{c.localEffect("process", "tmux "+f.pos[0].Value, keyturn.Destructive)}
	}
	return []keyturn.Effect{c.unknown("tmux "+f.pos[0].Value, "drives a terminal session whose commands keyturn cannot see")}
}

// miscKubectx switches the current kube context or namespace: a local write
// to the kubeconfig, and every later kubectl in the line lands elsewhere.
func miscKubectx(c *call) []keyturn.Effect {
	vals := c.values()
	if len(vals) == 0 || vals[0] == "-c" || vals[0] == "--current" || vals[0] == "-h" || vals[0] == "--help" || vals[0] == "-V" {
		return []keyturn.Effect{readEffect(c)}
	}
	if vals[0] == "-d" {
		return []keyturn.Effect{c.localEffect("kubectl", c.prog+" -d", keyturn.Destructive, vals[1:]...)}
	}
	return []keyturn.Effect{c.localEffect("kubectl", c.prog+" switch", keyturn.Write, vals...)}
}
