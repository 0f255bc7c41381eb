package classify

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path"
	"strings"

	"keyturn"
)

// docker, podman, nerdctl and the compose tools. With no remote host or
// context the engine is this machine: its effects are `local`. With -H,
// DOCKER_HOST, a non-local context or podman's --remote, they land on
// another machine and keep hints (host, docker_context) instead.
//
// Global options come before the subcommand; after it, each subcommand has
// its own options, and run/create/exec stop at the first operand: what
// follows the image or container is the command run inside it.

func init() {
	register(analyzeDocker, "docker", "podman", "nerdctl", "docker-compose", "podman-compose")
}

// dockerGlobalValued lists the global options of docker, podman, nerdctl
// and the compose tools that take a value.
var dockerGlobalValued = set(
	// docker
	"--config", "-c", "--context", "-H", "--host", "-l", "--log-level", "--tlscacert", "--tlscert", "--tlskey",
	// podman
	"--connection", "--url", "--identity", "--root", "--runroot", "--storage-driver", "--storage-opt",
	"--cgroup-manager", "--runtime", "--events-backend", "--network-cmd-path", "--tmpdir", "--imagestore",
	"--module", "--ssh", "--out", "--hooks-dir", "--conmon", "--cni-config-dir", "--network-config-dir",
	"--volumepath", "--db-backend", "--runtime-flag", "--registries-conf", "--network-backend",
	// nerdctl
	"-a", "--address", "-n", "--namespace", "--snapshotter", "--cni-path", "--cni-netconfpath", "--data-root",
	"--host-gateway-ip", "--hosts-dir", "--bridge-ip", "--global-dns",
	// docker-compose, podman-compose
	"-f", "--file", "-p", "--project-name", "--project-directory", "--profile", "--env-file", "--ansi",
	"--parallel", "--progress", "--podman-path", "--podman-args", "--podman-run-args", "--podman-build-args",
	"--pod-args", "--in-pod",
)

// dockerComposeValued: the options of `docker compose` before its subcommand.
var dockerComposeValued = set("-f", "--file", "-p", "--project-name", "--project-directory", "--profile",
	"--env-file", "--ansi", "--parallel", "--progress")

// dockerLongValued lists the long options of docker's subcommands that take
// a value. Long names mean the same in every subcommand.
var dockerLongValued = []string{
	"--name", "--env", "--env-file", "--user", "--workdir", "--volume", "--mount", "--publish", "--network",
	"--net", "--entrypoint", "--label", "--label-file", "--hostname", "--memory", "--cpus", "--cpu-shares",
	"--platform", "--restart", "--add-host", "--cap-add", "--cap-drop", "--device", "--dns", "--dns-search",
	"--dns-option", "--expose", "--gpus", "--group-add", "--health-cmd", "--health-interval", "--health-retries",
	"--health-start-period", "--health-timeout", "--health-start-interval", "--ip", "--ip6", "--ipc",
	"--isolation", "--link", "--log-driver", "--log-opt", "--mac-address", "--memory-reservation",
	"--memory-swap", "--memory-swappiness", "--network-alias", "--net-alias", "--oom-score-adj", "--pid",
	"--pids-limit", "--runtime", "--security-opt", "--shm-size", "--stop-signal", "--stop-timeout",
	"--storage-opt", "--sysctl", "--tmpfs", "--ulimit", "--userns", "--uts", "--volume-driver", "--volumes-from",
	"--cgroup-parent", "--cgroupns", "--cidfile", "--cpu-period", "--cpu-quota", "--cpu-rt-period",
	"--cpu-rt-runtime", "--cpuset-cpus", "--cpuset-mems", "--detach-keys", "--device-cgroup-rule",
	"--device-read-bps", "--device-read-iops", "--device-write-bps", "--device-write-iops", "--domainname",
	"--kernel-memory", "--link-local-ip", "--annotation", "--blkio-weight", "--blkio-weight-device", "--attach",
	"--build-arg", "--build-context", "--cache-from", "--cache-to", "--file", "--iidfile", "--output",
	"--progress", "--secret", "--ssh", "--tag", "--target", "--builder", "--metadata-file", "--call", "--allow",
	"--attest", "--filter", "--format", "--tail", "--since", "--until", "--time", "--signal", "--author",
	"--change", "--message", "--username", "--password", "--input", "--driver", "--opt", "--subnet",
	"--gateway", "--ip-range", "--aux-address", "--ipam-driver", "--ipam-opt", "--scope", "--config-from",
	"--timeout", "--scale", "--exit-code-from", "--wait-timeout", "--no-attach", "--rmi", "--index", "--type",
	"--last", "--limit", "--description", "--docker-host", "--from", "--replicas", "--mode", "--constraint",
	"--config", "--image", "--compose-file", "--set", "--project-name", "--env-from-file",
	// podman
	"--pod", "--arch", "--os", "--variant", "--authfile", "--cert-dir", "--creds", "--systemd", "--tz",
	"--umask", "--uidmap", "--gidmap", "--subuidname", "--subgidname", "--pidfile", "--cgroups",
	"--conmon-pidfile", "--init-path", "--passwd-entry", "--personality", "--preserve-fds", "--rdt-class",
	"--requires", "--sdnotify", "--seccomp-policy", "--hosts-file", "--retry", "--retry-delay", "--unsetenv",
	"--decryption-key", "--chrootdirs", "--health-on-failure", "--pod-id-file", "--infra-image", "--infra-name",
	"--share", "--jobs", "--manifest", "--sign-by", "--digestfile", "--compression-format", "--encryption-key",
	"--volumes-from", "--group-entry", "--image-volume", "--log-level",
}

