package classify

import (
	"path"
	"strings"

	"keyturn"
)

// terraform, tofu (OpenTofu) and terragrunt. Where the infrastructure is
// comes from the directory (-chdir, terragrunt's --working-dir, else the
// cwd) and the workspace (TF_WORKSPACE, a `workspace select` earlier in the
// line, else .terraform/environment). An apply of a saved plan is a write:
// a person saw the plan. An apply that approves itself, destroys or
// replaces is destructive.

func init() {
	register(analyzeTerraform, "terraform", "tofu", "terragrunt")
}

// tfValued lists terraform's options that take a value. Terraform parses
// with Go's flag package: -name=value or -name value, one or two dashes.
var tfValued = set("target", "var", "var-file", "out", "state", "state-out", "backup", "lock-timeout",
	"parallelism", "replace", "backend-config", "plugin-dir", "from-module", "lockfile", "chdir",
	"generate-config-out", "test-directory", "filter", "provider", "id", "config", "type", "module-depth",
	"platform", "fs-mirror", "net-mirror", "exclude", "run", "json-into", "var-file-dir",
	// terragrunt (old --terragrunt-* names and the new ones)
	"terragrunt-config", "terragrunt-tfpath", "tf-path", "terragrunt-working-dir", "working-dir",
	"terragrunt-download-dir", "download-dir", "terragrunt-source", "source", "terragrunt-source-map",
	"source-map", "terragrunt-iam-role", "iam-assume-role", "terragrunt-iam-assume-role-duration",
	"iam-assume-role-duration", "terragrunt-iam-assume-role-session-name", "iam-assume-role-session-name",
	"terragrunt-parallelism", "terragrunt-include-dir", "queue-include-dir", "terragrunt-exclude-dir",
	"queue-exclude-dir", "terragrunt-log-level", "log-level", "log-format", "terragrunt-hclfmt-file", "file",
	"terragrunt-modules-that-include", "units-that-include", "terragrunt-provider-cache-dir",
	"provider-cache-dir", "feature", "experiment", "strict-control", "out-dir", "json-out-dir",
	"queue-excludes-file", "terragrunt-excludes-file", "auth-provider-cmd", "tf-forward-stdout",
)

// tfOpts is a terraform command line: options by name without dashes.
type tfOpts struct {
	pos  []arg
	vals map[string][]arg
	// rest holds what follows "--" (terragrunt run -- CMD).
	rest    []arg
	hasRest bool
}

func (o tfOpts) has(name string) bool { _, ok := o.vals[name]; return ok }

// flag reports whether a Go-style boolean option is set: -x, -x=true.
func (o tfOpts) flag(name string) bool {
	v, ok := o.vals[name]
	if !ok || len(v) == 0 {
		return false
	}
	last := v[len(v)-1]
	if !last.Known {
		return true // may be true
	}
	switch strings.ToLower(last.Value) {
	case "", "true", "t", "1":
		return true
	}
	return false
}

func (o tfOpts) str(name string) (arg, bool) {
	v := o.vals[name]
	if len(v) == 0 {
		return arg{}, false
	}
	return v[len(v)-1], true
}

