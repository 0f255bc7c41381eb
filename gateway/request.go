package gateway

import (
	"context"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"keyturn"
	"keyturn/policy"
)

// Limits on what a human sends with a vote or a result.
const (
	maxComment     = 4 << 10
	maxListLimit   = 1000
	defaultListLim = 100
	sweepBatch     = 100
)

// Request returns a request (keyturn.Service). An agent sees only its own;
// any other id is "not found", so that ids of others are not revealed.
func (g *Gateway) Request(ctx context.Context, id string, wait time.Duration) (*keyturn.Request, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	r, err := g.load(ctx, p, id)
	if err != nil || wait <= 0 || r.State != keyturn.StatePending || !g.now().Before(r.ExpiresAt) {
		return r, err
	}
	if _, err := g.await(ctx, id, wait); err != nil {
		return nil, err
	}
	return g.load(ctx, p, id)
}

// load reads a request the caller may see, expiring it first if it is
// pending past its time, and fills in who may still approve it.
func (g *Gateway) load(ctx context.Context, p keyturn.Principal, id string) (*keyturn.Request, error) {
	var r *keyturn.Request
	err := g.store.View(ctx, func(tx keyturn.Tx) error {
		var err error
		if r, err = visible(tx, p, id); err != nil {
			return err
		}
		return g.fillApprovers(tx, r)
	})
	if err != nil || r.State != keyturn.StatePending || g.now().Before(r.ExpiresAt) {
		return r, err
	}
	return transact(ctx, g, time.Now(), func(tx keyturn.Tx, c *afterCommit) (*keyturn.Request, error) {
		r, err := visible(tx, p, id)
		if err != nil {
			return nil, err
		}
		if now := g.now(); r.State == keyturn.StatePending && !now.Before(r.ExpiresAt) {
			if err := g.expire(tx, c, r, now); err != nil {
				return nil, err
			}
		}
		return r, g.fillApprovers(tx, r)
	})
}

// visible returns request id if p may see it: humans see every request,
// agents their own.
func visible(tx keyturn.Tx, p keyturn.Principal, id string) (*keyturn.Request, error) {
	r, err := tx.Request(id)
	if keyturn.ErrorCode(err) == keyturn.ENOTFOUND || err == nil && p.IsAgent() && r.Agent != p.Agent.Name {
		return nil, keyturn.Errorf(keyturn.ENOTFOUND, "no request %q: keyturn pending lists the open ones", id)
	}
	return r, err
}

// Requests lists requests, newest first (keyturn.Service). Agents see only
// their own, whatever filter they ask for.
func (g *Gateway) Requests(ctx context.Context, f keyturn.RequestFilter) ([]*keyturn.Request, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if p.IsAgent() {
		f.Agent = p.Agent.Name
	}
	switch f.State {
	case "", keyturn.StatePending, keyturn.StateApproved, keyturn.StateDenied, keyturn.StateExpired,
		keyturn.StateCancelled, keyturn.StateExecuted, keyturn.StateFailed:
	default:
		return nil, keyturn.Errorf(keyturn.EINVALID, "unknown state %q: use pending, approved, denied, expired, cancelled, executed or failed", f.State)
	}
	switch {
	case f.Limit <= 0:
		f.Limit = defaultListLim
	case f.Limit > maxListLimit:
		f.Limit = maxListLimit
	}
	var rs []*keyturn.Request
	err = g.store.View(ctx, func(tx keyturn.Tx) error {
		var err error
		if rs, err = tx.Requests(f); err != nil {
			return err
		}
		return g.fillApprovers(tx, rs...)
	})
	return rs, err
}

// Approve records the caller's approval (keyturn.Service).
func (g *Gateway) Approve(ctx context.Context, id, digest, comment string) (*keyturn.Request, error) {
	return g.vote(ctx, id, digest, comment, keyturn.VoteApprove)
}

// Deny records the caller's denial, which denies the request at once
// (keyturn.Service).
func (g *Gateway) Deny(ctx context.Context, id, digest, comment string) (*keyturn.Request, error) {
	return g.vote(ctx, id, digest, comment, keyturn.VoteDeny)
}

