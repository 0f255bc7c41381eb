package classify

import (
	"os"
	"path"
	"strings"

	"keyturn"
)

// The programs that delete, overwrite, create or change files and disks.
// Every path is judged by where it lands (path.go): deleting or overwriting
// inside the workspace (not its root, not .git) or a temp dir is a write;
// the workspace root, .git, home, system dirs, anything else outside the
// workspace and any path known only at run time are destructive. Creating
// something new is a write wherever it lands.

func init() {
	register(fsRemove, "rm", "unlink", "shred", "srm")
	register(fsRmdir, "rmdir")
	register(fsTruncate, "truncate")
	register(fsDd, "dd")
	register(fsMkfs, "mkfs", "mkfs.ext2", "mkfs.ext3", "mkfs.ext4", "mkfs.xfs", "mkfs.btrfs", "mkfs.vfat",
		"mkfs.fat", "mkfs.msdos", "mkfs.ntfs", "mkfs.exfat", "mkfs.f2fs", "mke2fs", "mkswap")
	register(fsWipefs, "wipefs")
	register(fsFdisk, "fdisk")
	register(fsSfdisk, "sfdisk")
	register(fsParted, "parted")
	register(fsSgdisk, "sgdisk")
	register(fsMoveCopy, "mv", "cp", "install")
	register(fsChmod, "chmod", "chown", "chgrp")
	register(fsLn, "ln")
	register(fsTee, "tee")
	register(fsCreate, "touch", "mkdir")
	register(fsSed, "sed")
	register(fsRsync, "rsync")
	register(fsScp, "scp")
}

// flagOperands returns the operands of f, those after "--" included.
func flagOperands(f flags) []arg {
	if !f.hasRest {
		return f.pos
	}
	return append(append([]arg{}, f.pos...), f.rest...)
}

// fsValueArg returns the option value v as an argument, known only if the word
// that carried it was: parseFlags keeps values as plain strings.
func fsValueArg(args []arg, v string) arg {
	for _, a := range args {
		if a.Value == v || strings.HasSuffix(a.Value, "="+v) || len(a.Value) == len(v)+2 && strings.HasSuffix(a.Value, v) && strings.HasPrefix(a.Value, "-") {
			return arg{Value: v, Known: a.Known}
		}
	}
	return arg{Value: v, Known: false}
}

func fsRead(c *call, targets ...string) keyturn.Effect {
	return keyturn.Effect{Tool: "fs", Operation: c.prog, Class: keyturn.Read, Environment: keyturn.EnvLocal, Targets: targets}
}

// removeEffect is deleteEffect for the programs of this file, with two
// refinements: a glob at the workspace root that can match .git (.*, .g*,
// {.git,src}) is judged as deleting .git, and deleting the whole workspace
// lands outside it (the project itself is gone), as shell.tsv expects.
func (c *call) removeEffect(op string, a arg) keyturn.Effect {
	e := c.deleteEffect(op, gitGlob(c, a))
	if len(e.Targets) == 1 && c.s.workspace != "" && e.Targets[0] == c.s.workspace {
		e.Environment = keyturn.EnvLocal
	}
	return e
}

// gitGlob returns the workspace's .git when a names a glob in the
// workspace root that the shell may expand to .git; otherwise a.
func gitGlob(c *call, a arg) arg {
	if !a.Known || !strings.ContainsAny(a.Value, "*?[{") {
		return a
	}
	dir, base := path.Split(a.Value)
	if dir == "" {
		dir = "."
	}
	p, ok := c.s.abs(arg{Value: dir, Known: true})
	if !ok || c.s.workspace == "" || p != c.s.workspace {
		return a
	}
	for _, alt := range braceAlternatives(base) {
		// A shell glob matches a leading dot only when the pattern has one.
		if m, err := path.Match(alt, ".git"); alt == ".git" || err == nil && m && strings.HasPrefix(alt, ".") {
			return arg{Value: path.Join(dir, ".git"), Known: true}
		}
	}
	return a
}

// braceAlternatives expands one level of brace alternation: a{b,c}d gives
// abd and acd. Deeper nesting is left as it is written.
func braceAlternatives(w string) []string {
	open := strings.IndexByte(w, '{')
	end := strings.IndexByte(w, '}')
	if open < 0 || end < open {
		return []string{w}
	}
	var out []string
	for _, alt := range strings.Split(w[open+1:end], ",") {
		out = append(out, w[:open]+alt+w[end+1:])
	}
	return out
}

func fsRemove(c *call) []keyturn.Effect {
	var valued map[string]bool
	if c.prog == "shred" {
		valued = set("-n", "--iterations", "-s", "--size", "--random-source")
	}
	ops := flagOperands(parseFlags(c.args, valued, false))
	if len(ops) == 0 {
		return []keyturn.Effect{fsRead(c)} // nothing named: rm prints its usage
	}
	out := make([]keyturn.Effect, 0, len(ops))
	for _, a := range ops {
		out = append(out, c.removeEffect(c.prog, a))
	}
	return out
}

// fsRmdir: rmdir removes only empty directories, which nothing is lost in.
func fsRmdir(c *call) []keyturn.Effect {
	ops := flagOperands(parseFlags(c.args, nil, false))
	if len(ops) == 0 {
		return []keyturn.Effect{fsRead(c)}
	}
	out := make([]keyturn.Effect, 0, len(ops))
	for _, a := range ops {
		e := c.writeEffect("rmdir", a)
		if e.Class == keyturn.Write {
			e.Note = "removes only empty directories"
		}
		out = append(out, e)
	}
	return out
}

