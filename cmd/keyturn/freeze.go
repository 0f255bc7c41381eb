package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"keyturn"
)

const (
	freezeUsage = `freeze on|off -m REASON [--url U] [--token T] [--json]

Turns a change freeze on or off (admin). While it is on, every action that
is not a read is denied, whoever approves it; break-glass aside.`
	breakglassUsage = `breakglass ID -m REASON [--url U] [--token T] [--json]
       keyturn breakglass --agent NAME [--cwd DIR] [--env NAME=VALUE]… -m REASON [--json] -- CMD…

Lets one action through now, alone (admin): a pending request, or a command
a named agent will run next. The reason is required; the action is flagged
for review, everyone is notified, and it stays open for review afterwards.
An action is bound to its words, directory and meaningful environment
(HOME, AWS_PROFILE, KUBECONFIG, …): give the agent's with --cwd and --env
when they differ from this shell's.`
)

func runFreeze(e *env, args []string) int {
	var o requestOptions
	fs := newFlags(e, "freeze", freezeUsage)
	o.remote.flags(fs)
	fs.StringVar(&o.comment, "m", "", "the `reason`, for the record and for everyone the freeze stops")
	fs.BoolVar(&o.json, "json", false, "print the freeze as JSON")
	operands, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(operands) != 1 || (operands[0] != "on" && operands[0] != "off") {
		fmt.Fprintf(e.stderr, "keyturn freeze: say on or off\n\nUsage: keyturn %s\n", freezeUsage)
		return exitUsage
	}
	reason := strings.TrimSpace(o.comment)
	if reason == "" {
		fmt.Fprintf(e.stderr, "keyturn freeze: say why with -m REASON: it is recorded and shown to everyone it stops\n\nUsage: keyturn %s\n", freezeUsage)
		return exitUsage
	}
	svc, _, err := o.remote.service(e)
	if err != nil {
		return e.fail(err)
	}
	f, err := svc.SetFreeze(e.ctx, operands[0] == "on", reason)
	if err != nil {
		return e.failRemote(err)
	}
	if o.json {
		return e.printJSON(f)
	}
	if f.On {
		fmt.Fprintf(e.stdout, "freeze ON since %s by %s: %s\n", f.Since.Local().Format(time.DateTime), f.By, oneLine(f.Reason))
		fmt.Fprintln(e.stdout, "every action that is not a read is denied until `keyturn freeze off -m REASON`")
	} else {
		fmt.Fprintln(e.stdout, "freeze OFF: actions are judged by the policy again")
	}
	return exitOK
}

func runBreakglass(e *env, args []string) int {
	var o requestOptions
	var agent, cwd string
	fs := newFlags(e, "breakglass", breakglassUsage)
	o.remote.flags(fs)
	fs.StringVar(&o.comment, "m", "", "the `reason`: why this cannot wait for approval")
	fs.BoolVar(&o.json, "json", false, "print the request as JSON")
	fs.StringVar(&agent, "agent", "", "the `agent` that will run the command (with -- CMD…)")
	fs.StringVar(&cwd, "cwd", "", "the `dir`ectory the agent runs the command in (default: the current directory)")
	var envs []string
	fs.Func("env", "a `NAME=VALUE` of the agent's environment that changes what the command means (repeat; default: this shell's)", func(v string) error {
		k, _, ok := strings.Cut(v, "=")
		if !ok || !keyturn.MeaningfulEnv(k) {
			return fmt.Errorf("%q is not NAME=VALUE of a variable keyturn binds approvals to (such as AWS_PROFILE, KUBECONFIG, HOME)", v)
		}
		envs = append(envs, v)
		return nil
	})
	operands, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	reason := strings.TrimSpace(o.comment)
	if reason == "" {
		fmt.Fprintf(e.stderr, "keyturn breakglass: say why with -m REASON: it is recorded and reviewed\n\nUsage: keyturn %s\n", breakglassUsage)
		return exitUsage
	}
	b := keyturn.BreakGlass{Reason: reason}
	switch {
	case agent == "" && len(operands) == 1:
		b.Request = operands[0]
	case agent != "" && len(operands) > 0:
		if cwd == "" {
			wd, err := e.getwd()
			if err != nil {
				return e.fail(keyturn.Errorf(keyturn.EINTERNAL, "current directory: %v", err))
			}
			cwd = wd
		} else if abs, err := filepath.Abs(cwd); err == nil {
			cwd = abs
		}
		environ := e.environ()
		if len(envs) > 0 {
			environ = envs
		}
		a, err := argvAction(operands, cwd, environ)
		if err != nil {
			return e.fail(err)
		}
		b.Action, b.Agent = a, agent
	default:
		fmt.Fprintf(e.stderr, "keyturn breakglass: give a request ID, or --agent NAME -- CMD…\n\nUsage: keyturn %s\n", breakglassUsage)
		return exitUsage
	}
	svc, _, err := o.remote.service(e)
	if err != nil {
		return e.fail(err)
	}
	r, err := svc.BreakGlass(e.ctx, b)
	if err != nil {
		return e.failRemote(err)
	}
	if o.json {
		return e.printJSON(r)
	}
	fmt.Fprintf(e.stdout, "%s  %s\n", r.ID, oneLine(subject(r)))
	fmt.Fprintf(e.stdout, "BREAK-GLASS: let through once, for agent %s, without approval.\n", oneLine(r.Agent))
	fmt.Fprintln(e.stdout, "It is flagged for review: everyone is notified and it stays open until reviewed.")
	if r.State == keyturn.StateApproved {
		fmt.Fprintln(e.stdout, outcomeLine(r, time.Now()))
	}
	if b.Action != nil {
		// The grant is bound to the digest: the agent's run must match it.
		fmt.Fprintf(e.stdout, "it matches only the same words run in %s with %s (digest %s)\n", oneLine(b.Action.Cwd), envText(keyturn.MaskEnv(b.Action.Env)), r.Digest)
	}
	return exitOK
}

// envText lists an action's environment for a person.
func envText(env map[string]string) string {
	if len(env) == 0 {
		return "no environment variables"
	}
	names := make([]string, 0, len(env))
	for k := range env {
		names = append(names, k)
	}
	slices.Sort(names)
	for i, k := range names {
		names[i] = k + "=" + oneLine(env[k])
	}
	return strings.Join(names, " ")
}
