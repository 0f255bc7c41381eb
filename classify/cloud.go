package classify

import (
	"encoding/json"
	"path"
	"strings"

	"keyturn"
)

// gcloud and az: both name their commands GROUP … VERB, and the verb says
// what the command does (gcloud compute instances delete NAME, az vm
// delete -n NAME). The project, subscription and resource group are the
// environment hints; NAME and --name are the targets.

func init() {
	register(analyzeGcloud, "gcloud")
	register(analyzeAz, "az")
}

// cloudVerbs classifies the verb words of gcloud and az. A verb with a
// suffix (get-iam-policy, delete-batch, list-skus) is classified by the
// word before its first hyphen unless it is listed whole.
var cloudVerbs = func() map[string]keyturn.Class {
	m := map[string]keyturn.Class{}
	add := func(c keyturn.Class, words string) {
		for _, w := range strings.Fields(words) {
			m[w] = c
		}
	}
	add(keyturn.Read, `list describe show get read check search tail browse lookup validate wait ls cat du hash
		sign-url print status exists summarize logs query verify url stream stats find what-if explain
		test-iam-permissions test-connectivity diagnose describe-history get-iam-policy export download analyze
		open-console config-helper simulate`)
	add(keyturn.Write, `create update set add deploy patch import enable start restart resize scale attach login
		submit run execute publish replace upgrade rollback migrate move copy cp rename reschedule resume pause
		suspend bind grant assign invoke redeploy repair rotate generate upload init sync refresh renew promote
		failover swap restore undelete approve reject acknowledge ack pull apply reboot reconcile open-port
		regenerate recover lock unlock configure tag link unlink trigger build up claim accept activate register
		install convert close-handle backup georestore create-for-rbac modify increase provision reinstall
		authorize config-zip reconnect complete push acquire reapply auto-shutdown prepare-deploy mute unmute
		bulk-mute fail-over`)
	add(keyturn.Destructive, `delete remove purge reset stop disable detach deallocate revoke cancel abandon
		destroy drop wipe terminate kill uninstall deregister unregister reimage recreate rm mv deauthorize
		unauthorize deactivate break-pair simulate-eviction`)
	return m
}()

// cloudVerbClass returns the class of a verb word, and whether it is one.
func cloudVerbClass(w string) (keyturn.Class, bool) {
	if c, ok := cloudVerbs[w]; ok {
		return c, true
	}
	if head, _, ok := strings.Cut(w, "-"); ok {
		if c, ok := cloudVerbs[head]; ok {
			return c, true
		}
	}
	return "", false
}

// --- gcloud

// gcloudValued are gcloud options that take a value, global or common to
// many commands; an unknown option is taken for a switch.
var gcloudValued = set("--project", "--account", "--configuration", "--format", "--filter", "--flatten",
	"--limit", "--page-size", "--sort-by", "--verbosity", "--impersonate-service-account", "--billing-project",
	"--flags-file", "--trace-token", "--access-token-file", "--region", "--zone", "--location", "--command",
	"--ssh-flag", "--container", "--ssh-key-file", "--strict-host-key-checking", "--internal-ip-only",
	"--destination", "--output-file", "--source", "--image", "--machine-type", "--cluster", "--network",
	"--subnet", "--member", "--role", "--condition", "--service-account", "--scopes", "--tags", "--labels",
	"--description", "--platform", "--memory", "--cpu", "--runtime", "--trigger-http", "--entry-point",
	"--num-nodes", "--instance", "--database", "--version", "--message", "--topic", "--subscription",
	"--keyring", "--key", "--secret", "--data-file", "--size", "--type", "--policy-file", "--set-env-vars",
	"--env-vars-file", "--update-env-vars", "--service", "--quiet-unused")

// gcloudSwitches are global switches.
var gcloudSwitches = set("--quiet", "-q", "--help", "-h", "--log-http", "--user-output-enabled",
	"--no-user-output-enabled", "--verbose", "--async", "--no-async", "--dry-run", "--all", "--recursive", "-r",
	"--delete-unmatched-destination-objects", "--tunnel-through-iap", "--internal-ip", "--troubleshoot")

