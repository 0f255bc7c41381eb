package policy

import (
	"iter"
	"sync"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"
	xast "github.com/cedar-policy/cedar-go/x/exp/ast"
)

// Cedar evaluates every policy of a set for every request, so its cost grows
// with the set. The index keeps, for each request, only the policies whose
// scope can match it: by action (the class), and by principal and resource
// when a policy names one with ==. A policy whose scope says anything else
// (in, is, all) is always a candidate, which keeps the index exact: it may
// evaluate a policy that cannot match, never skip one that can.

func toValidatorAST(p *cedar.Policy) *xast.Policy { return (*xast.Policy)(p.AST()) }

type bucketKey struct {
	action, principal, resource string // "" = no policy names this one
}

type index struct {
	rules      []*rule
	scopes     []scope         // scopes[i] is rules[i]'s, read once from its AST
	principals map[string]bool // principal ids named with ==
	resources  map[string]bool // resource ids named with ==
	cache      sync.Map        // bucketKey → bucket
}

// bucket is the candidate policies for one kind of request, in set order.
type bucket []*rule

func (b bucket) All() iter.Seq2[cedar.PolicyID, *cedar.Policy] {
	return func(yield func(cedar.PolicyID, *cedar.Policy) bool) {
		for _, r := range b {
			if !yield(r.id, r.policy) {
				return
			}
		}
	}
}

type scope struct {
	actions   map[string]bool // nil = any action
	principal string          // "" = any principal
	resource  string          // "" = any resource
}

func scopeOf(p *cedar.Policy) scope {
	a := toValidatorAST(p)
	var s scope
	switch sc := a.Action.(type) {
	case xast.ScopeTypeEq:
		s.actions = map[string]bool{string(sc.Entity.ID): true}
	case xast.ScopeTypeInSet:
		s.actions = map[string]bool{}
		for _, e := range sc.Entities {
			s.actions[string(e.ID)] = true
		}
	}
	if sc, ok := a.Principal.(xast.ScopeTypeEq); ok {
		s.principal = uidKey(sc.Entity)
	}
	if sc, ok := a.Resource.(xast.ScopeTypeEq); ok {
		s.resource = uidKey(sc.Entity)
	}
	return s
}

func uidKey(u types.EntityUID) string { return string(u.Type) + "::" + string(u.ID) }

func newIndex(rules []*rule) *index {
	ix := &index{rules: rules, principals: map[string]bool{}, resources: map[string]bool{}}
	for _, r := range rules {
		s := scopeOf(r.policy)
		ix.scopes = append(ix.scopes, s)
		if s.principal != "" {
			ix.principals[s.principal] = true
		}
		if s.resource != "" {
			ix.resources[s.resource] = true
		}
	}
	return ix
}

// candidates returns the policies that can match a request.
func (ix *index) candidates(action string, principal, resource types.EntityUID) bucket {
	key := bucketKey{action: action}
	if p := uidKey(principal); ix.principals[p] {
		key.principal = p
	}
	if r := uidKey(resource); ix.resources[r] {
		key.resource = r
	}
	if b, ok := ix.cache.Load(key); ok {
		return b.(bucket)
	}
	var b bucket
	for i, r := range ix.rules {
		s := ix.scopes[i]
		if s.actions != nil && !s.actions[action] {
			continue
		}
		if s.principal != "" && s.principal != key.principal {
			continue
		}
		if s.resource != "" && s.resource != key.resource {
			continue
		}
		b = append(b, r)
	}
	ix.cache.Store(key, b)
	return b
}
