package classify

import (
	"path"
	"strconv"
	"strings"

	"keyturn"
)

// git: the global options before the subcommand are skipped (-C, --work-tree
// and --git-dir change where it works), and the subcommand and its options
// decide the class. What touches another repository (push, fetch, pull,
// ls-remote) lands in the repo environment with git_remote and git_branch
// hints; the rest lands where the repository is: the workspace, or this
// machine when git is pointed elsewhere.
//
// Some configuration is code: a pager, an editor, an ssh command, a filter
// or a hooks directory given with -c, --config-env, GIT_CONFIG_KEY_n or a
// GIT_* variable runs when git needs it. Such a value is analysed as the
// shell command it is, or is unknown when it points at code keyturn cannot
// read. Aliases need no rule: git never lets one replace a built-in
// subcommand, and a subcommand keyturn does not know is unknown.

func init() {
	register(analyzeGit, "git")
}

type gitCall struct {
	c *call
	// dir is the working directory git acts on (the cwd after -C, or
	// --work-tree); gitDir the repository when --git-dir names one.
	dir, gitDir     string
	dirOK, gitDirOK bool
	hasGitDir       bool
	paginate        bool
	settings        []gitSetting
	sub             string
	args            []arg
}

// gitSetting is one configuration value given on the line or in the
// environment.
type gitSetting struct {
	key  string // section and name lower-cased; a subsection keeps its case
	val  arg
	from string // how it was given, for a person: "-c core.pager", "GIT_PAGER"
}

func analyzeGit(c *call) []keyturn.Effect {
	g := &gitCall{c: c, dir: c.s.cwd, dirOK: c.s.cwd != ""}
	g.fromEnv()
	args := c.args
	i := 0
	next := func() (arg, bool) {
		if i+1 < len(args) {
			i++
			return args[i], true
		}
		return arg{}, false
	}
loop:
	for ; i < len(args); i++ {
		a := args[i]
		v := a.Value
		if !a.Known {
			return []keyturn.Effect{c.unknown("git", "the git subcommand or option is only known at run time: "+v)}
		}
		name, val, eq := strings.Cut(v, "=")
		valArg := arg{Value: val, Known: true}
		switch {
		case v == "-C":
			d, ok := next()
			if !ok {
				return []keyturn.Effect{g.read("git")}
			}
			g.dir, g.dirOK = g.resolve(d)
		case v == "-c":
			kv, ok := next()
			if !ok {
				return []keyturn.Effect{g.read("git")}
			}
			g.addSetting(kv, "-c")
		case name == "--config-env":
			if !eq {
				valArg, _ = next()
			}
			// --config-env=KEY=ENVVAR takes the value from the environment.
			k, envName, _ := strings.Cut(valArg.Value, "=")
			ev, ok := c.env[envName]
			g.addSetting(arg{Value: k + "=" + ev, Known: ok && valArg.Known}, "--config-env")
		case name == "--git-dir" || name == "--work-tree":
			if !eq {
				valArg, _ = next()
			}
			p, ok := g.resolve(valArg)
			if name == "--work-tree" {
				g.dir, g.dirOK = p, ok
			} else {
				g.gitDir, g.gitDirOK, g.hasGitDir = p, ok, true
			}
		case name == "--namespace" || name == "--super-prefix" || name == "--list-cmds" || name == "--attr-source":
			if !eq {
				next()
			}
		case name == "--exec-path":
			if eq {
				return []keyturn.Effect{c.unknown("git --exec-path", "runs git's subcommands from another directory")}
			}
			return []keyturn.Effect{g.read("git --exec-path")}
		case v == "-p" || v == "--paginate":
			g.paginate = true
		case v == "-P" || v == "--no-pager" || v == "--bare" || v == "--no-replace-objects" || v == "--literal-pathspecs" ||
			v == "--glob-pathspecs" || v == "--noglob-pathspecs" || v == "--icase-pathspecs" || v == "--no-optional-locks" ||
			v == "--no-advice" || v == "--no-lazy-fetch":
		case v == "--version" || v == "-v" || v == "--help" || v == "-h" || v == "--html-path" || v == "--man-path" || v == "--info-path":
			return []keyturn.Effect{g.read("git " + v)}
		case strings.HasPrefix(v, "-"):
			return []keyturn.Effect{c.unknown("git "+v, "a git option keyturn does not know")}
		default:
			break loop
		}
	}
	if i >= len(args) {
		return []keyturn.Effect{g.read("git")} // prints its usage
	}
	g.sub, g.args = args[i].Value, longAbbrev(args[i+1:], gitLongOptions)
	out := g.settingEffects(g.settings)
	if len(g.args) > 0 && g.args[0].Known && g.args[0].Value == "--help" {
		return append(out, g.read("git "+g.sub+" --help"))
	}
	if g.sub == "maintenance" && len(g.args) > 0 && g.args[0].Known && g.args[0].Value != "run" {
		// start, register, stop, unregister change the user's scheduler
		// (cron, systemd timers, launchd) and global config.
		return append(out, g.c.localEffect("git", "git maintenance "+g.args[0].Value, keyturn.Write))
	}
	if class, ok := gitSimple[g.sub]; ok {
		return append(out, g.local("git "+g.sub, class))
	}
	if h, ok := gitSubcommands[g.sub]; ok {
		return append(out, h(g)...)
	}
	return append(out, c.unknown("git "+g.sub, "keyturn does not know git "+g.sub+": an external git-"+g.sub+" program or an alias"))
}

// gitLongOptions are the long options of git's subcommands that make them
// do more (or run code). git accepts any unambiguous prefix of a long
// option (git push --force-w, git reset --har), so such a prefix is read
// as the option.
var gitLongOptions = []string{"--force", "--force-with-lease", "--force-if-includes", "--delete", "--mirror",
	"--prune", "--receive-pack", "--exec", "--upload-pack", "--hard", "--merge", "--keep", "--discard-changes",
	"--open-files-in-pager", "--extcmd", "--config", "--template", "--global", "--system", "--file", "--worktree"}

// resolve makes a path given to git absolute against the directory git is in.
func (g *gitCall) resolve(a arg) (string, bool) {
	if !a.Known || a.Value == "" || strings.HasPrefix(a.Value, "~") {
		return a.Value, false
	}
	if path.IsAbs(a.Value) {
		return path.Clean(a.Value), true
	}
	if !g.dirOK {
		return a.Value, false
	}
	return path.Join(g.dir, a.Value), true
}

// env is where a local git effect lands: the workspace when git works on it.
func (g *gitCall) env() keyturn.Environment {
	s := g.c.s
	if s.workspace == "" || !g.dirOK || !s.inWorkspace(g.dir) {
		return keyturn.EnvLocal
	}
	if g.hasGitDir && (!g.gitDirOK || !s.inWorkspace(g.gitDir)) {
		return keyturn.EnvLocal
	}
	return keyturn.EnvWorkspace
}

func (g *gitCall) local(op string, class keyturn.Class, targets ...string) keyturn.Effect {
	return keyturn.Effect{Tool: "git", Operation: op, Class: class, Environment: g.env(), Targets: targets}
}

func (g *gitCall) read(op string) keyturn.Effect {
	return keyturn.Effect{Tool: "git", Operation: op, Class: keyturn.Read, Environment: g.env()}
}

// repo is an effect on another repository, with the remote and branch as
// hints (a push to main is worth a rule) and targets.
func (g *gitCall) repo(op string, class keyturn.Class, remote, branch string) keyturn.Effect {
	hints := map[string]string{}
	var targets []string
	if remote != "" {
		hints["git_remote"] = remote
		targets = append(targets, remote)
	}
	if branch != "" {
		hints["git_branch"] = branch
		targets = append(targets, branch)
	}
	return keyturn.Effect{Tool: "git", Operation: op, Class: class, Environment: keyturn.EnvRepo, Targets: targets, Hints: hints}
}

