package classify

import (
	"strings"

	"keyturn"
)

// helm: releases live in a cluster, found as kubectl finds it
// (--kube-context, HELM_KUBECONTEXT, else the kubeconfig's current-context);
// repositories, plugins and registry logins are this machine's
// configuration; charts are files in the workspace.

func init() {
	register(analyzeHelm, "helm")
}

// helmValued lists helm's options that take a value (cobra takes global
// options anywhere on the line).
var helmValued = set(
	// global
	"--kube-context", "-n", "--namespace", "--kubeconfig", "--kube-apiserver", "--kube-as-user",
	"--kube-as-group", "--kube-ca-file", "--kube-token", "--kube-tls-server-name", "--registry-config",
	"--repository-cache", "--repository-config", "--burst-limit", "--qps", "--content-cache", "--color", "--colour",
	// install, upgrade, template, …
	"-f", "--values", "--set", "--set-string", "--set-file", "--set-json", "--set-literal", "--version",
	"--timeout", "--description", "--post-renderer", "--post-renderer-args", "--repo", "--username",
	"--password", "--ca-file", "--cert-file", "--key-file", "--keyring", "-o", "--output", "-m", "--max",
	"--revision", "--history-max", "--destination", "--untardir", "--app-version", "--api-versions",
	"--kube-version", "--name-template", "--output-dir", "--show-only", "--filter", "--time-format",
	"--template", "--url", "--merge", "--cascade", "--selector", "--offset", "--max-col-width", "--labels",
	"--key", "--passphrase-file", "--release-name-template", "--jsonpath", "--namespace-template",
	"--deletion-propagation",
)

// helmVerbValued adds the short options whose meaning depends on the verb:
// `helm list -a` is --all but `helm template -a` is --api-versions.
var helmVerbValued = map[string][]string{
	"template": {"-a", "-s"},
	"pull":     {"-d"},
	"fetch":    {"-d"},
	"package":  {"-d"},
	"registry": {"-u", "-p"},
	"list":     {"-l"},
	"ls":       {"-l"},
}

var helmVerbValuedSets = func() map[string]map[string]bool {
	sets := map[string]map[string]bool{}
	for verb, extra := range helmVerbValued {
		m := set(extra...)
		for k := range helmValued {
			m[k] = true
		}
		sets[verb] = m
	}
	return sets
}()

// helmVerbs maps helm's aliases to one name.
var helmVerbs = map[string]string{
	"ls": "list", "delete": "uninstall", "del": "uninstall", "un": "uninstall", "uninstall": "uninstall",
	"inspect": "show", "hist": "history", "fetch": "pull", "dep": "dependency", "dependencies": "dependency",
	"plugins": "plugin",
}

type helmCmd struct {
	c     *call
	verb  string
	o     cliOpts
	ops   []arg
	hints map[string]string
	ns    string
}

func analyzeHelm(c *call) []keyturn.Effect {
	pre := parseCLI(c.args, helmValued, true)
	if len(pre.pos) == 0 {
		if pre.hasRest && len(pre.rest) > 0 {
			return []keyturn.Effect{c.unknown("helm", "a command after -- with no verb")}
		}
		return []keyturn.Effect{readEffect(c)}
	}
	verb := pre.pos[0]
	if !verb.Known {
		return []keyturn.Effect{c.unknown("helm", "the helm command is only known at run time: "+verb.Value)}
	}
	name := verb.Value
	if n, ok := helmVerbs[name]; ok {
		name = n
	}
	valued := helmValued
	if m, ok := helmVerbValuedSets[verb.Value]; ok {
		valued = m
	}
	o := parseCLI(pre.rest, valued, false)
	o.merge(pre)
	h := &helmCmd{c: c, verb: name, o: o, ops: o.pos}
	h.resolve()
	if o.has("-h", "--help") {
		return []keyturn.Effect{h.local("helm "+name+" --help", keyturn.Read)}
	}
	if pr, ok := o.get("--post-renderer"); ok {
		// Helm pipes the rendered manifests through this program, in
		// template and --dry-run too.
		return []keyturn.Effect{c.unknown("helm --post-renderer", "runs a program of the caller's choosing on the manifests: "+pr.Value)}
	}
	effects := h.analyse()
	if e, ok := kubeconfigRunsCode(c, kcArg(o)); ok {
		effects = append(effects, e)
	}
	return effects
}

