package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"keyturn"
	"keyturn/classify"
	"keyturn/hook"
	"keyturn/policy"
)

const hookUsage = `hook claude-code|codex|kiro [--wait D] [--timeout D] [--url U] [--token T]

The PreToolUse hook of an AI coding agent: reads the tool call the agent
sends on stdin, submits it to the keyturn server with the agent's token
(KEYTURN_TOKEN), and answers the way that agent honours.

  allow    the tool runs
  ask      Claude Code asks its operator; Codex and Kiro wait for the
           operator's ` + "`keyturn confirm`" + `, like approve
  approve  the hook waits up to --wait for the peers' approvals; approved in
           time, the tool runs; else it is blocked with the request id, who
           may approve, and that the same call passes once approved
  deny     the tool is blocked, with the reasons

keyturn fails closed: if the server is unreachable or slow, the input does not
parse, or anything else goes wrong, it judges the call locally (--config,
--policy) and lets only reads through. It answers before --timeout, which must
stay under the agent's own hook timeout (an agent that times a hook out lets
the call through). Exit status: 0, or 2 with the reason on stderr.`

// hookDefaults are per agent: Claude Code and Codex give a hook 60 s or
// more (keyturn install writes 60), Kiro CLI 30 s by default.
var hookDefaults = map[string]struct{ wait, timeout time.Duration }{
	hook.ClaudeCode: {50 * time.Second, 55 * time.Second},
	hook.Codex:      {50 * time.Second, 55 * time.Second},
	hook.Kiro:       {20 * time.Second, 25 * time.Second},
}

// hookMargin is kept free before the deadline for the answer itself (and
// for the local judgement when the server fails late).
const hookMargin = 2 * time.Second

// hookFirstCall bounds the first call to the server: on loopback it takes
// milliseconds; a server that does not answer in this time is treated as
// unreachable, leaving time to judge locally.
const hookFirstCall = 10 * time.Second

// hookServerWait is the longest single wait one call asks of the server
// (which caps ?wait= at 60 s); longer waits are several calls.
const hookServerWait = 55 * time.Second

// hookPanic, when set by a test, is called at the start of the server round
// trip: a panic there must fail closed, not open.
var hookPanic func()

type hookOptions struct {
	remote         remote
	wait, timeout  time.Duration
	config, policy string
}

// hookRun is one `keyturn hook AGENT`.
type hookRun struct {
	e     *env
	o     hookOptions
	agent string
	start time.Time
	end   time.Time // the deadline: an answer is written before it
}

func runHook(e *env, args []string) int {
	start := time.Now()
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		// No agent named: exit 2 with stderr, which every agent reads as
		// a block, so that a broken hook line never lets anything through.
		fmt.Fprintln(e.stderr, "keyturn hook: name the agent: claude-code, codex or kiro\n\nUsage: keyturn "+hookUsage)
		return exitUsage
	}
	agent := args[0]
	if agent == "claude" {
		agent = hook.ClaudeCode
	}
	def, ok := hookDefaults[agent]
	if !ok {
		fmt.Fprintf(e.stderr, "keyturn hook: unknown agent %q: use claude-code, codex or kiro\n", oneLine(cut(agent, 40)))
		return exitUsage
	}
	h := &hookRun{e: e, agent: agent, start: start}
	fs := newFlags(e, "hook", hookUsage)
	h.o.remote.flags(fs)
	fs.DurationVar(&h.o.wait, "wait", def.wait, "how long to wait for approvals before blocking")
	fs.DurationVar(&h.o.timeout, "timeout", def.timeout, "the deadline of the whole hook: keep it under the agent's hook timeout")
	fs.StringVar(&h.o.config, "config", "", "environments configuration `file` for the local judgement when the server fails")
	fs.StringVar(&h.o.policy, "policy", "", "policy `dir`ectory for the local judgement when the server fails")
	if _, ok := parseFlags(fs, args[1:]); !ok || fs.NArg() > 0 {
		// Help included: a hook that does not judge must block.
		return h.write(hook.Respond(agent, hook.Deny, "keyturn hook: bad arguments ("+strings.Join(args[1:], " ")+"); nothing is allowed until the hook command is fixed"))
	}
	if h.o.timeout < 2*hookMargin {
		h.o.timeout = 2 * hookMargin
	}
	h.end = start.Add(h.o.timeout)
	if max := h.o.timeout - hookMargin; h.o.wait > max {
		h.o.wait = max
	}
	return h.write(h.answer())
}