// pathEffect is an effect on a path git creates or writes (clone, init,
// archive -o): it lands where the path is.
func (g *gitCall) pathEffect(op string, class keyturn.Class, a arg, targets ...string) keyturn.Effect {
	p, ok := g.resolve(a)
	return keyturn.Effect{Tool: "git", Operation: op, Class: class, Environment: g.c.s.pathEnv(p, ok), Targets: append(targets, p)}
}

func (g *gitCall) flags(valued ...string) flags {
	return parseFlags(g.args, set(valued...), false)
}

func (g *gitCall) unknown(op, note string) []keyturn.Effect {
	return []keyturn.Effect{g.c.unknown(op, note)}
}

// gitEnvSettings are the GIT_* variables that stand for a setting.
var gitEnvSettings = []struct{ env, key string }{
	{"GIT_ASKPASS", "core.askpass"},
	{"GIT_EDITOR", "core.editor"},
	{"GIT_EXTERNAL_DIFF", "diff.external"},
	{"GIT_PAGER", "core.pager"},
	{"GIT_PROXY_COMMAND", "core.gitproxy"},
	{"GIT_SEQUENCE_EDITOR", "sequence.editor"},
	{"GIT_SSH", "core.sshcommand"},
	{"GIT_SSH_COMMAND", "core.sshcommand"},
	{"GIT_TEMPLATE_DIR", "init.templatedir"},
	{"GIT_EXEC_PATH", "keyturn.execpath"},
	{"GIT_CONFIG_PARAMETERS", "keyturn.configparameters"},
}

// fromEnv reads what the environment tells git: its directories and the
// settings that run code.
func (g *gitCall) fromEnv() {
	env := g.c.env
	if wt, ok := env["GIT_WORK_TREE"]; ok {
		g.dir, g.dirOK = g.resolve(arg{Value: wt, Known: true})
	}
	if gd, ok := env["GIT_DIR"]; ok {
		g.gitDir, g.gitDirOK = g.resolve(arg{Value: gd, Known: true})
		g.hasGitDir = true
	}
	for _, s := range gitEnvSettings {
		if v, ok := env[s.env]; ok {
			g.settings = append(g.settings, gitSetting{key: s.key, val: arg{Value: v, Known: true}, from: s.env})
		}
	}
	// GIT_CONFIG_COUNT=N with GIT_CONFIG_KEY_i and GIT_CONFIG_VALUE_i.
	if n, err := strconv.Atoi(env["GIT_CONFIG_COUNT"]); err == nil {
		if n > 64 {
			g.settings = append(g.settings, gitSetting{key: "keyturn.configparameters", from: "GIT_CONFIG_COUNT"})
			n = 0
		}
		for i := 0; i < n; i++ {
			k := env["GIT_CONFIG_KEY_"+strconv.Itoa(i)]
			v, ok := env["GIT_CONFIG_VALUE_"+strconv.Itoa(i)]
			g.addSetting(arg{Value: k + "=" + v, Known: ok}, "GIT_CONFIG_KEY_"+strconv.Itoa(i))
		}
	}
}

func (g *gitCall) addSetting(kv arg, from string) {
	k, v, eq := strings.Cut(kv.Value, "=")
	key := gitKey(k)
	if !kv.Known && (!eq || strings.ContainsAny(k, "$`")) {
		// The key itself is only known at run time: it may be any setting.
		key = "keyturn.configparameters"
	}
	if key == "core.worktree" {
		g.dir, g.dirOK = g.resolve(arg{Value: v, Known: kv.Known})
	}
	g.settings = append(g.settings, gitSetting{key: key, val: arg{Value: v, Known: kv.Known}, from: from + " " + k})
}

// gitKey lower-cases a key's section and name; the subsection between them
// keeps its case, as in git.
func gitKey(k string) string {
	first := strings.IndexByte(k, '.')
	last := strings.LastIndexByte(k, '.')
	if first < 0 || first == last {
		return strings.ToLower(k)
	}
	return strings.ToLower(k[:first]) + k[first:last] + strings.ToLower(k[last:])
}

// gitCodeKey says when git runs the value of a setting: "" never (it is
// data), "always", "pager", "editor", "remote" (when it talks to another
// repository) or "sub:NAME" (for that subcommand only). opaque is true when
// the value points at code keyturn cannot read (a hooks directory, an
// included file, a program on the other host) instead of being a command.
func gitCodeKey(key string) (when string, opaque bool) {
	switch key {
	case "core.pager":
		return "pager", false
	case "core.editor", "sequence.editor":
		return "editor", false
	case "core.sshcommand", "core.gitproxy", "core.askpass", "credential.helper":
		return "remote", false
	case "core.fsmonitor", "diff.external", "gpg.program", "core.alternaterefscommand":
		return "always", false
	case "core.hookspath", "include.path", "init.templatedir", "keyturn.execpath", "keyturn.configparameters":
		return "always", true
	case "uploadpack.packobjectshook", "protocol.allow":
		return "remote", true
	}
	first := strings.IndexByte(key, '.')
	last := strings.LastIndexByte(key, '.')
	if first < 0 {
		return "", false
	}
	section, name := key[:first], key[last+1:]
	sub := ""
	if last > first {
		sub = key[first+1 : last]
	}
	switch {
	case section == "pager" && sub == "":
		return "sub:" + name, false
	case section == "filter" && (name == "clean" || name == "smudge" || name == "process"),
		section == "diff" && (name == "textconv" || name == "command"),
		section == "merge" && name == "driver",
		section == "gpg" && name == "program",
		section == "hook" && name == "command",
		section == "trailer" && (name == "command" || name == "cmd"):
		return "always", false
	case section == "submodule" && name == "update":
		// submodule.NAME.update = !CMD runs CMD in git submodule update.
		return "sub:submodule", false
	case section == "mergetool" && name == "cmd":
		return "sub:mergetool", false
	case section == "difftool" && name == "cmd":
		return "sub:difftool", false
	case section == "credential" && name == "helper":
		return "remote", false
	case section == "includeif" && name == "path":
		return "always", true
	case section == "remote" && (name == "uploadpack" || name == "receivepack"),
		section == "protocol" && name == "allow":
		return "remote", true
	}
	return "", false
}

// gitPagerDefault are the subcommands that page their output by default.
var gitPagerDefault = map[string]bool{
	"log": true, "show": true, "diff": true, "grep": true, "blame": true, "annotate": true, "shortlog": true,
	"whatchanged": true, "reflog": true, "branch": true, "tag": true, "stash": true, "range-diff": true,
}

// opensEditor reports whether this git command starts the editor: most
// take the message from the command line when it is given there.
func (g *gitCall) opensEditor() bool {
	f := g.flags()
	msg := f.has("-m", "-F", "--message", "--file")
	switch g.sub {
	case "commit":
		return !msg && !f.has("-C", "--reuse-message", "--no-edit")
	case "tag":
		return !msg && f.has("-a", "-s", "-u", "--annotate", "--sign", "--local-user")
	case "rebase":
		return f.has("-i", "--interactive", "--edit-todo")
	case "merge", "cherry-pick", "pull":
		return f.has("-e", "--edit")
	case "revert":
		return !f.has("--no-edit")
	case "notes":
		return !msg
	case "config":
		ops := flagOperands(f)
		return f.has("-e", "--edit") || len(ops) > 0 && ops[0].Value == "edit"
	case "add":
		return f.has("-e", "--edit")
	case "branch":
		return f.has("--edit-description")
	case "am":
		return f.has("-i", "--interactive")
	}
	return false
}

var gitRemoteSubs = map[string]bool{
	"push": true, "fetch": true, "pull": true, "clone": true, "ls-remote": true, "submodule": true, "remote": true,
	"archive": true, "fetch-pack": true, "send-pack": true, "lfs": true, "request-pull": true, "maintenance": true,
}

func gitFalse(v string) bool {
	switch strings.ToLower(v) {
	case "false", "no", "off", "0":
		return true
	}
	return false
}

func gitBool(v string) bool {
	switch strings.ToLower(v) {
	case "", "true", "yes", "on", "1", "false", "no", "off", "0":
		return true
	}
	return false
}