func (h *helmCmd) resolve() {
	c := h.c
	ctx, hasCtx := h.o.get("--kube-context")
	if !hasCtx {
		if v, ok := c.env["HELM_KUBECONTEXT"]; ok && v != "" {
			ctx, hasCtx = arg{Value: v, Known: true}, true
		}
	}
	ns, hasNS := h.o.get("-n", "--namespace")
	if !hasNS {
		if v, ok := c.env["HELM_NAMESPACE"]; ok && v != "" {
			ns, hasNS = arg{Value: v, Known: true}, true
		}
	}
	kc, hasKC := h.o.get("--kubeconfig")
	h.hints, h.ns, _ = resolveKube(c, optArg{ctx, hasCtx}, optArg{kc, hasKC}, optArg{ns, hasNS})
	api := h.o.str("--kube-apiserver")
	if api == "" {
		api = c.env["HELM_KUBEAPISERVER"]
	}
	if host := urlHost(api); host != "" {
		h.hints["host"] = host
	}
	if h.o.has("-A", "--all-namespaces") {
		h.ns = ""
	}
}

// effect is an effect on the cluster. As for kubectl, a change made by a
// line with a word known only at run time has no hints: the word could be
// --kube-context=prod.
func (h *helmCmd) effect(op string, class keyturn.Class, targets ...string) keyturn.Effect {
	e := h.c.effect("helm", op, class, h.hints, targets...)
	if class != keyturn.Read && len(h.o.dynamic) > 0 {
		e.Hints = nil
		e.Note = "a word known only at run time (" + h.o.dynamic[0].Value + ") may change the cluster or namespace"
	}
	return e
}

// release names a release, in its namespace when known.
func (h *helmCmd) release(name string) string {
	if h.ns != "" {
		return "namespace/" + h.ns + "/release/" + name
	}
	return "release/" + name
}

func (h *helmCmd) releases(ops []arg) []string {
	var out []string
	for _, a := range ops {
		out = append(out, h.release(a.Value))
	}
	return out
}

// dryRun: --dry-run, --dry-run=client or =server render without changing.
func (h *helmCmd) dryRun() bool {
	a, ok := h.o.get("--dry-run")
	return ok && (!a.Known || a.Value != "none" && a.Value != "false")
}

func (h *helmCmd) local(op string, class keyturn.Class, targets ...string) keyturn.Effect {
	return h.c.localEffect("helm", op, class, targets...)
}