// Confirm records the operator's confirmation of an ask (keyturn.Service).
func (g *Gateway) Confirm(ctx context.Context, id, digest, comment string) (*keyturn.Request, error) {
	return g.vote(ctx, id, digest, comment, keyturn.VoteConfirm)
}

var voteVerbs = map[string]string{
	keyturn.VoteApprove: "approve requests", keyturn.VoteDeny: "deny requests", keyturn.VoteConfirm: "confirm requests",
}

var voteEvents = map[string]string{
	keyturn.VoteApprove: keyturn.EventApproval, keyturn.VoteDeny: keyturn.EventDenial, keyturn.VoteConfirm: keyturn.EventConfirmation,
}

// vote is Approve, Deny and Confirm: every check and the state change in
// one transaction, on the request as it is now.
func (g *Gateway) vote(ctx context.Context, id, digest, comment, verdict string) (*keyturn.Request, error) {
	u, err := human(ctx, voteVerbs[verdict])
	if err != nil {
		return nil, err
	}
	switch {
	case digest == "":
		return nil, keyturn.Errorf(keyturn.EINVALID, "give the digest you saw: keyturn show %s prints it", id)
	case verdict == keyturn.VoteDeny && strings.TrimSpace(comment) == "":
		return nil, keyturn.Errorf(keyturn.EINVALID, "a denial needs a reason: -m REASON")
	case len(comment) > maxComment:
		return nil, keyturn.Errorf(keyturn.EINVALID, "the comment is %d bytes; keep it under %d", len(comment), maxComment)
	}
	var (
		expired   error
		activated *policy.Set
	)
	r, err := transact(ctx, g, time.Now(), func(tx keyturn.Tx, c *afterCommit) (*keyturn.Request, error) {
		expired, activated = nil, nil
		now := g.now()
		r, err := tx.Request(id)
		if keyturn.ErrorCode(err) == keyturn.ENOTFOUND {
			return nil, keyturn.Errorf(keyturn.ENOTFOUND, "no request %q: keyturn pending lists the open ones", id)
		} else if err != nil {
			return nil, err
		}
		if r.State == keyturn.StatePending && !now.Before(r.ExpiresAt) {
			// Recorded and committed; the caller still gets the error.
			if err := g.expire(tx, c, r, now); err != nil {
				return nil, err
			}
			expired = keyturn.Errorf(keyturn.EEXPIRED, "request %s expired at %s: the agent must submit it again", r.ID, r.ExpiresAt.Format(time.RFC3339))
			return r, nil
		}
		if r.State != keyturn.StatePending && !(verdict == keyturn.VoteDeny && revocable(r)) {
			return nil, keyturn.Errorf(keyturn.ECONFLICT, "request %s is already %s", r.ID, r.State)
		}
		if digest != r.Digest {
			return nil, keyturn.Errorf(keyturn.ECONFLICT, "the request is not the one you saw (digest %s≠%s): run keyturn show %s again", short(digest), short(r.Digest), r.ID)
		}
		// Roles and groups as they are now, not as the token was read.
		voter, err := tx.User(u.Name)
		if keyturn.ErrorCode(err) == keyturn.ENOTFOUND || err == nil && voter.Disabled {
			return nil, keyturn.Errorf(keyturn.EFORBIDDEN, "user %s is unknown or disabled", u.Name)
		} else if err != nil {
			return nil, err
		}
		if err := eligible(r, voter, verdict); err != nil {
			return nil, err
		}
		// Checked here rather than left to AddVote's ECONFLICT: on some
		// databases a failed insert spoils the whole transaction.
		if votedFor(r, voter.Name, verdict) {
			return nil, keyturn.Errorf(keyturn.ECONFLICT, "you already %s %s", pastTense(verdict), r.ID)
		}
		v := keyturn.Vote{User: voter.Name, Verdict: verdict, Digest: digest, Comment: keyturn.MaskSecrets(comment), At: now}
		if err := tx.AddVote(r.ID, v); keyturn.ErrorCode(err) == keyturn.ECONFLICT {
			return nil, keyturn.Errorf(keyturn.ECONFLICT, "you already %s %s", pastTense(verdict), r.ID)
		} else if err != nil {
			return nil, err
		}
		r.Votes = append(r.Votes, v)
		actor := keyturn.Principal{User: voter}
		by := &keyturn.Decider{Kind: "human", Who: voter.Name}
		e := event(voteEvents[verdict], actor, r.ID, by, map[string]string{"digest": digest, "comment": v.Comment})
		if err := c.log(tx, e); err != nil {
			return nil, err
		}
		c.changed(r.ID)
		if verdict == keyturn.VoteDeny {
			// One eligible deny is enough: a deny can only make things safer.
			r.State, r.DecidedAt, r.DecidedBy = keyturn.StateDenied, now, "user:"+voter.Name
			if err := tx.UpdateRequest(r); err != nil {
				return nil, err
			}
		} else {
			if activated, err = g.tally(tx, c, r, actor, now); err != nil {
				return nil, err
			}
		}
		return r, g.fillApprovers(tx, r)
	})
	if err != nil {
		return nil, err
	}
	if expired != nil {
		return nil, expired
	}
	if activated != nil {
		g.policy.Store(activated)
	}
	return r, nil
}

