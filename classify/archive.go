package classify

import (
	"path"
	"strings"

	"keyturn"
)

// Archivers, compressors and converters: they read their inputs and write
// archives, extracted trees or converted files where those land. Their
// listing and testing modes are reads; modes that remove the input (gzip
// without -k, tar --remove-files, zip -m) delete it.

func init() {
	register(archiveTar, "tar", "gtar", "bsdtar")
	register(archiveCompress, "gzip", "pigz", "bzip2", "pbzip2", "xz", "lzma", "zstd", "lz4", "compress", "lzip", "brotli")
	register(archiveDecompress, "gunzip", "bunzip2", "unxz", "unlzma", "unzstd", "uncompress", "unpigz")
	register(archiveZip, "zip")
	register(archiveUnzip, "unzip")
	register(archiveCpio, "cpio")
	register(archive7z, "7z", "7za", "7zz", "7zr")
	register(archiveSplit, "split", "csplit")
	register(archiveMktemp, "mktemp")
	register(archiveRename, "rename", "prename", "file-rename", "perl-rename")
	register(archiveInPlace, "dos2unix", "unix2dos", "mogrify")
	register(archiveLastOutput, "convert", "magick", "ffmpeg", "pandoc")
}

// outputsIn returns a write effect for each path the tool writes.
func (c *call) outputsIn(op string, paths ...arg) []keyturn.Effect {
	out := make([]keyturn.Effect, 0, len(paths))
	for _, p := range paths {
		if p.Value == "-" {
			continue // stdout
		}
		out = append(out, c.overwriteEffect(op, p))
	}
	return out
}

// cwdArg is the current directory as an argument: where tools extract.
func (c *call) cwdArg() arg { return arg{Value: ".", Known: c.s.cwd != ""} }

// extractInto is extracting an archive into dir: files there are created
// or overwritten, so it is judged like writing the directory's contents.
func (c *call) extractInto(op string, dir arg) keyturn.Effect {
	return c.overwriteEffect(op, arg{Value: strings.TrimSuffix(dir.Value, "/") + "/*", Known: dir.Known})
}

func archiveTar(c *call) []keyturn.Effect {
	valued := set("-f", "--file", "-C", "--directory", "-T", "--files-from", "-X", "--exclude-from", "-b", "-H", "--format", "-I", "--use-compress-program", "-g", "--listed-incremental", "-N", "--newer", "--to-command", "--checkpoint-action", "--info-script", "-F", "--new-volume-script", "--rsh-command")
	args := c.args
	// Old style: the first word holds bundled options without a dash
	// (tar czf out.tgz dir); each valued option takes the next word in
	// turn: tar xvfC x.tar / is -x -v -f x.tar -C /.
	if len(args) > 0 && args[0].Known && !strings.HasPrefix(args[0].Value, "-") {
		var out []arg
		rest := args[1:]
		for _, l := range args[0].Value {
			out = append(out, arg{Value: "-" + string(l), Known: true})
			if valued["-"+string(l)] && len(rest) > 0 {
				out, rest = append(out, rest[0]), rest[1:]
			}
		}
		args = append(out, rest...)
	}
	// GNU tar takes any prefix of a long option (--to-c, --use-compress):
	// the options that run programs or reach outside the directory are
	// read as such.
	args = longAbbrev(args, []string{"--to-command", "--checkpoint-action", "--info-script", "--new-volume-script",
		"--rsh-command", "--use-compress-program", "--directory", "--absolute-names", "--remove-files",
		"--recursive-unlink", "--overwrite", "--unlink-first", "--file"}, "--checkpoint")
	f := parseFlags(args, valued, false)
	if f.has("--to-command", "--checkpoint-action", "--info-script", "-F", "--new-volume-script", "--rsh-command", "-I", "--use-compress-program") {
		return []keyturn.Effect{c.unknown("tar", "runs a program named on its command line")}
	}
	file := f.get("-f", "--file")
	dir := arg{Value: f.get("-C", "--directory"), Known: true}
	if dir.Value == "" {
		dir = c.cwdArg()
	}
	var out []keyturn.Effect
	switch {
	case f.has("-t", "--list", "-d", "--diff", "--compare"):
		return []keyturn.Effect{readEffect(c)}
	case f.has("-x", "--extract", "--get"):
		if f.has("-O", "--to-stdout") {
			return []keyturn.Effect{readEffect(c)}
		}
		if f.has("-P", "--absolute-names") {
			// Members named /etc/passwd or ../../x land where they say.
			dir = arg{Value: "/", Known: false}
		}
		out = append(out, c.extractInto("tar -x", dir))
	case f.has("-c", "--create", "-r", "--append", "-u", "--update", "-A", "--catenate", "--concatenate", "--delete"):
		if file != "" {
			out = append(out, c.outputsIn("tar -c", arg{Value: file, Known: true})...)
		}
		if f.has("--remove-files") {
			for _, p := range f.pos {
				out = append(out, c.removeEffect("tar --remove-files", joinDir(dir, p)))
			}
		}
	default:
		return []keyturn.Effect{c.unknown("tar", "a tar mode keyturn does not know")}
	}
	if len(out) == 0 {
		return []keyturn.Effect{readEffect(c)} // an archive written to stdout
	}
	return out
}

