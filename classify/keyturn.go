package classify

import (
	"strings"

	"keyturn"
)

// keyturn's own CLI, called by an agent. Asking keyturn what it thinks of a
// command (check, policy show/test) is a read; exec runs a command that is
// judged as itself. The commands that talk to the server as a human (show,
// pending, status, audit) are refused: they use whatever human credentials
// the machine holds (a login file, the local server's admin token), and an
// agent follows its own requests with its own token (exec, the API). The
// audit log is for people only. Everything that approves,
// denies, changes policy, freezes, breaks glass, manages principals or
// tokens, installs hooks, logs in or serves operates the guard itself: an
// agent must never do that, so it is destructive and marked SelfModify,
// which the default policy refuses outright.

func init() {
	register(analyzeKeyturn, "keyturn")
}

// keyturnReads are the subcommands that only report.
var keyturnReads = map[string]bool{"check": true, "version": true, "help": true}

// keyturnHumanReads read the server with a human's credentials.
var keyturnHumanReads = map[string]bool{"show": true, "pending": true, "status": true, "whoami": true, "list": true}

func analyzeKeyturn(c *call) []keyturn.Effect {
	guard := func(op, note string) []keyturn.Effect {
		var targets []string
		for _, a := range c.args[1:] {
			if !strings.HasPrefix(a.Value, "-") && !strings.HasSuffix(op, " "+a.Value) {
				targets = append(targets, a.Value)
			}
		}
		e := c.localEffect("keyturn", op, keyturn.Destructive, targets...)
		e.SelfModify = true
		e.Note = note
		return []keyturn.Effect{e}
	}
	const mustNot = "an agent must not operate its own guard"
	const humanOnly = "reads the gateway with the human credentials this machine holds; an agent follows its own requests with its own token (keyturn exec, the API)"
	read := func(op string) []keyturn.Effect {
		return []keyturn.Effect{c.localEffect("keyturn", op, keyturn.Read)}
	}
	if len(c.args) == 0 {
		return read("keyturn") // prints its usage
	}
	first := c.args[0]
	if !first.Known {
		e := c.unknown("keyturn", "the keyturn command is only known at run time; "+mustNot)
		e.SelfModify = true
		return []keyturn.Effect{e}
	}
	verb := first.Value
	switch {
	case verb == "-h" || verb == "--help" || verb == "-help" || verb == "--version" || verb == "-version":
		return read("keyturn " + verb)
	case keyturnReads[verb]:
		return read("keyturn " + verb)
	case keyturnHumanReads[verb]:
		return guard("keyturn "+verb, humanOnly)
	case verb == "exec":
		f := parseFlags(c.args[1:], nil, true)
		argv := commandOf(f)
		if len(argv) == 0 {
			return []keyturn.Effect{c.unknown("keyturn exec", "keyturn exec without a command")}
		}
		c.run(argv)
		return nil
	case verb == "policy" || verb == "audit":
		sub := ""
		for _, a := range c.args[1:] {
			if !strings.HasPrefix(a.Value, "-") {
				if !a.Known {
					e := c.unknown("keyturn "+verb, "the subcommand is only known at run time; "+mustNot)
					e.SelfModify = true
					return []keyturn.Effect{e}
				}
				sub = a.Value
				break
			}
		}
		switch {
		case sub == "" || sub == "help":
			return read("keyturn " + verb)
		case verb == "policy" && (sub == "show" || sub == "test"):
			return read("keyturn policy " + sub)
		case verb == "audit":
			return guard("keyturn audit "+sub, "the audit log is for people: "+humanOnly)
		}
		return guard("keyturn "+verb+" "+sub, "changes keyturn's "+verb+": "+mustNot)
	}
	switch verb {
	case "approve", "deny", "confirm", "reject", "cancel", "freeze", "unfreeze", "thaw", "breakglass", "break-glass",
		"user", "users", "agent", "agents", "token", "tokens", "install", "uninstall", "login", "logout", "serve",
		"config", "grant", "revoke", "migrate", "init", "reset":
		return guard("keyturn "+verb, mustNot)
	}
	e := c.unknown("keyturn "+verb, "a keyturn command keyturn does not know; "+mustNot)
	e.SelfModify = true
	return []keyturn.Effect{e}
}