func analyzeGcloud(c *call) []keyturn.Effect {
	var words, pos []arg // command words, then the operands after the verb
	var opts []cliOpt
	verb := -1
	uncertain := "" // an option of unknown arity before the verb
	dynamic := false
	args := c.args
	var rest []arg
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.Value
		switch {
		case v == "--" && a.Known:
			rest = args[i+1:]
			i = len(args)
		case !a.Known && (strings.HasPrefix(v, "$") || strings.HasPrefix(v, "-")):
			dynamic = true
			if verb < 0 {
				uncertain = v
			}
			pos = append(pos, a)
		case strings.HasPrefix(v, "-") && len(v) > 1:
			name, val, eq := strings.Cut(v, "=")
			switch {
			case eq:
				opts = append(opts, cliOpt{name: name, val: arg{Value: val, Known: a.Known}})
			case gcloudValued[name] && i+1 < len(args):
				i++
				opts = append(opts, cliOpt{name: name, val: args[i]})
			default:
				if verb < 0 && !gcloudSwitches[name] && !strings.HasPrefix(name, "--no-") {
					uncertain = name
				}
				opts = append(opts, cliOpt{name: name, val: arg{Known: true}})
			}
		case verb < 0:
			words = append(words, a)
			if len(words) == 1 && (v == "alpha" || v == "beta" || v == "preview") {
				words = words[:0]
				continue
			}
			if _, ok := cloudVerbClass(v); ok && (len(words) > 1 || gcloudTopVerbs[v]) {
				verb = len(words) - 1
			}
		default:
			pos = append(pos, a)
		}
	}
	if hasOpt(opts, "--help", "-h") || len(words) > 0 && words[0].Value == "help" {
		return []keyturn.Effect{readEffect(c)}
	}
	if len(words) == 0 {
		if hasOpt(opts, "--version") {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{c.unknown("gcloud", "gcloud without a command")}
	}
	for _, w := range words {
		if !w.Known {
			return []keyturn.Effect{c.unknown("gcloud", "the command is only known at run time: "+w.Value)}
		}
	}
	// A --flags-file may hold any flag, --project among them: like a word
	// known only at run time, it leaves a change without hints.
	g := &cloudCall{c: c, tool: "gcloud", opts: opts, dynamic: dynamic || hasOpt(opts, "--flags-file")}
	g.hints = gcloudHints(c, opts)
	path := strs(words)
	group := path[0]
	if group == "projects" && len(pos) > 0 && pos[0].Known {
		g.hints["gcloud_project"] = pos[0].Value // the project the command acts on
	}
	if eff, ok := g.gcloudSpecial(path, append(lits(path[min(2, len(path)):]...), pos...), rest); ok {
		return eff
	}
	if verb < 0 {
		return []keyturn.Effect{g.unknownEffect("gcloud "+strings.Join(path, " "), "a gcloud command whose verb keyturn does not know")}
	}
	if uncertain != "" {
		return []keyturn.Effect{g.unknownEffect("gcloud "+strings.Join(path, " "), "the option "+uncertain+" before the command may take a value: the command is not certain")}
	}
	op := "gcloud " + strings.Join(path[:verb+1], " ")
	vw := path[verb]
	targets := append(strs(words[verb+1:]), strs(pos)...)
	targets = append(targets, optValues(opts, "--name")...)
	class, _ := cloudVerbClass(vw)
	switch {
	case vw == "get-credentials":
		return []keyturn.Effect{c.localEffect("gcloud", op, keyturn.Write, targets...),
			g.effect(op, keyturn.Read, "", targets...)}
	case vw == "export":
		return g.export(op, targets)
	case vw == "download":
		return []keyturn.Effect{g.effect(op, keyturn.Read, "", targets...), c.localEffect("gcloud", op, keyturn.Write)}
	}
	if class == keyturn.Write && disablesProtection(opts) {
		return []keyturn.Effect{g.effect(op, keyturn.Destructive, "turns off deletion protection", targets...)}
	}
	return []keyturn.Effect{g.effect(op, class, "", targets...)}
}

