package gateway

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"time"

	"keyturn"
	"keyturn/policy"
)

// Limits on what an agent may submit. They bound the work and the storage
// one hostile request can cost; the HTTP body limit bounds the rest.
const (
	maxCommand      = 64 << 10
	maxActionReason = 4 << 10
	maxEnv          = 200
)

// Submit judges an action the calling agent wants to take (keyturn.Service).
func (g *Gateway) Submit(ctx context.Context, a *keyturn.Action, wait time.Duration) (*keyturn.Verdict, error) {
	start := time.Now()
	ag, err := agent(ctx, "submit actions")
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, keyturn.Errorf(keyturn.EINVALID, "no action: send an action with a kind and a command")
	}
	act := *a // the caller's value is not ours to change
	if err := validateAction(&act); err != nil {
		return nil, err
	}
	act.Env = boundEnv(act.Env)
	// Who asks comes from the token, never from the body.
	act.Agent, act.Operator = ag.Name, ag.Operator
	s := &submission{agent: ag, action: &act, effects: g.effects(&act), digest: act.Digest(), start: start}
	s.masked = act.Masked()
	s.maskedEffects = keyturn.MaskEffects(s.effects)
	// Decide before the transaction: the store runs transactions one at a
	// time, so work done inside one is work no other decision can overlap.
	// decideFresh decides again if a freeze is on or the policy changed.
	if set := g.activePolicy(); set != nil {
		s.preSet, s.pre = set, set.Decide(s.effects, s.input(false))
		if status := finalStatus(s.pre.Outcome); status != "" {
			b, err := json.Marshal(s.payload(s.pre, status, ""))
			if err != nil {
				return nil, keyturn.Errorf(keyturn.EINTERNAL, "encode the decision: %v", err)
			}
			s.prePayload = b
		}
	}

	v, err := transact(ctx, g, s.start, func(tx keyturn.Tx, c *afterCommit) (*keyturn.Verdict, error) {
		return g.judge(tx, c, s)
	})
	if err != nil || wait <= 0 || v.Status != keyturn.StatusPending || v.Request == nil {
		return v, err
	}
	return g.waitVerdict(ctx, s, v, wait)
}

// validateAction refuses malformed actions before anything is written.
func validateAction(a *keyturn.Action) error {
	switch a.Kind {
	case keyturn.KindShell:
		if strings.TrimSpace(a.Command) == "" {
			return keyturn.Errorf(keyturn.EINVALID, "a shell action needs a command")
		}
		if len(a.Command) > maxCommand {
			return keyturn.Errorf(keyturn.EINVALID, "the command is %d bytes; keyturn judges commands up to %d bytes: put a long script in a file and run the file", len(a.Command), maxCommand)
		}
	case keyturn.KindFileWrite, keyturn.KindMCPTool, keyturn.KindHTTP, keyturn.KindPlan:
	case "":
		return keyturn.Errorf(keyturn.EINVALID, "the action has no kind: use shell, file_write, mcp_tool, http or plan")
	default:
		return keyturn.Errorf(keyturn.EINVALID, "unknown action kind %q: use shell, file_write, mcp_tool, http or plan", a.Kind)
	}
	if a.Cwd != "" && !filepath.IsAbs(a.Cwd) {
		return keyturn.Errorf(keyturn.EINVALID, "cwd %q is not an absolute path", keyturn.MaskSecrets(a.Cwd))
	}
	if len(a.Reason) > maxActionReason {
		return keyturn.Errorf(keyturn.EINVALID, "the reason is %d bytes; keep it under %d", len(a.Reason), maxActionReason)
	}
	if len(a.Env) > maxEnv {
		return keyturn.Errorf(keyturn.EINVALID, "%d environment variables; send at most %d (only those that change what the action means count)", len(a.Env), maxEnv)
	}
	return nil
}

// boundEnv returns the variables of env that the digest binds
// (keyturn.MeaningfulEnv). The rest are dropped before the action is
// classified or stored: what the policy judges must be exactly what an
// approval is bound to, or one approval would cover every value of a
// variable the digest leaves out (`delete ns $NS`).
func boundEnv(env map[string]string) map[string]string {
	if env == nil {
		return nil
	}
	out := make(map[string]string, len(env))
	for k, v := range env {
		if keyturn.MeaningfulEnv(k) {
			out[k] = v
		}
	}
	return out
}