// dockerShortValued lists, per subcommand, its short options that take a
// value; the same letter is a switch elsewhere (-t is --tty for run but
// --tag for build, -f --follow for logs but --filter for ps).
var dockerShortValued = map[string]string{
	"run": "-a -c -e -h -l -m -p -u -v -w", "create": "-a -c -e -h -l -m -p -u -v -w",
	"exec": "-e -u -w", "build": "-f -t -o", "logs": "-n", "ps": "-f -n", "images": "-f", "inspect": "-f",
	"events": "-f", "stop": "-t -s", "restart": "-t -s", "kill": "-s", "commit": "-a -c -m", "import": "-c -m",
	"login": "-u -p", "save": "-o", "export": "-o", "load": "-i", "search": "-f", "update": "-c -m",
	"network create": "-d -o", "volume create": "-d -o", "plugin install": "",
	"compose up": "-t", "compose down": "-t", "compose stop": "-t", "compose restart": "-t",
	"compose logs": "-n", "compose exec": "-e -u -w", "compose run": "-e -u -w -p -v -l",
	"stack deploy": "-c",
}

// dockerValuedSets holds dockerValued's answers, built once.
var dockerValuedSets = func() map[string]map[string]bool {
	sets := map[string]map[string]bool{"": set(dockerLongValued...)}
	for key, shorts := range dockerShortValued {
		m := set(dockerLongValued...)
		for _, s := range strings.Fields(shorts) {
			m[s] = true
		}
		switch key {
		case "run", "create", "compose run", "compose up":
			m["--pull"] = true // build's --pull is a switch
		}
		sets[key] = m
	}
	return sets
}()

// dockerValued returns the options of the subcommand key that take a value.
func dockerValued(key string) map[string]bool {
	if m, ok := dockerValuedSets[key]; ok {
		return m
	}
	return dockerValuedSets[""]
}

type dockerCmd struct {
	c    *call
	name string // docker, podman, nerdctl: the start of every operation
	pre  cliOpts
	// hints is nil when the engine is this machine.
	hints map[string]string
	// configDir is docker's configuration directory, when known.
	configDir string
}

func analyzeDocker(c *call) []keyturn.Effect {
	d := &dockerCmd{c: c, name: c.prog}
	pre := parseCLI(c.args, dockerGlobalValued, true)
	d.pre = pre
	d.resolve()
	if c.prog == "docker-compose" || c.prog == "podman-compose" {
		d.name = strings.TrimSuffix(c.prog, "-compose")
		// The compose tools take the engine's global options (-H,
		// --context) as well as compose's own.
		return d.compose(c.args, dockerGlobalValued)
	}
	if len(pre.pos) == 0 {
		if pre.hasRest && len(pre.rest) > 0 {
			return []keyturn.Effect{c.unknown(d.name, "a command after -- with no subcommand")}
		}
		return []keyturn.Effect{readEffect(c)} // --version, --help
	}
	verb := pre.pos[0]
	if !verb.Known {
		return []keyturn.Effect{c.unknown(d.name, "the "+d.name+" command is only known at run time: "+verb.Value)}
	}
	return d.verb(verb.Value, pre.rest)
}

// dockerLocalContexts are context and connection names that conventionally
// point at an engine on this machine (or its own VM).
var dockerLocalContexts = []string{"default", "desktop-linux", "desktop-windows", "rootless", "orbstack",
	"colima", "colima-*", "podman-machine-default", "podman-machine-default-root", "lima-*", "rancher-desktop"}