// disablesProtection reports whether an update turns off a resource's
// deletion protection: --no-deletion-protection, --deletion-protection=false.
func disablesProtection(opts []cliOpt) bool {
	for _, o := range opts {
		if !strings.Contains(o.name, "-prot") {
			continue
		}
		v := strings.ToLower(o.val.Value)
		if strings.HasPrefix(o.name, "--no-") || v == "false" || v == "no" || v == "off" || v == "0" || v == "disabled" || !o.val.Known {
			return true
		}
	}
	return false
}

// gcloudTopVerbs are verbs that stand first, with no group before them.
var gcloudTopVerbs = map[string]bool{"init": true}

// gcloudSpecial handles the commands a verb alone misjudges: local
// configuration, remote shells, Cloud Storage copies.
func (g *cloudCall) gcloudSpecial(path []string, pos, rest []arg) ([]keyturn.Effect, bool) {
	c := g.c
	sub := ""
	if len(path) > 1 {
		sub = path[1]
	}
	local := func(op string, class keyturn.Class) ([]keyturn.Effect, bool) {
		return []keyturn.Effect{c.localEffect("gcloud", op, class)}, true
	}
	switch path[0] {
	case "version", "info", "topic", "cheat-sheet", "survey", "feedback":
		return []keyturn.Effect{readEffect(c)}, true
	case "init":
		return local("gcloud init", keyturn.Write)
	case "docker":
		return []keyturn.Effect{c.unknown("gcloud docker", "runs docker with gcloud's credentials")}, true
	case "components":
		if sub == "list" {
			return local("gcloud components list", keyturn.Read)
		}
		return local("gcloud components "+sub, keyturn.Write)
	case "config":
		switch sub {
		case "list", "get", "get-value", "configurations":
			if sub == "configurations" && len(path) > 2 && path[2] != "list" && path[2] != "describe" {
				return local("gcloud config configurations "+path[2], keyturn.Write)
			}
			return local("gcloud config "+sub, keyturn.Read)
		case "set", "unset":
			return local("gcloud config "+sub, keyturn.Write)
		}
	case "auth":
		switch sub {
		case "list", "print-access-token", "print-identity-token", "describe":
			return local("gcloud auth "+sub, keyturn.Read)
		case "login", "activate-service-account", "application-default", "configure-docker", "revoke", "enterprise-certificate-config":
			return local("gcloud auth "+sub, keyturn.Write)
		}
	case "compute":
		switch sub {
		case "ssh":
			return g.remoteShell("gcloud compute ssh", pos, rest), true
		case "scp":
			return []keyturn.Effect{g.effect("gcloud compute scp", keyturn.Write, "", strs(pos)...)}, true
		case "connect-to-serial-port", "start-iap-tunnel":
			return []keyturn.Effect{g.unknownEffect("gcloud compute "+sub, "opens a connection whose use keyturn cannot see")}, true
		}
	case "cloud-shell":
		if sub == "ssh" {
			return []keyturn.Effect{g.unknownEffect("gcloud cloud-shell ssh", "opens a shell keyturn cannot see")}, true
		}
	case "sql":
		if sub == "connect" {
			return []keyturn.Effect{g.unknownEffect("gcloud sql connect", "opens an interactive database session")}, true
		}
	case "storage":
		switch sub {
		case "cp", "mv", "rsync", "rm":
			return g.storage(sub, pos), true
		}
	}
	return nil, false
}

