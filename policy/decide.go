package policy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"

	"keyturn"
)

// Input is what the policy knows beside the effects: who asks, and the
// state of the request so far.
type Input struct {
	Agent    string // the agent's id
	Operator string // the human it acts for
	Kind     string // claude-code, codex, kiro, cursor, mcp, shell, cli
	Profile  string
	Groups   []string
	// Freeze is true while a change freeze is on.
	Freeze bool
	// Approvals counts the valid peer approvals the request has so far.
	Approvals int
	// OperatorConfirmed is true once the agent's operator confirmed.
	OperatorConfirmed bool
}

// Decide returns the decision on an action from its effects: the strictest
// of the effects' decisions. No effects at all is a deny.
func (s *Set) Decide(effects []keyturn.Effect, in Input) keyturn.Decision {
	ds := make([]keyturn.Decision, 0, len(effects))
	for _, e := range effects {
		ds = append(ds, s.DecideEffect(e, in))
	}
	d := keyturn.Combine(ds)
	d.PolicyVersion = s.version
	return d
}

// DecideEffect judges one effect: one Cedar request per target (the
// strictest wins), or one with an empty resource id for an effect with no
// target.
func (s *Set) DecideEffect(e keyturn.Effect, in Input) keyturn.Decision {
	targets := e.Targets
	if len(targets) == 0 {
		targets = []string{""}
	}
	principal := s.principal(in)
	ds := make([]keyturn.Decision, 0, len(targets))
	for _, t := range targets {
		ds = append(ds, s.decideTarget(e, t, len(e.Targets), principal, in))
	}
	d := keyturn.Combine(ds)
	d.PolicyVersion = s.version
	return d
}

type principal struct {
	uid    types.EntityUID
	entity types.Entity
}

// principal returns the Cedar entity of the agent. It is cached: one agent
// makes many decisions, and building a Cedar record is most of the cost of
// a cheap one.
func (s *Set) principal(in Input) principal {
	key := strings.Join(append([]string{in.Agent, in.Operator, in.Kind, in.Profile}, in.Groups...), "\x00")
	if p, ok := s.principals.Load(key); ok {
		return p.(principal)
	}
	id := in.Agent
	if id == "" {
		id = "anonymous"
	}
	uid := types.NewEntityUID("Agent", types.String(id))
	groups := make([]types.Value, len(in.Groups))
	for i, g := range in.Groups {
		groups[i] = types.String(g)
	}
	p := principal{uid: uid, entity: types.Entity{UID: uid, Attributes: types.NewRecord(types.RecordMap{
		"operator": types.String(in.Operator),
		"kind":     types.String(in.Kind),
		"profile":  types.String(in.Profile),
		"groups":   types.NewSet(groups...),
	})}}
	if s.principalCount.Add(1) > maxCachedPrincipals {
		s.principals.Clear() // bounded: agents come and go
		s.principalCount.Store(0)
	}
	s.principals.Store(key, p)
	return p
}

const maxCachedPrincipals = 4096

// entities holds the two entities of a request: the agent and the target.
// A map per request would cost more than the evaluation.
type entities struct{ principal, resource types.Entity }

func (e *entities) Get(uid types.EntityUID) (types.Entity, bool) {
	switch uid {
	case e.principal.UID:
		return e.principal, true
	case e.resource.UID:
		return e.resource, true
	}
	return types.Entity{}, false
}

// request is one Cedar request in the making.
type request struct {
	req      cedar.Request
	entities *entities
	context  types.RecordMap
}

func (s *Set) decideTarget(e keyturn.Effect, target string, radius int, p principal, in Input) keyturn.Decision {
	return s.evaluate(s.request(e, target, radius, p, in))
}

// request builds the Cedar request for one target of an effect.
func (s *Set) request(e keyturn.Effect, target string, radius int, p principal, in Input) *request {
	class := e.Class
	if !class.Valid() {
		class = keyturn.Unknown // fail closed on a class this version does not know
	}
	resUID := types.NewEntityUID("Target", types.String(e.Tool+":"+string(e.Environment)+":"+target))
	resType := ""
	if i := strings.Index(target, "/"); i > 0 && !strings.HasPrefix(target, "/") {
		resType = target[:i]
	}
	res := types.Entity{UID: resUID, Attributes: types.NewRecord(types.RecordMap{
		"tool":          types.String(e.Tool),
		"operation":     types.String(e.Operation),
		"environment":   types.String(e.Environment),
		"protected":     types.Boolean(e.Protected),
		"resource_type": types.String(resType),
	})}
	ctx := types.RecordMap{
		"environment":        types.String(e.Environment),
		"tool":               types.String(e.Tool),
		"operation":          types.String(e.Operation),
		"blast_radius":       types.Long(radius),
		"freeze":             types.Boolean(in.Freeze),
		"approvals":          types.Long(in.Approvals),
		"operator_confirmed": types.Boolean(in.OperatorConfirmed),
		"self_modify":        types.Boolean(e.SelfModify),
		"protected":          types.Boolean(e.Protected),
	}
	return &request{
		req: cedar.Request{
			Principal: p.uid,
			Action:    types.NewEntityUID("Action", types.String(class)),
			Resource:  resUID,
		},
		entities: &entities{principal: p.entity, resource: res},
		context:  ctx,
	}
}

