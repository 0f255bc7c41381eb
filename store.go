package keyturn

import (
	"context"
	"time"
)

// Store keeps keyturn's state: principals, requests, grants, settings,
// policy sets and the audit log. Every rule lives in the gateway and this
// package; a Store only keeps what it is given, atomically. storetest holds
// the conformance suite every implementation must pass.
type Store interface {
	// Update runs fn in a write transaction and commits it durably before
	// returning: once Update returns nil, every write fn made, and every
	// event it appended, survives a crash. If fn returns an error (or
	// panics), none of its writes are kept and Update returns that error.
	// Concurrent Updates may share one commit (group commit), but each fn
	// sees the writes of those before it and is atomic on its own.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction with a consistent snapshot.
	View(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// Tx is one transaction. Its methods return ENOTFOUND for a missing thing
// and ECONFLICT for a duplicate key; any other error is internal. Methods
// that write return EINVALID inside View.
type Tx interface {
	// CreateUser adds a user. ECONFLICT if the name is taken.
	CreateUser(u *User) error
	// User returns a user by name. ENOTFOUND if there is none.
	User(name string) (*User, error)
	// Users returns every user, by name.
	Users() ([]*User, error)
	// UpdateUser saves roles, groups and the disabled flag. ENOTFOUND if
	// there is no such user.
	UpdateUser(u *User) error

	// CreateAgent adds an agent. ECONFLICT if the name is taken.
	CreateAgent(a *Agent) error
	// Agent returns an agent by name. ENOTFOUND if there is none.
	Agent(name string) (*Agent, error)
	// Agents returns every agent, by name.
	Agents() ([]*Agent, error)
	// UpdateAgent saves the expiry and the revoked flag. ENOTFOUND if there
	// is no such agent.
	UpdateAgent(a *Agent) error

	// CreateToken stores a token's hash. ECONFLICT if the hash exists.
	CreateToken(t *Token) error
	// Token returns the token with this hash. ENOTFOUND if there is none.
	Token(hash string) (*Token, error)

	// CreateRequest stores a new request with its votes. ECONFLICT if the
	// id exists.
	CreateRequest(r *Request) error
	// Request returns a request with its votes and grant. ENOTFOUND if there
	// is none.
	Request(id string) (*Request, error)
	// OpenRequest returns the newest request of this agent for this digest
	// that is pending, or approved with an unused grant. ENOTFOUND if none.
	OpenRequest(agent, digest string) (*Request, error)
	// Requests returns requests matching f, newest first.
	Requests(f RequestFilter) ([]*Request, error)
	// UpdateRequest saves a request's state, decision time, decider,
	// break-glass flag and result. ENOTFOUND if there is none.
	UpdateRequest(r *Request) error
	// AddVote records a vote on a request. ECONFLICT if this user already
	// gave this verdict on it.
	AddVote(request string, v Vote) error
	// CreateGrant stores the grant of an approved request. ECONFLICT if the
	// request already has one.
	CreateGrant(g *Grant) error
	// UseGrant marks the request's grant used at time at. It returns
	// ECONFLICT if it was already used and ENOTFOUND if there is none, so
	// that two racing uses cannot both succeed.
	UseGrant(request string, at time.Time) error
	// ExpiredRequests returns the ids of pending requests whose expiry is
	// before now.
	ExpiredRequests(now time.Time, limit int) ([]string, error)

	// Setting returns a setting's value, "" if it is not set.
	Setting(key string) (string, error)
	// SetSetting sets a setting.
	SetSetting(key, value string) error

	// CreatePolicySet stores a pushed policy set. ECONFLICT if the version
	// exists.
	CreatePolicySet(p *PolicySet) error
	// PolicySet returns a stored set by version. ENOTFOUND if there is none.
	PolicySet(version string) (*PolicySet, error)

	// Append seals e after the current head (Event.Seal) and appends it. It
	// sets e's Seq, PrevHash and Hash.
	Append(e *Event) error
	// Events returns up to limit events with Seq > after, in order.
	Events(after int64, limit int) ([]*Event, error)
	// Head returns the last event's sequence and hash (0 and "" when empty).
	Head() (seq int64, hash string, err error)
	// AddCheckpoint stores a signed checkpoint. ECONFLICT if one exists at
	// that sequence.
	AddCheckpoint(c *Checkpoint) error
	// Checkpoints returns every checkpoint in sequence order.
	Checkpoints() ([]Checkpoint, error)
}

// PolicySet is a set of Cedar policy files as pushed, by version.
type PolicySet struct {
	Version   string            `json:"version"`
	Files     map[string]string `json:"files"` // file name → content
	PushedBy  string            `json:"pushed_by"`
	CreatedAt time.Time         `json:"created_at"`
}

// Settings the gateway keeps in the store.
const (
	SettingFreeze       = "freeze"        // JSON of Freeze, "" when off
	SettingActivePolicy = "active_policy" // version of the active pushed policy set
)

// Freeze is a change freeze: while it is on, every non-read action is denied
// (break-glass aside).
type Freeze struct {
	On     bool      `json:"on"`
	Reason string    `json:"reason,omitempty"`
	By     string    `json:"by,omitempty"`
	Since  time.Time `json:"since,omitzero"`
}