// storage judges gcloud storage cp/mv/rsync/rm by where the objects land.
func (g *cloudCall) storage(sub string, pos []arg) []keyturn.Effect {
	c := g.c
	op := "gcloud storage " + sub
	if len(pos) == 0 {
		return []keyturn.Effect{g.unknownEffect(op, "no objects named")}
	}
	isRemote := func(a arg) bool { return strings.Contains(a.Value, "://") }
	if sub == "rm" {
		return []keyturn.Effect{g.effect(op, keyturn.Destructive, "", strs(pos)...)}
	}
	if len(pos) < 2 {
		return []keyturn.Effect{g.unknownEffect(op, "a copy without a destination")}
	}
	dst := pos[len(pos)-1]
	srcs := pos[:len(pos)-1]
	var out []keyturn.Effect
	class := keyturn.Write
	note := ""
	if sub == "rsync" && hasOpt(g.opts, "--delete-unmatched-destination-objects") {
		class, note = keyturn.Destructive, "deletes destination objects missing from the source"
	}
	if isRemote(dst) {
		out = append(out, g.effect(op, class, note, dst.Value))
	} else if class == keyturn.Destructive {
		out = append(out, c.deleteEffect(op, dst))
	} else {
		out = append(out, c.writeEffect(op, dst))
	}
	for _, s := range srcs {
		switch {
		case sub == "mv" && isRemote(s):
			out = append(out, g.effect(op, keyturn.Destructive, "moves objects: the source is deleted", s.Value))
		case sub == "mv":
			out = append(out, c.deleteEffect(op, s))
		case isRemote(s):
			out = append(out, g.effect(op, keyturn.Read, "", s.Value))
		}
	}
	return out
}

// export reads a resource; it writes where --destination or a gs:// URI
// says, and to the screen otherwise.
func (g *cloudCall) export(op string, targets []string) []keyturn.Effect {
	for _, t := range targets {
		if strings.HasPrefix(t, "gs://") || strings.HasPrefix(t, "https://") {
			return []keyturn.Effect{g.effect(op, keyturn.Write, "writes an export to "+t, targets...)}
		}
	}
	if d, ok := lastOpt(g.opts, "--destination", "--output-file", "--path"); ok {
		if strings.HasPrefix(d.Value, "gs://") {
			return []keyturn.Effect{g.effect(op, keyturn.Write, "writes an export to "+d.Value, targets...)}
		}
		return []keyturn.Effect{g.effect(op, keyturn.Read, "", targets...), g.c.writeEffect(op, d)}
	}
	return []keyturn.Effect{g.effect(op, keyturn.Read, "", targets...)}
}

// remoteShell: gcloud compute ssh NAME runs --command (or the words after
// --) on the instance; without one it opens a shell keyturn cannot see.
func (g *cloudCall) remoteShell(op string, pos, rest []arg) []keyturn.Effect {
	name := ""
	if len(pos) > 0 {
		name = pos[0].Value
		if i := strings.LastIndexByte(name, '@'); i >= 0 {
			name = name[i+1:]
		}
	}
	hints := cloneHints(g.hints)
	if name != "" && len(pos) > 0 && pos[0].Known {
		hints["host"] = name
	}
	src, hasCmd := "", false
	if cmd, ok := lastOpt(g.opts, "--command"); ok {
		if !cmd.Known {
			return []keyturn.Effect{g.unknownEffect(op, "the remote command is only known at run time")}
		}
		src, hasCmd = cmd.Value, true
	} else if len(rest) > 0 && !strings.HasPrefix(rest[0].Value, "-") {
		s, known := joinKnown(rest)
		if !known {
			return []keyturn.Effect{g.unknownEffect(op, "the remote command is only known at run time")}
		}
		src, hasCmd = s, true
	}
	if !hasCmd {
		e := g.unknownEffect(op, "opens a shell on "+name+" whose commands keyturn cannot see")
		e.Hints = hints
		e.Targets = []string{name}
		return []keyturn.Effect{e}
	}
	g.c.insideShell(hints, src, op+" command")
	return nil
}

// gcloudHints: --project, then the environment, then the active gcloud
// configuration on disk.
func gcloudHints(c *call, opts []cliOpt) map[string]string {
	h := map[string]string{}
	if p, ok := lastOpt(opts, "--project"); ok {
		if p.Known {
			h["gcloud_project"] = p.Value
		}
		return h
	}
	for _, k := range []string{"CLOUDSDK_CORE_PROJECT", "GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT"} {
		if v := c.env[k]; v != "" {
			h["gcloud_project"] = v
			return h
		}
	}
	if p := gcloudConfigProject(c, opts); p != "" {
		h["gcloud_project"] = p
	}
	return h
}