// answer runs the round trip in a goroutine and returns its response, or a
// block when the deadline comes first: the hook never outlives it.
func (h *hookRun) answer() hook.Response {
	done := make(chan hook.Response, 1)
	go func() {
		var in *hook.Input
		defer func() {
			if r := recover(); r != nil {
				done <- h.failClosed(in, fmt.Sprintf("internal error: %v", r))
			}
		}()
		b, err := readLimited(h.e.stdin, hook.MaxInput)
		if err != nil {
			done <- h.refuse(err)
			return
		}
		in, err = h.parse(b)
		if err != nil {
			done <- h.refuse(err)
			return
		}
		done <- h.decide(in)
	}()
	timer := time.NewTimer(time.Until(h.end.Add(-hookMargin / 2)))
	defer timer.Stop()
	select {
	case r := <-done:
		return r
	case <-timer.C:
		return h.deny(fmt.Sprintf("keyturn did not reach a decision within %s; nothing ran. Try again; if this repeats, check the keyturn server.", h.o.timeout))
	}
}

func (h *hookRun) parse(b []byte) (*hook.Input, error) {
	switch h.agent {
	case hook.ClaudeCode:
		return hook.ParseClaude(b)
	case hook.Codex:
		return hook.ParseCodex(b)
	default:
		return hook.ParseKiro(b)
	}
}

// readLimited reads all of r, up to max bytes; more is ETOOLARGE.
func readLimited(r io.Reader, max int) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return nil, keyturn.Errorf(keyturn.EINVALID, "reading the hook input: %v", err)
	}
	if len(b) > max {
		return nil, keyturn.Errorf(keyturn.ETOOLARGE, "the hook input is over %d bytes", max)
	}
	return b, nil
}

func (h *hookRun) write(r hook.Response) int {
	h.e.stdout.Write(r.Stdout)
	h.e.stderr.Write(r.Stderr)
	if r.Code != 0 && r.Code != 2 {
		return 2
	}
	return r.Code
}

func (h *hookRun) deny(reason string) hook.Response {
	return hook.Respond(h.agent, hook.Deny, reason)
}

// refuse blocks input that could not be read: nothing is known of it, so
// nothing of it is allowed.
func (h *hookRun) refuse(err error) hook.Response {
	return h.deny("keyturn blocked this tool call: its hook input could not be read (" + keyturn.ErrorMessage(err) + "); nothing ran")
}

// decide judges one parsed call.
func (h *hookRun) decide(in *hook.Input) (resp hook.Response) {
	if in.Local {
		return h.localRead(in)
	}
	a := in.Action
	if a.Kind == keyturn.KindShell {
		// The variables that change what a command means, as the agent's
		// shell inherits them from the environment the hook runs in.
		env := map[string]string{}
		for k, v := range processEnv(h.e.environ()) {
			if keyturn.MeaningfulEnv(k) {
				env[k] = v
			}
		}
		a.Env = env
	}
	defer func() {
		if r := recover(); r != nil {
			resp = h.failClosed(in, fmt.Sprintf("internal error: %v", r))
		}
	}()
	if hookPanic != nil {
		hookPanic()
	}
	svc, _, err := h.o.remote.service(h.e)
	if err != nil {
		return h.failClosed(in, keyturn.ErrorMessage(err))
	}
	first := min(hookFirstCall, time.Until(h.end)-hookMargin)
	ctx, cancel := context.WithTimeout(h.e.ctx, first)
	v, err := svc.Submit(ctx, a, 0)
	cancel()
	if err != nil {
		why := keyturn.ErrorMessage(err)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			why = fmt.Sprintf("it did not answer within %s", first.Round(time.Millisecond))
		}
		return h.failClosed(in, why)
	}
	if v.Status == keyturn.StatusPending && v.Request != nil && v.Request.Decision.Outcome == keyturn.Ask && h.agent == hook.ClaudeCode {
		// Claude Code asks its operator itself: that prompt is keyturn's
		// ask. The request keyturn opened would otherwise wait an hour in
		// everyone's `keyturn pending` for a confirmation that has already
		// been given (or refused) in Claude Code: withdraw it, best effort —
		// left pending it is harmless, only untidy.
		cctx, ccancel := context.WithTimeout(h.e.ctx, min(2*time.Second, max(time.Until(h.end)-hookMargin, 0)))
		svc.Cancel(cctx, v.Request.ID)
		ccancel()
		return hook.Respond(h.agent, hook.Ask, fmt.Sprintf("keyturn: %s%s", requirement(v.Request), why(v.Decision)))
	}
	// Pending: wait for the peers (or, for Codex and Kiro, the operator),
	// in calls the server allows, until --wait or the deadline. The same
	// action submitted again returns its request, and once approved
	// consumes the grant.
	waitEnd := h.start.Add(h.o.wait)
	if last := h.end.Add(-hookMargin); waitEnd.After(last) {
		waitEnd = last
	}
	for v.Status == keyturn.StatusPending {
		left := time.Until(waitEnd)
		if left <= 0 {
			break
		}
		w := min(left, hookServerWait)
		ctx, cancel := context.WithDeadline(h.e.ctx, h.end.Add(-hookMargin/2))
		next, err := svc.Submit(ctx, a, w)
		cancel()
		if err != nil {
			break // still pending as far as anyone knows: blocked below
		}
		v = next
	}
	return h.verdict(v)
}