func fsTruncate(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-s", "--size", "-r", "--reference"), false)
	size := f.get("-s", "--size")
	// +N, >N and %N only ever grow a file; anything else may cut it.
	grow := size != "" && strings.ContainsAny(size[:1], "+>%") && fsValueArg(c.args, size).Known
	ops := flagOperands(f)
	if len(ops) == 0 {
		return []keyturn.Effect{fsRead(c)}
	}
	out := make([]keyturn.Effect, 0, len(ops))
	for _, a := range ops {
		if grow {
			out = append(out, c.writeEffect("truncate", a))
		} else {
			out = append(out, c.overwriteEffect("truncate", a))
		}
	}
	return out
}

// overwriteEffect judges replacing the content of path a. A path that does
// not exist yet is only created (a write where it lands); an existing one,
// or one keyturn cannot check, is judged like deleting it.
func (c *call) overwriteEffect(op string, a arg) keyturn.Effect {
	p, ok := c.s.abs(a)
	switch {
	case ok && harmlessSink(p):
		return keyturn.Effect{Tool: "fs", Operation: op, Class: keyturn.Read, Environment: keyturn.EnvLocal, Targets: []string{p}}
	case ok && isBlockDevice(p):
		return c.writeEffect(op, a)
	}
	// A glob names files that exist; otherwise a path that is not there
	// yet is only created.
	if exists, _, checked := c.statPath(p, ok); checked && !exists && !strings.ContainsAny(path.Base(p), "*?[") {
		return c.writeEffect(op, a)
	}
	return c.removeEffect(op, a)
}

// statPath reports whether p exists on this machine and is a directory. checked
// is false when keyturn cannot look: the path is unknown, or the command
// runs on another host.
func (c *call) statPath(p string, ok bool) (exists, dir, checked bool) {
	if !ok || c.s.remote != nil {
		return false, false, false
	}
	fi, err := os.Stat(p)
	if err != nil {
		if os.IsNotExist(err) {
			if _, lerr := os.Lstat(p); lerr == nil {
				return true, false, true // a dangling symlink: writing follows it somewhere
			}
			return false, false, true
		}
		return false, false, false
	}
	return true, fi.IsDir(), true
}

func fsDd(c *call) []keyturn.Effect {
	var in, out arg
	hasOut := false
	var conv, oflag string
	for _, a := range c.args {
		k, v, ok := strings.Cut(a.Value, "=")
		if !ok {
			if !a.Known {
				return []keyturn.Effect{c.unknown("dd", "an operand known only at run time may name the output: "+a.Value)}
			}
			continue // --help, --version
		}
		val := arg{Value: v, Known: a.Known}
		switch k {
		case "if":
			in = val
		case "of":
			out, hasOut = val, true
		case "conv":
			conv = v
		case "oflag":
			oflag = v
		}
	}
	if !hasOut {
		return []keyturn.Effect{fsRead(c, in.Value)} // writes to stdout; a redirect is judged by the shell
	}
	if strings.Contains(conv, "notrunc") && strings.Contains(oflag, "append") {
		return []keyturn.Effect{c.writeEffect("dd", out)}
	}
	return []keyturn.Effect{c.overwriteEffect("dd", out)}
}

// mkfsValued lists the options that take a value, per family, so that a
// label or a size is not taken for the device.
func mkfsValued(prog string) map[string]bool {
	switch {
	case prog == "mkfs.xfs":
		return set("-b", "-d", "-i", "-l", "-L", "-m", "-n", "-p", "-r", "-s")
	case prog == "mkfs.btrfs":
		return set("-d", "-m", "-L", "-n", "-s", "-O", "-r", "-U", "-b", "-R", "--data", "--metadata", "--label",
			"--nodesize", "--sectorsize", "--features", "--rootdir", "--uuid", "--byte-count", "--checksum", "--csum")
	case prog == "mkfs.vfat" || prog == "mkfs.fat" || prog == "mkfs.msdos":
		return set("-b", "-D", "-f", "-F", "-g", "-h", "-i", "-l", "-m", "-M", "-n", "-r", "-R", "-s", "-S",
			"--codepage", "--offset", "--variant")
	case prog == "mkfs.ntfs":
		return set("-s", "-c", "-L", "-z", "-p", "-H", "-S", "--sector-size", "--cluster-size", "--label")
	case prog == "mkfs.exfat":
		return set("-b", "-c", "-L", "-U", "--boundary-align", "--cluster-size", "--volume-label", "--volume-guid", "--volume-serial")
	case prog == "mkfs.f2fs":
		return set("-a", "-c", "-C", "-d", "-e", "-E", "-l", "-o", "-O", "-r", "-R", "-s", "-t", "-T", "-w", "-z")
	case prog == "mkswap":
		return set("-L", "-U", "-p", "-e", "-o", "-s", "--label", "--uuid", "--pagesize", "--endianness", "--offset", "--size", "--file")
	}
	// mke2fs, mkfs.ext*, and mkfs, which passes its options on (mostly to mke2fs).
	return set("-b", "-C", "-d", "-E", "-g", "-G", "-i", "-I", "-J", "-l", "-L", "-m", "-M", "-N", "-o", "-O",
		"-r", "-t", "-T", "-U", "-e", "-z", "--type")
}