// gcloudConfigProject reads core/project from the gcloud configuration
// the command would use (CLOUDSDK_CONFIG, --configuration,
// CLOUDSDK_ACTIVE_CONFIG_NAME, or the active_config file).
func gcloudConfigProject(c *call, opts []cliOpt) string {
	if c.s.remote != nil {
		return ""
	}
	dir := c.env["CLOUDSDK_CONFIG"]
	if dir == "" {
		home := c.env["HOME"]
		if home == "" {
			return ""
		}
		dir = path.Join(home, ".config", "gcloud")
	}
	name := c.env["CLOUDSDK_ACTIVE_CONFIG_NAME"]
	if a, ok := lastOpt(opts, "--configuration"); ok {
		if !a.Known {
			return ""
		}
		name = a.Value
	}
	if name == "" {
		data, err := readSmall(path.Join(dir, "active_config"))
		if err != nil {
			name = "default"
		} else {
			name = strings.TrimSpace(string(data))
		}
	}
	if strings.ContainsAny(name, "/\\") {
		return ""
	}
	data, err := readSmall(path.Join(dir, "configurations", "config_"+name))
	if err != nil {
		return ""
	}
	section := ""
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line[1 : len(line)-1]
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && section == "core" && strings.TrimSpace(k) == "project" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// cloudCall is one gcloud or az command being judged.
type cloudCall struct {
	c       *call
	tool    string
	opts    []cliOpt
	hints   map[string]string
	dynamic bool // a word known only at run time may be --project=…
}

func (g *cloudCall) effect(op string, class keyturn.Class, note string, targets ...string) keyturn.Effect {
	hints := cloneHints(g.hints)
	if g.dynamic && class != keyturn.Read {
		hints = map[string]string{}
		note = strings.TrimSpace(note + " (a word known only at run time could change the project)")
	}
	var ts []string
	for _, t := range targets {
		if t != "" {
			ts = append(ts, t)
		}
	}
	e := g.c.effect(g.tool, op, class, hints, ts...)
	e.Note = note
	return e
}

func (g *cloudCall) unknownEffect(op, note string) keyturn.Effect {
	return g.effect(op, keyturn.Unknown, note)
}

func cloneHints(h map[string]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[k] = v
	}
	return out
}

// optValues returns the known values of the options.
func optValues(opts []cliOpt, names ...string) []string {
	var out []string
	for _, o := range opts {
		if o.name != "" && optIs(o, names...) && o.val.Value != "" {
			out = append(out, o.val.Value)
		}
	}
	return out
}

// --- az

var azValued = set("--subscription", "--output", "-o", "--query", "--resource-group", "-g", "--name", "-n",
	"--ids", "--location", "-l", "--method", "-m", "--url", "--uri", "--body", "-b", "--headers",
	"--url-parameters", "--resource", "--command-id", "--scripts", "--parameters", "--command", "--exec-command",
	"--container-name", "--vm-name", "--account-name", "--container", "-c", "--file", "-f", "--source", "-s",
	"--destination", "-d", "--image", "--size", "--tags", "--sku", "--role", "--assignee", "--scope",
	"--vault-name", "--value", "--template-file", "--template-uri", "--set", "--version", "--node-count",
	"--cluster-name", "--nodepool-name", "--server", "--database-name", "--workspace-name", "--plan",
	"--runtime", "--slot", "--target-slot", "--target", "--key", "--id", "--path", "--pattern")

