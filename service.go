package keyturn

import (
	"context"
	"time"
)

// Service is what keyturn offers its callers: the gateway implements it over
// a Store, and the HTTP client implements it over the API, so a command
// works the same against a local or a remote server. The caller is the
// Principal in ctx (NewContext); every method returns EUNAUTHORIZED without
// one, and EFORBIDDEN when the caller may not do it. An agent may only
// Submit, read and Cancel its own requests, and Report their results.
type Service interface {
	// Submit judges an action the calling agent wants to take. Allowed
	// actions, and actions whose approved request has an unused grant (which
	// Submit consumes), come back with Status "allowed". Actions that need
	// the operator or peers come back "pending" with their Request; the
	// same digest submitted again while pending returns the same request. If
	// wait > 0, Submit holds its answer until the request is decided or wait
	// ends. EINVALID for a malformed action.
	Submit(ctx context.Context, a *Action, wait time.Duration) (*Verdict, error)
	// Check judges an action as Submit would for the calling agent, and
	// records nothing: no event, no request, no grant used. It answers
	// "what would happen, and why" so that an agent can plan around
	// approvals; Status is what Submit would answer now.
	Check(ctx context.Context, a *Action) (*Verdict, error)
	// Request returns a request. ENOTFOUND if there is none (or, for an
	// agent, if it is not its own). If wait > 0 and the request is pending,
	// it waits until the state changes or wait ends.
	Request(ctx context.Context, id string, wait time.Duration) (*Request, error)
	// Requests lists requests; an agent sees only its own.
	Requests(ctx context.Context, f RequestFilter) ([]*Request, error)
	// Approve records the caller's approval of the request whose digest they
	// saw. EFORBIDDEN if the caller is not an eligible approver (an agent,
	// not an approver, not in the required group, or the agent's operator);
	// ECONFLICT if they already approved or the digest is not the request's;
	// EEXPIRED if the request expired; ECONFLICT if it is no longer pending.
	Approve(ctx context.Context, id, digest, comment string) (*Request, error)
	// Deny records a denial, which denies the request at once — a pending
	// one, or an approved one whose grant is not used yet. A comment is
	// required (EINVALID without). Errors as Approve.
	Deny(ctx context.Context, id, digest, comment string) (*Request, error)
	// Confirm is the operator's confirmation of an `ask` request.
	// EFORBIDDEN if the caller is not the agent's operator.
	Confirm(ctx context.Context, id, digest, comment string) (*Request, error)
	// Cancel withdraws a pending request. Only its agent (or its operator)
	// may. ECONFLICT if it is not pending.
	Cancel(ctx context.Context, id string) (*Request, error)
	// Report records how the granted run went. Only the requesting agent (or
	// its operator, for `keyturn exec`). ECONFLICT if the grant was not used
	// or a result is already in.
	Report(ctx context.Context, id string, r Result) (*Request, error)

	// SetFreeze turns a change freeze on or off (admin only; reason needed).
	SetFreeze(ctx context.Context, on bool, reason string) (*Freeze, error)
	// BreakGlass lets one action through now, alone: the pending request id,
	// or an action for a named agent. Admin only; reason needed. The request
	// is flagged for review.
	BreakGlass(ctx context.Context, b BreakGlass) (*Request, error)

	// AddUser adds a human and returns their token, shown once (admin).
	AddUser(ctx context.Context, u *User) (token string, err error)
	// DisableUser disables a human: their tokens stop working (admin).
	DisableUser(ctx context.Context, name string) error
	// EnrollAgent enrolls an agent for its operator and returns its token,
	// valid for ttl (admin, or the operator enrolling for themself).
	EnrollAgent(ctx context.Context, a *Agent, ttl time.Duration) (token string, err error)
	// RevokeAgent revokes an agent: its token stops working (admin, or the
	// agent's operator).
	RevokeAgent(ctx context.Context, name string) error
	// Users and Agents list principals (humans only).
	Users(ctx context.Context) ([]*User, error)
	Agents(ctx context.Context) ([]*Agent, error)
	// Whoami returns the caller.
	Whoami(ctx context.Context) (*Principal, error)

	// PushPolicy validates a policy set and opens a request that an admin
	// other than the pusher must approve (admin only). EINVALID if the set
	// does not compile or fails its own test cases.
	PushPolicy(ctx context.Context, files map[string]string) (*Request, error)
	// Status returns the active policy version and the freeze (humans only).
	Status(ctx context.Context) (*Status, error)

	// Events returns up to limit audit events after sequence after (humans).
	Events(ctx context.Context, after int64, limit int) ([]*Event, error)
	// Checkpoint signs and stores a checkpoint of the current head (humans).
	Checkpoint(ctx context.Context) (*Checkpoint, error)
}

// Verdict is the answer to a submitted action.
type Verdict struct {
	// Status is "allowed", "pending" or "denied"; after a wait it can also
	// be "expired" or "cancelled".
	Status   string   `json:"status"`
	Decision Decision `json:"decision"`
	Effects  []Effect `json:"effects"`
	Digest   string   `json:"digest"`
	// Request is the request that holds the action, when there is one.
	Request *Request `json:"request,omitempty"`
	// Seq is the audit event that recorded this answer.
	Seq int64 `json:"seq"`
}

// Verdict statuses.
const (
	StatusAllowed   = "allowed"
	StatusPending   = "pending"
	StatusDenied    = "denied"
	StatusExpired   = "expired"
	StatusCancelled = "cancelled"
)

// BreakGlass asks to let one action through at once. Either Request names a
// pending request, or Action and Agent describe the action to allow.
type BreakGlass struct {
	Request string  `json:"request,omitempty"`
	Action  *Action `json:"action,omitempty"`
	Agent   string  `json:"agent,omitempty"`
	Reason  string  `json:"reason"`
}

// Status is the server's state as a human sees it.
type Status struct {
	PolicyVersion string `json:"policy_version"`
	Freeze        Freeze `json:"freeze"`
	AuditSeq      int64  `json:"audit_seq"`
	PublicKey     string `json:"public_key"` // base64 Ed25519 key that signs checkpoints
}

// Authenticator turns a bearer token into the principal it belongs to. It
// returns EUNAUTHORIZED for an unknown, expired or revoked token, or one of a
// disabled user.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (Principal, error)
}