func fsMkfs(c *call) []keyturn.Effect {
	f := parseFlags(c.args, mkfsValued(c.prog), false)
	switch {
	case (c.prog == "mke2fs" || strings.HasPrefix(c.prog, "mkfs.ext")) && f.has("-n"),
		c.prog == "mkfs.xfs" && f.has("-N"),
		c.prog == "mkfs.ntfs" && f.has("-n", "--no-action"):
		return []keyturn.Effect{fsRead(c)} // a dry run: prints what it would do
	}
	ops := flagOperands(f)
	if len(ops) == 0 {
		return []keyturn.Effect{fsRead(c)} // --version, --help, usage
	}
	// mkfs DEVICE [SIZE]: the device, or an image file, is wiped.
	return []keyturn.Effect{c.overwriteEffect(c.prog, ops[0])}
}

func fsWipefs(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-o", "--offset", "-t", "--types", "-O", "--output"), false)
	ops := flagOperands(f)
	if f.has("-n", "--no-act") || !f.has("-a", "--all", "-o", "--offset") || len(ops) == 0 {
		return []keyturn.Effect{fsRead(c, strs(ops)...)} // without -a or -o it only lists signatures
	}
	out := make([]keyturn.Effect, 0, len(ops))
	for _, a := range ops {
		out = append(out, c.overwriteEffect("wipefs", a))
	}
	return out
}

// partitionEffects judges rewriting the partition table of each device.
func (c *call) partitionEffects(op string, devices []arg) []keyturn.Effect {
	if len(devices) == 0 {
		return []keyturn.Effect{{Tool: "fs", Operation: op, Class: keyturn.Destructive, Environment: keyturn.EnvLocal,
			Note: "edits the partition table of a disk it picks itself"}}
	}
	out := make([]keyturn.Effect, 0, len(devices))
	for _, d := range devices {
		out = append(out, c.overwriteEffect(op, d))
	}
	return out
}

func fsFdisk(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-b", "--sector-size", "-o", "--output", "-t", "--type", "-w", "--wipe",
		"-W", "--wipe-partitions", "-C", "--cylinders", "-H", "--heads", "-S", "--sectors"), false)
	if f.has("-l", "--list", "-x", "--list-details", "-s", "--getsz", "-V", "--version", "-h", "--help") {
		return []keyturn.Effect{fsRead(c, strs(flagOperands(f))...)}
	}
	// Interactive (or fed commands on stdin): it may write any table.
	return c.partitionEffects("fdisk", flagOperands(f))
}

func fsSfdisk(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-o", "--output", "-O", "--backup-file", "-X", "--label", "-Y", "--label-nested",
		"-w", "--wipe", "-W", "--wipe-partitions", "--color", "-N", "--partno", "--lock", "--sector-size"), false)
	ops := flagOperands(f)
	writes := f.has("--delete", "-r", "--reorder", "-A", "--activate", "--relocate", "--move-data", "-N", "--partno", "-a", "--append")
	reads := f.has("-l", "--list", "-F", "--list-free", "-d", "--dump", "-J", "--json", "-s", "--show-size",
		"-g", "--show-geometry", "-V", "--verify", "-T", "--list-types", "-v", "--version", "-h", "--help")
	// --part-type DEV N prints; --part-type DEV N TYPE sets.
	if f.has("--part-type", "--part-uuid", "--part-label", "--part-attrs") {
		reads, writes = len(ops) <= 2, len(ops) > 2
	}
	if f.has("-n", "--no-act") || reads && !writes {
		return []keyturn.Effect{fsRead(c, strs(ops)...)}
	}
	if len(ops) > 0 {
		ops = ops[:1] // DEVICE [PARTNO…]
	}
	return c.partitionEffects("sfdisk", ops)
}

// partedChanges are the parted commands that change a disk.
var partedChanges = map[string]bool{
	"mklabel": true, "mktable": true, "mkpart": true, "mkpartfs": true, "rm": true, "resizepart": true,
	"resize": true, "name": true, "set": true, "toggle": true, "disk_set": true, "disk_toggle": true,
	"mkfs": true, "move": true, "cp": true, "rescue": true, "type": true,
}

func fsParted(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-a", "--align"), false)
	ops := flagOperands(f)
	if f.has("-l", "--list", "-v", "--version", "-h", "--help") {
		return []keyturn.Effect{fsRead(c, strs(ops)...)}
	}
	if len(ops) == 0 {
		return c.partitionEffects("parted", nil)
	}
	dev, script := ops[0], ops[1:]
	reads := false
	for _, w := range script {
		if !w.Known || partedChanges[strings.ToLower(w.Value)] {
			return c.partitionEffects("parted", []arg{dev})
		}
		switch strings.ToLower(w.Value) {
		case "print", "p", "help", "version", "align-check":
			reads = true
		}
	}
	if !reads {
		// No command: an interactive session, which may change anything.
		return c.partitionEffects("parted", []arg{dev})
	}
	return []keyturn.Effect{fsRead(c, dev.Value)}
}