// verdict turns the server's last answer into the agent's.
func (h *hookRun) verdict(v *keyturn.Verdict) hook.Response {
	r := v.Request
	switch v.Status {
	case keyturn.StatusAllowed:
		reason := "keyturn: allowed"
		if r != nil {
			reason = fmt.Sprintf("keyturn: %s %s", r.ID, approvedBy(r))
		}
		return hook.Respond(h.agent, hook.Allow, reason)
	case keyturn.StatusDenied:
		if r != nil {
			for _, vote := range r.Votes {
				if vote.Verdict == keyturn.VoteDeny {
					return h.deny(fmt.Sprintf("keyturn: denied by %s (%s): %s. Do not retry this action.", vote.User, r.ID, oneLine(vote.Comment)))
				}
			}
		}
		return h.deny("keyturn: denied" + why(v.Decision) + ". Do not retry this action; choose another way or ask the operator.")
	case keyturn.StatusPending:
		if r == nil {
			return h.deny("keyturn: held for approval, but the server named no request; nothing ran")
		}
		who := "may approve: " + strings.Join(r.Approvers, ", ") + " (keyturn approve " + r.ID + ")"
		if r.Decision.Outcome == keyturn.Ask {
			who = fmt.Sprintf("%s confirms with: keyturn confirm %s", r.Operator, r.ID)
		} else if len(r.Approvers) == 0 {
			who = "nobody may approve it yet (an admin adds approvers with `keyturn user add NAME --role approver`)"
		}
		return h.deny(fmt.Sprintf("keyturn: held as request %s, which %s%s. %s. It was not approved within %s, so nothing ran; once it is approved, run exactly the same tool call again and it will pass (once).",
			r.ID, requirement(r), why(r.Decision), who, shortDuration(h.o.wait)))
	default: // expired, cancelled, or a status this keyturn does not know
		id := ""
		if r != nil {
			id = r.ID + " "
		}
		return h.deny(fmt.Sprintf("keyturn: request %sis %s; nothing ran. Running the same tool call again opens a new request.", id, oneLine(v.Status)))
	}
}

// why lists a decision's reasons after a colon, or nothing.
func why(d keyturn.Decision) string {
	var rs []string
	for _, r := range d.Reasons {
		rs = append(rs, oneLine(r.Message)+" ["+r.Policy+"]")
	}
	if len(rs) == 0 {
		return ""
	}
	return ": " + strings.Join(rs, "; ")
}

// localClassifier is the classifier of the local judgement; the policy is
// compiled only when the server has failed.
func (h *hookRun) localClassifier(cwd string) (*classify.Classifier, error) {
	cfg, _, err := loadConfig(h.e, h.o.config, cwd)
	if err != nil {
		return nil, err
	}
	return classify.New(cfg), nil
}

