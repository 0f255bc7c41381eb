package keyturn

import (
	"crypto/rand"
	"strings"
	"time"
)

// State is where a request is in its life.
//
//	pending → approved | denied | expired | cancelled
//	approved → executed | failed (once its grant is used and a result reported)
type State string

const (
	StatePending   State = "pending"
	StateApproved  State = "approved"
	StateDenied    State = "denied"
	StateExpired   State = "expired"
	StateCancelled State = "cancelled"
	StateExecuted  State = "executed"
	StateFailed    State = "failed"
)

// Final reports whether no vote can change the state any more.
func (s State) Final() bool { return s != StatePending }

// Request types: an agent's action, or a policy change pushed by a human.
const (
	RequestAction = "action"
	RequestPolicy = "policy"
)

// Default lifetimes (DESIGN.md): a request waits an hour; a grant allows one
// run within 15 minutes.
const (
	DefaultRequestTTL = time.Hour
	DefaultGrantTTL   = 15 * time.Minute
)

// Request is an action held until its operator confirms it (`ask`) or peers
// approve it (`approve`), or a policy change held for an admin peer.
type Request struct {
	ID   string `json:"id"`
	Type string `json:"type"` // RequestAction or RequestPolicy
	// Action is what the agent asked, secrets masked. For a policy change it
	// is empty and PolicyVersion names the pushed set.
	Action Action `json:"action"`
	// Digest binds approvals to exactly what runs (Action.Digest of the
	// unmasked action, or the pushed policy's version).
	Digest  string   `json:"digest"`
	Effects []Effect `json:"effects"`
	// Decision is what the policy said when the request was made: Ask or
	// Approve, with the reasons and the policy version.
	Decision Decision `json:"decision"`
	// Group, when set, is the group an approver must belong to.
	Group string `json:"group,omitempty"`
	State State  `json:"state"`
	// Agent and Operator say who asked (for a policy change, Operator is the
	// human who pushed it and Agent is empty).
	Agent      string    `json:"agent,omitempty"`
	Operator   string    `json:"operator"`
	Votes      []Vote    `json:"votes"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	DecidedAt  time.Time `json:"decided_at,omitzero"`
	DecidedBy  string    `json:"decided_by,omitempty"` // policy, user:NAME, breakglass:NAME, system
	BreakGlass bool      `json:"breakglass,omitempty"`
	Result     *Result   `json:"result,omitempty"`
	Grant      *Grant    `json:"grant,omitempty"`
	// Approvers are the people who may still approve or confirm a pending
	// request; the gateway fills it in when it answers, it is not stored.
	Approvers     []string `json:"approvers,omitempty"`
	PolicyVersion string   `json:"policy_version,omitempty"` // for RequestPolicy
}

// Verdicts a human can give on a request.
const (
	VoteApprove = "approve"
	VoteDeny    = "deny"
	VoteConfirm = "confirm" // the operator's confirmation of an `ask`
)

// Vote is one human's approval, denial or confirmation, bound to the digest
// they saw.
type Vote struct {
	User    string    `json:"user"`
	Verdict string    `json:"verdict"`
	Digest  string    `json:"digest"`
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// Grant is what an approved request becomes: one run of the action with that
// digest, by the agent that asked, before ExpiresAt.
type Grant struct {
	Request   string    `json:"request"`
	Digest    string    `json:"digest"`
	Agent     string    `json:"agent"`
	ExpiresAt time.Time `json:"expires_at"`
	UsedAt    time.Time `json:"used_at,omitzero"`
}

// Usable reports whether the grant may still be used at time now.
func (g *Grant) Usable(now time.Time) bool { return g.UsedAt.IsZero() && now.Before(g.ExpiresAt) }

// Result is what the adapter that ran an action reports.
type Result struct {
	ExitCode   int       `json:"exit_code"`
	DurationMs int64     `json:"duration_ms"`
	Output     string    `json:"output,omitempty"` // a short tail, masked
	At         time.Time `json:"at"`
}

// MaxResultOutput bounds the output tail a result may carry.
const MaxResultOutput = 4096

// RequestFilter selects requests. Zero fields match everything.
type RequestFilter struct {
	State State
	Agent string
	Limit int
}

// NewID returns a fresh random id with the given prefix, such as "r_" for
// requests: 16 characters of base32, short enough to type.
func NewID(prefix string) string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789" // no 0/o, 1/l
	b := make([]byte, 16)
	rand.Read(b)
	var s strings.Builder
	s.WriteString(prefix)
	for _, c := range b {
		s.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return s.String()
}