// parseTF splits args in the way of Go's flag package (options anywhere,
// so a misplaced option still counts). With stopAtOperand the first
// operand ends the options.
func parseTF(args []arg, stopAtOperand bool) tfOpts {
	o := tfOpts{vals: map[string][]arg{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.Value
		switch {
		case v == "--" && a.Known:
			o.rest, o.hasRest = args[i+1:], true
			return o
		case strings.HasPrefix(v, "-") && len(v) > 1:
			name, val, eq := strings.Cut(strings.TrimLeft(v, "-"), "=")
			switch {
			case eq:
				o.vals[name] = append(o.vals[name], arg{Value: val, Known: a.Known})
			case tfValued[name] && i+1 < len(args):
				i++
				o.vals[name] = append(o.vals[name], args[i])
			default:
				o.vals[name] = append(o.vals[name], arg{Known: a.Known})
			}
		default:
			o.pos = append(o.pos, a)
			if stopAtOperand {
				o.rest = args[i+1:]
				return o
			}
		}
	}
	return o
}

type tfCmd struct {
	c     *call
	name  string // terraform, tofu or terragrunt, as operations name it
	dir   string // the effective directory, "" when unknown
	hints map[string]string
}

func analyzeTerraform(c *call) []keyturn.Effect {
	t := &tfCmd{c: c, name: c.prog}
	pre := parseTF(c.args, true)
	if c.prog == "terragrunt" {
		return t.terragrunt(pre)
	}
	dirArg, hasDir := pre.str("chdir")
	t.setDir(dirArg, hasDir)
	if len(pre.pos) == 0 {
		return []keyturn.Effect{readEffect(c)} // -version, -help
	}
	verb := pre.pos[0]
	if !verb.Known {
		return []keyturn.Effect{c.unknown(t.name, "the "+t.name+" command is only known at run time: "+verb.Value)}
	}
	return t.verb(verb.Value, pre.rest, "")
}

// setDir resolves the directory terraform works in.
func (t *tfCmd) setDir(dir arg, given bool) {
	t.dir = t.c.s.cwd
	if given {
		p, ok := t.c.s.abs(dir)
		if !ok {
			p = ""
		}
		t.dir = p
	}
}

// cliArgs returns the options terraform adds from TF_CLI_ARGS and
// TF_CLI_ARGS_<command>: `TF_CLI_ARGS_apply=-auto-approve` turns a
// reviewed apply into one that approves itself.
func (t *tfCmd) cliArgs(verb string) []arg {
	var out []arg
	for _, name := range []string{"TF_CLI_ARGS", "TF_CLI_ARGS_" + strings.ReplaceAll(verb, " ", "_")} {
		if v := t.c.env[name]; v != "" {
			out = append(out, lits(strings.Fields(v)...)...)
		}
	}
	return out
}

// resolve sets the hints: the directory and the workspace.
func (t *tfCmd) resolve() {
	c := t.c
	t.hints = map[string]string{}
	if t.dir != "" {
		t.hints["terraform_dir"] = t.dir
	}
	// TF_WORKSPACE also holds a `workspace select` run earlier in the line
	// (see verb): the state's env map is the line's variables.
	if ws := c.env["TF_WORKSPACE"]; ws != "" {
		t.hints["terraform_workspace"] = ws
	} else if ws := t.environmentFile(); ws != "" {
		t.hints["terraform_workspace"] = ws
	}
}

// environmentFile reads the selected workspace from
// <dir>/.terraform/environment (or $TF_DATA_DIR/environment).
func (t *tfCmd) environmentFile() string {
	if t.dir == "" || t.c.s.remote != nil {
		return ""
	}
	data := ".terraform"
	if d := t.c.env["TF_DATA_DIR"]; d != "" {
		data = d
	}
	p := data
	if !path.IsAbs(p) {
		p = path.Join(t.dir, data)
	}
	v, _ := cachedFile(path.Join(p, "environment"), func(b []byte) any {
		ws := strings.TrimSpace(string(b))
		if len(ws) > 256 || strings.ContainsAny(ws, "\n\x00") {
			return ""
		}
		return ws
	}).(string)
	return v
}

func (t *tfCmd) effect(op string, class keyturn.Class, targets ...string) keyturn.Effect {
	return t.c.effect("terraform", op, class, t.hints, targets...)
}

func (t *tfCmd) op(words ...string) string {
	return t.name + " " + strings.Join(words, " ")
}

// targets returns the directory and the -target/-replace addresses.
func (t *tfCmd) targets(o tfOpts, extra ...string) []string {
	var out []string
	if t.dir != "" {
		out = append(out, t.dir)
	}
	for _, name := range []string{"target", "replace"} {
		for _, a := range o.vals[name] {
			out = append(out, a.Value)
		}
	}
	return append(out, extra...)
}

// verb classifies one terraform command. prefix is "run-all " for
// terragrunt's stack-wide forms.
func (t *tfCmd) verb(verb string, rest []arg, prefix string) []keyturn.Effect {
	c := t.c
	args := append(t.cliArgs(verb), rest...)
	o := parseTF(args, false)
	t.resolve()
	if o.has("help") || o.has("h") {
		return []keyturn.Effect{c.localEffect("terraform", t.op(verb, "-help"), keyturn.Read)}
	}
	op := t.op(prefix + verb)
	sub := ""
	var subOps []arg
	if len(o.pos) > 0 {
		sub = o.pos[0].Value
		subOps = o.pos[1:]
		if !o.pos[0].Known && (verb == "state" || verb == "workspace" || verb == "providers") {
			return []keyturn.Effect{c.unknown(op, "the "+verb+" command is only known at run time")}
		}
	}
	read := func(op string, extra ...string) []keyturn.Effect {
		return []keyturn.Effect{t.effect(op, keyturn.Read, t.targets(o, extra...)...)}
	}
	switch verb {
	case "plan", "show", "validate", "output", "graph", "version", "console", "get", "metadata", "modules",
		"-version", "-v", "--version", "help", "-help":
		// plan -out=FILE and -generate-config-out=FILE write that file: in
		// the workspace it is part of planning, elsewhere (-out=/etc/x) it
		// is a write there.
		var out []keyturn.Effect
		for _, name := range []string{"out", "generate-config-out", "state-out"} {
			if verb == "plan" {
				for _, a := range o.vals[name] {
					if e := c.writeEffect(op+" -"+name, a); e.Environment != keyturn.EnvWorkspace {
						out = append(out, e)
					}
				}
			}
		}
		return append(read(op), out...)
	case "init":
		if o.flag("migrate-state") || o.flag("force-copy") {
			e := t.effect(op, keyturn.Write, t.targets(o)...)
			e.Note = "moves the state to another backend"
			return []keyturn.Effect{e}
		}
		return read(op)
	case "fmt":
		if o.flag("check") || o.has("write") && !o.flag("write") || sub == "-" {
			return []keyturn.Effect{c.workspaceEffect("terraform", op, keyturn.Read)}
		}
		// fmt rewrites the files in place (-diff only also shows them).
		if len(o.pos) > 0 {
			var effects []keyturn.Effect
			for _, p := range o.pos {
				effects = append(effects, c.s.writeEffect("terraform", op, p))
			}
			return effects
		}
		if t.dir == "" {
			return []keyturn.Effect{c.s.writeEffect("terraform", op, arg{Value: ".", Known: false})}
		}
		return []keyturn.Effect{c.s.writeEffect("terraform", op, arg{Value: t.dir, Known: true})}
	case "providers":
		switch sub {
		case "", "schema":
			return read(op)
		case "lock":
			return []keyturn.Effect{c.s.writeEffect("terraform", op+" lock", arg{Value: path.Join(t.dir, ".terraform.lock.hcl"), Known: t.dir != ""})}
		case "mirror":
			if len(subOps) > 0 {
				return []keyturn.Effect{c.s.writeEffect("terraform", op+" mirror", subOps[0])}
			}
		}
		return []keyturn.Effect{c.unknown(op+" "+sub, "an unknown "+t.name+" providers command")}
	case "apply":
		return t.apply(o, op)
	case "destroy":
		e := t.effect(op, keyturn.Destructive, t.targets(o)...)
		e.Note = "destroys the infrastructure this configuration manages"
		return []keyturn.Effect{e}
	case "import", "refresh", "untaint":
		return []keyturn.Effect{t.effect(op, keyturn.Write, t.targets(o, strs(o.pos)...)...)}
	case "test":
		e := t.effect(op, keyturn.Write, t.targets(o)...)
		e.Note = "runs the tests, which create real infrastructure and destroy it afterwards"
		return []keyturn.Effect{e}
	case "taint":
		e := t.effect(op, keyturn.Destructive, t.targets(o, strs(o.pos)...)...)
		e.Note = "the next apply destroys and re-creates the resource"
		return []keyturn.Effect{e}
	case "force-unlock":
		e := t.effect(op, keyturn.Destructive, t.targets(o)...)
		e.Note = "removes another run's state lock: two runs may then write the state at once"
		return []keyturn.Effect{e}
	case "login", "logout":
		return []keyturn.Effect{c.localEffect("terraform", op, keyturn.Write, strs(o.pos)...)}
	case "state":
		return t.state(o, op, sub, subOps)
	case "workspace", "env":
		return t.workspace(o, op, sub, subOps)
	}
	return []keyturn.Effect{c.unknown(op, "an unknown "+t.name+" command")}
}

// apply: a saved plan file is a reviewed plan (write); -auto-approve
// without one applies a plan nobody saw (destructive), as do -destroy and
// -replace.
func (t *tfCmd) apply(o tfOpts, op string) []keyturn.Effect {
	targets := t.targets(o)
	for _, a := range o.pos {
		if !a.Known {
			// `terraform apply $ARGS`: the word may be -auto-approve or
			// -destroy as well as a plan file.
			e := t.effect(op, keyturn.Destructive, append(targets, a.Value)...)
			e.Note = "a word known only at run time (" + a.Value + ") may be -auto-approve or -destroy"
			return []keyturn.Effect{e}
		}
	}
	switch {
	case o.flag("destroy"):
		e := t.effect(op+" -destroy", keyturn.Destructive, targets...)
		e.Note = "destroys the infrastructure this configuration manages"
		return []keyturn.Effect{e}
	case len(o.pos) > 0:
		e := t.effect(op, keyturn.Write, append(targets, o.pos[0].Value)...)
		e.Note = "applies a saved plan"
		return []keyturn.Effect{e}
	case o.has("replace"):
		e := t.effect(op+" -replace", keyturn.Destructive, targets...)
		e.Note = "destroys and re-creates the resource"
		return []keyturn.Effect{e}
	case o.flag("auto-approve"):
		e := t.effect(op+" -auto-approve", keyturn.Destructive, targets...)
		e.Note = "no reviewed plan: whatever the plan holds, deletions included, is applied"
		return []keyturn.Effect{e}
	}
	return []keyturn.Effect{t.effect(op, keyturn.Write, targets...)}
}

func (t *tfCmd) state(o tfOpts, op, sub string, ops []arg) []keyturn.Effect {
	op += " " + sub
	switch sub {
	case "list", "show", "pull", "identities":
		return []keyturn.Effect{t.effect(op, keyturn.Read, t.targets(o, strs(ops)...)...)}
	case "rm", "mv", "push", "replace-provider":
		if o.flag("dry-run") && (sub == "rm" || sub == "mv") {
			e := t.effect(op, keyturn.Read, t.targets(o, strs(ops)...)...)
			e.Note = "dry run: nothing is changed"
			return []keyturn.Effect{e}
		}
		e := t.effect(op, keyturn.Destructive, t.targets(o, strs(ops)...)...)
		switch sub {
		case "rm":
			e.Note = "terraform forgets the resources: the next apply may create duplicates, or a destroy miss them"
		case "push":
			e.Note = "overwrites the remote state"
		default:
			e.Note = "rewrites the state"
		}
		return []keyturn.Effect{e}
	}
	return []keyturn.Effect{t.c.unknown(op, "an unknown "+t.name+" state command")}
}

func (t *tfCmd) workspace(o tfOpts, op, sub string, ops []arg) []keyturn.Effect {
	c := t.c
	op += " " + sub
	name := ""
	if len(ops) > 0 && ops[0].Known {
		name = ops[0].Value
	}
	switch sub {
	case "list", "show", "":
		return []keyturn.Effect{t.effect(op, keyturn.Read, t.targets(o)...)}
	case "select", "new":
		// Later commands in the line use this workspace. Record it as
		// TF_WORKSPACE, which terraform itself reads; an unknown name
		// leaves the workspace unknown.
		if name != "" {
			c.s.setEnv("TF_WORKSPACE", name)
		} else {
			c.s.unsetEnv("TF_WORKSPACE")
		}
		if sub == "select" {
			// Selecting writes .terraform/environment in the directory.
			return []keyturn.Effect{c.workspaceEffect("terraform", op, keyturn.Write, name)}
		}
		hints := map[string]string{}
		for k, v := range t.hints {
			hints[k] = v
		}
		if name != "" {
			hints["terraform_workspace"] = name
		}
		return []keyturn.Effect{c.effect("terraform", op, keyturn.Write, hints, t.targets(o, name)...)}
	case "delete":
		hints := map[string]string{}
		for k, v := range t.hints {
			hints[k] = v
		}
		if name != "" {
			hints["terraform_workspace"] = name
		} else {
			delete(hints, "terraform_workspace")
		}
		e := c.effect("terraform", op, keyturn.Destructive, hints, t.targets(o, name)...)
		e.Note = "deletes the workspace and its state"
		return []keyturn.Effect{e}
	}
	return []keyturn.Effect{c.unknown(op, "an unknown "+t.name+" workspace command")}
}

// terragrunt: its own options, then a terraform command (which it
// forwards) or one of its own. run-all, `run --all` and `--all` run the
// command in every module below the directory, and apply and destroy then
// pass -auto-approve: no plan is reviewed module by module.
func (t *tfCmd) terragrunt(pre tfOpts) []keyturn.Effect {
	c := t.c
	// Terragrunt takes its options before or after the command, up to a
	// "--" that starts terraform's.
	all := parseTF(c.args, false)
	dir, hasDir := all.str("working-dir")
	if !hasDir {
		dir, hasDir = all.str("terragrunt-working-dir")
	}
	if !hasDir {
		for _, v := range []string{"TG_WORKING_DIR", "TERRAGRUNT_WORKING_DIR"} {
			if d := c.env[v]; d != "" {
				dir, hasDir = arg{Value: d, Known: true}, true
				break
			}
		}
	}
	t.setDir(dir, hasDir)
	if len(pre.pos) == 0 {
		if pre.hasRest && len(pre.rest) > 0 {
			return t.terragruntVerb(pre.rest, false)
		}
		return []keyturn.Effect{readEffect(c)}
	}
	if !pre.pos[0].Known {
		return []keyturn.Effect{c.unknown("terragrunt", "the terragrunt command is only known at run time: "+pre.pos[0].Value)}
	}
	runAll := pre.flag("all") || pre.flag("terragrunt-all")
	verb := pre.pos[0].Value
	rest := pre.rest
	switch verb {
	case "run-all":
		return t.terragruntVerb(rest, true)
	case "run":
		o := parseTF(rest, true)
		runAll = runAll || o.flag("all")
		if len(o.pos) > 0 {
			return t.terragruntVerb(append([]arg{o.pos[0]}, o.rest...), runAll)
		}
		return t.terragruntVerb(o.rest, runAll)
	case "stack":
		o := parseTF(rest, true)
		sub := firstValue(o.pos)
		switch sub {
		case "run":
			inner := parseTF(o.rest, true)
			if len(inner.pos) > 0 {
				return t.terragruntVerb(append([]arg{inner.pos[0]}, inner.rest...), true)
			}
			return t.terragruntVerb(inner.rest, true)
		case "generate", "clean":
			t.resolve()
			return []keyturn.Effect{c.workspaceEffect("terraform", t.op("stack", sub), keyturn.Write, t.dir)}
		case "output":
			t.resolve()
			return []keyturn.Effect{t.effect(t.op("stack output"), keyturn.Read, t.dir)}
		}
		return []keyturn.Effect{c.unknown(t.op("stack", sub), "an unknown terragrunt stack command")}
	case "exec":
		// terragrunt exec -- CMD: runs CMD here with the module's
		// credentials and outputs.
		o := parseTF(rest, false)
		if o.hasRest && len(o.rest) > 0 {
			c.run(o.rest)
			return nil
		}
		return []keyturn.Effect{c.unknown(t.op("exec"), "exec with no command")}
	case "hclfmt", "catalog", "scaffold", "aws-provider-patch", "render-json", "render":
		o := parseTF(rest, false)
		t.resolve()
		if verb == "hclfmt" && o.flag("check") {
			return []keyturn.Effect{c.workspaceEffect("terraform", t.op(verb), keyturn.Read, t.dir)}
		}
		return []keyturn.Effect{c.workspaceEffect("terraform", t.op(verb), keyturn.Write, t.dir)}
	case "hcl":
		o := parseTF(rest, false)
		t.resolve()
		sub := firstValue(o.pos)
		switch {
		case sub == "validate" || sub == "fmt" && o.flag("check"):
			return []keyturn.Effect{c.workspaceEffect("terraform", t.op("hcl", sub), keyturn.Read, t.dir)}
		case sub == "fmt" || sub == "format":
			return []keyturn.Effect{c.workspaceEffect("terraform", t.op("hcl", sub), keyturn.Write, t.dir)}
		}
		return []keyturn.Effect{c.unknown(t.op("hcl", sub), "an unknown terragrunt hcl command")}
	case "graph-dependencies", "dag", "find", "list", "info", "output-module-groups", "validate-inputs",
		"terragrunt-info":
		t.resolve()
		return []keyturn.Effect{t.effect(t.op(verb), keyturn.Read, t.dir)}
	case "backend":
		o := parseTF(rest, false)
		t.resolve()
		sub := firstValue(o.pos)
		switch sub {
		case "bootstrap", "migrate":
			return []keyturn.Effect{t.effect(t.op("backend", sub), keyturn.Write, t.dir)}
		case "delete":
			e := t.effect(t.op("backend delete"), keyturn.Destructive, t.dir)
			e.Note = "deletes the state backend and the state in it"
			return []keyturn.Effect{e}
		}
		return []keyturn.Effect{c.unknown(t.op("backend", sub), "an unknown terragrunt backend command")}
	}
	return t.terragruntVerb(append([]arg{pre.pos[0]}, rest...), runAll)
}

// terragruntVerb classifies a terraform command run by terragrunt, in one
// module or (all) in every module below the directory.
func (t *tfCmd) terragruntVerb(argv []arg, all bool) []keyturn.Effect {
	c := t.c
	o := parseTF(argv, true)
	if len(o.pos) == 0 {
		if o.hasRest && len(o.rest) > 0 {
			return t.terragruntVerb(o.rest, all)
		}
		return []keyturn.Effect{c.unknown("terragrunt", "no command to run")}
	}
	verb := o.pos[0]
	if !verb.Known {
		return []keyturn.Effect{c.unknown("terragrunt", "the command is only known at run time: "+verb.Value)}
	}
	rest := o.rest
	// Terragrunt's own --all given after the command.
	inner := parseTF(rest, false)
	all = all || inner.flag("all") || inner.flag("terragrunt-all")
	prefix := ""
	if all {
		prefix = "run-all "
	}
	effects := t.verb(verb.Value, rest, prefix)
	if all && (verb.Value == "apply" || verb.Value == "destroy") {
		for i := range effects {
			if effects[i].Class == keyturn.Write && !inner.has("auto-approve") && len(inner.pos) == 0 {
				effects[i].Class = keyturn.Destructive
				effects[i].Note = "applies every module below the directory with -auto-approve: no plan is reviewed module by module"
			}
		}
	}
	return effects
}
