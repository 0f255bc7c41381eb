package gateway

import (
	"context"
	"strings"
	"time"

	"keyturn"
)

// breakGlassPayload is the payload of a breakglass event: enough for the
// review that must follow without opening the request.
type breakGlassPayload struct {
	Reason   string           `json:"reason"`
	Review   bool             `json:"review"`
	Request  string           `json:"request"`
	Digest   string           `json:"digest"`
	Action   keyturn.Action   `json:"action"`
	Effects  []keyturn.Effect `json:"effects"`
	Decision keyturn.Decision `json:"decision"`
}

// BreakGlass lets one action through now, on one admin's word: the pending
// request b.Request, or the action b.Action for agent b.Agent. The request
// is approved with a single-use grant that skips the policy when used (a
// freeze included: that is what break-glass is for), and the event is
// flagged for review.
func (g *Gateway) BreakGlass(ctx context.Context, b keyturn.BreakGlass) (*keyturn.Request, error) {
	by, err := admin(ctx, "break the glass")
	if err != nil {
		return nil, err
	}
	reason, err := humanReason(b.Reason, "say why the action cannot wait; it is reviewed afterwards")
	if err != nil {
		return nil, err
	}
	b.Request, b.Agent = strings.TrimSpace(b.Request), strings.TrimSpace(b.Agent)
	var r *keyturn.Request
	switch {
	case b.Request != "" && (b.Action != nil || b.Agent != ""):
		return nil, keyturn.Errorf(keyturn.EINVALID, "name a pending request or give an action and its agent, not both")
	case b.Request != "":
		r, err = g.breakRequest(ctx, by, b.Request, reason)
	case b.Action != nil && b.Agent != "":
		r, err = g.breakAction(ctx, by, b.Action, b.Agent, reason)
	case b.Action != nil:
		return nil, keyturn.Errorf(keyturn.EINVALID, "name the agent that will run the action: only it can use the grant")
	default:
		return nil, keyturn.Errorf(keyturn.EINVALID, "name a pending request, or give an action and the agent that will run it")
	}
	if err != nil {
		return nil, err
	}
	// Loud on purpose: whoever watches the server's logs learns of it now,
	// not at the next review of the audit log.
	g.log.Warn("break-glass: an action was let through on one admin's word", "admin", by.Name,
		"request", r.ID, "agent", r.Agent, "reason", reason)
	return r, nil
}

// breakRequest approves a pending action request by break-glass.
func (g *Gateway) breakRequest(ctx context.Context, by *keyturn.User, id, reason string) (*keyturn.Request, error) {
	var expired error
	r, err := transact(ctx, g, time.Now(), func(tx keyturn.Tx, c *afterCommit) (*keyturn.Request, error) {
		expired = nil
		now := g.now()
		r, err := tx.Request(id)
		if keyturn.ErrorCode(err) == keyturn.ENOTFOUND {
			return nil, keyturn.Errorf(keyturn.ENOTFOUND, "no request %q: keyturn pending lists the open ones", id)
		} else if err != nil {
			return nil, err
		}
		if r.Type != keyturn.RequestAction {
			return nil, keyturn.Errorf(keyturn.EINVALID, "%s is a policy change: break-glass lets one agent action through; a policy change needs another admin's approval", r.ID)
		}
		if r.State == keyturn.StatePending && !now.Before(r.ExpiresAt) {
			// Record the expiry, and refuse after the commit.
			if err := g.expire(tx, c, r, now); err != nil {
				return nil, err
			}
			expired = keyturn.Errorf(keyturn.EEXPIRED, "request %s expired at %s: the agent must submit it again", r.ID, r.ExpiresAt.Format(time.RFC3339))
			return r, nil
		}
		if r.State != keyturn.StatePending {
			return nil, keyturn.Errorf(keyturn.ECONFLICT, "request %s is already %s", r.ID, r.State)
		}
		if err := g.breakGlass(tx, c, by, r, reason, now); err != nil {
			return nil, err
		}
		return r, nil
	})
	if err != nil {
		return nil, err
	}
	if expired != nil {
		return nil, expired
	}
	return r, nil
}