func isLocalDockerContext(name string) bool {
	for _, p := range dockerLocalContexts {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// resolve decides whether the engine is this machine or a remote one.
func (d *dockerCmd) resolve() {
	c := d.c
	podman := c.prog == "podman" || c.prog == "podman-compose"
	if c.prog == "nerdctl" {
		return // containerd on this machine; -H names its socket
	}
	// docker's configuration directory holds the current context.
	if dir, ok := d.pre.get("--config"); ok && !podman {
		if p, ok := c.s.abs(dir); ok {
			d.configDir = p
		}
	} else if v := c.env["DOCKER_CONFIG"]; v != "" {
		if p, ok := c.s.abs(arg{Value: v, Known: true}); ok {
			d.configDir = p
		}
	} else if h := c.env["HOME"]; h != "" {
		d.configDir = path.Join(h, ".docker")
	}
	if c.s.remote != nil {
		d.configDir = "" // the files on another host are not ours
	}
	if podman {
		switch {
		case d.pre.has("--url"):
			a, _ := d.pre.get("--url")
			d.host(a)
		case d.pre.has("-c", "--connection"):
			a, _ := d.pre.get("-c", "--connection")
			d.context(a)
		case c.env["CONTAINER_HOST"] != "":
			d.host(arg{Value: c.env["CONTAINER_HOST"], Known: true})
		case c.env["CONTAINER_CONNECTION"] != "":
			d.context(arg{Value: c.env["CONTAINER_CONNECTION"], Known: true})
		case d.pre.has("-r", "--remote"):
			d.hints = map[string]string{} // the default connection: not known here
		}
		return
	}
	switch {
	case d.pre.has("-H", "--host"):
		a, _ := d.pre.get("-H", "--host")
		d.host(a)
	case d.pre.has("-c", "--context"):
		a, _ := d.pre.get("-c", "--context")
		d.context(a)
	case c.env["DOCKER_HOST"] != "":
		d.host(arg{Value: c.env["DOCKER_HOST"], Known: true})
	case c.env["DOCKER_CONTEXT"] != "":
		d.context(arg{Value: c.env["DOCKER_CONTEXT"], Known: true})
	default:
		if cur, ok := c.s.env[dockerContextKey+d.configDir]; ok {
			// `docker context use` earlier in the line; "" when the name
			// was only known at run time.
			d.context(arg{Value: cur, Known: cur != ""})
		} else if cur := dockerCurrentContext(d.configDir); cur != "" {
			d.context(arg{Value: cur, Known: true})
		}
	}
}

// host sets the engine from a -H/DOCKER_HOST value: a socket on this
// machine is local, anything else is a remote host.
func (d *dockerCmd) host(a arg) {
	if !a.Known {
		d.hints = map[string]string{}
		return
	}
	v := a.Value
	if v == "" || strings.HasPrefix(v, "unix://") || strings.HasPrefix(v, "npipe://") || strings.HasPrefix(v, "fd://") {
		return
	}
	d.hints = map[string]string{"host": urlHost(v)}
}

// context sets the engine from a context or connection name. A context
// whose stored endpoint is a local socket is local.
func (d *dockerCmd) context(a arg) {
	if !a.Known {
		d.hints = map[string]string{}
		return
	}
	name := a.Value
	if name == "" || isLocalDockerContext(name) {
		return
	}
	d.hints = map[string]string{"docker_context": name}
	if ep := dockerContextEndpoint(d.configDir, name); ep != "" {
		if strings.HasPrefix(ep, "unix://") || strings.HasPrefix(ep, "npipe://") {
			d.hints = nil
			return
		}
		if h := urlHost(ep); h != "" {
			d.hints["host"] = h
		}
	}
}

// dockerContextKey prefixes the state's record of a `docker context use`
// earlier in the line, keyed by the configuration directory.
const dockerContextKey = "keyturn:docker-current-context:"

// dockerCurrentContext reads currentContext from config.json.
func dockerCurrentContext(dir string) string {
	if dir == "" {
		return ""
	}
	v, _ := cachedFile(path.Join(dir, "config.json"), func(data []byte) any {
		var cfg struct {
			CurrentContext string `json:"currentContext"`
		}
		if json.Unmarshal(data, &cfg) != nil {
			return ""
		}
		return cfg.CurrentContext
	}).(string)
	return v
}

// dockerContextEndpoint reads the docker endpoint of a stored context
// (contexts/meta/<sha256 of the name>/meta.json).
func dockerContextEndpoint(dir, name string) string {
	if dir == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(name))
	p := path.Join(dir, "contexts", "meta", hex.EncodeToString(sum[:]), "meta.json")
	v, _ := cachedFile(p, func(data []byte) any {
		var meta struct {
			Endpoints map[string]struct {
				Host string `json:"Host"`
			} `json:"Endpoints"`
		}
		if json.Unmarshal(data, &meta) != nil {
			return ""
		}
		return meta.Endpoints["docker"].Host
	}).(string)
	return v
}

// help returns the effect of a subcommand given --help, which prints its
// help and runs nothing. o must come from parsing the subcommand's own
// options, so that `--name --help` is a name, not a request for help.
func (d *dockerCmd) help(o cliOpts, words ...string) ([]keyturn.Effect, bool) {
	if !o.has("--help") {
		return nil, false
	}
	return []keyturn.Effect{d.c.localEffect("docker", d.op(append(words, "--help")...), keyturn.Read)}, true
}

// effect is an effect on the engine: local, or remote with hints.
func (d *dockerCmd) effect(op string, class keyturn.Class, targets ...string) keyturn.Effect {
	if d.hints == nil {
		return d.c.localEffect("docker", op, class, targets...)
	}
	return d.c.effect("docker", op, class, d.hints, targets...)
}

func (d *dockerCmd) op(words ...string) string {
	return d.name + " " + strings.Join(words, " ")
}

// dockerClass holds the class of the engine's simple subcommands.
var dockerClass = map[string]keyturn.Class{
	"ps": keyturn.Read, "images": keyturn.Read, "logs": keyturn.Read, "inspect": keyturn.Read,
	"version": keyturn.Read, "info": keyturn.Read, "stats": keyturn.Read, "top": keyturn.Read,
	"port": keyturn.Read, "diff": keyturn.Read, "history": keyturn.Read, "search": keyturn.Read,
	"events": keyturn.Read, "wait": keyturn.Read, "help": keyturn.Read, "completion": keyturn.Read,
	"exists": keyturn.Read, "tree": keyturn.Read, "scout": keyturn.Read, "sbom": keyturn.Read,

	"build": keyturn.Write, "pull": keyturn.Write, "start": keyturn.Write, "restart": keyturn.Write,
	"create": keyturn.Write, "tag": keyturn.Write, "commit": keyturn.Write, "pause": keyturn.Write,
	"unpause": keyturn.Write, "rename": keyturn.Write, "update": keyturn.Write, "load": keyturn.Write,
	"import": keyturn.Write, "untag": keyturn.Write, "mount": keyturn.Write, "unmount": keyturn.Write,
	"umount": keyturn.Write, "init": keyturn.Write, "restore": keyturn.Write, "checkpoint": keyturn.Write,
	"cleanup": keyturn.Write, "clone": keyturn.Write, "auto-update": keyturn.Write, "sign": keyturn.Write,
	"scp": keyturn.Write,

	"rm": keyturn.Destructive, "rmi": keyturn.Destructive, "kill": keyturn.Destructive, "stop": keyturn.Destructive,
}

// dockerNotes explain the destructive subcommands.
var dockerNotes = map[string]string{
	"rm":   "removes containers and what they hold outside volumes",
	"rmi":  "removes images",
	"kill": "kills running containers",
	"stop": "stops running containers",
}

// dockerGroupAlias maps `container X` and `image X` to the engine's own
// subcommand, so `docker container rm` and `docker rm` are one operation.
var dockerGroupAlias = map[string]map[string]string{
	"container": {"ls": "ps", "list": "ps", "ps": "ps", "rm": "rm", "remove": "rm"},
	"image":     {"ls": "images", "list": "images", "rm": "rmi", "remove": "rmi", "build": "build"},
	"builder":   {"build": "build"},
}

func (d *dockerCmd) verb(verb string, rest []arg) []keyturn.Effect {
	c := d.c
	switch verb {
	case "container", "image", "builder":
		sub, subRest, ok := d.subcommand(verb, rest)
		if !ok {
			return sub
		}
		name := subRest[0].Value
		if alias, ok := dockerGroupAlias[verb][name]; ok {
			return d.verb(alias, subRest[1:])
		}
		if name == "prune" {
			return d.prune(verb, subRest[1:])
		}
		if verb == "builder" {
			switch name {
			case "ls", "du", "inspect":
				return []keyturn.Effect{d.effect(d.op("builder", name), keyturn.Read)}
			case "bake":
				return []keyturn.Effect{d.effect(d.op("builder bake"), keyturn.Write)}
			}
			return []keyturn.Effect{c.unknown(d.op("builder", name), "an unknown "+d.name+" builder command")}
		}
		if _, known := dockerClass[name]; known || dockerSpecial[name] {
			return d.verb(name, subRest[1:])
		}
		return []keyturn.Effect{c.unknown(d.op(verb, name), "an unknown "+d.name+" "+verb+" command")}
	case "compose":
		return d.compose(rest, dockerComposeValued)
	case "run", "create":
		return d.run(verb, rest)
	case "exec":
		return d.exec(rest)
	case "attach":
		o := parseCLI(rest, dockerValued("attach"), false)
		if o.has("--no-stdin") {
			return []keyturn.Effect{d.effect(d.op("attach"), keyturn.Read, strs(o.pos)...)}
		}
		e := d.effect(d.op("attach"), keyturn.Unknown, strs(o.pos)...)
		e.Note = "attaches to a container's input: what is typed there is not seen"
		return []keyturn.Effect{e}
	case "cp":
		return d.cp(rest)
	case "push":
		o := parseCLI(rest, dockerValued("push"), false)
		return d.push(d.op("push"), o.pos)
	case "login", "logout":
		o := parseCLI(rest, dockerValued(verb), false)
		return []keyturn.Effect{c.localEffect("docker", d.op(verb), keyturn.Write, strs(o.pos)...)}
	case "save", "export":
		o := parseCLI(rest, dockerValued(verb), false)
		effects := []keyturn.Effect{d.effect(d.op(verb), keyturn.Read, strs(o.pos)...)}
		if out, ok := o.get("-o", "--output"); ok {
			effects = append(effects, c.writeEffect(d.op(verb), out))
		}
		return effects
	case "volume", "network", "system", "buildx", "context", "plugin", "manifest", "trust", "swarm", "node",
		"service", "stack", "secret", "config", "checkpoint", "pod", "machine", "kube", "play", "generate",
		"healthcheck", "artifact", "farm", "quadlet":
		return d.group(verb, rest)
	case "unshare":
		// podman unshare CMD: runs CMD here, in podman's user namespace.
		o := parseCLI(rest, nil, true)
		argv := append(o.pos, o.rest...)
		if len(argv) == 0 {
			return []keyturn.Effect{c.unknown(d.op("unshare"), "opens a shell in podman's user namespace")}
		}
		c.run(argv)
		return nil
	case "debug":
		return []keyturn.Effect{c.unknown(d.op("debug"), "opens an interactive shell in a container")}
	}
	class, ok := dockerClass[verb]
	if !ok {
		return []keyturn.Effect{c.unknown(d.op(verb), "an unknown "+d.name+" command, or a plugin that keyturn cannot judge")}
	}
	o := parseCLI(rest, dockerValued(verb), false)
	if h, ok := d.help(o, verb); ok {
		return h
	}
	targets := strs(o.pos)
	switch verb {
	case "build":
		targets = strs(o.all("-t", "--tag"))
	case "init":
		if d.name == "docker" {
			// docker init writes a Dockerfile and compose file here.
			return []keyturn.Effect{c.workspaceEffect("docker", d.op("init"), keyturn.Write)}
		}
	}
	e := d.effect(d.op(verb), class, targets...)
	e.Note = dockerNotes[verb]
	return []keyturn.Effect{e}
}

// dockerSpecial lists the subcommands verb handles itself.
var dockerSpecial = map[string]bool{"run": true, "create": true, "exec": true, "attach": true, "cp": true,
	"push": true, "login": true, "logout": true, "save": true, "export": true, "prune": true}

// subcommand splits `GROUP SUB …`; with no known SUB it returns the effect
// to report instead and false.
func (d *dockerCmd) subcommand(group string, rest []arg) ([]keyturn.Effect, []arg, bool) {
	o := parseCLI(rest, dockerValued(group), true)
	if len(o.pos) == 0 {
		return []keyturn.Effect{d.c.localEffect("docker", d.op(group), keyturn.Read)}, nil, false // help
	}
	if !o.pos[0].Known {
		return []keyturn.Effect{d.c.unknown(d.op(group), "the "+group+" command is only known at run time")}, nil, false
	}
	return nil, append([]arg{o.pos[0]}, o.rest...), true
}

// prune removes every unused object of a kind; with -a/--volumes, more.
func (d *dockerCmd) prune(kind string, rest []arg) []keyturn.Effect {
	o := parseCLI(rest, dockerValued("prune"), false)
	if h, ok := d.help(o, kind, "prune"); ok {
		return h
	}
	op := d.op(kind, "prune")
	e := d.effect(op, keyturn.Destructive)
	switch kind {
	case "volume":
		e.Note = "deletes every unused volume and its data"
	case "image":
		e.Note = "deletes dangling images (with -a, every image no container uses)"
	case "container":
		e.Note = "deletes every stopped container"
	default:
		e.Note = "deletes every unused " + kind + " object"
	}
	if kind == "system" {
		e.Note = "deletes stopped containers, unused networks, dangling images and build cache"
		if o.has("--volumes") {
			e.Note += ", and unused volumes with their data"
		}
	}
	return []keyturn.Effect{e}
}

// dockerGroups classifies the subcommands of the management commands;
// "prune" and any subcommand not listed are handled by group.
var dockerGroups = map[string]map[string]keyturn.Class{
	"volume": {"ls": keyturn.Read, "list": keyturn.Read, "inspect": keyturn.Read, "exists": keyturn.Read,
		"create": keyturn.Write, "import": keyturn.Write, "update": keyturn.Write, "reload": keyturn.Write,
		"mount": keyturn.Write, "unmount": keyturn.Write, "export": keyturn.Read,
		"rm": keyturn.Destructive, "remove": keyturn.Destructive},
	"network": {"ls": keyturn.Read, "list": keyturn.Read, "inspect": keyturn.Read, "exists": keyturn.Read,
		"create": keyturn.Write, "connect": keyturn.Write, "disconnect": keyturn.Write, "update": keyturn.Write,
		"reload": keyturn.Write, "rm": keyturn.Destructive, "remove": keyturn.Destructive},
	"system": {"df": keyturn.Read, "info": keyturn.Read, "events": keyturn.Read, "check": keyturn.Read,
		"connection": keyturn.Read, "migrate": keyturn.Write, "renumber": keyturn.Write, "service": keyturn.Write,
		"reset": keyturn.Destructive},
	"buildx": {"build": keyturn.Write, "b": keyturn.Write, "bake": keyturn.Write, "ls": keyturn.Read,
		"inspect": keyturn.Read, "du": keyturn.Read, "version": keyturn.Read, "history": keyturn.Read,
		"create": keyturn.Write, "use": keyturn.Write, "rm": keyturn.Write, "stop": keyturn.Write,
		"imagetools": keyturn.Read},
	"context": {"ls": keyturn.Read, "list": keyturn.Read, "inspect": keyturn.Read, "show": keyturn.Read,
		"create": keyturn.Write, "update": keyturn.Write, "import": keyturn.Write, "export": keyturn.Write,
		"use": keyturn.Write, "rm": keyturn.Write, "remove": keyturn.Write},
	"plugin": {"ls": keyturn.Read, "list": keyturn.Read, "inspect": keyturn.Read, "install": keyturn.Write,
		"enable": keyturn.Write, "disable": keyturn.Write, "create": keyturn.Write, "push": keyturn.Write,
		"set": keyturn.Write, "upgrade": keyturn.Write, "rm": keyturn.Write, "remove": keyturn.Write},
	"manifest": {"inspect": keyturn.Read, "exists": keyturn.Read, "create": keyturn.Write,
		"annotate": keyturn.Write, "add": keyturn.Write, "rm": keyturn.Write, "remove": keyturn.Write,
		"push": keyturn.Write},
	"trust": {"inspect": keyturn.Read, "sign": keyturn.Write, "revoke": keyturn.Write, "key": keyturn.Write,
		"signer": keyturn.Write},
	"swarm": {"init": keyturn.Write, "join": keyturn.Write, "update": keyturn.Write, "ca": keyturn.Write,
		"unlock": keyturn.Write, "join-token": keyturn.Write, "unlock-key": keyturn.Write,
		"leave": keyturn.Destructive},
	"node": {"ls": keyturn.Read, "inspect": keyturn.Read, "ps": keyturn.Read, "update": keyturn.Write,
		"promote": keyturn.Write, "demote": keyturn.Write, "rm": keyturn.Destructive, "remove": keyturn.Destructive},
	"service": {"ls": keyturn.Read, "inspect": keyturn.Read, "ps": keyturn.Read, "logs": keyturn.Read,
		"create": keyturn.Write, "update": keyturn.Write, "scale": keyturn.Write, "rollback": keyturn.Write,
		"rm": keyturn.Destructive, "remove": keyturn.Destructive},
	"stack": {"ls": keyturn.Read, "ps": keyturn.Read, "services": keyturn.Read, "config": keyturn.Read,
		"deploy": keyturn.Write, "up": keyturn.Write, "rm": keyturn.Destructive, "remove": keyturn.Destructive,
		"down": keyturn.Destructive},
	"secret": {"ls": keyturn.Read, "list": keyturn.Read, "inspect": keyturn.Read, "exists": keyturn.Read,
		"create": keyturn.Write, "rm": keyturn.Destructive, "remove": keyturn.Destructive},
	"config": {"ls": keyturn.Read, "inspect": keyturn.Read, "create": keyturn.Write,
		"rm": keyturn.Destructive, "remove": keyturn.Destructive},
	"checkpoint": {"ls": keyturn.Read, "create": keyturn.Write, "rm": keyturn.Destructive},
	"pod": {"ps": keyturn.Read, "ls": keyturn.Read, "list": keyturn.Read, "inspect": keyturn.Read,
		"top": keyturn.Read, "stats": keyturn.Read, "logs": keyturn.Read, "exists": keyturn.Read,
		"create": keyturn.Write, "start": keyturn.Write, "restart": keyturn.Write, "pause": keyturn.Write,
		"unpause": keyturn.Write, "clone": keyturn.Write,
		"rm": keyturn.Destructive, "kill": keyturn.Destructive, "stop": keyturn.Destructive},
	"machine": {"ls": keyturn.Read, "list": keyturn.Read, "inspect": keyturn.Read, "info": keyturn.Read,
		"init": keyturn.Write, "start": keyturn.Write, "set": keyturn.Write,
		"stop": keyturn.Destructive, "rm": keyturn.Destructive, "reset": keyturn.Destructive},
	"kube":        {"play": keyturn.Write, "apply": keyturn.Write, "generate": keyturn.Read, "down": keyturn.Destructive},
	"play":        {"kube": keyturn.Write},
	"generate":    {"kube": keyturn.Read, "systemd": keyturn.Read, "spec": keyturn.Read},
	"healthcheck": {"run": keyturn.Read},
}

// dockerLocalGroups act on this machine's client configuration whatever
// the engine: contexts, plugins of the CLI, podman machines.
var dockerLocalGroups = map[string]bool{"context": true, "machine": true, "trust": true}

func (d *dockerCmd) group(group string, rest []arg) []keyturn.Effect {
	c := d.c
	sub, subRest, ok := d.subcommand(group, rest)
	if !ok {
		return sub
	}
	name := subRest[0].Value
	if name == "prune" && group != "context" {
		return d.prune(group, subRest[1:])
	}
	class, known := dockerGroups[group][name]
	if !known {
		return []keyturn.Effect{c.unknown(d.op(group, name), "an unknown "+d.name+" "+group+" command")}
	}
	o := parseCLI(subRest[1:], dockerValued(group+" "+name), false)
	if h, ok := d.help(o, group, name); ok {
		return h
	}
	targets := strs(o.pos)
	op := d.op(group, name)
	switch {
	case group == "context" && name == "use":
		if len(o.pos) > 0 {
			v := ""
			if o.pos[0].Known {
				v = o.pos[0].Value
			}
			c.s.setEnv(dockerContextKey+d.configDir, v)
		}
	case group == "manifest" && name == "push" || group == "buildx" && name == "imagetools" && len(o.pos) > 0 && o.pos[0].Value == "create":
		return d.push(op, o.pos)
	case group == "generate" || group == "kube" && name == "generate":
		if f, ok := o.get("-f", "--filename"); ok {
			return []keyturn.Effect{c.writeEffect(op, f)}
		}
		if o.has("--files") {
			return []keyturn.Effect{c.workspaceEffect("docker", op, keyturn.Write)}
		}
	case group == "volume" && name == "export":
		if out, ok := o.get("-o", "--output"); ok {
			return []keyturn.Effect{d.effect(op, keyturn.Read, targets...), c.writeEffect(op, out)}
		}
	case group == "machine" && name == "ssh":
		return []keyturn.Effect{c.unknown(op, "opens a shell in the podman machine")}
	}
	var e keyturn.Effect
	if dockerLocalGroups[group] {
		e = c.localEffect("docker", op, class, targets...)
	} else {
		e = d.effect(op, class, targets...)
	}
	switch {
	case group == "swarm" && name == "leave":
		e.Note = "takes the node out of the swarm; a manager's leave can lose the cluster state"
	case class == keyturn.Destructive && (name == "rm" || name == "remove"):
		e.Note = "deletes the " + group + " and what it holds"
	}
	return []keyturn.Effect{e}
}

// dockerSystemDirs are host directories whose mount into a container hands
// it the machine.
var dockerSystemDirs = []string{"/", "/etc", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/boot", "/var",
	"/root", "/home", "/dev", "/proc", "/sys", "/run", "/var/run/docker.sock", "/run/docker.sock", "/var/lib"}

func isSystemMount(src string) bool {
	src = path.Clean(src)
	for _, d := range dockerSystemDirs {
		if src == d {
			return true
		}
	}
	return false
}

// run: `docker run [opts] IMAGE [CMD…]` starts a new container (a write on
// the engine). A CMD that keyturn knows is analysed as run inside it;
// anything else is the image entrypoint's arguments.
func (d *dockerCmd) run(verb string, rest []arg) []keyturn.Effect {
	c := d.c
	o := parseCLI(rest, dockerValued(verb), true)
	if h, ok := d.help(o, verb); ok {
		return h
	}
	var image string
	argv := o.rest
	if len(o.pos) > 0 {
		image = o.pos[0].Value
	} else if o.hasRest && len(o.rest) > 0 {
		image, argv = o.rest[0].Value, o.rest[1:]
	}
	if image == "" {
		return []keyturn.Effect{c.unknown(d.op(verb), "no image named")}
	}
	e := d.effect(d.op(verb), keyturn.Write, image)
	var notes []string
	for _, v := range o.all("-v", "--volume") {
		src, _, _ := strings.Cut(v.Value, ":")
		if v.Known && strings.HasPrefix(src, "/") && isSystemMount(src) {
			notes = append(notes, "mounts the host's "+src)
		}
	}
	for _, m := range o.all("--mount") {
		for _, kv := range strings.Split(m.Value, ",") {
			k, v, _ := strings.Cut(kv, "=")
			if (k == "source" || k == "src") && isSystemMount(v) {
				notes = append(notes, "mounts the host's "+v)
			}
		}
	}
	if o.has("--privileged") {
		notes = append(notes, "runs privileged: the container can take over the host")
	}
	for _, opt := range []string{"--pid", "--network", "--net", "--ipc", "--userns", "--uts"} {
		if o.str(opt) == "host" {
			notes = append(notes, "shares the host's "+strings.TrimPrefix(opt, "--")+" namespace")
		}
	}
	e.Note = strings.Join(notes, "; ")
	effects := []keyturn.Effect{e}
	if verb == "create" {
		return effects
	}
	if ep := o.str("--entrypoint"); ep != "" {
		argv = append(lits(ep), argv...)
	}
	// A detached container's input is not this terminal's.
	interactive := o.has("-i", "--interactive") && !o.has("-d", "--detach")
	switch {
	case len(argv) > 0 && knownProgram(argv[0]):
		hints := d.insideHints(o.str("--name"), image)
		runInside(c, hints, argv, interactive, dockerEnv(o))
	case len(argv) == 0 && interactive:
		u := d.effect(d.op(verb), keyturn.Unknown, image)
		u.Note = "opens an interactive session in a container: what is typed there is not seen"
		effects = append(effects, u)
	case len(notes) > 0:
		// The image's own entrypoint (or a program keyturn does not know)
		// runs with the host handed to it: it can do anything there.
		u := c.localEffect(c.prog, d.op(verb), keyturn.Unknown, image)
		u.Note = "runs code keyturn cannot see with the host handed to it: " + e.Note
		effects = append(effects, u)
	}
	return effects
}

// insideHints are the hints of a command run in a container: the
// container's name and, when the engine is remote, the engine's hints.
func (d *dockerCmd) insideHints(names ...string) map[string]string {
	hints := map[string]string{}
	for k, v := range d.hints {
		hints[k] = v
	}
	for _, n := range names {
		if n != "" {
			hints["container"] = n
			break
		}
	}
	return hints
}

// dockerEnv returns the variables -e/--env sets in the container.
func dockerEnv(o cliOpts) map[string]string {
	env := map[string]string{}
	for _, a := range o.all("-e", "--env") {
		if k, v, ok := strings.Cut(a.Value, "="); ok && a.Known {
			env[k] = v
		}
	}
	return env
}

// exec: `docker exec [opts] CONTAINER CMD…` runs CMD in a running
// container; its effects are CMD's, landing in that container.
func (d *dockerCmd) exec(rest []arg) []keyturn.Effect {
	c := d.c
	o := parseCLI(rest, dockerValued("exec"), true)
	if h, ok := d.help(o, "exec"); ok {
		return h
	}
	var container arg
	argv := o.rest
	switch {
	case len(o.pos) > 0:
		container = o.pos[0]
	case o.hasRest && len(o.rest) > 0:
		container, argv = o.rest[0], o.rest[1:]
	default:
		return []keyturn.Effect{c.unknown(d.op("exec"), "no container named")}
	}
	if len(argv) > 0 && argv[0].Value == "--" {
		argv = argv[1:]
	}
	e := d.effect(d.op("exec"), keyturn.Read, container.Value)
	if len(argv) == 0 {
		e.Class = keyturn.Unknown
		e.Note = "exec with no command"
		return []keyturn.Effect{e}
	}
	e.Note = "runs a command in the container"
	runInside(c, d.insideHints(container.Value), argv, o.has("-i", "--interactive"), dockerEnv(o))
	return []keyturn.Effect{e}
}

// cp: `docker cp SRC DST`; a container side is NAME:PATH.
func (d *dockerCmd) cp(rest []arg) []keyturn.Effect {
	c := d.c
	o := parseCLI(rest, dockerValued("cp"), false)
	if len(o.pos) < 2 {
		return []keyturn.Effect{c.unknown(d.op("cp"), "cp needs a source and a destination")}
	}
	src, dst := o.pos[0], o.pos[1]
	inContainer := func(a arg) bool {
		name, _, ok := strings.Cut(a.Value, ":")
		return ok && name != "" && !strings.Contains(name, "/")
	}
	var effects []keyturn.Effect
	if inContainer(src) {
		effects = append(effects, d.effect(d.op("cp"), keyturn.Read, src.Value))
	}
	if inContainer(dst) {
		e := d.effect(d.op("cp into container"), keyturn.Write, dst.Value)
		e.Note = "overwrites files in the container"
		effects = append(effects, e)
	} else if dst.Value != "-" {
		effects = append(effects, c.writeEffect(d.op("cp"), dst))
	}
	return effects
}

// push publishes images to their registry: a write there, named by the
// image's registry host (docker.io when it has none).
func (d *dockerCmd) push(op string, ops []arg) []keyturn.Effect {
	var effects []keyturn.Effect
	for _, a := range ops {
		hints := map[string]string{"host": imageRegistry(a.Value)}
		if !a.Known {
			hints = nil
		}
		effects = append(effects, d.c.effect("docker", op, keyturn.Write, hints, a.Value))
	}
	if len(effects) == 0 {
		effects = append(effects, d.c.effect("docker", op, keyturn.Write, nil))
	}
	return effects
}

// imageRegistry returns the registry host of an image reference.
func imageRegistry(ref string) string {
	ref = strings.TrimPrefix(ref, "docker://")
	first, _, ok := strings.Cut(ref, "/")
	if ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		if h, _, ok := strings.Cut(first, ":"); ok {
			return h
		}
		return first
	}
	return "docker.io"
}