// revocable reports whether r is approved but its grant not yet used, so
// that a deny still stops it: one eligible deny denies the request, even
// one that arrives just after the last approval. Break-glass is one admin's
// decision to act now and is reviewed afterwards, not revoked.
func revocable(r *keyturn.Request) bool {
	return r.Type == keyturn.RequestAction && r.State == keyturn.StateApproved && !r.BreakGlass &&
		r.Grant != nil && r.Grant.UsedAt.IsZero()
}

// eligible says whether u may give verdict on r: the two-person rule.
func eligible(r *keyturn.Request, u *keyturn.User, verdict string) error {
	if r.Type == keyturn.RequestPolicy {
		switch {
		case verdict == keyturn.VoteConfirm:
			return keyturn.Errorf(keyturn.EFORBIDDEN, "%s is a policy change: an admin other than its author approves it (keyturn approve %s)", r.ID, r.ID)
		case !u.HasRole(keyturn.RoleAdmin):
			return keyturn.Errorf(keyturn.EFORBIDDEN, "only an admin can %s a policy change; %s is not one", verdict, u.Name)
		case verdict == keyturn.VoteApprove && u.Name == r.Operator:
			return keyturn.Errorf(keyturn.EFORBIDDEN, "you pushed this policy: another admin must approve it")
		case verdict == keyturn.VoteApprove && votedFor(r, u.Name, keyturn.VoteApprove):
			return keyturn.Errorf(keyturn.ECONFLICT, "you already approved %s", r.ID)
		}
		return nil
	}
	isOperator := u.Name == r.Operator
	switch r.Decision.Outcome {
	case keyturn.Ask:
		switch verdict {
		case keyturn.VoteConfirm:
			if !isOperator {
				return keyturn.Errorf(keyturn.EFORBIDDEN, "%s asks its operator (%s): only %s can confirm it", r.ID, r.Operator, r.Operator)
			}
		case keyturn.VoteApprove:
			return keyturn.Errorf(keyturn.EFORBIDDEN, "%s asks its operator (%s): only %s can confirm it", r.ID, r.Operator, r.Operator)
		case keyturn.VoteDeny:
			if !isOperator && !u.HasRole(keyturn.RoleApprover) {
				return keyturn.Errorf(keyturn.EFORBIDDEN, "only the agent's operator (%s) or an approver can deny %s", r.Operator, r.ID)
			}
		}
		return nil
	case keyturn.Approve:
		peer := func() error {
			switch {
			case !u.HasRole(keyturn.RoleApprover):
				return keyturn.Errorf(keyturn.EFORBIDDEN, "%s is not an approver: only users with the approver role can %s %s", u.Name, verdict, r.ID)
			case r.Group != "" && !u.InGroup(r.Group):
				return keyturn.Errorf(keyturn.EFORBIDDEN, "%s needs approvers from group %q; %s is not in it", r.ID, r.Group, u.Name)
			}
			return nil
		}
		switch verdict {
		case keyturn.VoteConfirm:
			return keyturn.Errorf(keyturn.EFORBIDDEN, "%s needs %d approvals from peers other than the operator; confirming is not enough", r.ID, r.Decision.Approvals)
		case keyturn.VoteApprove:
			if isOperator {
				return keyturn.Errorf(keyturn.EFORBIDDEN, "you are this agent's operator: another approver must approve")
			}
			if err := peer(); err != nil {
				return err
			}
			if votedFor(r, u.Name, keyturn.VoteApprove) {
				return keyturn.Errorf(keyturn.ECONFLICT, "you already approved %s", r.ID)
			}
		case keyturn.VoteDeny:
			if !isOperator {
				return peer()
			}
		}
		return nil
	}
	return keyturn.Errorf(keyturn.EFORBIDDEN, "%s is not waiting for a person (its decision is %s)", r.ID, r.Decision.Outcome)
}