// breakAction lets an action the agent has not submitted (or whose request
// is pending) through: it is classified and judged as Submit would, so the
// reviewer sees what the policy said, then approved by break-glass.
func (g *Gateway) breakAction(ctx context.Context, by *keyturn.User, a *keyturn.Action, agentName, reason string) (*keyturn.Request, error) {
	act := *a
	if err := validateAction(&act); err != nil {
		return nil, err
	}
	act.Env = boundEnv(act.Env)
	effects := g.effects(&act)
	digest := act.Digest()
	return transact(ctx, g, time.Now(), func(tx keyturn.Tx, c *afterCommit) (*keyturn.Request, error) {
		now := g.now()
		ag, err := tx.Agent(agentName)
		if keyturn.ErrorCode(err) == keyturn.ENOTFOUND {
			return nil, keyturn.Errorf(keyturn.ENOTFOUND, "no agent %q: keyturn agent list shows who exists", agentName)
		} else if err != nil {
			return nil, err
		}
		if !ag.Active(now) {
			return nil, keyturn.Errorf(keyturn.EINVALID, "agent %s is revoked or expired, so it could never use the grant: enroll it again", ag.Name)
		}
		// Who asks comes from the agent record, never from the body.
		act.Agent, act.Operator = ag.Name, ag.Operator
		// The agent may already be waiting on this very action: approve that
		// request rather than open a second one beside it.
		r, err := tx.OpenRequest(ag.Name, digest)
		switch {
		case err == nil && r.State == keyturn.StatePending && now.Before(r.ExpiresAt):
			if err := g.breakGlass(tx, c, by, r, reason, now); err != nil {
				return nil, err
			}
			return r, nil
		case err == nil && r.State == keyturn.StatePending:
			if err := g.expire(tx, c, r, now); err != nil {
				return nil, err
			}
		case err == nil && r.State == keyturn.StateApproved && r.Grant != nil && r.Grant.Usable(now):
			return nil, keyturn.Errorf(keyturn.ECONFLICT, "request %s already approved this action and its grant is unused: the agent can run it now", r.ID)
		case err != nil && keyturn.ErrorCode(err) != keyturn.ENOTFOUND:
			return nil, err
		}
		set := g.activePolicy()
		if set == nil {
			return nil, keyturn.Errorf(keyturn.EINTERNAL, "no policy is loaded")
		}
		freeze, err := currentFreeze(tx)
		if err != nil {
			return nil, err
		}
		s := &submission{agent: ag, action: &act, effects: effects, digest: digest}
		d := set.Decide(effects, s.input(freeze.On))
		r = &keyturn.Request{
			ID: keyturn.NewID("r_"), Type: keyturn.RequestAction, Action: act.Masked(), Digest: digest,
			Effects: keyturn.MaskEffects(effects), Decision: d, Group: d.Group, State: keyturn.StatePending,
			Agent: ag.Name, Operator: ag.Operator, Votes: []keyturn.Vote{},
			CreatedAt: now, ExpiresAt: now.Add(g.requestTTL),
		}
		if err := tx.CreateRequest(r); err != nil {
			return nil, err
		}
		if err := g.breakGlass(tx, c, by, r, reason, now); err != nil {
			return nil, err
		}
		return r, nil
	})
}

// breakGlass approves r, stored and pending, on admin by's word alone.
func (g *Gateway) breakGlass(tx keyturn.Tx, c *afterCommit, by *keyturn.User, r *keyturn.Request, reason string, now time.Time) error {
	r.State, r.BreakGlass, r.DecidedAt, r.DecidedBy = keyturn.StateApproved, true, now, "breakglass:"+by.Name
	r.Approvers = nil
	if err := tx.UpdateRequest(r); err != nil {
		return err
	}
	gr := &keyturn.Grant{Request: r.ID, Digest: r.Digest, Agent: r.Agent, ExpiresAt: now.Add(g.grantTTL)}
	if err := tx.CreateGrant(gr); err != nil {
		return err
	}
	r.Grant = gr
	e := event(keyturn.EventBreakGlass, keyturn.Principal{User: by}, r.ID, &keyturn.Decider{Kind: "breakglass", Who: by.Name},
		breakGlassPayload{Reason: reason, Review: true, Request: r.ID, Digest: r.Digest, Action: r.Action,
			Effects: r.Effects, Decision: r.Decision})
	if err := c.log(tx, e); err != nil {
		return err
	}
	c.changed(r.ID)
	return nil
}