// evaluate runs the request, reads the forbids' annotations, and checks
// that meeting their requirement would allow it.
func (s *Set) evaluate(r *request) keyturn.Decision {
	allowed, reasons, errs := s.authorize(r)
	if errs != nil {
		return keyturn.Decision{Outcome: keyturn.Deny, Reasons: errs}
	}
	if allowed {
		return keyturn.Decision{Outcome: keyturn.Allow, Reasons: s.reasons(reasons)}
	}
	if len(reasons) == 0 {
		return keyturn.Decision{Outcome: keyturn.Deny, Reasons: []keyturn.Reason{{Policy: "default-deny", Message: "no policy permits this"}}}
	}
	ask, approvals, group := true, 0, ""
	for _, id := range reasons {
		rule := s.byID[id]
		ask = ask && rule.ask
		if rule.approvals == 0 {
			approvals = -1
		} else if approvals >= 0 && rule.approvals > approvals {
			approvals = rule.approvals
		}
		// A group, once named, binds every approval: the count in
		// context.approvals cannot say which group an approval came from,
		// so a looser forbid must not let others lift the group's.
		if rule.group != "" {
			if group != "" && group != rule.group {
				return keyturn.Decision{Outcome: keyturn.Deny, Reasons: append(s.reasons(reasons), keyturn.Reason{Policy: "keyturn",
					Message: fmt.Sprintf("the policies need approvers from two groups (%s, %s); keyturn counts approvals from one group only", group, rule.group)})}
			}
			group = rule.group
		}
	}
	var out keyturn.Decision
	switch {
	case ask:
		out = keyturn.Decision{Outcome: keyturn.Ask}
		r.context["operator_confirmed"] = types.True
	case approvals > 0:
		out = keyturn.Decision{Outcome: keyturn.Approve, Approvals: approvals, Group: group}
		if cur := int(r.context["approvals"].(types.Long)); cur > approvals {
			approvals = cur
		}
		r.context["approvals"] = types.Long(approvals)
	default:
		var deny []cedar.PolicyID
		for _, id := range reasons {
			if rule := s.byID[id]; !rule.ask && rule.approvals == 0 {
				deny = append(deny, id)
			}
		}
		return keyturn.Decision{Outcome: keyturn.Deny, Reasons: s.reasons(deny)}
	}
	out.Reasons = s.reasons(reasons)
	// With the requirement met, nothing else may forbid it.
	allowed, again, errs := s.authorize(r)
	if errs != nil {
		return keyturn.Decision{Outcome: keyturn.Deny, Reasons: errs}
	}
	if !allowed {
		if len(again) == 0 {
			return keyturn.Decision{Outcome: keyturn.Deny, Reasons: []keyturn.Reason{{Policy: "default-deny", Message: "no policy permits this"}}}
		}
		return keyturn.Decision{Outcome: keyturn.Deny, Reasons: s.reasons(again)}
	}
	return out
}

// authorize runs Cedar on the candidate policies. A policy that fails to
// evaluate is an error, never a skipped forbid: keyturn fails closed.
func (s *Set) authorize(r *request) (bool, []cedar.PolicyID, []keyturn.Reason) {
	r.req.Context = types.NewRecord(r.context)
	d, diag := cedar.Authorize(s.index.candidates(string(r.req.Action.ID), r.req.Principal, r.req.Resource), r.entities, r.req)
	if len(diag.Errors) > 0 {
		errs := make([]keyturn.Reason, 0, len(diag.Errors))
		for _, e := range diag.Errors {
			errs = append(errs, keyturn.Reason{Policy: string(e.PolicyID), Message: fmt.Sprintf("policy failed to evaluate (so keyturn denies): %s", e.Message)})
		}
		return false, nil, errs
	}
	ids := make([]cedar.PolicyID, 0, len(diag.Reasons))
	for _, rs := range diag.Reasons {
		ids = append(ids, rs.PolicyID)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return d == cedar.Allow, ids, nil
}

func (s *Set) reasons(ids []cedar.PolicyID) []keyturn.Reason {
	out := make([]keyturn.Reason, 0, len(ids))
	for _, id := range ids {
		msg := s.byID[id].reason
		if msg == "" {
			msg = "policy " + string(id)
		}
		out = append(out, keyturn.Reason{Policy: string(id), Message: msg})
	}
	return out
}
