// Package gateway is keyturn's service: it classifies an agent's action,
// decides it with the policy, holds it as a request for its operator or for
// peers, turns an approved request into a single-use grant, and writes every
// step to the audit log in the same transaction as the change it records.
// It implements keyturn.Service and keyturn.Authenticator over a
// keyturn.Store; every rule of the two-person rule lives here.
package gateway

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"keyturn"
	"keyturn/classify"
	"keyturn/policy"
)

// Config is what a gateway is built from.
type Config struct {
	Store      keyturn.Store
	Classifier *classify.Classifier
	// Policy is the policy set given at start (--policy DIR). Nil means: the
	// approved pushed set the store names as active, else the default pack.
	Policy *policy.Set
	// Key signs audit checkpoints.
	Key ed25519.PrivateKey
	// Now is the clock; tests move it. Nil means time.Now.
	Now func() time.Time
	// RequestTTL and GrantTTL default to keyturn.DefaultRequestTTL and
	// keyturn.DefaultGrantTTL.
	RequestTTL, GrantTTL time.Duration
	// Logger gets structured logs; nil discards them.
	Logger *slog.Logger
	// Registerer gets the gateway's metrics; nil registers none.
	Registerer prometheus.Registerer
}

// Gateway implements keyturn.Service and keyturn.Authenticator.
type Gateway struct {
	store      keyturn.Store
	classifier *classify.Classifier
	key        ed25519.PrivateKey
	clock      func() time.Time
	requestTTL time.Duration
	grantTTL   time.Duration
	log        *slog.Logger
	policy     atomic.Pointer[policy.Set]
	waiters    *waiters
	auth       authCache
	metrics    *metrics
}

var (
	_ keyturn.Service       = (*Gateway)(nil)
	_ keyturn.Authenticator = (*Gateway)(nil)
)

// New returns a gateway over cfg.Store. It loads the policy (see
// Config.Policy) and records a policy event when the version in use is not
// the one the log last recorded.
func New(ctx context.Context, cfg Config) (*Gateway, error) {
	if cfg.Store == nil || cfg.Classifier == nil || len(cfg.Key) != ed25519.PrivateKeySize {
		return nil, keyturn.Errorf(keyturn.EINVALID, "gateway: a store, a classifier and an Ed25519 key are required")
	}
	g := &Gateway{
		store: cfg.Store, classifier: cfg.Classifier, key: cfg.Key, clock: cfg.Now,
		requestTTL: cfg.RequestTTL, grantTTL: cfg.GrantTTL, log: cfg.Logger,
		waiters: newWaiters(),
	}
	if g.clock == nil {
		g.clock = time.Now
	}
	if g.requestTTL <= 0 {
		g.requestTTL = keyturn.DefaultRequestTTL
	}
	if g.grantTTL <= 0 {
		g.grantTTL = keyturn.DefaultGrantTTL
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	g.metrics = newMetrics(cfg.Registerer, g)
	if err := g.loadPolicy(ctx, cfg.Policy); err != nil {
		return nil, err
	}
	return g, nil
}

// now is the gateway's clock at the precision every store keeps
// (microseconds), so what a call returns equals what a later read returns.
func (g *Gateway) now() time.Time { return g.clock().UTC().Round(time.Microsecond) }

// activePolicy returns the policy set decisions are made under now.
func (g *Gateway) activePolicy() *policy.Set { return g.policy.Load() }

// append seals and appends e in tx, and signs a checkpoint in the same
// transaction every keyturn.CheckpointEvery events.
func (g *Gateway) append(tx keyturn.Tx, e *keyturn.Event) error {
	if e.Time.IsZero() {
		e.Time = g.now()
	}
	if err := tx.Append(e); err != nil {
		return err
	}
	if e.Seq%keyturn.CheckpointEvery == 0 {
		c := keyturn.SignCheckpoint(g.key, e.Seq, e.Hash, e.Time)
		if err := tx.AddCheckpoint(&c); err != nil {
			return err
		}
	}
	return nil
}

// event builds an event with a JSON payload. Payloads are built from masked
// values by the callers; a payload that cannot be encoded is a bug.
func event(typ string, actor keyturn.Principal, subject string, by *keyturn.Decider, payload any) *keyturn.Event {
	e := &keyturn.Event{Type: typ, Actor: actor.String(), Subject: subject, DecidedBy: by}
	if actor.User == nil && actor.Agent == nil {
		e.Actor = "system"
	}
	if raw, ok := payload.(json.RawMessage); ok {
		e.Payload = raw
	} else if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			panic("gateway: event payload: " + err.Error())
		}
		e.Payload = b
	}
	return e
}

// caller returns the authenticated principal in ctx.
func caller(ctx context.Context) (keyturn.Principal, error) {
	p, ok := keyturn.PrincipalFrom(ctx)
	if !ok {
		return keyturn.Principal{}, keyturn.Errorf(keyturn.EUNAUTHORIZED, "no credentials: pass a token")
	}
	return p, nil
}

// human returns the calling user; agents get EFORBIDDEN with what they
// tried to do, since their tokens can never reach human operations.
func human(ctx context.Context, what string) (*keyturn.User, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsUser() {
		return nil, keyturn.Errorf(keyturn.EFORBIDDEN, "agents cannot %s: only a human's token can", what)
	}
	return p.User, nil
}

// admin returns the calling user if they are an admin.
func admin(ctx context.Context, what string) (*keyturn.User, error) {
	u, err := human(ctx, what)
	if err != nil {
		return nil, err
	}
	if !u.HasRole(keyturn.RoleAdmin) {
		return nil, keyturn.Errorf(keyturn.EFORBIDDEN, "only an admin can %s; %s is not one", what, u.Name)
	}
	return u, nil
}

// agent returns the calling agent.
func agent(ctx context.Context, what string) (*keyturn.Agent, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsAgent() {
		return nil, keyturn.Errorf(keyturn.EFORBIDDEN, "only an agent's token can %s: enroll one with keyturn agent enroll", what)
	}
	return p.Agent, nil
}