func analyzeAz(c *call) []keyturn.Effect {
	var words []arg
	i := 0
	for ; i < len(c.args); i++ {
		a := c.args[i]
		if strings.HasPrefix(a.Value, "-") || !a.Known && strings.HasPrefix(a.Value, "$") {
			break
		}
		words = append(words, a)
	}
	opts, dynamic := dbArgs(c.args[i:], azValued, false)
	if hasOpt(opts, "--help", "-h") {
		return []keyturn.Effect{readEffect(c)}
	}
	if len(words) == 0 {
		if hasOpt(opts, "--version") {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{c.unknown("az", "az without a command")}
	}
	for _, w := range words {
		if !w.Known {
			return []keyturn.Effect{c.unknown("az", "the command is only known at run time: "+w.Value)}
		}
	}
	path := strs(words)
	g := &cloudCall{c: c, tool: "az", opts: opts, dynamic: dynamic}
	g.hints = azHints(c, opts)
	if path[0] == "group" {
		if n, ok := lastOpt(opts, "--name", "-n", "--resource-group", "-g"); ok && n.Known {
			g.hints["azure_resource_group"] = n.Value
		}
	}
	op := "az " + strings.Join(path, " ")
	vw := path[len(path)-1]
	targets := append(optValues(opts, "--name", "-n", "--ids", "--vm-name", "--cluster-name"), strs(operands(opts))...)
	if eff, ok := g.azSpecial(path, targets); ok {
		return eff
	}
	class, ok := cloudVerbClass(vw)
	if !ok {
		return []keyturn.Effect{g.unknownEffect(op, "an az command whose verb keyturn does not know")}
	}
	switch {
	case vw == "get-credentials":
		return []keyturn.Effect{c.localEffect("az", op, keyturn.Write, targets...), g.effect(op, keyturn.Read, "", targets...)}
	case vw == "download" || vw == "download-batch":
		return []keyturn.Effect{g.effect(op, keyturn.Read, "", targets...), g.azLocalWrite(op)}
	}
	return []keyturn.Effect{g.effect(op, class, "", targets...)}
}

// azLocalWrite is the file or directory a download writes.
func (g *cloudCall) azLocalWrite(op string) keyturn.Effect {
	if f, ok := lastOpt(g.opts, "--file", "-f", "--destination", "-d", "--path"); ok {
		return g.c.writeEffect(op, f)
	}
	return g.c.localEffect("az", op, keyturn.Write)
}

// azSpecial handles az's own settings and the commands that run code
// remotely.
func (g *cloudCall) azSpecial(path []string, targets []string) ([]keyturn.Effect, bool) {
	c := g.c
	op := "az " + strings.Join(path, " ")
	local := func(class keyturn.Class) ([]keyturn.Effect, bool) {
		return []keyturn.Effect{c.localEffect("az", op, class)}, true
	}
	sub := ""
	if len(path) > 1 {
		sub = path[1]
	}
	switch path[0] {
	case "version", "find", "feedback", "survey", "interactive":
		if path[0] == "interactive" {
			return []keyturn.Effect{c.unknown(op, "an interactive az shell")}, true
		}
		return []keyturn.Effect{readEffect(c)}, true
	case "login", "logout", "upgrade", "configure", "init":
		return local(keyturn.Write)
	case "extension", "config", "cloud":
		switch sub {
		case "list", "show", "get", "list-available":
			return local(keyturn.Read)
		}
		return local(keyturn.Write)
	case "account":
		switch sub {
		case "set", "clear":
			return local(keyturn.Write)
		case "show", "list", "list-locations", "get-access-token", "tenant":
			return []keyturn.Effect{g.effect(op, keyturn.Read, "")}, true
		}
	case "rest":
		method := "get"
		if m, ok := lastOpt(g.opts, "--method", "-m"); ok {
			if !m.Known {
				return []keyturn.Effect{g.unknownEffect(op, "the HTTP method is only known at run time")}, true
			}
			method = strings.ToLower(m.Value)
		} else if hasOpt(g.opts, "--body", "-b") {
			method = "post"
		}
		url := strings.Join(optValues(g.opts, "--url", "--uri", "-u"), " ")
		switch method {
		case "get", "head", "options":
			return []keyturn.Effect{g.effect("az rest "+method, keyturn.Read, "", url)}, true
		case "post", "put", "patch":
			return []keyturn.Effect{g.effect("az rest "+method, keyturn.Write, "", url)}, true
		case "delete":
			return []keyturn.Effect{g.effect("az rest delete", keyturn.Destructive, "", url)}, true
		}
		return []keyturn.Effect{g.unknownEffect("az rest "+method, "an HTTP method keyturn does not know")}, true
	case "ssh":
		return []keyturn.Effect{g.unknownEffect(op, "opens a shell keyturn cannot see")}, true
	case "webapp", "functionapp":
		if sub == "ssh" || sub == "create-remote-connection" {
			return []keyturn.Effect{g.unknownEffect(op, "opens a shell keyturn cannot see")}, true
		}
	}
	// Commands that run code on a machine or in a cluster.
	joined := strings.Join(path, " ")
	switch joined {
	case "vm run-command invoke", "vmss run-command invoke", "vm run-command create":
		id, _ := lastOpt(g.opts, "--command-id")
		script, ok := lastOpt(g.opts, "--scripts")
		if !ok || !script.Known || strings.HasPrefix(script.Value, "@") || id.Value != "RunShellScript" {
			return []keyturn.Effect{g.unknownEffect(op, "runs a script on the machine that keyturn cannot read")}, true
		}
		return g.inside(targets, script.Value, op), true
	case "aks command invoke":
		cmd, ok := lastOpt(g.opts, "--command", "-c")
		if !ok || !cmd.Known {
			return []keyturn.Effect{g.unknownEffect(op, "runs a command in the cluster that keyturn cannot read")}, true
		}
		return g.inside(targets, cmd.Value, op), true
	case "container exec":
		cmd, ok := lastOpt(g.opts, "--exec-command")
		if !ok || !cmd.Known {
			return []keyturn.Effect{g.unknownEffect(op, "opens a shell in the container")}, true
		}
		return g.inside(targets, cmd.Value, op), true
	case "container attach", "aks browse":
		return []keyturn.Effect{g.unknownEffect(op, "opens a session keyturn cannot see")}, true
	}
	return nil, false
}

// inside analyses a command az runs on a machine, a cluster or a
// container; its effects take that resource's hints.
func (g *cloudCall) inside(targets []string, src, op string) []keyturn.Effect {
	hints := cloneHints(g.hints)
	if len(targets) > 0 {
		hints["host"] = targets[0]
	}
	if g.dynamic {
		hints = map[string]string{}
	}
	g.c.insideShell(hints, src, op+" script")
	return []keyturn.Effect{g.effect(op, keyturn.Write, "runs a command remotely", targets...)}
}

// azHints: --subscription and --resource-group, then the environment, then
// az's own defaults on disk.
func azHints(c *call, opts []cliOpt) map[string]string {
	h := map[string]string{}
	if s, ok := lastOpt(opts, "--subscription"); ok {
		if s.Known {
			h["azure_subscription"] = s.Value
		}
	} else if v := c.env["AZURE_SUBSCRIPTION_ID"]; v != "" {
		h["azure_subscription"] = v
	} else if v := azDefaultSubscription(c); v != "" {
		h["azure_subscription"] = v
	}
	if g, ok := lastOpt(opts, "--resource-group", "-g"); ok {
		if g.Known {
			h["azure_resource_group"] = g.Value
		}
	} else if v := c.env["AZURE_DEFAULTS_GROUP"]; v != "" {
		h["azure_resource_group"] = v
	}
	return h
}

// azDefaultSubscription reads the default subscription's name from
// azureProfile.json in AZURE_CONFIG_DIR or ~/.azure.
func azDefaultSubscription(c *call) string {
	if c.s.remote != nil {
		return ""
	}
	dir := c.env["AZURE_CONFIG_DIR"]
	if dir == "" {
		if c.env["HOME"] == "" {
			return ""
		}
		dir = path.Join(c.env["HOME"], ".azure")
	}
	data, err := readSmall(path.Join(dir, "azureProfile.json"))
	if err != nil {
		return ""
	}
	var profile struct {
		Subscriptions []struct {
			ID        string `json:"id"`
			Name      string `json:"name"`
			IsDefault bool   `json:"isDefault"`
		} `json:"subscriptions"`
	}
	// The file starts with a byte-order mark.
	if err := json.Unmarshal([]byte(strings.TrimPrefix(string(data), "\ufeff")), &profile); err != nil {
		return ""
	}
	for _, s := range profile.Subscriptions {
		if s.IsDefault {
			if s.Name != "" {
				return s.Name
			}
			return s.ID
		}
	}
	return ""
}