// pages reports whether this git command starts a pager.
func (g *gitCall) pages() bool {
	for _, s := range g.settings {
		if s.key == "pager."+g.sub {
			return !gitFalse(s.val.Value)
		}
	}
	return g.paginate || gitPagerDefault[g.sub]
}

func (g *gitCall) applies(when string) bool {
	switch when {
	case "always":
		return true
	case "pager":
		return g.pages()
	case "editor":
		return g.opensEditor()
	case "remote":
		return gitRemoteSubs[g.sub]
	}
	return strings.HasPrefix(when, "sub:") && when[4:] == g.sub
}

// credentialHelpers are helpers that ship with git or its installers and
// only store credentials.
var credentialHelpers = map[string]bool{
	"store": true, "cache": true, "osxkeychain": true, "manager": true, "manager-core": true, "libsecret": true,
	"wincred": true, "gnome-keyring": true, "netrc": true, "oauth": true,
}

// settingEffects analyses the settings that run code in this command.
func (g *gitCall) settingEffects(settings []gitSetting) []keyturn.Effect {
	var out []keyturn.Effect
	for _, s := range settings {
		if when, _ := gitCodeKey(s.key); when != "" && g.applies(when) {
			out = append(out, g.judgeSetting(s)...)
		}
	}
	return out
}

// judgeSetting analyses the code a setting makes git run: a shell command
// is parsed as one, anything else keyturn cannot read is unknown.
func (g *gitCall) judgeSetting(s gitSetting) []keyturn.Effect {
	_, opaque := gitCodeKey(s.key)
	v := s.val.Value
	switch {
	case opaque:
		if s.key == "protocol.allow" && v != "always" || strings.HasPrefix(s.key, "protocol.") && gitFalse(v) {
			return nil
		}
		return g.unknown("git "+s.from, "makes git run code keyturn cannot read")
	case !s.val.Known:
		return g.unknown("git "+s.from, "git runs a command known only at run time")
	case (s.key == "core.fsmonitor" || strings.HasPrefix(s.key, "pager.")) && gitBool(v), strings.TrimSpace(v) == "":
		return nil
	case strings.HasPrefix(s.key, "submodule.") && strings.HasSuffix(s.key, ".update"):
		if !strings.HasPrefix(v, "!") {
			return nil // checkout, rebase, merge, none
		}
		v = v[1:]
	case s.key == "credential.helper" || strings.HasPrefix(s.key, "credential.") && strings.HasSuffix(s.key, ".helper"):
		if !strings.HasPrefix(v, "!") {
			if f := strings.Fields(v); len(f) > 0 && credentialHelpers[f[0]] {
				return nil
			}
			return g.unknown("git "+s.from, "a credential helper keyturn does not know: "+v)
		}
		v = v[1:]
	}
	g.c.shell(v, "git "+s.from)
	return nil
}

// gitSimple are the subcommands whose class does not depend on their
// arguments.
var gitSimple = map[string]keyturn.Class{
	// Interrogators: they print.
	"status": keyturn.Read, "show": keyturn.Read, "blame": keyturn.Read, "annotate": keyturn.Read,
	"shortlog": keyturn.Read, "describe": keyturn.Read, "rev-parse": keyturn.Read, "rev-list": keyturn.Read,
	"ls-files": keyturn.Read, "ls-tree": keyturn.Read, "cat-file": keyturn.Read, "whatchanged": keyturn.Read,
	"show-ref": keyturn.Read, "show-branch": keyturn.Read, "for-each-ref": keyturn.Read, "merge-base": keyturn.Read,
	"name-rev": keyturn.Read, "cherry": keyturn.Read, "count-objects": keyturn.Read, "verify-commit": keyturn.Read,
	"verify-tag": keyturn.Read, "verify-pack": keyturn.Read, "check-ignore": keyturn.Read, "check-attr": keyturn.Read,
	"check-mailmap": keyturn.Read, "check-ref-format": keyturn.Read, "diff-files": keyturn.Read,
	"diff-index": keyturn.Read, "diff-tree": keyturn.Read, "range-diff": keyturn.Read, "help": keyturn.Read,
	"version": keyturn.Read, "var": keyturn.Read, "get-tar-commit-id": keyturn.Read, "show-index": keyturn.Read,
	"column": keyturn.Read, "stripspace": keyturn.Read, "patch-id": keyturn.Read, "fmt-merge-msg": keyturn.Read,
	"mailinfo": keyturn.Read, "merge-tree": keyturn.Read, "fast-export": keyturn.Read, "fsck": keyturn.Read,
	"request-pull": keyturn.Read, "check-connectivity": keyturn.Read, "ls-refs": keyturn.Read,
	// Changes to the repository and the work tree that git or the reflog
	// can undo.
	"add": keyturn.Write, "commit": keyturn.Write, "merge": keyturn.Write, "cherry-pick": keyturn.Write,
	"revert": keyturn.Write, "am": keyturn.Write, "mv": keyturn.Write, "rm": keyturn.Write,
	"mergetool": keyturn.Write, "repack": keyturn.Write, "pack-refs": keyturn.Write, "maintenance": keyturn.Write,
	"update-index": keyturn.Write, "replace": keyturn.Write, "fast-import": keyturn.Write, "merge-file": keyturn.Write,
	"merge-index": keyturn.Write, "merge-one-file": keyturn.Write, "mktag": keyturn.Write, "mktree": keyturn.Write,
	"commit-tree": keyturn.Write, "write-tree": keyturn.Write, "commit-graph": keyturn.Write,
	"multi-pack-index": keyturn.Write, "prune-packed": keyturn.Write, "pack-objects": keyturn.Write,
	"index-pack": keyturn.Write, "unpack-objects": keyturn.Write, "update-server-info": keyturn.Write,
	"unpack-file": keyturn.Write, "rerere": keyturn.Write, "mailsplit": keyturn.Write, "bugreport": keyturn.Write,
	"diagnose": keyturn.Write, "instaweb": keyturn.Write, "daemon": keyturn.Write, "quiltimport": keyturn.Write,
	"credential-cache": keyturn.Write, "credential-store": keyturn.Write,
}

var gitSubcommands map[string]func(*gitCall) []keyturn.Effect

func init() {
	gitSubcommands = map[string]func(*gitCall) []keyturn.Effect{
		"push": gitPush, "fetch": gitFetch, "pull": gitPull, "ls-remote": gitLsRemote, "clone": gitClone,
		"init": gitInit, "config": gitConfig, "log": gitLog, "diff": gitLog, "grep": gitGrep, "difftool": gitDifftool,
		"checkout": gitCheckout, "switch": gitSwitch, "restore": gitRestore, "reset": gitReset, "clean": gitClean,
		"branch": gitBranch, "tag": gitTag, "stash": gitStash, "reflog": gitReflog, "gc": gitGC, "prune": gitPrune,
		"update-ref": gitUpdateRef, "symbolic-ref": gitSymbolicRef, "filter-branch": gitFilterBranch,
		"filter-repo": gitFilterRepo, "worktree": gitWorktree, "submodule": gitSubmodule, "remote": gitRemote,
		"notes": gitNotes, "bisect": gitBisect, "archive": gitArchive, "format-patch": gitFormatPatch,
		"bundle": gitBundle, "apply": gitApply, "rebase": gitRebase, "read-tree": gitReadTree,
		"checkout-index": gitCheckoutIndex, "sparse-checkout": gitSparseCheckout, "lfs": gitLFS,
		"hash-object": gitHashObject, "interpret-trailers": gitInterpretTrailers, "credential": gitCredential,
		"send-pack": gitSendPack, "fetch-pack": gitFetchPack, "hook": gitHook,
	}
	// Dry runs of the simple writers.
	for _, sub := range []string{"add", "mv", "rm"} {
		writer := sub
		gitSubcommands[sub] = func(g *gitCall) []keyturn.Effect {
			if g.flags().has("-n", "--dry-run") {
				return []keyturn.Effect{g.read("git " + writer)}
			}
			return []keyturn.Effect{g.local("git "+writer, keyturn.Write)}
		}
		delete(gitSimple, sub)
	}
}

