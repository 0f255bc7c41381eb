package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"keyturn"
)

const agentUsage = `agent enroll NAME --operator USER [--kind KIND] [--ttl 12h] [--profile P] [--json]
       keyturn agent revoke NAME
       keyturn agent list [--json]

Enrolls an agent session for the human who runs it (its operator). The agent
can only submit actions, follow its own requests and report results; its
operator confirms its 'ask' requests and can never approve its 'approve'
ones. Kinds: claude-code, codex, kiro, cursor, mcp, shell.

'agent enroll' prints the agent's token once: keyturn keeps only its hash. It
expires after --ttl. 'agent revoke' stops it at once. An admin may enroll for
anyone; an operator may enroll for themself.

Examples:
  keyturn agent enroll carol-laptop --operator carol --kind claude-code
  eval "$(keyturn agent enroll ci-bot --operator carol --kind shell --ttl 1h | grep ^export)"
  keyturn agent enroll ci-bot --operator carol --json
  keyturn agent revoke carol-laptop
  keyturn agent list`

func runAgent(e *env, args []string) int {
	return e.dispatch("agent", agentUsage, args, map[string]func(*env, []string) int{
		"enroll": runAgentEnroll, "add": runAgentEnroll, "revoke": runAgentRevoke,
		"list": runAgentList, "ls": runAgentList,
	})
}

type agentEnrollOptions struct {
	remote                  remote
	operator, kind, profile string
	ttl                     time.Duration
	json                    bool
}

func runAgentEnroll(e *env, args []string) int {
	var o agentEnrollOptions
	fs := newFlags(e, "agent enroll", agentUsage)
	fs.StringVar(&o.operator, "operator", "", "the `user` who runs the agent (required)")
	fs.StringVar(&o.kind, "kind", "shell", "what the agent is: "+strings.Join(keyturn.AgentKinds, ", "))
	fs.DurationVar(&o.ttl, "ttl", 12*time.Hour, "how long the token lives")
	fs.StringVar(&o.profile, "profile", "", "a `profile` name the policy can test to cap what the agent may do")
	fs.BoolVar(&o.json, "json", false, `print {"name","token"} as JSON`)
	o.remote.flags(fs)
	names, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	name, err := oneName(names, "agent enroll", "agent")
	if err != nil {
		return e.fail(err)
	}
	if strings.TrimSpace(o.operator) == "" {
		return e.fail(keyturn.Errorf(keyturn.EINVALID, "name the agent's operator: keyturn agent enroll %s --operator USER", name))
	}
	if !slices.Contains(keyturn.AgentKinds, o.kind) {
		return e.fail(keyturn.Errorf(keyturn.EINVALID, "unknown --kind %q: use one of %s", o.kind, strings.Join(keyturn.AgentKinds, ", ")))
	}
	if o.ttl <= 0 {
		return e.fail(keyturn.Errorf(keyturn.EINVALID, "--ttl %s: agent tokens must expire; give a duration like 12h", o.ttl))
	}
	svc, url, err := o.remote.service(e)
	if err != nil {
		return e.fail(err)
	}
	a := &keyturn.Agent{Name: name, Kind: o.kind, Operator: o.operator, Profile: o.profile}
	token, err := svc.EnrollAgent(e.ctx, a, o.ttl)
	if err != nil {
		return e.fail(err)
	}
	if o.json {
		return writeJSON(e, map[string]string{"name": name, "token": token})
	}
	fmt.Fprintf(e.stdout, "enrolled agent %s (%s) for operator %s; its token expires in %s\n\n", name, o.kind, o.operator, shortDuration(o.ttl))
	fmt.Fprintf(e.stdout, "token, shown only this once (keyturn keeps only its hash):\n  %s\n\n", token)
	fmt.Fprintf(e.stdout, "in the agent's shell:\nexport KEYTURN_URL=%s\nexport KEYTURN_TOKEN=%s\n", url, token)
	return exitOK
}

func runAgentRevoke(e *env, args []string) int {
	return runOnName(e, args, "agent revoke", "agent", agentUsage, func(svc keyturn.Service, name string) (string, error) {
		return "revoked agent " + name + ": its token no longer works", svc.RevokeAgent(e.ctx, name)
	})
}

func runAgentList(e *env, args []string) int {
	return runList(e, args, "agent list", agentUsage, "agents", func(svc keyturn.Service) ([]*keyturn.Agent, error) {
		return svc.Agents(e.ctx)
	}, func(w io.Writer, agents []*keyturn.Agent) { printAgents(w, agents, time.Now()) })
}

func printAgents(w io.Writer, agents []*keyturn.Agent, now time.Time) {
	if len(agents) == 0 {
		fmt.Fprintln(w, "no agents yet: enroll one with 'keyturn agent enroll NAME --operator USER --kind claude-code'")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tOPERATOR\tPROFILE\tSTATE\tEXPIRES")
	for _, a := range agents {
		state := "active"
		switch {
		case a.Revoked:
			state = "revoked"
		case !a.Active(now):
			state = "expired"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.Name, a.Kind, a.Operator, dash(a.Profile), state, shortTime(a.ExpiresAt))
	}
	tw.Flush()
}

// shortTime is a local time for tables, to the minute.
func shortTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}