// localRead decides a tool that only reads files (or acts only inside the
// agent's session) without the server: a file read does not need a round
// trip, but the classifier still checks the paths, since reading keyturn's
// own credentials is not a harmless read.
func (h *hookRun) localRead(in *hook.Input) hook.Response {
	if in.ReadCommand == "" {
		return hook.Respond(h.agent, hook.Allow, "keyturn: "+in.Tool+" changes nothing outside the agent's session")
	}
	cl, err := h.localClassifier("")
	if err != nil {
		return h.deny("keyturn cannot judge this read (" + keyturn.ErrorMessage(err) + "); nothing ran")
	}
	effects := cl.Shell(in.ReadCommand, classify.Context{Env: processEnv(h.e.environ())})
	if len(effects) > 0 && keyturn.StrictestClass(effects) == keyturn.Read && !selfOrProtected(effects) {
		return hook.Respond(h.agent, hook.Allow, "keyturn: "+in.Tool+" only reads")
	}
	return h.deny("keyturn: " + in.Tool + " may not read these files: " + nonReadOps(effects) + ". They hold keyturn's or another principal's credentials; nothing ran.")
}

// failClosed judges a call locally, as DESIGN.md's "Failing closed" says:
// only what only reads, and what the local policy allows, goes through.
func (h *hookRun) failClosed(in *hook.Input, cause string) (resp hook.Response) {
	defer func() {
		if r := recover(); r != nil {
			resp = h.deny(fmt.Sprintf("keyturn failed (%s, then internal error: %v); nothing ran", cause, r))
		}
	}()
	if in == nil {
		return h.deny("keyturn failed (" + cause + ") before it could read the tool call; nothing ran")
	}
	if in.Local {
		return h.localRead(in)
	}
	a := in.Action
	ck, err := newChecker(h.e, h.o.config, h.o.policy, a.Cwd)
	if err != nil {
		return h.deny(fmt.Sprintf("the keyturn server failed (%s) and this call cannot be judged locally (%s); nothing ran", cause, keyturn.ErrorMessage(err)))
	}
	effects := localEffects(ck.cl, a)
	d := ck.set.Decide(effects, policy.Input{Agent: "hook", Kind: h.agent})
	if len(effects) > 0 && keyturn.StrictestClass(effects) == keyturn.Read && !selfOrProtected(effects) && d.Outcome == keyturn.Allow {
		return hook.Respond(h.agent, hook.Allow, "keyturn: the server failed ("+cause+"); this call only reads, so it runs without it")
	}
	what := nonReadOps(effects)
	if what == "" {
		what = "the local policy says " + string(d.Outcome)
	}
	return h.deny(fmt.Sprintf("keyturn: the keyturn server failed (%s), and without it only read-only calls run; this one is not: %s. Nothing ran; try again when the server is back.",
		oneLine(cause), oneLine(what)))
}

// localEffects classifies an action without the server: shell lines with
// the shell classifier; other kinds with the classifier's Action when it
// has one, else as unknown (never read).
func localEffects(cl *classify.Classifier, a *keyturn.Action) []keyturn.Effect {
	if a.Kind == keyturn.KindShell {
		return cl.Shell(a.Command, classify.Context{Cwd: a.Cwd, Env: a.Env})
	}
	if ac, ok := any(cl).(interface {
		Action(*keyturn.Action) []keyturn.Effect
	}); ok {
		return ac.Action(a)
	}
	return []keyturn.Effect{{Tool: string(a.Kind), Operation: string(a.Kind), Class: keyturn.Unknown, Environment: keyturn.EnvUnknown}}
}

func selfOrProtected(effects []keyturn.Effect) bool {
	for _, e := range effects {
		if e.SelfModify || e.Protected {
			return true
		}
	}
	return false
}

// nonReadOps names the effects that are not reads.
func nonReadOps(effects []keyturn.Effect) string {
	var ops []string
	for _, e := range effects {
		if e.Class != keyturn.Read || e.SelfModify || e.Protected {
			ops = append(ops, fmt.Sprintf("%s (%s)", e.Operation, e.Class))
		}
	}
	return strings.Join(dedupe(ops), ", ")
}