// joinDir resolves p against dir when p is relative (tar -C).
func joinDir(dir, p arg) arg {
	if path.IsAbs(p.Value) || dir.Value == "" || dir.Value == "." {
		return p
	}
	return arg{Value: path.Join(dir.Value, p.Value), Known: dir.Known && p.Known}
}

func archiveCompress(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-S", "--suffix", "-o", "--output", "-T", "--threads", "-b", "-p", "--processes", "-L", "--level", "-M", "--memory", "-D"), false)
	if f.has("-c", "--stdout", "--to-stdout", "-t", "--test", "-l", "--list", "-h", "--help", "-V", "--version") || len(f.pos) == 0 && !f.has("-o", "--output") {
		return []keyturn.Effect{readEffect(c)}
	}
	verb := c.prog
	if f.has("-d", "--decompress", "--uncompress") {
		verb += " -d"
	}
	var out []keyturn.Effect
	if o := f.get("-o", "--output"); o != "" {
		out = append(out, c.outputsIn(verb, arg{Value: o, Known: true})...)
	}
	// Without -k the input file is replaced by its (de)compressed twin:
	// the content survives, the file does not.
	for _, p := range f.pos {
		if f.has("-k", "--keep") || f.has("-o", "--output") {
			out = append(out, c.writeEffect(verb, p))
		} else {
			out = append(out, c.removeEffect(verb, p))
		}
	}
	return out
}

func archiveDecompress(c *call) []keyturn.Effect {
	c.args = append(lits("-d"), c.args...)
	return archiveCompress(c)
}

func archiveZip(c *call) []keyturn.Effect {
	// zip takes options anywhere on the line (zip -r x.zip . -TT CMD), and
	// any prefix of a long one.
	for _, a := range longAbbrev(c.args, []string{"--unzip-command", "--test"}) {
		if a.Value == "-T" || strings.HasPrefix(a.Value, "-TT") || strings.HasPrefix(a.Value, "--unzip-command") || a.Value == "--test" {
			return []keyturn.Effect{c.unknown("zip", "tests with a program named on its command line")}
		}
	}
	f := parseFlags(c.args, set("-b", "-n", "-t", "-tt", "-x", "-i", "-O", "--out", "-P", "--password", "-TT", "--unzip-command", "-Z", "-s"), true)
	if f.has("-T", "-TT", "--unzip-command") {
		return []keyturn.Effect{c.unknown("zip", "tests with a program named on its command line")}
	}
	if len(f.pos) == 0 {
		return []keyturn.Effect{readEffect(c)}
	}
	archive := f.pos[0]
	if o := f.get("-O", "--out"); o != "" {
		archive = arg{Value: o, Known: true}
	}
	out := c.outputsIn("zip", archive)
	if f.has("-m", "--move") {
		for _, p := range f.rest {
			out = append(out, c.removeEffect("zip -m", p))
		}
	}
	return out
}

func archiveUnzip(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-d", "-x", "-P", "-O", "-I"), false)
	if f.has("-l", "-t", "-p", "-v", "-z", "-Z", "-c") {
		return []keyturn.Effect{readEffect(c)}
	}
	dir := arg{Value: f.get("-d"), Known: true}
	if dir.Value == "" {
		dir = c.cwdArg()
	}
	return []keyturn.Effect{c.extractInto("unzip", dir)}
}

func archiveCpio(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-F", "--file", "-O", "-I", "-D", "--directory", "-H", "--format", "-E", "--pattern-file", "-R", "--owner", "--rsh-command", "-M", "--message"), false)
	if f.has("--rsh-command") {
		return []keyturn.Effect{c.unknown("cpio", "runs a program named on its command line")}
	}
	dir := arg{Value: f.get("-D", "--directory"), Known: true}
	if dir.Value == "" {
		dir = c.cwdArg()
	}
	switch {
	case f.has("-t", "--list"):
		return []keyturn.Effect{readEffect(c)}
	case f.has("-o", "--create"):
		if o := f.get("-O", "-F", "--file"); o != "" {
			return c.outputsIn("cpio -o", arg{Value: o, Known: true})
		}
		return []keyturn.Effect{readEffect(c)}
	case f.has("-i", "--extract"):
		return []keyturn.Effect{c.extractInto("cpio -i", dir)}
	case f.has("-p", "--pass-through"):
		if len(f.pos) > 0 {
			return []keyturn.Effect{c.extractInto("cpio -p", f.pos[0])}
		}
	}
	return []keyturn.Effect{c.unknown("cpio", "a cpio mode keyturn does not know")}
}