// currentBranch reads the branch HEAD names in the repository git works
// on, or "" when it cannot tell.
func (g *gitCall) currentBranch() string {
	if g.c.s.remote != nil {
		return ""
	}
	headOf := func(dir string) string {
		data, err := readSmall(path.Join(dir, "HEAD"))
		if err != nil {
			return ""
		}
		ref, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "ref: ")
		if !ok {
			return ""
		}
		return strings.TrimPrefix(ref, "refs/heads/")
	}
	if g.hasGitDir {
		if !g.gitDirOK {
			return ""
		}
		return headOf(g.gitDir)
	}
	if !g.dirOK {
		return ""
	}
	d := g.dir
	for n := 0; n < 64; n++ {
		dotgit := path.Join(d, ".git")
		if b := headOf(dotgit); b != "" {
			return b
		}
		// A worktree or submodule: .git is a file naming the git dir.
		if data, err := readSmall(dotgit); err == nil {
			gd, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir:")
			if !ok {
				return ""
			}
			gd = strings.TrimSpace(gd)
			if !path.IsAbs(gd) {
				gd = path.Join(d, gd)
			}
			return headOf(gd)
		}
		if d == "/" || d == "." || d == "" {
			break
		}
		d = path.Dir(d)
	}
	return ""
}

// remoteNamesCode reports whether a repository address makes git run a
// command: the ext:: transport.
func remoteNamesCode(r string) bool {
	return strings.HasPrefix(r, "ext::")
}

func gitPush(g *gitCall) []keyturn.Effect {
	f := g.flags("--repo", "-o", "--push-option", "--receive-pack", "--exec")
	if f.has("--receive-pack", "--exec") {
		return g.unknown("git push --receive-pack", "runs a program on the remote host that keyturn cannot see")
	}
	ops := flagOperands(f)
	remote := f.get("--repo")
	if remote == "" && len(ops) > 0 {
		remote, ops = ops[0].Value, ops[1:]
	}
	if remoteNamesCode(remote) {
		return g.unknown("git push", "the ext:: transport runs a command: "+remote)
	}
	force := f.has("-f", "--force", "--force-with-lease", "--force-if-includes")
	del := f.has("-d", "--delete")
	var out []keyturn.Effect
	switch {
	case f.has("--mirror"):
		e := g.repo("git push --mirror", keyturn.Destructive, remote, "")
		e.Note = "makes the remote's refs match the local ones: refs missing here are deleted there"
		out = append(out, e)
	case f.has("--prune"):
		e := g.repo("git push --prune", keyturn.Destructive, remote, "")
		e.Note = "deletes remote branches that have no local counterpart"
		out = append(out, e)
	}
	if len(ops) == 0 && len(out) == 0 {
		branch := ""
		if !f.has("--all", "--branches", "--tags") {
			branch = g.currentBranch()
		}
		switch {
		case del:
			out = append(out, g.repo("git push --delete", keyturn.Destructive, remote, branch))
		case force:
			out = append(out, g.repo("git push --force", keyturn.Destructive, remote, branch))
		default:
			out = append(out, g.repo("git push", keyturn.Write, remote, branch))
		}
	}
	for _, r := range ops {
		if !r.Known {
			e := g.repo("git push", keyturn.Destructive, remote, r.Value)
			e.Note = "the refspec is only known at run time: it may force or delete"
			out = append(out, e)
			continue
		}
		spec := r.Value
		plus := strings.HasPrefix(spec, "+")
		spec = strings.TrimPrefix(spec, "+")
		src, dst, colon := strings.Cut(spec, ":")
		if !colon {
			dst = src
		}
		if dst == "HEAD" || dst == "@" {
			if b := g.currentBranch(); b != "" {
				dst = b
			}
		}
		branch := strings.TrimPrefix(dst, "refs/heads/")
		switch {
		case del:
			out = append(out, g.repo("git push --delete", keyturn.Destructive, remote, branch))
		case colon && src == "":
			out = append(out, g.repo("git push --delete", keyturn.Destructive, remote, branch))
		case force || plus:
			out = append(out, g.repo("git push --force", keyturn.Destructive, remote, branch))
		default:
			out = append(out, g.repo("git push", keyturn.Write, remote, branch))
		}
	}
	if f.has("-n", "--dry-run") {
		for i := range out {
			out[i].Class = keyturn.Read
			out[i].Note = "a dry run"
		}
	}
	return out
}

var gitFetchValued = []string{"--upload-pack", "--depth", "--deepen", "--shallow-since", "--shallow-exclude", "-j", "--jobs",
	"--negotiation-tip", "--refmap", "-o", "--server-option", "--filter", "--recurse-submodules-default"}

// remoteAndBranch returns the repository and the first ref of a fetch-like
// command line.
func remoteAndBranch(f flags) (remote, branch string) {
	ops := flagOperands(f)
	if !f.has("--all", "--multiple") && len(ops) > 0 {
		remote, ops = ops[0].Value, ops[1:]
	}
	if len(ops) > 0 {
		src, _, _ := strings.Cut(strings.TrimPrefix(ops[0].Value, "+"), ":")
		branch = strings.TrimPrefix(src, "refs/heads/")
	}
	return remote, branch
}

func gitFetch(g *gitCall) []keyturn.Effect {
	f := g.flags(gitFetchValued...)
	if f.has("--upload-pack") {
		return g.unknown("git fetch --upload-pack", "runs a program on the remote host that keyturn cannot see")
	}
	remote, branch := remoteAndBranch(f)
	if remoteNamesCode(remote) {
		return g.unknown("git fetch", "the ext:: transport runs a command: "+remote)
	}
	if f.has("--dry-run") {
		return []keyturn.Effect{g.repo("git fetch", keyturn.Read, remote, branch)}
	}
	return []keyturn.Effect{g.repo("git fetch", keyturn.Write, remote, branch)}
}

func gitPull(g *gitCall) []keyturn.Effect {
	f := g.flags(append(gitFetchValued, "-s", "--strategy", "-X", "--strategy-option")...)
	if f.has("--upload-pack") {
		return g.unknown("git pull --upload-pack", "runs a program on the remote host that keyturn cannot see")
	}
	remote, branch := remoteAndBranch(f)
	if remoteNamesCode(remote) {
		return g.unknown("git pull", "the ext:: transport runs a command: "+remote)
	}
	return []keyturn.Effect{g.repo("git pull", keyturn.Write, remote, branch)}
}

func gitLsRemote(g *gitCall) []keyturn.Effect {
	f := g.flags("--upload-pack", "--sort", "-o", "--server-option")
	if f.has("--upload-pack") {
		return g.unknown("git ls-remote --upload-pack", "runs a program on the remote host that keyturn cannot see")
	}
	remote, branch := remoteAndBranch(f)
	if remoteNamesCode(remote) {
		return g.unknown("git ls-remote", "the ext:: transport runs a command: "+remote)
	}
	return []keyturn.Effect{g.repo("git ls-remote", keyturn.Read, remote, branch)}
}

func gitClone(g *gitCall) []keyturn.Effect {
	f := g.flags("-o", "--origin", "-b", "--branch", "-u", "--upload-pack", "--reference", "--reference-if-able",
		"--separate-git-dir", "--depth", "--shallow-since", "--shallow-exclude", "-c", "--config", "--server-option",
		"-j", "--jobs", "--filter", "--template", "--bundle-uri", "--revision", "--ref-format")
	switch {
	case f.has("-u", "--upload-pack"):
		return g.unknown("git clone --upload-pack", "runs a program on the remote host that keyturn cannot see")
	case f.has("--template"):
		return g.unknown("git clone --template", "installs hooks from a template that run during the clone")
	}
	ops := flagOperands(f)
	if len(ops) == 0 {
		return []keyturn.Effect{g.read("git clone")}
	}
	url := ops[0]
	if remoteNamesCode(url.Value) {
		return g.unknown("git clone", "the ext:: transport runs a command: "+url.Value)
	}
	var settings []gitSetting
	for _, kv := range append(f.opts["-c"], f.opts["--config"]...) {
		k, v, _ := strings.Cut(kv, "=")
		settings = append(settings, gitSetting{key: gitKey(k), val: arg{Value: v, Known: fsValueArg(g.args, kv).Known}, from: "clone -c " + k})
	}
	out := g.settingEffects(settings)
	dir := arg{Value: gitCloneDir(url.Value), Known: url.Known}
	if len(ops) > 1 {
		dir = ops[1]
	}
	e := g.pathEffect("git clone", keyturn.Write, dir, url.Value)
	e.Hints = map[string]string{"git_remote": url.Value}
	if b := f.get("-b", "--branch"); b != "" {
		e.Hints["git_branch"] = b
	}
	return append(out, e)
}