// effects classifies the action (classify.Classifier.Action: every kind).
// A kind keyturn cannot read, and an action that yields no effect at all,
// get one unknown effect of unknown environment, which the policy treats as
// production: what is not understood is not let through.
func (g *Gateway) effects(a *keyturn.Action) []keyturn.Effect {
	if effects := g.classifier.Action(a); len(effects) > 0 {
		return effects
	}
	return []keyturn.Effect{{
		Tool: string(a.Kind), Operation: string(a.Kind), Class: keyturn.Unknown,
		Environment: keyturn.EnvUnknown, Note: "keyturn found nothing it understands in this " + string(a.Kind) + " action",
	}}
}

// submission is one submitted action, classified, with its masked forms.
type submission struct {
	agent         *keyturn.Agent
	action        *keyturn.Action // unmasked: it is what the digest binds
	masked        keyturn.Action
	effects       []keyturn.Effect // unmasked: the policy judges what runs
	maskedEffects []keyturn.Effect
	digest        string
	start         time.Time
	// pre is the decision under preSet without a freeze, made before the
	// transaction.
	pre    keyturn.Decision
	preSet *policy.Set
	// prePayload is the event payload of pre when it is final (allow or
	// deny), encoded before the transaction too.
	prePayload json.RawMessage
}

// finalStatus is the answer to an outcome that needs no request: allowed,
// denied, or "" for ask and approve.
func finalStatus(o keyturn.Outcome) string {
	switch o {
	case keyturn.Allow:
		return keyturn.StatusAllowed
	case keyturn.Ask, keyturn.Approve:
		return ""
	}
	return keyturn.StatusDenied
}

// decisionPayload returns the payload of the decision d: the one encoded
// before the transaction when d is that decision.
func (s *submission) decisionPayload(d keyturn.Decision, status string, fresh bool) any {
	if !fresh && s.prePayload != nil {
		return s.prePayload
	}
	return s.payload(d, status, "")
}

func (s *submission) input(freeze bool) policy.Input {
	return policy.Input{Agent: s.agent.Name, Operator: s.agent.Operator, Kind: s.agent.Kind,
		Profile: s.agent.Profile, Freeze: freeze}
}

// decisionPayload is the payload of every event that records a judgement
// of an action.
type decisionPayload struct {
	Action   keyturn.Action   `json:"action"`
	Digest   string           `json:"digest"`
	Effects  []keyturn.Effect `json:"effects"`
	Decision keyturn.Decision `json:"decision"`
	Status   string           `json:"status"`
	Request  string           `json:"request,omitempty"`
}

func (s *submission) payload(d keyturn.Decision, status, request string) decisionPayload {
	return decisionPayload{Action: s.masked, Digest: s.digest, Effects: s.maskedEffects,
		Decision: d, Status: status, Request: request}
}

func (s *submission) verdict(status string, d keyturn.Decision, r *keyturn.Request) *keyturn.Verdict {
	return &keyturn.Verdict{Status: status, Decision: d, Effects: s.maskedEffects, Digest: s.digest, Request: r}
}

// judge is step 3 of Submit, inside one transaction: the open request for
// this digest if there is one, its grant consumed if it is approved, or a
// fresh decision.
func (g *Gateway) judge(tx keyturn.Tx, c *afterCommit, s *submission) (*keyturn.Verdict, error) {
	now := g.now()
	r, err := tx.OpenRequest(s.agent.Name, s.digest)
	switch {
	case err == nil:
		switch {
		case r.State == keyturn.StatePending && now.Before(r.ExpiresAt):
			if err := g.fillApprovers(tx, r); err != nil {
				return nil, err
			}
			return s.verdict(keyturn.StatusPending, r.Decision, r), nil
		case r.State == keyturn.StatePending:
			// Nobody can approve it any more: record that, and judge afresh.
			if err := g.expire(tx, c, r, now); err != nil {
				return nil, err
			}
		case r.State == keyturn.StateApproved && r.Grant != nil && r.Grant.Usable(now):
			v, err := g.consume(tx, c, s, r, now)
			if keyturn.ErrorCode(err) != keyturn.ECONFLICT {
				return v, err
			}
			// Someone used the grant first: this submission is another run.
		}
	case keyturn.ErrorCode(err) != keyturn.ENOTFOUND:
		return nil, err
	}
	return g.decideFresh(tx, c, s, now)
}