func archive7z(c *call) []keyturn.Effect {
	if len(c.args) == 0 {
		return []keyturn.Effect{readEffect(c)}
	}
	verb := c.args[0].Value
	var pos []arg
	dir := c.cwdArg()
	for _, a := range c.args[1:] {
		switch {
		case strings.HasPrefix(a.Value, "-o"):
			dir = arg{Value: a.Value[2:], Known: a.Known}
		case strings.HasPrefix(a.Value, "-"):
		default:
			pos = append(pos, a)
		}
	}
	switch verb {
	case "l", "t", "i", "h", "b":
		return []keyturn.Effect{readEffect(c)}
	case "x", "e":
		return []keyturn.Effect{c.extractInto("7z "+verb, dir)}
	case "a", "u", "d", "rn":
		if len(pos) > 0 {
			return c.outputsIn("7z "+verb, pos[0])
		}
	}
	return []keyturn.Effect{c.unknown("7z "+verb, "a 7-Zip command keyturn does not know")}
}

func archiveSplit(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-a", "--suffix-length", "-b", "--bytes", "-C", "--line-bytes", "-l", "--lines", "-n", "--number", "-t", "--separator", "--filter", "--additional-suffix", "-f", "--prefix", "-z", "--elide-empty-files"), false)
	if f.has("--filter") {
		return []keyturn.Effect{c.unknown(c.prog, "runs a filter command")}
	}
	prefix := arg{Value: "xx", Known: true}
	if c.prog == "split" {
		prefix.Value = "x"
		if len(f.pos) > 1 {
			prefix = f.pos[1]
		}
	} else if p := f.get("-f", "--prefix"); p != "" {
		prefix = arg{Value: p, Known: true}
	}
	return c.outputsIn(c.prog, arg{Value: prefix.Value + "*", Known: prefix.Known})
}

func archiveMktemp(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-p", "--tmpdir", "--suffix"), false)
	if f.has("-u", "--dry-run") {
		return []keyturn.Effect{readEffect(c)}
	}
	dir := f.get("-p", "--tmpdir")
	if dir == "" {
		dir = c.env["TMPDIR"]
	}
	if dir == "" {
		dir = "/tmp"
	}
	// A new, empty, uniquely named file: nothing existing is touched.
	return []keyturn.Effect{c.writeEffect("mktemp", arg{Value: strings.TrimSuffix(dir, "/") + "/tmp.*", Known: true})}
}

func archiveRename(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-e", "-E"), false)
	if f.has("-n", "--nono", "--no-act", "-h", "--help", "-V", "--version") {
		return []keyturn.Effect{readEffect(c)}
	}
	files := f.pos
	if len(files) > 0 && !f.has("-e", "-E") {
		files = files[1:] // the expression (perl) or the from string (util-linux)
	}
	if len(files) > 0 && !strings.Contains(f.pos[0].Value, "/") && len(f.pos) > 2 && c.prog == "rename" && !strings.ContainsAny(f.pos[0].Value, "^$()[]") {
		files = files[1:] // util-linux: rename FROM TO FILE…
	}
	var out []keyturn.Effect
	for _, p := range files {
		out = append(out, c.overwriteEffect(c.prog, p))
	}
	if len(out) == 0 {
		return []keyturn.Effect{readEffect(c)}
	}
	return out
}

func archiveInPlace(c *call) []keyturn.Effect {
	f := parseFlags(c.args, set("-n", "--newfile", "-o", "--oldfile", "-c", "--convmode", "-write", "-format", "-path", "-resize", "-quality", "-geometry", "-density", "-crop", "-rotate", "-strip"), false)
	if n := f.opts["-n"]; len(n) > 0 || f.has("--newfile") {
		// dos2unix -n IN OUT: only OUT is written.
		if len(f.pos) > 0 {
			return c.outputsIn(c.prog, f.pos[len(f.pos)-1])
		}
	}
	var out []keyturn.Effect
	for _, p := range f.pos {
		out = append(out, c.writeEffect(c.prog, p))
	}
	if len(out) == 0 {
		return []keyturn.Effect{readEffect(c)}
	}
	return out
}

// archiveLastOutput: converters whose last operand (or -o) is the output.
func archiveLastOutput(c *call) []keyturn.Effect {
	vals := c.values()
	if len(vals) == 0 || len(vals) == 1 && strings.HasPrefix(vals[0], "-") {
		return []keyturn.Effect{readEffect(c)}
	}
	for i, v := range vals {
		if (v == "-o" || v == "--output") && i+1 < len(vals) {
			return c.outputsIn(c.prog, c.args[i+1])
		}
		if strings.HasPrefix(v, "--output=") {
			return c.outputsIn(c.prog, arg{Value: strings.TrimPrefix(v, "--output="), Known: c.args[i].Known})
		}
	}
	if c.prog == "pandoc" {
		return []keyturn.Effect{readEffect(c)} // pandoc writes stdout without -o
	}
	last := c.args[len(c.args)-1]
	if strings.HasPrefix(last.Value, "-") {
		return []keyturn.Effect{c.unknown(c.prog, "no output file keyturn can find")}
	}
	return c.outputsIn(c.prog, last)
}