// gitCloneDir is the directory git clone makes for a URL: its last part
// without .git.
func gitCloneDir(url string) string {
	u := strings.TrimRight(url, "/")
	u = strings.TrimSuffix(u, "/.git")
	if i := strings.LastIndexAny(u, "/:"); i >= 0 {
		u = u[i+1:]
	}
	u = strings.TrimSuffix(u, ".git")
	if u == "" {
		return "."
	}
	return u
}

func gitInit(g *gitCall) []keyturn.Effect {
	f := g.flags("--template", "--separate-git-dir", "-b", "--initial-branch", "--object-format", "--ref-format")
	if f.has("--template") {
		return g.unknown("git init --template", "installs hooks from a template keyturn cannot read")
	}
	ops := flagOperands(f)
	dir := arg{Value: ".", Known: true}
	if len(ops) > 0 {
		dir = ops[0]
	}
	return []keyturn.Effect{g.pathEffect("git init", keyturn.Write, dir)}
}

func gitConfig(g *gitCall) []keyturn.Effect {
	f := g.flags("-f", "--file", "--blob", "--type", "--default", "--comment", "--value")
	ops := flagOperands(f)
	mode := ""
	if len(ops) > 0 {
		switch ops[0].Value {
		case "list", "get":
			mode, ops = "read", ops[1:]
		case "set", "unset", "rename-section", "remove-section", "edit":
			mode = "write"
			if ops[0].Value != "set" {
				mode = "change"
			}
			ops = ops[1:]
		}
	}
	switch {
	case mode != "":
	case f.has("--get", "--get-all", "--get-regexp", "--get-urlmatch", "--get-color", "--get-colorbool", "-l", "--list"):
		mode = "read"
	case f.has("--unset", "--unset-all", "--rename-section", "--remove-section", "-e", "--edit"):
		mode = "change"
	case f.has("--add", "--replace-all"):
		mode = "write"
	case len(ops) >= 2:
		mode = "write"
	default:
		mode = "read" // git config KEY prints the value
	}
	env := g.env()
	if f.has("--global", "--system") {
		env = keyturn.EnvLocal
	} else if file := f.get("-f", "--file"); file != "" {
		p, ok := g.resolve(fsValueArg(g.args, file))
		env = g.c.s.pathEnv(p, ok)
	}
	var targets []string
	if len(ops) > 0 {
		targets = []string{ops[0].Value}
	}
	e := keyturn.Effect{Tool: "git", Operation: "git config", Class: keyturn.Write, Environment: env, Targets: targets}
	if mode == "read" {
		e.Class = keyturn.Read
		return []keyturn.Effect{e}
	}
	var out []keyturn.Effect
	if mode == "write" && len(ops) >= 2 {
		// A setting that runs code runs it later, in commands keyturn will
		// not connect to this one: judge the code now.
		key := gitKey(ops[0].Value)
		val := ops[1]
		if v := f.get("--value"); v != "" {
			val = fsValueArg(g.args, v)
		}
		if when, _ := gitCodeKey(key); when != "" {
			out = g.judgeSetting(gitSetting{key: key, val: val, from: "config " + ops[0].Value})
		}
	}
	return append(out, e)
}

// gitLog: log and diff print, unless --output names a file.
func gitLog(g *gitCall) []keyturn.Effect {
	f := g.flags()
	if o := f.get("--output"); o != "" {
		return []keyturn.Effect{g.pathEffect("git "+g.sub+" --output", keyturn.Write, fsValueArg(g.args, o))}
	}
	return []keyturn.Effect{g.read("git " + g.sub)}
}

func gitGrep(g *gitCall) []keyturn.Effect {
	f := g.flags("-e", "-f", "-A", "-B", "-C", "-m", "--max-count", "--max-depth", "--threads", "--context",
		"--after-context", "--before-context")
	if f.has("-O", "--open-files-in-pager") {
		return g.unknown("git grep -O", "opens the matching files in a program keyturn cannot judge")
	}
	return []keyturn.Effect{g.read("git grep")}
}

func gitDifftool(g *gitCall) []keyturn.Effect {
	f := g.flags("-x", "--extcmd", "-t", "--tool")
	for _, cmd := range append(f.opts["-x"], f.opts["--extcmd"]...) {
		a := fsValueArg(g.args, cmd)
		if !a.Known {
			return g.unknown("git difftool --extcmd", "the diff command is only known at run time")
		}
		g.c.shell(cmd, "git difftool --extcmd")
	}
	return []keyturn.Effect{g.read("git difftool")}
}

// looksLikePath reports whether a lone operand of git checkout names files
// rather than a branch: ".", a glob, pathspec magic, or a file that exists.
func (g *gitCall) looksLikePath(a arg) bool {
	v := a.Value
	if v == "." || v == ".." || strings.HasPrefix(v, "./") || strings.HasPrefix(v, "../") || strings.HasPrefix(v, ":") ||
		strings.ContainsAny(v, "*?[") || path.IsAbs(v) {
		return true
	}
	p, ok := g.resolve(a)
	exists, _, _ := g.c.statPath(p, ok)
	return exists
}

func gitCheckout(g *gitCall) []keyturn.Effect {
	f := g.flags("-b", "-B", "--orphan", "--conflict", "--pathspec-from-file")
	pos := f.pos
	switch {
	case f.has("-f", "--force"):
		return []keyturn.Effect{g.discard("git checkout -f", strs(flagOperands(f)), "throws away uncommitted changes")}
	case f.has("-p", "--patch"):
		return []keyturn.Effect{g.discard("git checkout --", strs(flagOperands(f)), "throws away the chosen uncommitted changes")}
	case f.hasRest && len(f.rest) > 0, f.has("--pathspec-from-file"):
		return []keyturn.Effect{g.discard("git checkout --", strs(f.rest), "overwrites files with their committed content: uncommitted changes are lost")}
	case f.has("-b", "-B", "--orphan"):
		return []keyturn.Effect{g.local("git checkout -b", keyturn.Write, f.get("-b", "-B", "--orphan"))}
	case len(pos) >= 2:
		return []keyturn.Effect{g.discard("git checkout --", strs(pos[1:]), "overwrites files with their content at "+pos[0].Value+": uncommitted changes are lost")}
	case len(pos) == 1 && !pos[0].Known:
		return []keyturn.Effect{g.discard("git checkout", strs(pos), "a branch or a path known only at run time: a path loses its uncommitted changes")}
	case len(pos) == 1 && (g.looksLikePath(pos[0]) || f.has("--ours", "--theirs")):
		return []keyturn.Effect{g.discard("git checkout --", strs(pos), "overwrites files with their committed content: uncommitted changes are lost")}
	case len(pos) == 1:
		return []keyturn.Effect{g.local("git checkout", keyturn.Write, pos[0].Value)}
	case f.has("--detach"):
		return []keyturn.Effect{g.local("git checkout", keyturn.Write)}
	}
	return []keyturn.Effect{g.read("git checkout")}
}

// discard is a destructive effect on the work tree: uncommitted work that
// no commit or reflog holds.
func (g *gitCall) discard(op string, targets []string, note string) keyturn.Effect {
	e := g.local(op, keyturn.Destructive, targets...)
	e.Note = note
	return e
}