// tally decides what r's votes add up to, after an approval or a
// confirmation: approved with a grant, still pending, or denied because the
// policy no longer allows it even with them. An approved policy change is
// activated at once; the set to switch to is returned.
func (g *Gateway) tally(tx keyturn.Tx, c *afterCommit, r *keyturn.Request, actor keyturn.Principal, now time.Time) (*policy.Set, error) {
	approvals, confirmed, err := countLiveVotes(tx, r)
	if err != nil {
		return nil, err
	}
	if r.Type == keyturn.RequestPolicy {
		if approvals < 1 {
			return nil, nil
		}
		return g.activate(tx, c, r, actor, now)
	}
	set := g.activePolicy()
	if set == nil {
		return nil, keyturn.Errorf(keyturn.EINTERNAL, "no policy is loaded")
	}
	ag, err := tx.Agent(r.Agent)
	if err != nil {
		return nil, err
	}
	// A freeze is checked when the grant is used, not here: approving
	// during a freeze lets the change run once it lifts.
	d := set.Decide(r.Effects, policy.Input{Agent: r.Agent, Operator: r.Operator, Kind: ag.Kind,
		Profile: ag.Profile, Approvals: approvals, OperatorConfirmed: confirmed})
	switch d.Outcome {
	case keyturn.Allow:
		return nil, g.grant(tx, c, r, actor, d, now)
	case keyturn.Ask, keyturn.Approve:
		return nil, nil // needs more
	}
	r.State, r.DecidedAt, r.DecidedBy = keyturn.StateDenied, now, "policy"
	if err := tx.UpdateRequest(r); err != nil {
		return nil, err
	}
	e := event(keyturn.EventDecision, actor, r.ID, policyDecider(d), decisionPayload{
		Action: r.Action, Digest: r.Digest, Effects: r.Effects, Decision: d, Status: keyturn.StatusDenied, Request: r.ID,
	})
	return nil, c.log(tx, e)
}

// approvedPayload is the payload of an `approved` event.
type approvedPayload struct {
	Digest         string           `json:"digest"`
	Decision       keyturn.Decision `json:"decision"`
	Approvers      []string         `json:"approvers"`
	GrantExpiresAt *time.Time       `json:"grant_expires_at,omitempty"`
}

// grant approves an action request and gives its agent one run.
func (g *Gateway) grant(tx keyturn.Tx, c *afterCommit, r *keyturn.Request, actor keyturn.Principal, d keyturn.Decision, now time.Time) error {
	who := deciders(r)
	r.State, r.DecidedAt, r.DecidedBy = keyturn.StateApproved, now, "user:"+strings.Join(who, ",user:")
	if err := tx.UpdateRequest(r); err != nil {
		return err
	}
	gr := &keyturn.Grant{Request: r.ID, Digest: r.Digest, Agent: r.Agent, ExpiresAt: now.Add(g.grantTTL)}
	if err := tx.CreateGrant(gr); err != nil {
		return err
	}
	r.Grant = gr
	e := event(keyturn.EventApproved, actor, r.ID, &keyturn.Decider{Kind: "human", Who: strings.Join(who, ",")},
		approvedPayload{Digest: r.Digest, Decision: d, Approvers: who, GrantExpiresAt: &gr.ExpiresAt})
	return c.log(tx, e)
}