// decideFresh judges the action with the policy and records the answer:
// an event, and a pending request for ask and approve.
func (g *Gateway) decideFresh(tx keyturn.Tx, c *afterCommit, s *submission, now time.Time) (*keyturn.Verdict, error) {
	freeze, err := currentFreeze(tx)
	if err != nil {
		return nil, err
	}
	set := g.activePolicy()
	if set == nil {
		return nil, keyturn.Errorf(keyturn.EINTERNAL, "no policy is loaded")
	}
	d, fresh := s.pre, false
	if freeze.On || set != s.preSet {
		d, fresh = set.Decide(s.effects, s.input(freeze.On)), true
	}
	c.decided = append(c.decided, d.Outcome)
	actor := keyturn.Principal{Agent: s.agent}
	by := policyDecider(d)
	switch d.Outcome {
	case keyturn.Allow:
		e := event(keyturn.EventDecision, actor, s.digest, by, s.decisionPayload(d, keyturn.StatusAllowed, fresh))
		if err := c.log(tx, e); err != nil {
			return nil, err
		}
		v := s.verdict(keyturn.StatusAllowed, d, nil)
		v.Seq = e.Seq
		return v, nil
	case keyturn.Ask, keyturn.Approve:
		r := &keyturn.Request{
			ID: keyturn.NewID("r_"), Type: keyturn.RequestAction, Action: s.masked, Digest: s.digest,
			Effects: s.maskedEffects, Decision: d, Group: d.Group, State: keyturn.StatePending,
			Agent: s.agent.Name, Operator: s.agent.Operator, Votes: []keyturn.Vote{},
			CreatedAt: now, ExpiresAt: now.Add(g.requestTTL),
		}
		if err := tx.CreateRequest(r); err != nil {
			return nil, err
		}
		e := event(keyturn.EventRequest, actor, r.ID, by, s.payload(d, keyturn.StatusPending, r.ID))
		if err := c.log(tx, e); err != nil {
			return nil, err
		}
		c.changed(r.ID)
		if err := g.fillApprovers(tx, r); err != nil {
			return nil, err
		}
		v := s.verdict(keyturn.StatusPending, d, r)
		v.Seq = e.Seq
		return v, nil
	default:
		// Deny, and any outcome this version does not know: fail closed.
		if d.Outcome != keyturn.Deny {
			d.Outcome, fresh = keyturn.Deny, true
		}
		e := event(keyturn.EventDecision, actor, s.digest, by, s.decisionPayload(d, keyturn.StatusDenied, fresh))
		if err := c.log(tx, e); err != nil {
			return nil, err
		}
		v := s.verdict(keyturn.StatusDenied, d, nil)
		v.Seq = e.Seq
		return v, nil
	}
}

// consume uses the grant of the approved request r for this submission. The
// policy is asked again with the approvals the request gathered, so a
// freeze, or a policy change since the approval, still stops it; a
// break-glass grant skips that, as break-glass bypasses policy. It returns
// ECONFLICT when the grant was used first.
func (g *Gateway) consume(tx keyturn.Tx, c *afterCommit, s *submission, r *keyturn.Request, now time.Time) (*keyturn.Verdict, error) {
	actor := keyturn.Principal{Agent: s.agent}
	var by *keyturn.Decider
	d := r.Decision
	if r.BreakGlass {
		by = &keyturn.Decider{Kind: "breakglass", Who: strings.TrimPrefix(r.DecidedBy, "breakglass:")}
		d = keyturn.Decision{Outcome: keyturn.Allow, Reasons: []keyturn.Reason{{Policy: "breakglass",
			Message: "allowed by break-glass (" + r.DecidedBy + "), flagged for review"}}, PolicyVersion: r.Decision.PolicyVersion}
	} else {
		freeze, err := currentFreeze(tx)
		if err != nil {
			return nil, err
		}
		set := g.activePolicy()
		if set == nil {
			return nil, keyturn.Errorf(keyturn.EINTERNAL, "no policy is loaded")
		}
		in := s.input(freeze.On)
		if in.Approvals, in.OperatorConfirmed, err = countLiveVotes(tx, r); err != nil {
			return nil, err
		}
		d = set.Decide(s.effects, in)
		if d.Outcome != keyturn.Allow {
			// The grant stays: once the freeze lifts it may still be used.
			if d.Outcome != keyturn.Deny {
				d.Outcome = keyturn.Deny
			}
			e := event(keyturn.EventDecision, actor, r.ID, policyDecider(d), s.payload(d, keyturn.StatusDenied, r.ID))
			if err := c.log(tx, e); err != nil {
				return nil, err
			}
			if err := g.fillApprovers(tx, r); err != nil {
				return nil, err
			}
			v := s.verdict(keyturn.StatusDenied, d, r)
			v.Seq = e.Seq
			return v, nil
		}
		by = &keyturn.Decider{Kind: "human", Who: strings.Join(deciders(r), ",")}
	}
	if err := tx.UseGrant(r.ID, now); err != nil {
		return nil, err
	}
	r.Grant.UsedAt = now
	e := event(keyturn.EventGrantUsed, actor, r.ID, by, s.payload(d, keyturn.StatusAllowed, r.ID))
	if err := c.log(tx, e); err != nil {
		return nil, err
	}
	c.changed(r.ID)
	c.grantsUsed++
	v := s.verdict(keyturn.StatusAllowed, d, r)
	v.Seq = e.Seq
	return v, nil
}