func (h *helmCmd) analyse() []keyturn.Effect {
	c := h.c
	ops := h.ops
	sub := firstValue(ops)
	var subOps []arg
	if len(ops) > 1 {
		subOps = ops[1:]
	}
	op := "helm " + h.verb
	switch h.verb {
	case "list", "status", "get", "history":
		if h.verb == "get" {
			switch sub {
			case "all", "hooks", "manifest", "metadata", "notes", "values":
				op += " " + sub
				ops = subOps
			default:
				return []keyturn.Effect{c.unknown(op+" "+sub, "an unknown helm get command")}
			}
		}
		return []keyturn.Effect{h.effect(op, keyturn.Read, h.releases(ops)...)}
	case "template", "show", "search", "lint", "version", "env", "completion", "help", "verify":
		// These read charts, repositories and files; none talks to a
		// release in a cluster.
		effects := []keyturn.Effect{h.local(op, keyturn.Read)}
		if dir, ok := h.o.get("--output-dir"); ok && h.verb == "template" {
			effects = append(effects, c.writeEffect(op+" --output-dir", dir))
		}
		return effects
	case "diff":
		// The helm-diff plugin: compares a release with a chart.
		return []keyturn.Effect{h.effect(op, keyturn.Read, h.releases(subOps[:min(1, len(subOps))])...)}
	case "install", "upgrade":
		var rel []string
		if h.o.has("-g", "--generate-name") {
			rel = []string{h.release("(generated)")}
		} else if len(ops) > 0 {
			rel = []string{h.release(ops[0].Value)}
		}
		if h.dryRun() {
			e := h.effect(op, keyturn.Read, rel...)
			e.Note = "dry run: nothing is changed"
			return []keyturn.Effect{e}
		}
		if len(h.o.dynamic) > 0 {
			e := h.effect(op, keyturn.Destructive, rel...)
			e.Note = "a word known only at run time (" + h.o.dynamic[0].Value + ") may add --force or change the cluster"
			return []keyturn.Effect{e}
		}
		if h.o.has("--force") {
			// --force replaces what it cannot patch: objects are deleted
			// and created again, as with kubectl replace --force.
			e := h.effect(op+" --force", keyturn.Destructive, rel...)
			e.Note = noteOr(e.Note, "deletes and re-creates resources it cannot update")
			return []keyturn.Effect{e}
		}
		return []keyturn.Effect{h.effect(op, keyturn.Write, rel...)}
	case "uninstall", "rollback":
		rel := h.releases(ops[:min(1, len(ops))])
		if h.verb == "uninstall" {
			rel = h.releases(ops)
		}
		if h.dryRun() {
			e := h.effect(op, keyturn.Read, rel...)
			e.Note = "dry run: nothing is changed"
			return []keyturn.Effect{e}
		}
		e := h.effect(op, keyturn.Destructive, rel...)
		if h.verb == "rollback" {
			e.Note = noteOr(e.Note, "rolls the release back to an earlier revision")
		} else {
			e.Note = noteOr(e.Note, "deletes the release and its resources")
		}
		return []keyturn.Effect{e}
	case "test":
		return []keyturn.Effect{h.effect(op, keyturn.Write, h.releases(ops[:min(1, len(ops))])...)}
	case "repo":
		switch sub {
		case "list", "ls":
			return []keyturn.Effect{h.local("helm repo list", keyturn.Read)}
		case "add", "update", "up", "remove", "rm":
			// The repository list and cache in the user's helm config.
			return []keyturn.Effect{h.local("helm repo "+sub, keyturn.Write, strs(subOps[:min(1, len(subOps))])...)}
		case "index":
			dir := arg{Value: ".", Known: true}
			if len(subOps) > 0 {
				dir = subOps[0]
			}
			return []keyturn.Effect{c.writeEffect("helm repo index", dir)}
		}
	case "dependency":
		switch sub {
		case "list", "ls":
			return []keyturn.Effect{h.local("helm dependency list", keyturn.Read)}
		case "update", "up", "build":
			chart := arg{Value: ".", Known: true}
			if len(subOps) > 0 {
				chart = subOps[0]
			}
			charts := arg{Value: strings.TrimSuffix(chart.Value, "/") + "/charts", Known: chart.Known}
			return []keyturn.Effect{c.writeEffect("helm dependency "+sub, charts)}
		}
	case "plugin":
		switch sub {
		case "list", "ls":
			return []keyturn.Effect{h.local("helm plugin list", keyturn.Read)}
		case "install", "add", "update", "up", "uninstall", "rm", "remove", "package":
			// A plugin is code helm runs later, installed in the user's
			// helm directory.
			return []keyturn.Effect{h.local("helm plugin "+sub, keyturn.Write, strs(subOps)...)}
		case "verify":
			return []keyturn.Effect{h.local("helm plugin verify", keyturn.Read)}
		}
	case "registry":
		if sub == "login" || sub == "logout" {
			return []keyturn.Effect{h.local("helm registry "+sub, keyturn.Write, strs(subOps[:min(1, len(subOps))])...)}
		}
	case "create":
		if len(ops) == 0 {
			return []keyturn.Effect{h.local(op, keyturn.Read)}
		}
		return []keyturn.Effect{c.writeEffect(op, ops[0])}
	case "package", "pull":
		dest, ok := h.o.get("-d", "--destination", "--untardir")
		if !ok {
			dest = arg{Value: ".", Known: true}
		}
		return []keyturn.Effect{c.writeEffect(op, dest)}
	case "push":
		// helm push CHART.tgz oci://REGISTRY/…: publishes to a registry.
		host := ""
		if len(ops) > 1 {
			host = urlHost(ops[1].Value)
		}
		hints := map[string]string{}
		if host != "" {
			hints["host"] = host
		}
		return []keyturn.Effect{c.effect("helm", op, keyturn.Write, hints, strs(ops)...)}
	default:
		return []keyturn.Effect{c.unknown(op, "an unknown helm command, or a plugin that keyturn cannot judge")}
	}
	return []keyturn.Effect{c.unknown(op+" "+sub, "an unknown helm "+h.verb+" command")}
}