// activate approves a policy change and makes its set the active one; the
// set to switch to is returned, to be swapped in once tx has committed.
func (g *Gateway) activate(tx keyturn.Tx, c *afterCommit, r *keyturn.Request, actor keyturn.Principal, now time.Time) (*policy.Set, error) {
	set, err := activatePolicy(tx, r.PolicyVersion)
	if err != nil {
		return nil, err
	}
	who := deciders(r)
	by := &keyturn.Decider{Kind: "human", Who: strings.Join(who, ",")}
	e := event(keyturn.EventApproved, actor, r.ID, by, approvedPayload{Digest: r.Digest, Decision: r.Decision, Approvers: who})
	if err := c.log(tx, e); err != nil {
		return nil, err
	}
	// Nothing waits to run a policy change: approving it is running it.
	r.State, r.DecidedAt, r.DecidedBy = keyturn.StateExecuted, now, "user:"+strings.Join(who, ",user:")
	if err := tx.UpdateRequest(r); err != nil {
		return nil, err
	}
	e = event(keyturn.EventPolicy, actor, r.PolicyVersion, by, map[string]string{"action": "activated", "version": r.PolicyVersion, "request": r.ID})
	if err := c.log(tx, e); err != nil {
		return nil, err
	}
	return set, nil
}

// countVotes returns the approvals that count (distinct users who approved
// the digest the request has) and whether its operator confirmed it.
func countVotes(r *keyturn.Request) (approvals int, confirmed bool) {
	seen := map[string]bool{}
	for _, v := range r.Votes {
		if v.Digest != r.Digest {
			continue
		}
		switch v.Verdict {
		case keyturn.VoteApprove:
			if !seen[v.User] {
				seen[v.User] = true
				approvals++
			}
		case keyturn.VoteConfirm:
			confirmed = confirmed || v.User == r.Operator
		}
	}
	return approvals, confirmed
}

// countLiveVotes is countVotes over the votes whose authors may still give
// them now: enabled, with the role and group the rule asks for. An approval
// by someone disabled since (a leaver, a stolen token) no longer counts.
func countLiveVotes(tx keyturn.Tx, r *keyturn.Request) (approvals int, confirmed bool, err error) {
	bare := *r
	bare.Votes = nil // eligible also refuses a second vote: judge each on its own
	live := *r
	live.Votes = make([]keyturn.Vote, 0, len(r.Votes))
	for _, v := range r.Votes {
		if v.Verdict == keyturn.VoteDeny {
			continue
		}
		u, err := tx.User(v.User)
		if keyturn.ErrorCode(err) == keyturn.ENOTFOUND {
			continue
		} else if err != nil {
			return 0, false, err
		}
		if u.Disabled || eligible(&bare, u, v.Verdict) != nil {
			continue
		}
		live.Votes = append(live.Votes, v)
	}
	approvals, confirmed = countVotes(&live)
	return approvals, confirmed, nil
}

// deciders names the people whose votes let r through, in the order they
// voted.
func deciders(r *keyturn.Request) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range r.Votes {
		if v.Digest == r.Digest && (v.Verdict == keyturn.VoteApprove || v.Verdict == keyturn.VoteConfirm) && !seen[v.User] {
			seen[v.User] = true
			out = append(out, v.User)
		}
	}
	return out
}

func votedFor(r *keyturn.Request, user, verdict string) bool {
	for _, v := range r.Votes {
		if v.User == user && v.Verdict == verdict {
			return true
		}
	}
	return false
}

func voted(r *keyturn.Request, user string) bool {
	for _, v := range r.Votes {
		if v.User == user {
			return true
		}
	}
	return false
}

func pastTense(verdict string) string {
	switch verdict {
	case keyturn.VoteApprove:
		return "approved"
	case keyturn.VoteDeny:
		return "denied"
	}
	return "confirmed"
}

// short abbreviates a digest for a message.
func short(d string) string {
	if len(d) > 12 {
		return d[:12] + "…"
	}
	return d
}