func fsSgdisk(c *call) []keyturn.Effect {
	valued := set("-a", "-A", "-b", "-c", "-d", "-i", "-j", "-l", "-n", "-r", "-R", "-t", "-u", "-U", "-h", "-m", "-N", "-x",
		"--set-alignment", "--attributes", "--backup", "--change-name", "--delete", "--info", "--move-main-table",
		"--load-backup", "--new", "--transpose", "--replicate", "--typecode", "--partition-guid", "--disk-guid",
		"--hybrid", "--gpttombr", "--largest-new")
	f := parseFlags(c.args, valued, false)
	ops := flagOperands(f)
	readOnly := map[string]bool{"-p": true, "--print": true, "-v": true, "--verify": true, "-i": true, "--info": true,
		"-O": true, "--print-mbr": true, "-P": true, "--pretend": true, "-L": true, "--list-types": true,
		"-b": true, "--backup": true, "-V": true, "--version": true, "-?": true, "--help": true, "--usage": true}
	changes := false
	for o := range f.opts {
		if !readOnly[o] {
			changes = true
		}
	}
	if !changes || f.has("-P", "--pretend") {
		var out []keyturn.Effect
		out = append(out, fsRead(c, strs(ops)...))
		for _, b := range append(f.opts["-b"], f.opts["--backup"]...) {
			out = append(out, c.writeEffect("sgdisk --backup", fsValueArg(c.args, b)))
		}
		return out
	}
	return c.partitionEffects("sgdisk", ops)
}

// fsMoveCopy: mv, cp and install replace their destination; mv also removes
// its sources.
func fsMoveCopy(c *call) []keyturn.Effect {
	valued := set("-S", "--suffix", "-t", "--target-directory")
	if c.prog == "install" {
		valued = set("-S", "--suffix", "-t", "--target-directory", "-g", "--group", "-m", "--mode", "-o", "--owner", "--strip-program")
	}
	// cp --target=/etc passwd: GNU tools take a prefix of a long option.
	f := parseFlags(longAbbrev(c.args, []string{"--target-directory", "--strip-program"}), valued, false)
	if c.prog == "install" && f.has("--strip-program") {
		return []keyturn.Effect{c.unknown("install --strip-program", "runs a program of the caller's choosing")}
	}
	ops := flagOperands(f)
	if c.prog == "install" && f.has("-d", "--directory") {
		out := make([]keyturn.Effect, 0, len(ops))
		for _, a := range ops {
			out = append(out, c.writeEffect("install -d", a))
		}
		return out
	}
	// -n and --update=none never replace a file; --backup keeps the old one.
	keep := f.has("-n", "--no-clobber", "-b", "--backup") || f.get("--update") == "none"
	var srcs []arg
	var dest arg
	toDir := false
	if t := f.get("-t", "--target-directory"); f.has("-t", "--target-directory") {
		srcs, dest, toDir = ops, fsValueArg(c.args, t), true
	} else {
		if len(ops) < 2 {
			return []keyturn.Effect{fsRead(c, strs(ops)...)} // a missing operand: it fails
		}
		srcs, dest = ops[:len(ops)-1], ops[len(ops)-1]
		toDir = len(srcs) > 1 || namesDir(dest.Value)
		if !toDir && !f.has("-T", "--no-target-directory") {
			p, ok := c.s.abs(dest)
			_, isDir, _ := c.statPath(p, ok)
			toDir = isDir
		}
	}
	var out []keyturn.Effect
	for _, src := range srcs {
		if c.prog == "mv" {
			out = append(out, c.removeEffect("mv", src))
		}
		target := dest
		if toDir {
			target = entryIn(dest, src)
		}
		if keep {
			out = append(out, c.writeEffect(c.prog, target))
		} else {
			out = append(out, c.overwriteEffect(c.prog, target))
		}
	}
	return out
}

// entryIn is the path a file named like src gets in directory dir. A name
// known only at run time may be any entry of dir: dir/*.
func entryIn(dir, src arg) arg {
	name := path.Base(src.Value)
	if !src.Known {
		name = "*"
	}
	return arg{Value: strings.TrimSuffix(dir.Value, "/") + "/" + name, Known: dir.Known}
}

// namesDir reports whether a destination is a directory by its spelling:
// dir/, ., .., ~.
func namesDir(v string) bool {
	base := path.Base(v)
	return strings.HasSuffix(v, "/") || base == "." || base == ".." || v == "~"
}

// systemDirs are directories whose mode or owner the system depends on.
var systemDirs = map[string]bool{
	"/": true, "/bin": true, "/boot": true, "/dev": true, "/etc": true, "/home": true, "/lib": true, "/lib32": true,
	"/lib64": true, "/libx32": true, "/media": true, "/mnt": true, "/opt": true, "/proc": true, "/root": true, "/run": true,
	"/sbin": true, "/srv": true, "/sys": true, "/tmp": true, "/usr": true, "/var": true, "/usr/bin": true, "/usr/sbin": true,
	"/usr/lib": true, "/usr/lib64": true, "/usr/local": true, "/usr/local/bin": true, "/usr/local/sbin": true,
	"/usr/share": true, "/var/lib": true, "/var/log": true, "/var/run": true, "/var/tmp": true, "/etc/ssh": true,
	"/etc/sudoers": true, "/etc/sudoers.d": true, "/etc/passwd": true, "/etc/shadow": true, "/etc/group": true,
	"/etc/gshadow": true, "/Applications": true, "/Library": true, "/System": true, "/Users": true, "/private": true,
	"/private/etc": true, "/private/var": true,
}

func (c *call) isSystemDir(p string) bool {
	if systemDirs[p] {
		return true
	}
	home := c.env["HOME"]
	return home != "" && (p == path.Clean(home) || p == path.Join(home, ".ssh"))
}

// isModeWord reports whether an option-like word of chmod is a mode: chmod
// -x FILE removes the execute bit.
func isModeWord(v string) bool {
	if len(v) < 2 || !strings.ContainsRune("-+=", rune(v[0])) {
		return false
	}
	return strings.Trim(v[1:], "rwxXstugoa+-=,01234567") == ""
}

