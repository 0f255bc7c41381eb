package gateway

import (
	"sync"
	"time"

	"keyturn"
)

// authCacheTTL is how long a successful authentication is remembered. Every
// API call authenticates, and reading a token, its agent and the agent's
// operator is a quarter of the cost of a decision; remembering them for a
// second takes that off the hot path. Revocations and disables made through
// this gateway clear the cache at once; one made by another server that
// shares the database takes effect here within this time.
const authCacheTTL = time.Second

// maxAuthCache bounds the cache: past it, it starts afresh.
const maxAuthCache = 10000

type authEntry struct {
	p     keyturn.Principal
	until time.Time
}

// authCache maps token hashes to principals recently authenticated.
type authCache struct {
	mu sync.Mutex
	m  map[string]authEntry
	// gen counts clears, so that a lookup that read the store before a
	// revocation cannot put its stale answer back afterwards.
	gen uint64
}

// get returns the remembered principal, or the generation to pass to put.
func (c *authCache) get(hash string, now time.Time) (keyturn.Principal, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok || !now.Before(e.until) {
		return keyturn.Principal{}, c.gen, false
	}
	return e.p, c.gen, true
}

// put remembers p until now+authCacheTTL, or until its token or agent
// expires if that comes first, unless the cache was cleared since gen.
func (c *authCache) put(hash string, gen uint64, p keyturn.Principal, now, expires time.Time) {
	until := now.Add(authCacheTTL)
	if !expires.IsZero() && expires.Before(until) {
		until = expires
	}
	if p.Agent != nil && p.Agent.ExpiresAt.Before(until) {
		until = p.Agent.ExpiresAt
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m) >= maxAuthCache {
		c.m = map[string]authEntry{}
	}
	c.m[hash] = authEntry{p: p, until: until}
}

// clear forgets everything: a principal was revoked or disabled.
func (c *authCache) clear() {
	c.mu.Lock()
	c.m = nil
	c.gen++
	c.mu.Unlock()
}
