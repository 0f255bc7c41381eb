package keyturn

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// Role is what a human may do.
type Role string

const (
	// RoleOperator runs agents: agents are enrolled for an operator, and only
	// the operator confirms an agent's `ask`.
	RoleOperator Role = "operator"
	// RoleApprover approves or denies other people's agents' requests.
	RoleApprover Role = "approver"
	// RoleAdmin manages users, agents, freezes, break-glass and approves
	// policy changes.
	RoleAdmin Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleOperator || r == RoleApprover || r == RoleAdmin }

// User is a human.
type User struct {
	Name      string    `json:"name"`
	Roles     []Role    `json:"roles"`
	Groups    []string  `json:"groups"`
	Disabled  bool      `json:"disabled,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// HasRole reports whether u holds role r.
func (u *User) HasRole(r Role) bool { return slices.Contains(u.Roles, r) }

// InGroup reports whether u belongs to group g.
func (u *User) InGroup(g string) bool { return slices.Contains(u.Groups, g) }

// AgentKinds are the agents keyturn knows how to front.
var AgentKinds = []string{"claude-code", "codex", "kiro", "cursor", "mcp", "shell"}

// Agent is an enrolled agent session: it acts for its operator and can never
// do more than submit actions and follow its own requests.
type Agent struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Operator string `json:"operator"`
	// Profile caps what the agent may do (a name the policy can test).
	Profile   string    `json:"profile,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
	Revoked   bool      `json:"revoked,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Active reports whether the agent may still act at time now.
func (a *Agent) Active(now time.Time) bool { return !a.Revoked && now.Before(a.ExpiresAt) }

// Token is a credential as stored: only its hash, never the secret.
type Token struct {
	Hash string `json:"-"`
	// Exactly one of User and Agent names the principal the token is for.
	User      string    `json:"user,omitempty"`
	Agent     string    `json:"agent,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is zero for a token that does not expire (humans).
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// tokenPrefix marks keyturn tokens so secret scanners and people recognise them.
const tokenPrefix = "kt_"

// NewToken returns a fresh random secret (32 bytes of entropy) and its hash.
// The secret is shown once; only the hash is stored.
func NewToken() (secret, hash string) {
	b := make([]byte, 32)
	rand.Read(b) // never returns an error (crypto/rand documents it)
	secret = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashToken(secret)
}

// HashToken returns the stored form of a token secret. A plain SHA-256 is
// enough: the secret has 256 bits of entropy, so there is nothing to
// brute-force that a slow hash would protect.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	return hex.EncodeToString(sum[:])
}

// Principal is who is calling: a human or an agent, never both.
type Principal struct {
	User  *User  `json:"user,omitempty"`
	Agent *Agent `json:"agent,omitempty"`
}

// String names the principal for the audit log: "user:alice", "agent:ci-bot".
func (p Principal) String() string {
	switch {
	case p.User != nil:
		return "user:" + p.User.Name
	case p.Agent != nil:
		return "agent:" + p.Agent.Name
	}
	return "anonymous"
}

// IsUser reports whether the principal is a human.
func (p Principal) IsUser() bool { return p.User != nil && p.Agent == nil }

// IsAgent reports whether the principal is an agent.
func (p Principal) IsAgent() bool { return p.Agent != nil }

type principalKey struct{}

// NewContext returns ctx carrying the authenticated principal.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal ctx carries; ok is false for none.
func PrincipalFrom(ctx context.Context) (p Principal, ok bool) {
	p, ok = ctx.Value(principalKey{}).(Principal)
	return p, ok && (p.User != nil || p.Agent != nil)
}
