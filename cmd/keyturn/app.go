package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"keyturn"
)

// Exit statuses. check's decision statuses let scripts branch on the
// outcome without parsing output.
const (
	exitOK       = 0
	exitInternal = 1
	exitUsage    = 2
	exitAsk      = 10
	exitApprove  = 11
	exitDeny     = 12
	// exitExpired is keyturn exec's status when the request expired or was
	// cancelled before it was decided.
	exitExpired = 13
)

// env is what a subcommand may touch of the outside world; tests build
// their own.
type env struct {
	// ctx ends when the process is told to stop (SIGINT, SIGTERM).
	ctx            context.Context
	stdin          io.Reader
	stdout, stderr io.Writer
	// getenv and environ read the process environment; tests replace them.
	getenv  func(string) string
	environ func() []string
	getwd   func() (string, error)
}

type command struct {
	name    string
	summary string
	run     func(e *env, args []string) int
}

var commands []command

func init() {
	commands = []command{
		{"serve", "run the keyturn server: the gateway, its API and the audit log", runServe},
		{"check", "judge a command: what it would do and what keyturn decides", runCheck},
		{"exec", "run a command through the gateway: decided, approved, then run", runExec},
		{"mcp", "MCP: proxy an MCP server through keyturn, or serve keyturn's tools to agents", runMCP},
		{"hook", "an agent's PreToolUse hook: judge its tool call, answer as the agent honours (claude-code, codex, kiro)", runHook},
		{"pending", "list the requests waiting for a decision", runPending},
		{"show", "show one request: the command, its effects, why, and who may approve", runShow},
		{"approve", "approve a request (peers other than the agent's operator)", runApprove},
		{"deny", "deny a request, with a reason", runDeny},
		{"confirm", "confirm your own agent's request that asks its operator", runConfirm},
		{"cancel", "cancel a pending request", runCancel},
		{"freeze", "turn a change freeze on or off (admin)", runFreeze},
		{"breakglass", "let one action through now, alone, flagged for review (admin)", runBreakglass},
		{"user", "add, list or disable humans (admin)", runUser},
		{"agent", "enroll, list or revoke agents", runAgent},
		{"install", "put keyturn's hook in an agent's settings (claude-code, codex, kiro)", runInstall},
		{"uninstall", "take keyturn's hook out of an agent's settings", runUninstall},
		{"login", "save the server URL and your token for later commands", runLogin},
		{"status", "show the server: who you are, policy version, freeze, audit head", runStatus},
		{"audit", "verify, export or follow the audit log", runAudit},
		{"policy", "show, test or push the policy (policy show | test FILE.yaml | push DIR)", runPolicy},
		{"version", "print keyturn's version", runVersion},
		{"help", "show this help", nil},
	}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return newEnv(stdin, stdout, stderr).main(args)
}

func (e *env) main(args []string) (code int) {
	defer func() {
		// A bug must never look like a decision: report it, exit 1.
		if r := recover(); r != nil {
			fmt.Fprintf(e.stderr, "keyturn: internal error: %v\n", r)
			code = exitInternal
		}
	}()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		e.usage(e.stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands {
		if c.name == args[0] && c.run != nil {
			return c.run(e, args[1:])
		}
	}
	fmt.Fprintf(e.stderr, "keyturn: unknown command %q\n\n", args[0])
	e.usage(e.stderr)
	return exitUsage
}

func (e *env) usage(w io.Writer) {
	fmt.Fprintln(w, "keyturn stands between AI coding agents and the systems they change.")
	fmt.Fprintln(w, "\nUsage: keyturn COMMAND [options]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'keyturn COMMAND -h' for a command's options.")
}

// dispatch runs the subcommand args[0] names (keyturn user add …): help
// goes to stdout with exit 0; no subcommand, or one it does not know, to
// stderr with the usage and exit 2.
func (e *env) dispatch(name, usage string, args []string, subs map[string]func(*env, []string) int) int {
	if len(args) == 0 {
		fmt.Fprintf(e.stderr, "Usage: keyturn %s\n", usage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprintf(e.stdout, "Usage: keyturn %s\n", usage)
		return exitOK
	}
	if run, ok := subs[args[0]]; ok {
		return run(e, args[1:])
	}
	fmt.Fprintf(e.stderr, "keyturn %s: unknown subcommand %q\n\nUsage: keyturn %s\n", name, args[0], usage)
	return exitUsage
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: keyturn %s\n\nOptions:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; help exits 0, a bad flag exits 2.
func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	return 0, true
}

// fail prints err for a person and returns the exit status for its code.
func (e *env) fail(err error) int {
	msg := keyturn.ErrorMessage(err)
	if keyturn.ErrorCode(err) == keyturn.EINTERNAL {
		msg = err.Error()
	}
	fmt.Fprintf(e.stderr, "keyturn: %s\n", strings.TrimSpace(msg))
	switch keyturn.ErrorCode(err) {
	case keyturn.EINVALID, keyturn.ETOOLARGE:
		return exitUsage
	default:
		return exitInternal
	}
}

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func runVersion(e *env, args []string) int {
	fmt.Fprintf(e.stdout, "keyturn %s\n", version)
	return exitOK
}