// dockerComposeClass classifies compose's subcommands.
var dockerComposeClass = map[string]keyturn.Class{
	"ps": keyturn.Read, "ls": keyturn.Read, "logs": keyturn.Read, "config": keyturn.Read, "convert": keyturn.Read,
	"images": keyturn.Read, "top": keyturn.Read, "port": keyturn.Read, "version": keyturn.Read,
	"events": keyturn.Read, "stats": keyturn.Read, "wait": keyturn.Read, "help": keyturn.Read,
	"up": keyturn.Write, "build": keyturn.Write, "pull": keyturn.Write, "create": keyturn.Write,
	"start": keyturn.Write, "restart": keyturn.Write, "pause": keyturn.Write, "unpause": keyturn.Write,
	"scale": keyturn.Write, "watch": keyturn.Write, "cp": keyturn.Write, "publish": keyturn.Write,
	"push": keyturn.Write,
	"down": keyturn.Destructive, "rm": keyturn.Destructive, "kill": keyturn.Destructive, "stop": keyturn.Destructive,
}

var dockerComposeNotes = map[string]string{
	"down": "stops and removes the project's containers and networks",
	"rm":   "removes the project's stopped containers",
	"kill": "kills the project's containers",
	"stop": "stops the project's containers",
}

// compose: `[docker] compose [opts] SUB [opts] [SERVICE…]`.
func (d *dockerCmd) compose(rest []arg, valued map[string]bool) []keyturn.Effect {
	c := d.c
	o := parseCLI(rest, valued, true)
	if len(o.pos) == 0 {
		return []keyturn.Effect{d.effect(d.op("compose"), keyturn.Read)}
	}
	sub := o.pos[0]
	if !sub.Known {
		return []keyturn.Effect{c.unknown(d.op("compose"), "the compose command is only known at run time")}
	}
	op := d.op("compose", sub.Value)
	if dockerComposeClass[sub.Value] == keyturn.Write || sub.Value == "run" {
		// A compose file is code for the engine: the project's own, but
		// one from stdin or from outside the workspace can mount the host
		// and run anything on it.
		files := o.all("-f", "--file")
		if v := c.env["COMPOSE_FILE"]; v != "" {
			for _, f := range strings.Split(v, ":") {
				files = append(files, arg{Value: f, Known: true})
			}
		}
		for _, f := range files {
			p, ok := c.s.abs(f)
			if !ok || f.Value == "-" || strings.HasPrefix(p, "/dev/") || strings.HasPrefix(p, "/proc/") || c.s.written[p] || !c.s.inWorkspace(p) {
				return []keyturn.Effect{c.unknown(op, "runs containers from a compose file that is not the project's: "+f.Value)}
			}
		}
	}
	switch sub.Value {
	case "exec", "run":
		so := parseCLI(o.rest, dockerValued("compose "+sub.Value), true)
		if h, ok := d.help(so, "compose", sub.Value); ok {
			return h
		}
		if len(so.pos) == 0 {
			return []keyturn.Effect{c.unknown(op, "no service named")}
		}
		service := so.pos[0].Value
		argv := so.rest
		if len(argv) > 0 && argv[0].Value == "--" {
			argv = argv[1:]
		}
		if ep := so.str("--entrypoint"); ep != "" {
			argv = append(lits(ep), argv...)
		}
		// compose keeps stdin open unless told not to (-T only drops the tty).
		interactive := true
		if a, ok := so.get("-i", "--interactive"); ok && a.Known && a.Value == "false" || so.has("-d", "--detach") {
			interactive = false
		}
		class := keyturn.Read
		if sub.Value == "run" {
			class = keyturn.Write
		}
		e := d.effect(op, class, service)
		switch {
		case len(argv) > 0 && (sub.Value == "exec" || knownProgram(argv[0])):
			runInside(c, d.insideHints(service), argv, interactive, dockerEnv(so))
		case sub.Value == "exec":
			e.Class, e.Note = keyturn.Unknown, "exec with no command"
		case len(argv) == 0 && interactive && c.stdin == nil:
			u := d.effect(op, keyturn.Unknown, service)
			u.Note = "opens an interactive session in a container: what is typed there is not seen"
			return []keyturn.Effect{e, u}
		}
		return []keyturn.Effect{e}
	case "push":
		return []keyturn.Effect{c.effect("docker", op, keyturn.Write, nil)}
	}
	class, ok := dockerComposeClass[sub.Value]
	if !ok {
		return []keyturn.Effect{c.unknown(op, "an unknown compose command")}
	}
	so := parseCLI(o.rest, dockerValued("compose "+sub.Value), false)
	if h, ok := d.help(so, "compose", sub.Value); ok {
		return h
	}
	if sub.Value == "down" && (so.has("-v", "--volumes") || so.str("--rmi") != "") {
		what := "volumes and their data"
		if !so.has("-v", "--volumes") {
			what = "images"
		}
		e := d.effect(op+" --volumes", keyturn.Destructive, strs(so.pos)...)
		if !so.has("-v", "--volumes") {
			e.Operation = op + " --rmi"
		}
		e.Note = "removes the project's containers, networks and " + what
		return []keyturn.Effect{e}
	}
	if sub.Value == "rm" && so.has("-v", "--volumes") {
		e := d.effect(op, keyturn.Destructive, strs(so.pos)...)
		e.Note = "removes the project's stopped containers and their anonymous volumes"
		return []keyturn.Effect{e}
	}
	e := d.effect(op, class, strs(so.pos)...)
	e.Note = dockerComposeNotes[sub.Value]
	return []keyturn.Effect{e}
}