func fsChmod(c *call) []keyturn.Effect {
	recursive, ref, end := false, false, false
	var ops []arg
	for _, a := range longAbbrev(c.args, []string{"--recursive", "--reference"}) {
		v := a.Value
		switch {
		case end || !a.Known || !strings.HasPrefix(v, "-") || v == "-":
			ops = append(ops, a)
		case v == "--":
			end = true
		case v == "--recursive":
			recursive = true
		case strings.HasPrefix(v, "--reference"):
			ref = true
		case strings.HasPrefix(v, "--"):
		case c.prog == "chmod" && isModeWord(v):
			ops = append(ops, a)
		case strings.Contains(v, "R"):
			recursive = true
		}
	}
	if !ref {
		if len(ops) == 0 {
			return []keyturn.Effect{fsRead(c)}
		}
		ops = ops[1:] // the mode or the owner
	}
	op := c.prog
	if recursive {
		op += " -R"
	}
	out := make([]keyturn.Effect, 0, len(ops))
	for _, a := range ops {
		p, ok := c.s.abs(a)
		e := keyturn.Effect{Tool: "fs", Operation: op, Class: keyturn.Write, Environment: c.s.pathEnv(p, ok), Targets: []string{p}}
		switch {
		case recursive && !(ok && (c.s.inWorkspace(p) || c.s.inTemp(p))):
			e.Class = keyturn.Destructive
			e.Note = "changes every file below a directory outside the workspace; the old modes are lost"
			if !ok {
				e.Note = "changes every file below a path known only at run time"
			}
		case ok && c.isSystemDir(p):
			e.Class = keyturn.Destructive
			e.Note = "changes a system directory the machine depends on"
		case !ok:
			e.Note = "the path is only known at run time"
		}
		out = append(out, e)
	}
	return out
}

func fsLn(c *call) []keyturn.Effect {
	f := parseFlags(longAbbrev(c.args, []string{"--target-directory"}), set("-S", "--suffix", "-t", "--target-directory"), false)
	ops := flagOperands(f)
	force := f.has("-f", "--force") && !f.has("-b", "--backup")
	var links []arg
	switch {
	case f.has("-t", "--target-directory"):
		dir := fsValueArg(c.args, f.get("-t", "--target-directory"))
		for _, a := range ops {
			links = append(links, entryIn(dir, a))
		}
	case len(ops) == 0:
		return []keyturn.Effect{fsRead(c)}
	case len(ops) == 1:
		links = []arg{{Value: path.Base(ops[0].Value), Known: ops[0].Known}}
	default:
		last := ops[len(ops)-1]
		toDir := len(ops) > 2 || namesDir(last.Value)
		if !toDir && !f.has("-T", "--no-target-directory", "-n", "--no-dereference") {
			p, ok := c.s.abs(last)
			_, toDir, _ = c.statPath(p, ok)
		}
		if !toDir {
			links = []arg{last}
			break
		}
		for _, a := range ops[:len(ops)-1] {
			links = append(links, entryIn(last, a))
		}
	}
	out := make([]keyturn.Effect, 0, len(links))
	for _, l := range links {
		if force {
			out = append(out, c.overwriteEffect("ln -f", l))
		} else {
			out = append(out, c.writeEffect("ln", l))
		}
	}
	// From here on, paths through these links lead wherever they point.
	for _, e := range out {
		if e.Class != keyturn.Read && len(e.Targets) == 1 && strings.HasPrefix(e.Targets[0], "/") {
			c.s.links[e.Targets[0]] = true
		}
	}
	return out
}

func fsTee(c *call) []keyturn.Effect {
	f := parseFlags(c.args, nil, false)
	op := "tee"
	if f.has("-a", "--append") {
		op = "tee -a"
	}
	ops := flagOperands(f)
	if len(ops) == 0 {
		return []keyturn.Effect{fsRead(c)}
	}
	out := make([]keyturn.Effect, 0, len(ops))
	for _, a := range ops {
		if p, ok := c.s.abs(a); ok && harmlessSink(p) {
			out = append(out, fsRead(c, p))
			continue
		}
		out = append(out, c.writeEffect(op, a))
	}
	return out
}

func fsCreate(c *call) []keyturn.Effect {
	valued := set("-m", "--mode")
	if c.prog == "touch" {
		valued = set("-r", "--reference", "-d", "--date", "-t")
	}
	ops := flagOperands(parseFlags(c.args, valued, false))
	if len(ops) == 0 {
		return []keyturn.Effect{fsRead(c)}
	}
	out := make([]keyturn.Effect, 0, len(ops))
	for _, a := range ops {
		out = append(out, c.writeEffect(c.prog, a))
	}
	return out
}

// sedArgs is a sed command line: GNU sed's options are parsed by hand
// because -i takes an optional suffix glued to it (-i.bak, and -ie is -i
// with the suffix "e", not -i -e).
type sedArgs struct {
	scripts []arg
	files   []arg // -f script files
	inPlace bool
	sandbox bool
	ops     []arg
}