func gitSwitch(g *gitCall) []keyturn.Effect {
	f := g.flags("-c", "-C", "--create", "--force-create", "--orphan", "--conflict")
	ops := flagOperands(f)
	switch {
	case f.has("-f", "--force", "--discard-changes"):
		return []keyturn.Effect{g.discard("git switch --discard-changes", strs(ops), "throws away uncommitted changes")}
	case f.has("-c", "-C", "--create", "--force-create", "--orphan"):
		return []keyturn.Effect{g.local("git switch -c", keyturn.Write, f.get("-c", "-C", "--create", "--force-create", "--orphan"))}
	}
	return []keyturn.Effect{g.local("git switch", keyturn.Write, strs(ops)...)}
}

func gitRestore(g *gitCall) []keyturn.Effect {
	f := g.flags("-s", "--source", "--conflict", "--pathspec-from-file")
	ops := strs(flagOperands(f))
	if f.has("-S", "--staged") && !f.has("-W", "--worktree") {
		return []keyturn.Effect{g.local("git restore --staged", keyturn.Write, ops...)}
	}
	return []keyturn.Effect{g.discard("git restore", ops, "overwrites files in the work tree: uncommitted changes are lost")}
}

func gitReset(g *gitCall) []keyturn.Effect {
	f := g.flags("--pathspec-from-file")
	ops := strs(flagOperands(f))
	for _, mode := range []string{"--hard", "--merge", "--keep"} {
		if f.has(mode) {
			return []keyturn.Effect{g.discard("git reset "+mode, ops, "resets the work tree: uncommitted changes are lost")}
		}
	}
	return []keyturn.Effect{g.local("git reset", keyturn.Write, ops...)}
}

func gitClean(g *gitCall) []keyturn.Effect {
	f := g.flags("-e", "--exclude")
	ops := strs(flagOperands(f))
	if f.has("-n", "--dry-run") && !f.has("-i", "--interactive") {
		return []keyturn.Effect{g.read("git clean")}
	}
	if len(ops) == 0 && g.dirOK {
		ops = []string{g.dir}
	}
	// Without -f git refuses, unless clean.requireForce is off, which
	// keyturn cannot see.
	return []keyturn.Effect{g.discard("git clean", ops, "deletes untracked files, which git cannot bring back")}
}

func gitBranch(g *gitCall) []keyturn.Effect {
	f := g.flags("-u", "--set-upstream-to", "--contains", "--no-contains", "--merged", "--no-merged", "--points-at",
		"--sort", "--format")
	ops := strs(flagOperands(f))
	del := f.has("-d", "--delete")
	switch {
	case f.has("-D") || del && f.has("-f", "--force"):
		return []keyturn.Effect{g.discard("git branch -D", ops, "deletes branches even if their commits are not merged anywhere")}
	case del:
		return []keyturn.Effect{g.local("git branch -d", keyturn.Write, ops...)}
	case f.has("-m", "-M", "-c", "-C", "--move", "--copy"):
		return []keyturn.Effect{g.local("git branch -m", keyturn.Write, ops...)}
	case f.has("--edit-description", "-u", "--set-upstream-to", "--unset-upstream", "-t", "--track", "--no-track"):
		return []keyturn.Effect{g.local("git branch", keyturn.Write, ops...)}
	case f.has("-l", "--list", "-a", "--all", "-r", "--remotes", "--show-current", "--contains", "--no-contains",
		"--merged", "--no-merged", "--points-at"), len(ops) == 0:
		return []keyturn.Effect{g.read("git branch")}
	}
	return []keyturn.Effect{g.local("git branch", keyturn.Write, ops...)}
}

func gitTag(g *gitCall) []keyturn.Effect {
	f := g.flags("-m", "--message", "-F", "--file", "-u", "--local-user", "--sort", "--format", "--contains", "--no-contains",
		"--merged", "--no-merged", "--points-at", "--cleanup", "--trailer")
	ops := strs(flagOperands(f))
	switch {
	case f.has("-d", "--delete"):
		return []keyturn.Effect{g.discard("git tag -d", ops, "deletes tags")}
	case f.has("-v", "--verify"):
		return []keyturn.Effect{g.read("git tag")}
	case f.has("-l", "--list", "--contains", "--no-contains", "--merged", "--no-merged", "--points-at") && !f.has("-a", "-s", "-m", "-F"),
		len(ops) == 0:
		return []keyturn.Effect{g.read("git tag")}
	}
	return []keyturn.Effect{g.local("git tag", keyturn.Write, ops...)}
}

func gitStash(g *gitCall) []keyturn.Effect {
	sub := ""
	rest := g.args
	if len(g.args) > 0 && !strings.HasPrefix(g.args[0].Value, "-") {
		if !g.args[0].Known {
			return g.unknown("git stash", "the stash subcommand is only known at run time")
		}
		sub, rest = g.args[0].Value, g.args[1:]
	}
	targets := strs(rest)
	switch sub {
	case "", "push", "save":
		return []keyturn.Effect{g.local("git stash push", keyturn.Write, targets...)}
	case "pop", "apply", "branch", "create", "store":
		return []keyturn.Effect{g.local("git stash "+sub, keyturn.Write, targets...)}
	case "list", "show":
		return []keyturn.Effect{g.read("git stash " + sub)}
	case "drop", "clear":
		return []keyturn.Effect{g.discard("git stash "+sub, targets, "deletes stashed changes")}
	}
	return g.unknown("git stash "+sub, "a git stash subcommand keyturn does not know")
}

func gitReflog(g *gitCall) []keyturn.Effect {
	f := g.flags("--expire", "--expire-unreachable")
	ops := flagOperands(f)
	if len(ops) > 0 && (ops[0].Value == "expire" || ops[0].Value == "delete") {
		if f.has("-n", "--dry-run") {
			return []keyturn.Effect{g.read("git reflog " + ops[0].Value)}
		}
		return []keyturn.Effect{g.discard("git reflog "+ops[0].Value, strs(ops[1:]), "drops reflog entries: the last way back to lost commits")}
	}
	return []keyturn.Effect{g.read("git reflog")}
}

func gitGC(g *gitCall) []keyturn.Effect {
	f := g.flags()
	for _, v := range f.opts["--prune"] {
		if v != "" && v != "never" {
			return []keyturn.Effect{g.discard("git gc --prune", nil, "deletes unreachable objects at once, before git's safety window")}
		}
	}
	return []keyturn.Effect{g.local("git gc", keyturn.Write)}
}

func gitPrune(g *gitCall) []keyturn.Effect {
	f := g.flags("--expire")
	if f.has("-n", "--dry-run") {
		return []keyturn.Effect{g.read("git prune")}
	}
	return []keyturn.Effect{g.discard("git prune", nil, "deletes unreachable objects")}
}

func gitUpdateRef(g *gitCall) []keyturn.Effect {
	f := g.flags("-m")
	ops := strs(flagOperands(f))
	switch {
	case f.has("-d"):
		return []keyturn.Effect{g.discard("git update-ref -d", ops, "deletes a ref")}
	case f.has("--stdin"):
		in := g.c.stdin
		if in == nil || !in.known {
			return g.unknown("git update-ref --stdin", "updates refs read from input keyturn cannot see")
		}
		for _, line := range strings.Split(in.text, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "delete") {
				return []keyturn.Effect{g.discard("git update-ref -d", nil, "deletes refs")}
			}
		}
	}
	return []keyturn.Effect{g.local("git update-ref", keyturn.Write, ops...)}
}

func gitSymbolicRef(g *gitCall) []keyturn.Effect {
	f := g.flags("-m")
	ops := flagOperands(f)
	if len(ops) <= 1 && !f.has("-d", "--delete") {
		return []keyturn.Effect{g.read("git symbolic-ref")}
	}
	return []keyturn.Effect{g.local("git symbolic-ref", keyturn.Write, strs(ops)...)}
}

// gitFilterBranchCode are filter-branch's options whose value is shell code.
var gitFilterBranchCode = []string{"--setup", "--env-filter", "--tree-filter", "--index-filter", "--parent-filter",
	"--msg-filter", "--commit-filter", "--tag-name-filter"}