// waitVerdict holds a pending answer until the request is decided or the
// wait ends, then answers as Submit would: an approved request's grant is
// consumed now.
func (g *Gateway) waitVerdict(ctx context.Context, s *submission, v *keyturn.Verdict, wait time.Duration) (*keyturn.Verdict, error) {
	deadline := time.Now().Add(wait)
	for {
		id := v.Request.ID
		if _, err := g.await(ctx, id, time.Until(deadline)); err != nil {
			// The caller is gone: leave the grant for its next submission.
			return nil, err
		}
		next, err := transact(ctx, g, time.Now(), func(tx keyturn.Tx, c *afterCommit) (*keyturn.Verdict, error) {
			return g.settle(tx, c, s, id)
		})
		if err != nil {
			return nil, err
		}
		v = next
		// A grant used by a racing submission leaves this one with a new
		// request of its own, which it may wait for in the time left.
		if v.Status != keyturn.StatusPending || v.Request == nil || v.Request.ID == id || time.Until(deadline) <= 0 {
			return v, nil
		}
	}
}

// settle answers a submission whose request id it waited for, in one
// transaction, from the request's state now.
func (g *Gateway) settle(tx keyturn.Tx, c *afterCommit, s *submission, id string) (*keyturn.Verdict, error) {
	now := g.now()
	r, err := tx.Request(id)
	if err != nil {
		return nil, err
	}
	if r.Agent != s.agent.Name || r.Digest != s.digest {
		return nil, keyturn.Errorf(keyturn.EINTERNAL, "request %s is not the one submitted", id)
	}
	switch r.State {
	case keyturn.StatePending:
		if !now.Before(r.ExpiresAt) {
			if err := g.expire(tx, c, r, now); err != nil {
				return nil, err
			}
			return s.verdict(keyturn.StatusExpired, r.Decision, r), nil
		}
		if err := g.fillApprovers(tx, r); err != nil {
			return nil, err
		}
		return s.verdict(keyturn.StatusPending, r.Decision, r), nil
	case keyturn.StateApproved:
		if r.Grant != nil && r.Grant.Usable(now) {
			v, err := g.consume(tx, c, s, r, now)
			if keyturn.ErrorCode(err) != keyturn.ECONFLICT {
				return v, err
			}
		}
	case keyturn.StateDenied:
		return s.verdict(keyturn.StatusDenied, deniedDecision(r), r), nil
	case keyturn.StateExpired:
		return s.verdict(keyturn.StatusExpired, r.Decision, r), nil
	case keyturn.StateCancelled:
		return s.verdict(keyturn.StatusCancelled, r.Decision, r), nil
	}
	// Its grant was used (or lapsed): this submission is another run.
	return g.judge(tx, c, s)
}

// deniedDecision is the decision shown for a request people or the policy
// denied: deny, with who denied it and why.
func deniedDecision(r *keyturn.Request) keyturn.Decision {
	d := keyturn.Decision{Outcome: keyturn.Deny, PolicyVersion: r.Decision.PolicyVersion}
	for _, v := range r.Votes {
		if v.Verdict == keyturn.VoteDeny {
			d.Reasons = append(d.Reasons, keyturn.Reason{Policy: "denial", Message: "denied by " + v.User + ": " + v.Comment})
		}
	}
	if len(d.Reasons) == 0 {
		d.Reasons = []keyturn.Reason{{Policy: "denial", Message: "denied by " + r.DecidedBy}}
	}
	return d
}

// policyDecider names the policies that made d.
func policyDecider(d keyturn.Decision) *keyturn.Decider {
	ids := make([]string, 0, len(d.Reasons))
	for _, r := range d.Reasons {
		ids = append(ids, r.Policy)
	}
	return &keyturn.Decider{Kind: "policy", Policies: ids}
}