func parseSed(args []arg) sedArgs {
	var s sedArgs
	end := false
	// GNU sed takes any prefix of a long option: --i is --in-place.
	args = longAbbrev(args, []string{"--in-place", "--expression", "--file"})
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.Value
		next := func() arg {
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return arg{Known: true}
		}
		switch {
		case end || !a.Known || !strings.HasPrefix(v, "-") || v == "-":
			s.ops = append(s.ops, a)
		case v == "--":
			end = true
		case strings.HasPrefix(v, "--"):
			name, val, eq := strings.Cut(v, "=")
			switch name {
			case "--in-place":
				s.inPlace = true
			case "--sandbox":
				s.sandbox = true
			case "--expression", "--file", "--line-length":
				x := arg{Value: val, Known: a.Known}
				if !eq {
					x = next()
				}
				if name == "--expression" {
					s.scripts = append(s.scripts, x)
				} else if name == "--file" {
					s.files = append(s.files, x)
				}
			}
		default:
			for j := 1; j < len(v); j++ {
				switch v[j] {
				case 'i':
					s.inPlace = true
					j = len(v) // the rest is the backup suffix
					// BSD sed: -i '' with an empty suffix as its own word.
					if v == "-i" && i+1 < len(args) && args[i+1].Known && args[i+1].Value == "" {
						i++
					}
				case 'e', 'f', 'l':
					x := arg{Value: v[j+1:], Known: true}
					if x.Value == "" {
						x = next()
					}
					if v[j] == 'e' {
						s.scripts = append(s.scripts, x)
					} else if v[j] == 'f' {
						s.files = append(s.files, x)
					}
					j = len(v)
				}
			}
		}
	}
	if len(s.scripts) == 0 && len(s.files) == 0 && len(s.ops) > 0 {
		s.scripts, s.ops = s.ops[:1], s.ops[1:]
	}
	return s
}

func fsSed(c *call) []keyturn.Effect {
	s := parseSed(c.args)
	var out []keyturn.Effect
	texts := make([]string, 0, len(s.scripts)+len(s.files))
	for _, a := range s.scripts {
		if !a.Known {
			return []keyturn.Effect{c.unknown("sed", "the sed script is only known at run time")}
		}
		texts = append(texts, a.Value)
	}
	for _, a := range s.files {
		p, ok := c.s.abs(a)
		var data []byte
		var err error
		if ok && c.s.remote == nil {
			data, err = readSmall(p)
		}
		if !ok || c.s.remote != nil || err != nil {
			return []keyturn.Effect{c.unknown("sed -f", "runs a sed script from a file keyturn cannot read: "+a.Value)}
		}
		texts = append(texts, string(data))
	}
	// --sandbox makes sed refuse e, r and w: the script can only edit text.
	if !s.sandbox {
		for _, t := range texts {
			prog, ok := parseSedScript(t)
			if !ok {
				return []keyturn.Effect{c.unknown("sed", "a sed script keyturn cannot parse")}
			}
			if prog.execPattern {
				return []keyturn.Effect{c.unknown("sed", "the sed script runs the text it edits as shell commands")}
			}
			for _, cmd := range prog.commands {
				c.shell(cmd, "sed e command")
			}
			for _, w := range prog.writes {
				if !harmlessSink(w) {
					out = append(out, c.writeEffect("sed w", arg{Value: w, Known: true}))
				}
			}
		}
	}
	if !s.inPlace {
		return append(out, fsRead(c))
	}
	if len(s.ops) == 0 {
		return append(out, fsRead(c)) // -i without a file fails
	}
	for _, a := range s.ops {
		out = append(out, c.writeEffect("sed -i", a))
	}
	return out
}

// sedProgram is what a sed script does beyond editing text.
type sedProgram struct {
	commands    []string // e COMMAND: shell commands it runs
	execPattern bool     // e without a command, or s///e: runs the edited text
	writes      []string // w FILE, W FILE, s///w FILE
}