// fillApprovers sets, on each pending request, who may still approve or
// confirm it; it is computed, never stored, so it follows role changes.
func (g *Gateway) fillApprovers(tx keyturn.Tx, rs ...*keyturn.Request) error {
	var users []*keyturn.User
	for _, r := range rs {
		r.Approvers = nil
		if r.State != keyturn.StatePending {
			continue
		}
		if r.Type == keyturn.RequestAction && r.Decision.Outcome == keyturn.Ask {
			if _, confirmed := countVotes(r); !confirmed {
				r.Approvers = []string{r.Operator}
			}
			continue
		}
		if users == nil {
			var err error
			if users, err = tx.Users(); err != nil {
				return err
			}
		}
		for _, u := range users {
			if u.Disabled || u.Name == r.Operator || voted(r, u.Name) {
				continue
			}
			var ok bool
			switch {
			case r.Type == keyturn.RequestPolicy:
				ok = u.HasRole(keyturn.RoleAdmin)
			case r.Decision.Outcome == keyturn.Approve:
				ok = u.HasRole(keyturn.RoleApprover) && (r.Group == "" || u.InGroup(r.Group))
			}
			if ok {
				r.Approvers = append(r.Approvers, u.Name)
			}
		}
		sort.Strings(r.Approvers)
	}
	return nil
}

// Cancel withdraws a pending request (keyturn.Service): its agent or its
// operator may.
func (g *Gateway) Cancel(ctx context.Context, id string) (*keyturn.Request, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var expired error
	r, err := transact(ctx, g, time.Now(), func(tx keyturn.Tx, c *afterCommit) (*keyturn.Request, error) {
		expired = nil
		now := g.now()
		r, err := g.owned(tx, p, id, "cancel")
		if err != nil {
			return nil, err
		}
		if r.State == keyturn.StatePending && !now.Before(r.ExpiresAt) {
			if err := g.expire(tx, c, r, now); err != nil {
				return nil, err
			}
			expired = keyturn.Errorf(keyturn.EEXPIRED, "request %s already expired at %s", r.ID, r.ExpiresAt.Format(time.RFC3339))
			return r, nil
		}
		if r.State != keyturn.StatePending {
			return nil, keyturn.Errorf(keyturn.ECONFLICT, "request %s is already %s: only a pending request can be cancelled", r.ID, r.State)
		}
		r.State, r.DecidedAt, r.DecidedBy = keyturn.StateCancelled, now, p.String()
		if err := tx.UpdateRequest(r); err != nil {
			return nil, err
		}
		e := event(keyturn.EventCancelled, p, r.ID, nil, map[string]string{"digest": r.Digest})
		if err := c.log(tx, e); err != nil {
			return nil, err
		}
		c.changed(r.ID)
		return r, g.fillApprovers(tx, r)
	})
	if err != nil {
		return nil, err
	}
	if expired != nil {
		return nil, expired
	}
	return r, nil
}

// owned returns request id if p asked for it: its agent, or the human who
// is its operator.
func (g *Gateway) owned(tx keyturn.Tx, p keyturn.Principal, id, what string) (*keyturn.Request, error) {
	r, err := visible(tx, p, id)
	if err != nil {
		return nil, err
	}
	if p.IsUser() && p.User.Name != r.Operator {
		if r.Agent == "" {
			return nil, keyturn.Errorf(keyturn.EFORBIDDEN, "only %s, who pushed %s, can %s it", r.Operator, r.ID, what)
		}
		return nil, keyturn.Errorf(keyturn.EFORBIDDEN, "only the agent %s or its operator %s can %s %s", r.Agent, r.Operator, what, r.ID)
	}
	return r, nil
}

// resultPayload is the payload of a `result` event.
type resultPayload struct {
	ExitCode   int           `json:"exit_code"`
	DurationMs int64         `json:"duration_ms"`
	Output     string        `json:"output,omitempty"`
	State      keyturn.State `json:"state"`
}