// afterCommit collects what one transaction changed, to announce once it
// is durable: requests to wake waiters of, the last audit sequence,
// decisions and grant uses for the metrics. The transaction function may
// run again, so it starts from zero each time.
type afterCommit struct {
	g          *Gateway
	ids        []string
	seq        int64
	decided    []keyturn.Outcome
	grantsUsed int
}

func (c *afterCommit) changed(id string) { c.ids = append(c.ids, id) }

// log appends e in tx and remembers its sequence for the metrics.
func (c *afterCommit) log(tx keyturn.Tx, e *keyturn.Event) error {
	if err := c.g.append(tx, e); err != nil {
		return err
	}
	c.seq = e.Seq
	return nil
}

// update is transact for calls that return only an error.
func (g *Gateway) update(ctx context.Context, fn func(keyturn.Tx, *afterCommit) error) error {
	_, err := transact(ctx, g, time.Now(), func(tx keyturn.Tx, c *afterCommit) (struct{}, error) {
		return struct{}{}, fn(tx, c)
	})
	return err
}

// transact runs fn in one durable transaction, then wakes the waiters of
// the requests it changed and updates the metrics. Nothing is announced
// for a transaction that did not commit.
func transact[T any](ctx context.Context, g *Gateway, start time.Time, fn func(keyturn.Tx, *afterCommit) (T, error)) (T, error) {
	var (
		out T
		c   afterCommit
	)
	err := g.store.Update(ctx, func(tx keyturn.Tx) error {
		c = afterCommit{g: g}
		var err error
		out, err = fn(tx, &c)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	for _, id := range c.ids {
		g.waiters.notify(id)
	}
	g.metrics.appended(c.seq)
	for _, o := range c.decided {
		g.metrics.decided(o, start)
	}
	for range c.grantsUsed {
		g.metrics.grantUses.Inc()
	}
	return out, nil
}

// Check judges an action as Submit would for the calling agent, and records
// nothing (keyturn.Service). An open request for the same action is
// reported as it stands; otherwise the answer is the policy's now, with
// the freeze as it is: "pending" for ask and approve, with no request.
func (g *Gateway) Check(ctx context.Context, a *keyturn.Action) (*keyturn.Verdict, error) {
	ag, err := agent(ctx, "check actions")
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, keyturn.Errorf(keyturn.EINVALID, "no action: send an action with a kind and a command")
	}
	act := *a
	if err := validateAction(&act); err != nil {
		return nil, err
	}
	act.Env = boundEnv(act.Env)
	act.Agent, act.Operator = ag.Name, ag.Operator
	s := &submission{agent: ag, action: &act, effects: g.effects(&act), digest: act.Digest()}
	s.masked = act.Masked()
	s.maskedEffects = keyturn.MaskEffects(s.effects)
	set := g.activePolicy()
	if set == nil {
		return nil, keyturn.Errorf(keyturn.EINTERNAL, "no policy is loaded")
	}
	var v *keyturn.Verdict
	err = g.store.View(ctx, func(tx keyturn.Tx) error {
		now := g.now()
		freeze, err := currentFreeze(tx)
		if err != nil {
			return err
		}
		r, err := tx.OpenRequest(ag.Name, s.digest)
		switch {
		case err == nil && r.State == keyturn.StatePending && now.Before(r.ExpiresAt):
			if err := g.fillApprovers(tx, r); err != nil {
				return err
			}
			v = s.verdict(keyturn.StatusPending, r.Decision, r)
			return nil
		case err == nil && r.State == keyturn.StateApproved && r.Grant != nil && r.Grant.Usable(now):
			in := s.input(freeze.On)
			if in.Approvals, in.OperatorConfirmed, err = countLiveVotes(tx, r); err != nil {
				return err
			}
			d := set.Decide(s.effects, in)
			if r.BreakGlass || d.Outcome == keyturn.Allow {
				v = s.verdict(keyturn.StatusAllowed, d, r)
			} else {
				v = s.verdict(keyturn.StatusDenied, d, r)
			}
			return nil
		case err != nil && keyturn.ErrorCode(err) != keyturn.ENOTFOUND:
			return err
		}
		d := set.Decide(s.effects, s.input(freeze.On))
		status := finalStatus(d.Outcome)
		if status == "" {
			status = keyturn.StatusPending
		}
		v = s.verdict(status, d, nil)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}