// parseSedScript reads a GNU sed script far enough to find the commands
// that run shell code or write files. ok is false when it cannot follow the
// script, which is then not trusted.
func parseSedScript(src string) (sedProgram, bool) {
	var p sedProgram
	i := 0
	n := len(src)
	skipSpace := func() {
		for i < n && (src[i] == ' ' || src[i] == '\t') {
			i++
		}
	}
	toEOL := func() string {
		start := i
		for i < n && src[i] != '\n' {
			i++
		}
		return src[start:i]
	}
	// delimited reads up to the unescaped delimiter d; false at the end.
	delimited := func(d byte) bool {
		for i < n {
			switch {
			case src[i] == '\\' && i+1 < n:
				i += 2
			case src[i] == d:
				i++
				return true
			case src[i] == '\n' && d != '\n':
				return false
			default:
				i++
			}
		}
		return false
	}
	address := func() bool {
		if i >= n {
			return true
		}
		switch {
		case src[i] >= '0' && src[i] <= '9':
			for i < n && (src[i] >= '0' && src[i] <= '9' || src[i] == '~') {
				i++
			}
		case src[i] == '$':
			i++
		case src[i] == '/':
			i++
			if !delimited('/') {
				return false
			}
			for i < n && (src[i] == 'I' || src[i] == 'M') {
				i++
			}
		case src[i] == '\\' && i+1 < n:
			d := src[i+1]
			i += 2
			if !delimited(d) {
				return false
			}
			for i < n && (src[i] == 'I' || src[i] == 'M') {
				i++
			}
		case src[i] == '+' || src[i] == '~':
			i++
			for i < n && src[i] >= '0' && src[i] <= '9' {
				i++
			}
		}
		return true
	}
	for i < n {
		for i < n && strings.IndexByte(" \t\n;", src[i]) >= 0 {
			i++
		}
		if i >= n {
			break
		}
		if src[i] == '#' {
			toEOL()
			continue
		}
		if !address() {
			return p, false
		}
		skipSpace()
		if i < n && src[i] == ',' {
			i++
			skipSpace()
			if !address() {
				return p, false
			}
		}
		skipSpace()
		for i < n && src[i] == '!' {
			i++
			skipSpace()
		}
		if i >= n {
			return p, false
		}
		cmd := src[i]
		i++
		switch cmd {
		case '{':
			continue // a block's first command follows directly
		case '}', '=', 'd', 'D', 'g', 'G', 'h', 'H', 'n', 'N', 'p', 'P', 'x', 'z', 'F':
		case 'l', 'L', 'q', 'Q':
			skipSpace()
			for i < n && src[i] >= '0' && src[i] <= '9' {
				i++
			}
		case ':':
			skipSpace()
			for i < n && src[i] != '\n' && src[i] != ';' {
				i++
			}
		case 'b', 't', 'T', 'v':
			skipSpace()
			for i < n && src[i] != '\n' && src[i] != ';' && src[i] != '}' {
				i++
			}
		case 'a', 'i', 'c':
			// Text to the end of the line; a trailing backslash continues it.
			for i < n {
				line := toEOL()
				if !strings.HasSuffix(line, `\`) || i >= n {
					break
				}
				i++
			}
		case 'r', 'R':
			toEOL()
		case 'w', 'W':
			skipSpace()
			p.writes = append(p.writes, toEOL())
		case 'e':
			skipSpace()
			if c := strings.TrimSpace(toEOL()); c != "" {
				p.commands = append(p.commands, c)
			} else {
				p.execPattern = true
			}
		case 's', 'y':
			if i >= n || src[i] == '\n' || src[i] == '\\' {
				return p, false
			}
			d := src[i]
			i++
			// Each call reads one delimited part: the pattern, then the
			// replacement.
			if !delimited(d) || !delimited(d) {
				return p, false
			}
			if cmd == 'y' {
				break
			}
		flags:
			for i < n {
				switch f := src[i]; {
				case f == 'e':
					p.execPattern = true
					i++
				case f == 'w':
					i++
					skipSpace()
					p.writes = append(p.writes, toEOL())
				case strings.IndexByte("gpiImM0123456789", f) >= 0:
					i++
				default:
					break flags
				}
			}
		default:
			return p, false
		}
		skipSpace()
		if i < n && src[i] == '}' {
			continue
		}
		if i < n && src[i] == '#' {
			toEOL()
			continue
		}
		if i < n && src[i] != ';' && src[i] != '\n' {
			return p, false
		}
	}
	return p, true
}

// remotePathSpec splits an rsync/scp operand that names another host: host:path,
// user@host:path, host::module, [v6addr]:path, rsync://host/path,
// scp://host/path. ok is false for a local path.
func remotePathSpec(v string) (host, p string, ok bool) {
	for _, scheme := range []string{"rsync://", "scp://", "ssh://"} {
		if rest, found := strings.CutPrefix(v, scheme); found {
			h, p, _ := strings.Cut(rest, "/")
			if at := strings.LastIndex(h, "@"); at >= 0 {
				h = h[at+1:]
			}
			if hh, _, found := strings.Cut(h, ":"); found && !strings.HasPrefix(h, "[") {
				h = hh
			}
			return strings.Trim(h, "[]"), "/" + p, true
		}
	}
	var rest string
	if strings.HasPrefix(v, "[") || strings.Contains(v, "@[") {
		// [::1]:path
		end := strings.Index(v, "]:")
		if end < 0 {
			return "", "", false
		}
		host, rest = v[:end+1], v[end+2:]
	} else {
		colon := strings.IndexByte(v, ':')
		if colon <= 0 {
			return "", "", false
		}
		if slash := strings.IndexByte(v, '/'); slash >= 0 && slash < colon {
			return "", "", false // ./a:b is a local file
		}
		host, rest = v[:colon], v[colon+1:]
	}
	if at := strings.LastIndex(host, "@"); at >= 0 {
		host = host[at+1:]
	}
	host = strings.Trim(host, "[]")
	if host == "" {
		return "", "", false
	}
	return host, strings.TrimPrefix(rest, ":"), true
}

// isRemoteShell reports whether cmd (rsync -e, scp -S) starts an ssh-like
// transport rather than some other program.
func isRemoteShell(cmd string) bool {
	fields := strings.Fields(cmd)
	if len(fields) == 0 {
		return false
	}
	if strings.ContainsAny(fields[0], "$`") {
		return false // the program is only known at run time
	}
	switch path.Base(fields[0]) {
	case "ssh", "autossh", "ssh.exe":
		// Its options may run a local command: -o ProxyCommand=…, -F.
		return sshLocalCode(parseFlags(lits(fields[1:]...), sshValued, true)) == ""
	case "rsh", "mosh":
		return true
	}
	return false
}

// transferTarget is the effect of putting data at operand a: on another
// host (hinted by its name), at a local path, or somewhere known only at run
// time.
func (c *call) transferTarget(op string, class keyturn.Class, a arg, local func(string, arg) keyturn.Effect) keyturn.Effect {
	if host, p, ok := remotePathSpec(a.Value); ok {
		e := c.effect(c.prog, op, class, map[string]string{"host": host}, host+":"+p)
		if !a.Known {
			e.Note = "the destination is only known at run time"
		}
		return e
	}
	if !a.Known {
		// "$DEST" may be a host as well as a path: leave the environment
		// for the classifier, which makes it unknown.
		return keyturn.Effect{Tool: c.prog, Operation: op, Class: class, Targets: []string{a.Value},
			Note: "the destination is only known at run time and may be another host"}
	}
	e := local(op, a)
	e.Tool = c.prog
	return e
}

func fsRsync(c *call) []keyturn.Effect {
	valued := set("-e", "--rsh", "--rsync-path", "-f", "--filter", "--exclude", "--include", "--exclude-from",
		"--include-from", "--files-from", "--backup-dir", "--suffix", "--log-file", "--partial-dir", "-T", "--temp-dir",
		"--compare-dest", "--copy-dest", "--link-dest", "--chmod", "--chown", "--usermap", "--groupmap", "--timeout",
		"--contimeout", "--port", "--password-file", "--bwlimit", "--max-size", "--min-size", "--max-delete",
		"--modify-window", "--out-format", "--log-file-format", "--info", "--debug", "--compress-level",
		"--compress-choice", "--zc", "--checksum-choice", "--cc", "--skip-compress", "--protocol", "--iconv",
		"-B", "--block-size", "--address", "--sockopts", "--outbuf", "--stop-after", "--stop-at", "--write-batch",
		"--only-write-batch", "--read-batch", "-M", "--remote-option", "--config", "--early-input", "--max-alloc")
	f := parseFlags(c.args, valued, false)
	// rsync splits the -e command into words itself, without a shell: only
	// the program matters.
	if rsh := f.get("-e", "--rsh"); f.has("-e", "--rsh") && !isRemoteShell(rsh) {
		return []keyturn.Effect{c.unknown("rsync -e", "runs a remote shell program keyturn cannot judge: "+rsh)}
	}
	if f.has("-M", "--remote-option") {
		// Options for the other side only (-M--delete) escape the checks
		// below.
		return []keyturn.Effect{c.unknown("rsync --remote-option", "passes options to the remote rsync that keyturn does not judge")}
	}
	if rp := f.get("--rsync-path"); f.has("--rsync-path") {
		words := strings.Fields(rp)
		if len(words) > 0 && words[0] == "sudo" {
			words = words[1:]
		}
		if len(words) == 0 || path.Base(words[0]) != "rsync" || strings.ContainsAny(rp, ";&|`$()<>") {
			return []keyturn.Effect{c.unknown("rsync --rsync-path", "runs a program keyturn cannot judge on the other host: "+rp)}
		}
	}
	ops := flagOperands(f)
	if len(ops) < 2 || f.has("--list-only") {
		return []keyturn.Effect{fsRead(c, strs(ops)...)}
	}
	srcs, dest := ops[:len(ops)-1], ops[len(ops)-1]
	del := false
	for o := range f.opts {
		if o == "--del" || strings.HasPrefix(o, "--delete") {
			del = true
		}
	}
	removeSrc := f.has("--remove-source-files", "--remove-sent-files")
	dry := f.has("-n", "--dry-run")
	var out []keyturn.Effect
	for _, s := range srcs {
		switch {
		case removeSrc:
			out = append(out, c.transferTarget("rsync --remove-source-files", keyturn.Destructive, s, c.removeEffect))
		default:
			if host, p, ok := remotePathSpec(s.Value); ok {
				out = append(out, c.effect("rsync", "rsync", keyturn.Read, map[string]string{"host": host}, host+":"+p))
			}
		}
	}
	if del {
		out = append(out, c.transferTarget("rsync --delete", keyturn.Destructive, dest, c.removeEffect))
	} else {
		out = append(out, c.transferTarget("rsync", keyturn.Write, dest, c.writeEffect))
	}
	if dry {
		for i := range out {
			if out[i].Class == keyturn.Write || out[i].Class == keyturn.Destructive {
				out[i].Class = keyturn.Read
				out[i].Note = "a dry run"
			}
		}
	}
	return out
}

func fsScp(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-c", "-F", "-i", "-J", "-l", "-o", "-P", "-S", "-D", "-X"), false)
	if prog := f.get("-S"); f.has("-S") && !isRemoteShell(prog) {
		return []keyturn.Effect{c.unknown("scp -S", "runs a transport program keyturn cannot judge: "+prog)}
	}
	if why := sshLocalCode(f); why != "" {
		return []keyturn.Effect{c.unknown("scp", why)}
	}
	ops := flagOperands(f)
	if len(ops) < 2 {
		return []keyturn.Effect{fsRead(c, strs(ops)...)}
	}
	srcs, dest := ops[:len(ops)-1], ops[len(ops)-1]
	var out []keyturn.Effect
	toDir := len(srcs) > 1 || namesDir(dest.Value)
	for _, s := range srcs {
		if host, p, ok := remotePathSpec(s.Value); ok {
			out = append(out, c.effect("scp", "scp", keyturn.Read, map[string]string{"host": host}, host+":"+p))
		}
	}
	if !toDir {
		if _, _, remote := remotePathSpec(dest.Value); !remote && dest.Known {
			p, ok := c.s.abs(dest)
			_, toDir, _ = c.statPath(p, ok)
		}
	}
	if _, _, remote := remotePathSpec(dest.Value); toDir && !remote && dest.Known {
		for _, s := range srcs {
			_, sp, isRemote := remotePathSpec(s.Value)
			if !isRemote {
				sp = s.Value
			}
			t := entryIn(dest, arg{Value: sp, Known: s.Known})
			out = append(out, c.transferTarget("scp", keyturn.Write, t, c.writeEffect))
		}
		return out
	}
	return append(out, c.transferTarget("scp", keyturn.Write, dest, c.writeEffect))
}