func gitFilterBranch(g *gitCall) []keyturn.Effect {
	f := g.flags(append(gitFilterBranchCode, "--subdirectory-filter", "-d", "--original", "--state-branch")...)
	for _, o := range gitFilterBranchCode {
		for _, code := range f.opts[o] {
			if !fsValueArg(g.args, code).Known {
				return g.unknown("git filter-branch "+o, "the filter is only known at run time")
			}
			g.c.shell(code, "git filter-branch "+o)
		}
	}
	return []keyturn.Effect{g.discard("git filter-branch", strs(flagOperands(f)), "rewrites the history of every branch it touches")}
}

func gitFilterRepo(g *gitCall) []keyturn.Effect {
	f := g.flags()
	for o := range f.opts {
		if strings.HasSuffix(o, "-callback") {
			return g.unknown("git filter-repo "+o, "runs Python code given on the command line")
		}
	}
	return []keyturn.Effect{g.discard("git filter-repo", nil, "rewrites the whole history of the repository")}
}

// subcommandOf splits off the subcommand word (worktree add, remote show)
// after any options; ok is false when it is only known at run time.
func subcommandOf(g *gitCall) (string, []arg, bool) {
	args := g.args
	for len(args) > 0 && strings.HasPrefix(args[0].Value, "-") && args[0].Known {
		args = args[1:]
	}
	if len(args) == 0 {
		return "", nil, true
	}
	if !args[0].Known {
		return "", nil, false
	}
	return args[0].Value, args[1:], true
}

func gitWorktree(g *gitCall) []keyturn.Effect {
	sub, rest, ok := subcommandOf(g)
	if !ok {
		return g.unknown("git worktree", "the subcommand is only known at run time")
	}
	f := parseFlags(rest, set("-b", "-B", "--reason", "--expire"), false)
	ops := flagOperands(f)
	switch sub {
	case "list", "":
		return []keyturn.Effect{g.read("git worktree list")}
	case "add":
		if len(ops) > 0 {
			return []keyturn.Effect{g.pathEffect("git worktree add", keyturn.Write, ops[0])}
		}
		return []keyturn.Effect{g.local("git worktree add", keyturn.Write)}
	case "remove":
		if f.has("-f", "--force") {
			return []keyturn.Effect{g.discard("git worktree remove --force", strs(ops), "removes a worktree with its uncommitted changes")}
		}
		return []keyturn.Effect{g.local("git worktree remove", keyturn.Write, strs(ops)...)}
	case "prune", "lock", "unlock", "move", "repair":
		return []keyturn.Effect{g.local("git worktree "+sub, keyturn.Write, strs(ops)...)}
	}
	return g.unknown("git worktree "+sub, "a git worktree subcommand keyturn does not know")
}

func gitSubmodule(g *gitCall) []keyturn.Effect {
	sub, rest, ok := subcommandOf(g)
	if !ok {
		return g.unknown("git submodule", "the subcommand is only known at run time")
	}
	f := parseFlags(rest, set("-b", "--branch", "--name", "--reference", "--depth", "--jobs", "-j", "--filter"), false)
	ops := strs(flagOperands(f))
	switch sub {
	case "", "status", "summary":
		return []keyturn.Effect{g.read("git submodule")}
	case "foreach":
		// foreach [--recursive] COMMAND…: the words are one shell command.
		words := rest
		for len(words) > 0 && strings.HasPrefix(words[0].Value, "-") && words[0].Known {
			words = words[1:]
		}
		src, known := joinKnown(words)
		if !known {
			return g.unknown("git submodule foreach", "the command is only known at run time")
		}
		if src != "" {
			g.c.shell(src, "git submodule foreach command")
		}
		return []keyturn.Effect{g.read("git submodule foreach")}
	case "deinit":
		if f.has("-f", "--force") {
			return []keyturn.Effect{g.discard("git submodule deinit --force", ops, "removes submodule work trees with their local changes")}
		}
		return []keyturn.Effect{g.local("git submodule deinit", keyturn.Write, ops...)}
	case "add", "init", "update", "sync", "set-branch", "set-url", "absorbgitdirs":
		return []keyturn.Effect{g.local("git submodule "+sub, keyturn.Write, ops...)}
	}
	return g.unknown("git submodule "+sub, "a git submodule subcommand keyturn does not know")
}

func gitRemote(g *gitCall) []keyturn.Effect {
	sub, rest, ok := subcommandOf(g)
	if !ok {
		return g.unknown("git remote", "the subcommand is only known at run time")
	}
	f := parseFlags(rest, set("-t", "-m"), false)
	ops := strs(flagOperands(f))
	switch sub {
	case "", "show", "get-url":
		return []keyturn.Effect{g.read("git remote")}
	case "add", "rename", "set-url", "set-head", "set-branches", "prune":
		return []keyturn.Effect{g.local("git remote "+sub, keyturn.Write, ops...)}
	case "update":
		return []keyturn.Effect{g.repo("git remote update", keyturn.Write, strings.Join(ops, " "), "")}
	case "remove", "rm":
		// The remote repository is untouched; only its name and
		// remote-tracking branches go, and a fetch brings them back.
		e := g.local("git remote remove", keyturn.Write, ops...)
		e.Note = "forgets the remote and its remote-tracking branches; the remote repository is untouched"
		return []keyturn.Effect{e}
	}
	return g.unknown("git remote "+sub, "a git remote subcommand keyturn does not know")
}

func gitNotes(g *gitCall) []keyturn.Effect {
	f := g.flags("--ref")
	ops := flagOperands(f)
	sub := ""
	if len(ops) > 0 {
		if !ops[0].Known {
			return g.unknown("git notes", "the subcommand is only known at run time")
		}
		sub = ops[0].Value
	}
	switch sub {
	case "", "list", "show", "get-ref":
		return []keyturn.Effect{g.read("git notes")}
	case "add", "append", "copy", "edit", "merge", "prune", "remove":
		return []keyturn.Effect{g.local("git notes "+sub, keyturn.Write)}
	}
	return g.unknown("git notes "+sub, "a git notes subcommand keyturn does not know")
}

func gitBisect(g *gitCall) []keyturn.Effect {
	if len(g.args) == 0 {
		return []keyturn.Effect{g.read("git bisect")}
	}
	if !g.args[0].Known {
		return g.unknown("git bisect", "the subcommand is only known at run time")
	}
	switch sub := g.args[0].Value; sub {
	case "log", "visualize", "view", "terms", "help":
		return []keyturn.Effect{g.read("git bisect " + sub)}
	case "start", "bad", "good", "new", "old", "skip", "reset", "replay", "next":
		return []keyturn.Effect{g.local("git bisect "+sub, keyturn.Write)}
	case "run":
		if len(g.args) > 1 {
			g.c.run(g.args[1:])
		}
		return []keyturn.Effect{g.local("git bisect run", keyturn.Write)}
	}
	return g.unknown("git bisect "+g.args[0].Value, "a git bisect subcommand keyturn does not know")
}

func gitArchive(g *gitCall) []keyturn.Effect {
	f := g.flags("--format", "-o", "--output", "--prefix", "--remote", "--exec", "--add-file", "--add-virtual-file", "--mtime")
	switch {
	case f.has("--exec"):
		return g.unknown("git archive --exec", "runs a program on the remote host that keyturn cannot see")
	case remoteNamesCode(f.get("--remote")):
		return g.unknown("git archive", "the ext:: transport runs a command: "+f.get("--remote"))
	case f.has("-o", "--output"):
		o := f.get("-o", "--output")
		return []keyturn.Effect{g.pathEffect("git archive", keyturn.Write, fsValueArg(g.args, o))}
	case f.has("--remote"):
		return []keyturn.Effect{g.repo("git archive", keyturn.Read, f.get("--remote"), "")}
	}
	return []keyturn.Effect{g.read("git archive")}
}

func gitFormatPatch(g *gitCall) []keyturn.Effect {
	f := g.flags("-o", "--output-directory", "--suffix", "--subject-prefix", "-v", "--reroll-count", "--start-number",
		"--in-reply-to", "--to", "--cc", "--signature", "--signature-file", "--base", "--interdiff", "--range-diff",
		"--creation-factor", "--filename-max-length", "--add-header")
	if f.has("--stdout") {
		return []keyturn.Effect{g.read("git format-patch")}
	}
	dir := arg{Value: ".", Known: true}
	if o := f.get("-o", "--output-directory"); o != "" {
		dir = fsValueArg(g.args, o)
	}
	return []keyturn.Effect{g.pathEffect("git format-patch", keyturn.Write, dir)}
}