// Report records how a granted run went (keyturn.Service).
func (g *Gateway) Report(ctx context.Context, id string, res keyturn.Result) (*keyturn.Request, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if res.DurationMs < 0 {
		return nil, keyturn.Errorf(keyturn.EINVALID, "duration_ms is negative")
	}
	// Mask before cutting: a secret cut in half would no longer be
	// recognised, and its tail would be stored.
	res.Output = lastBytes(keyturn.MaskSecrets(strings.ToValidUTF8(res.Output, "\uFFFD")), keyturn.MaxResultOutput)
	return transact(ctx, g, time.Now(), func(tx keyturn.Tx, c *afterCommit) (*keyturn.Request, error) {
		r, err := g.owned(tx, p, id, "report on")
		if err != nil {
			return nil, err
		}
		if r.Grant == nil || r.Grant.UsedAt.IsZero() {
			return nil, keyturn.Errorf(keyturn.ECONFLICT, "%s has not run: nothing to report", r.ID)
		}
		if r.Result != nil || r.State != keyturn.StateApproved {
			return nil, keyturn.Errorf(keyturn.ECONFLICT, "%s already has its result (%s)", r.ID, r.State)
		}
		res.At = g.now()
		r.Result = &res
		r.State = keyturn.StateExecuted
		if res.ExitCode != 0 {
			r.State = keyturn.StateFailed
		}
		if err := tx.UpdateRequest(r); err != nil {
			return nil, err
		}
		e := event(keyturn.EventResult, p, r.ID, nil, resultPayload{ExitCode: res.ExitCode, DurationMs: res.DurationMs, Output: res.Output, State: r.State})
		if err := c.log(tx, e); err != nil {
			return nil, err
		}
		c.changed(r.ID)
		return r, nil
	})
}

// lastBytes returns the last n bytes of s, starting on a whole character.
func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	for len(s) > 0 && !utf8.RuneStart(s[0]) {
		s = s[1:]
	}
	return s
}

// expire records that pending request r passed its time. Expired is final.
func (g *Gateway) expire(tx keyturn.Tx, c *afterCommit, r *keyturn.Request, now time.Time) error {
	r.State, r.DecidedAt, r.DecidedBy = keyturn.StateExpired, now, "system"
	if err := tx.UpdateRequest(r); err != nil {
		return err
	}
	e := event(keyturn.EventExpired, keyturn.Principal{}, r.ID, &keyturn.Decider{Kind: "system"},
		map[string]any{"digest": r.Digest, "expires_at": r.ExpiresAt})
	if err := c.log(tx, e); err != nil {
		return err
	}
	c.changed(r.ID)
	r.Approvers = nil
	return nil
}

// await returns when request id is no longer pending, is past its expiry,
// or wait has passed, with the request as last read. It wakes on this
// process's changes at once and polls for other processes'.
func (g *Gateway) await(ctx context.Context, id string, wait time.Duration) (*keyturn.Request, error) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	poll := time.NewTicker(pollInterval)
	defer poll.Stop()
	last := false
	for {
		// Register before reading, so a change between the two is not missed.
		ch, stop := g.waiters.wait(id)
		var r *keyturn.Request
		err := g.store.View(ctx, func(tx keyturn.Tx) error {
			var err error
			r, err = tx.Request(id)
			return err
		})
		if err != nil || last || r.State != keyturn.StatePending || !g.now().Before(r.ExpiresAt) {
			stop()
			return r, err
		}
		select {
		case <-ch:
		case <-poll.C:
		case <-timer.C:
			last = true
		case <-ctx.Done():
			stop()
			return nil, ctx.Err()
		}
		stop()
	}
}

// Run expires pending requests past their time, every second, until ctx
// ends; it returns ctx.Err(). Requests are also expired when someone looks
// at them, so a stopped sweeper delays only the event, never lets a late
// approval count.
func (g *Gateway) Run(ctx context.Context) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		g.sweep(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// sweep expires the requests past their time, a batch per transaction.
func (g *Gateway) sweep(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := transact(ctx, g, time.Now(), func(tx keyturn.Tx, c *afterCommit) (int, error) {
			now := g.now()
			ids, err := tx.ExpiredRequests(now, sweepBatch)
			if err != nil {
				return 0, err
			}
			for _, id := range ids {
				r, err := tx.Request(id)
				if err != nil {
					return 0, err
				}
				if r.State == keyturn.StatePending && !now.Before(r.ExpiresAt) {
					if err := g.expire(tx, c, r, now); err != nil {
						return 0, err
					}
				}
			}
			return len(ids), nil
		})
		if err != nil {
			if ctx.Err() == nil {
				g.log.Error("expiring requests", "err", err)
			}
			return
		}
		if n < sweepBatch {
			return
		}
	}
}