func gitBundle(g *gitCall) []keyturn.Effect {
	sub, rest, ok := subcommandOf(g)
	if !ok {
		return g.unknown("git bundle", "the subcommand is only known at run time")
	}
	ops := flagOperands(parseFlags(rest, set("--version"), false))
	switch sub {
	case "verify", "list-heads":
		return []keyturn.Effect{g.read("git bundle " + sub)}
	case "create":
		if len(ops) > 0 {
			return []keyturn.Effect{g.pathEffect("git bundle create", keyturn.Write, ops[0])}
		}
	case "unbundle":
		return []keyturn.Effect{g.local("git bundle unbundle", keyturn.Write)}
	}
	return g.unknown("git bundle "+sub, "a git bundle subcommand keyturn does not know")
}

func gitApply(g *gitCall) []keyturn.Effect {
	f := g.flags("-p", "-C", "--exclude", "--include", "--directory", "--whitespace", "--build-fake-ancestor")
	if f.has("--check", "--stat", "--numstat", "--summary") && !f.has("--apply") {
		return []keyturn.Effect{g.read("git apply")}
	}
	return []keyturn.Effect{g.local("git apply", keyturn.Write, strs(flagOperands(f))...)}
}

func gitRebase(g *gitCall) []keyturn.Effect {
	f := g.flags("--onto", "-s", "--strategy", "-X", "--strategy-option", "-x", "--exec")
	for _, cmd := range append(f.opts["-x"], f.opts["--exec"]...) {
		if !fsValueArg(g.args, cmd).Known {
			return g.unknown("git rebase --exec", "the command is only known at run time")
		}
		g.c.shell(cmd, "git rebase --exec")
	}
	return []keyturn.Effect{g.local("git rebase", keyturn.Write, strs(flagOperands(f))...)}
}

func gitReadTree(g *gitCall) []keyturn.Effect {
	f := g.flags("--prefix", "--index-output", "--exclude-per-directory")
	if f.has("-u") && f.has("--reset") {
		return []keyturn.Effect{g.discard("git read-tree --reset -u", strs(flagOperands(f)), "overwrites the work tree: uncommitted changes are lost")}
	}
	return []keyturn.Effect{g.local("git read-tree", keyturn.Write)}
}

func gitCheckoutIndex(g *gitCall) []keyturn.Effect {
	f := g.flags("--prefix", "--stage")
	if f.has("-f", "--force") {
		return []keyturn.Effect{g.discard("git checkout-index -f", strs(flagOperands(f)), "overwrites files in the work tree: uncommitted changes are lost")}
	}
	return []keyturn.Effect{g.local("git checkout-index", keyturn.Write)}
}

func gitSparseCheckout(g *gitCall) []keyturn.Effect {
	if len(g.args) > 0 && g.args[0].Value == "list" {
		return []keyturn.Effect{g.read("git sparse-checkout list")}
	}
	return []keyturn.Effect{g.local("git sparse-checkout", keyturn.Write)}
}

func gitHashObject(g *gitCall) []keyturn.Effect {
	if g.flags("-t", "--path").has("-w") {
		return []keyturn.Effect{g.local("git hash-object -w", keyturn.Write)}
	}
	return []keyturn.Effect{g.read("git hash-object")}
}

func gitInterpretTrailers(g *gitCall) []keyturn.Effect {
	f := g.flags("--trailer", "--where", "--if-exists", "--if-missing")
	if f.has("--in-place") {
		return []keyturn.Effect{g.local("git interpret-trailers --in-place", keyturn.Write, strs(flagOperands(f))...)}
	}
	return []keyturn.Effect{g.read("git interpret-trailers")}
}

func gitCredential(g *gitCall) []keyturn.Effect {
	if len(g.args) > 0 && (g.args[0].Value == "approve" || g.args[0].Value == "reject" || g.args[0].Value == "store" || g.args[0].Value == "erase") {
		return []keyturn.Effect{{Tool: "git", Operation: "git credential " + g.args[0].Value, Class: keyturn.Write, Environment: keyturn.EnvLocal}}
	}
	return []keyturn.Effect{{Tool: "git", Operation: "git credential", Class: keyturn.Read, Environment: keyturn.EnvLocal}}
}

func gitSendPack(g *gitCall) []keyturn.Effect {
	f := g.flags("--receive-pack", "--exec", "--remote")
	if f.has("--receive-pack", "--exec") {
		return g.unknown("git send-pack --receive-pack", "runs a program on the remote host that keyturn cannot see")
	}
	ops := flagOperands(f)
	remote := ""
	if len(ops) > 0 {
		remote = ops[0].Value
	}
	class, op := keyturn.Write, "git send-pack"
	if f.has("-f", "--force", "--mirror") {
		class, op = keyturn.Destructive, "git push --force"
	}
	return []keyturn.Effect{g.repo(op, class, remote, "")}
}

func gitFetchPack(g *gitCall) []keyturn.Effect {
	f := g.flags("--upload-pack", "--exec", "--depth")
	if f.has("--upload-pack", "--exec") {
		return g.unknown("git fetch-pack --upload-pack", "runs a program on the remote host that keyturn cannot see")
	}
	remote := ""
	if ops := flagOperands(f); len(ops) > 0 {
		remote = ops[0].Value
	}
	return []keyturn.Effect{g.repo("git fetch-pack", keyturn.Write, remote, "")}
}

// gitHook: git hook run NAME runs the project's own hook script.
func gitHook(g *gitCall) []keyturn.Effect {
	if len(g.args) > 0 && g.args[0].Value == "run" {
		return []keyturn.Effect{g.local("git hook run", keyturn.Write, strs(g.args[1:])...)}
	}
	return g.unknown("git hook", "a git hook subcommand keyturn does not know")
}

// gitLFSClass is the class of each git lfs subcommand.
var gitLFSClass = map[string]keyturn.Class{
	"ls-files": keyturn.Read, "status": keyturn.Read, "env": keyturn.Read, "version": keyturn.Read,
	"logs": keyturn.Read, "fsck": keyturn.Read, "pointer": keyturn.Read, "locks": keyturn.Read, "help": keyturn.Read,
	"install": keyturn.Write, "uninstall": keyturn.Write, "track": keyturn.Write, "untrack": keyturn.Write,
	"lock": keyturn.Write, "unlock": keyturn.Write, "pull": keyturn.Write, "fetch": keyturn.Write,
	"checkout": keyturn.Write, "prune": keyturn.Write, "update": keyturn.Write, "dedup": keyturn.Write,
	"push": keyturn.Write, "clone": keyturn.Write, "migrate": keyturn.Destructive,
}

func gitLFS(g *gitCall) []keyturn.Effect {
	sub, rest, ok := subcommandOf(g)
	if !ok {
		return g.unknown("git lfs", "the subcommand is only known at run time")
	}
	class, known := gitLFSClass[sub]
	switch {
	case sub == "":
		return []keyturn.Effect{g.read("git lfs")}
	case !known:
		return g.unknown("git lfs "+sub, "a git lfs subcommand keyturn does not know")
	case sub == "migrate":
		if len(rest) > 0 && rest[0].Value == "info" {
			return []keyturn.Effect{g.read("git lfs migrate info")}
		}
		return []keyturn.Effect{g.discard("git lfs migrate", strs(rest), "rewrites history")}
	case sub == "push" || sub == "pull" || sub == "fetch":
		ops := flagOperands(parseFlags(rest, set("-I", "--include", "-X", "--exclude"), false))
		remote := ""
		if len(ops) > 0 {
			remote = ops[0].Value
		}
		return []keyturn.Effect{g.repo("git lfs "+sub, class, remote, "")}
	}
	return []keyturn.Effect{g.local("git lfs "+sub, class)}
}
