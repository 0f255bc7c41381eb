package gateway

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"keyturn"
)

// nameRE is what user, agent and group names look like: short, lower case,
// safe in a shell, a URL path and a log line without quoting.
var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// Agent token lifetimes: an agent session is short-lived by default, and no
// token lives longer than a month, so a leaked one dies on its own.
const (
	defaultAgentTTL = 12 * time.Hour
	maxAgentTTL     = 30 * 24 * time.Hour
)

// Authenticate returns the principal a token belongs to. Every refusal is
// EUNAUTHORIZED, and so is a token whose principal is gone: the caller
// learns nothing more than "this token does not work". An agent whose
// operator was disabled is refused too, since it acts in their name.
func (g *Gateway) Authenticate(ctx context.Context, token string) (keyturn.Principal, error) {
	if strings.TrimSpace(token) == "" {
		return keyturn.Principal{}, keyturn.Errorf(keyturn.EUNAUTHORIZED, "no token: pass one with --token or KEYTURN_TOKEN")
	}
	now := g.now()
	hash := keyturn.HashToken(token)
	cached, gen, ok := g.auth.get(hash, now)
	if ok {
		return cached, nil
	}
	var (
		p       keyturn.Principal
		expires time.Time
	)
	err := g.store.View(ctx, func(tx keyturn.Tx) error {
		t, err := tx.Token(hash)
		if keyturn.ErrorCode(err) == keyturn.ENOTFOUND {
			return keyturn.Errorf(keyturn.EUNAUTHORIZED, "unknown token")
		} else if err != nil {
			return err
		}
		if !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) {
			return keyturn.Errorf(keyturn.EUNAUTHORIZED, "token expired: enroll the agent again")
		}
		expires = t.ExpiresAt
		switch {
		case t.User != "" && t.Agent == "":
			u, err := activeUser(tx, t.User)
			if err != nil {
				return err
			}
			p.User = u
		case t.Agent != "" && t.User == "":
			a, err := tx.Agent(t.Agent)
			if keyturn.ErrorCode(err) == keyturn.ENOTFOUND {
				return keyturn.Errorf(keyturn.EUNAUTHORIZED, "unknown token")
			} else if err != nil {
				return err
			}
			if a.Revoked {
				return keyturn.Errorf(keyturn.EUNAUTHORIZED, "agent %s was revoked: enroll a new agent", a.Name)
			}
			if !now.Before(a.ExpiresAt) {
				return keyturn.Errorf(keyturn.EUNAUTHORIZED, "token expired: enroll the agent again")
			}
			if _, err := activeUser(tx, a.Operator); err != nil {
				return keyturn.Errorf(keyturn.EUNAUTHORIZED, "agent %s acts for %s, whose account is disabled", a.Name, a.Operator)
			}
			p.Agent = a
		default:
			// A token for both or for nobody was never issued by us.
			return keyturn.Errorf(keyturn.EUNAUTHORIZED, "unknown token")
		}
		return nil
	})
	if err != nil {
		return keyturn.Principal{}, err
	}
	g.auth.put(hash, gen, p, now, expires)
	return p, nil
}

// activeUser returns an enabled user, EUNAUTHORIZED otherwise.
func activeUser(tx keyturn.Tx, name string) (*keyturn.User, error) {
	u, err := tx.User(name)
	if keyturn.ErrorCode(err) == keyturn.ENOTFOUND {
		return nil, keyturn.Errorf(keyturn.EUNAUTHORIZED, "unknown token")
	} else if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, keyturn.Errorf(keyturn.EUNAUTHORIZED, "user %s was disabled: ask an admin", u.Name)
	}
	return u, nil
}

// Bootstrap creates the first admin, "admin", when there are no users yet,
// and returns its token; once anyone exists it returns "" and changes
// nothing, so every start of the server may call it.
func (g *Gateway) Bootstrap(ctx context.Context) (token string, err error) {
	now := g.now()
	err = g.update(ctx, func(tx keyturn.Tx, c *afterCommit) error {
		token = ""
		users, err := tx.Users()
		if err != nil || len(users) > 0 {
			return err
		}
		u := &keyturn.User{Name: "admin", Roles: []keyturn.Role{keyturn.RoleAdmin}, Groups: []string{}, CreatedAt: now}
		token, err = g.createUser(tx, c, u, keyturn.Principal{}, &keyturn.Decider{Kind: "system"})
		return err
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// AddUser adds a human and returns their token, shown this once.
func (g *Gateway) AddUser(ctx context.Context, u *keyturn.User) (string, error) {
	by, err := admin(ctx, "add users")
	if err != nil {
		return "", err
	}
	if u == nil {
		return "", keyturn.Errorf(keyturn.EINVALID, "no user given")
	}
	nu := &keyturn.User{Name: strings.TrimSpace(u.Name), CreatedAt: g.now()}
	if !nameRE.MatchString(nu.Name) {
		return "", keyturn.Errorf(keyturn.EINVALID, "user name %q: use 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit", u.Name)
	}
	for _, r := range u.Roles {
		if !r.Valid() {
			return "", keyturn.Errorf(keyturn.EINVALID, "role %q: use operator, approver or admin", r)
		}
		if !slices.Contains(nu.Roles, r) {
			nu.Roles = append(nu.Roles, r)
		}
	}
	if len(nu.Roles) == 0 {
		return "", keyturn.Errorf(keyturn.EINVALID, "user %s needs a role: --role operator, approver or admin", nu.Name)
	}
	nu.Groups = []string{}
	for _, grp := range u.Groups {
		if !nameRE.MatchString(grp) {
			return "", keyturn.Errorf(keyturn.EINVALID, "group name %q: use 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit", grp)
		}
		if !slices.Contains(nu.Groups, grp) {
			nu.Groups = append(nu.Groups, grp)
		}
	}
	var (
		token string
	)
	err = g.update(ctx, func(tx keyturn.Tx, c *afterCommit) error {
		var err error
		token, err = g.createUser(tx, c, nu, keyturn.Principal{User: by}, humanDecider(by))
		return err
	})
	if err != nil {
		return "", err
	}
	*u = *nu
	return token, nil
}

// createUser stores u with a fresh token and records both. It checks the
// name first rather than relying on the insert's ECONFLICT: on some
// databases a failed insert spoils the whole transaction.
func (g *Gateway) createUser(tx keyturn.Tx, c *afterCommit, u *keyturn.User, actor keyturn.Principal, by *keyturn.Decider) (token string, err error) {
	if _, err := tx.User(u.Name); err == nil {
		return "", keyturn.Errorf(keyturn.ECONFLICT, "user %s already exists: pick another name", u.Name)
	} else if keyturn.ErrorCode(err) != keyturn.ENOTFOUND {
		return "", err
	}
	if err := tx.CreateUser(u); err != nil {
		return "", err
	}
	e := event(keyturn.EventUser, actor, u.Name, by, map[string]any{"action": "added", "roles": u.Roles, "groups": u.Groups})
	if err := c.log(tx, e); err != nil {
		return "", err
	}
	return issueToken(tx, c, keyturn.Token{User: u.Name, CreatedAt: u.CreatedAt}, actor, by)
}

// issueToken stores a fresh token for t's principal and records that it was
// issued (never the secret nor its hash); it returns the secret, shown once.
func issueToken(tx keyturn.Tx, c *afterCommit, t keyturn.Token, actor keyturn.Principal, by *keyturn.Decider) (string, error) {
	secret, hash := keyturn.NewToken()
	t.Hash = hash
	if err := tx.CreateToken(&t); err != nil {
		return "", err
	}
	payload := map[string]any{"action": "issued"}
	subject := t.User
	if t.Agent != "" {
		subject, payload["for"], payload["expires_at"] = t.Agent, "agent:"+t.Agent, t.ExpiresAt
	} else {
		payload["for"] = "user:" + t.User
	}
	if err := c.log(tx, event(keyturn.EventToken, actor, subject, by, payload)); err != nil {
		return "", err
	}
	return secret, nil
}

// DisableUser disables a human: their token and their agents' tokens stop
// working. The last enabled admin cannot be disabled, or nobody could ever
// manage the server again.
func (g *Gateway) DisableUser(ctx context.Context, name string) error {
	by, err := admin(ctx, "disable users")
	if err != nil {
		return err
	}
	err = g.update(ctx, func(tx keyturn.Tx, c *afterCommit) error {
		u, err := tx.User(name)
		if keyturn.ErrorCode(err) == keyturn.ENOTFOUND {
			return keyturn.Errorf(keyturn.ENOTFOUND, "no user %q: keyturn user list shows who exists", name)
		} else if err != nil {
			return err
		}
		if u.Disabled {
			return nil
		}
		if u.HasRole(keyturn.RoleAdmin) {
			users, err := tx.Users()
			if err != nil {
				return err
			}
			admins := 0
			for _, x := range users {
				if !x.Disabled && x.HasRole(keyturn.RoleAdmin) {
					admins++
				}
			}
			if admins <= 1 {
				return keyturn.Errorf(keyturn.EINVALID, "%s is the last enabled admin: add another admin before disabling them", u.Name)
			}
		}
		u.Disabled = true
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		e := event(keyturn.EventUser, keyturn.Principal{User: by}, u.Name, humanDecider(by), map[string]any{"action": "disabled"})
		if err := c.log(tx, e); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	g.auth.clear()
	return nil
}

// EnrollAgent enrolls an agent for its operator and returns its token,
// valid for ttl (12h when 0, at most 30 days). An admin may enroll for any
// operator; an operator only for themself. On success the agent as stored
// (kind, operator, expiry) is written back to a.
func (g *Gateway) EnrollAgent(ctx context.Context, a *keyturn.Agent, ttl time.Duration) (string, error) {
	by, err := human(ctx, "enroll agents")
	if err != nil {
		return "", err
	}
	if a == nil {
		return "", keyturn.Errorf(keyturn.EINVALID, "no agent given")
	}
	na := &keyturn.Agent{Name: strings.TrimSpace(a.Name), Kind: strings.TrimSpace(a.Kind),
		Operator: strings.TrimSpace(a.Operator), Profile: strings.TrimSpace(a.Profile)}
	isAdmin := by.HasRole(keyturn.RoleAdmin)
	if na.Operator == "" && by.HasRole(keyturn.RoleOperator) {
		na.Operator = by.Name
	}
	switch {
	case isAdmin:
	case !by.HasRole(keyturn.RoleOperator):
		return "", keyturn.Errorf(keyturn.EFORBIDDEN, "only an admin or an operator can enroll agents; %s is neither", by.Name)
	case na.Operator != by.Name:
		return "", keyturn.Errorf(keyturn.EFORBIDDEN, "you can enroll agents only for yourself (%s); ask an admin to enroll one for %s", by.Name, na.Operator)
	}
	if !nameRE.MatchString(na.Name) {
		return "", keyturn.Errorf(keyturn.EINVALID, "agent name %q: use 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit", a.Name)
	}
	if na.Operator == "" {
		return "", keyturn.Errorf(keyturn.EINVALID, "agent %s needs an operator: --operator USER", na.Name)
	}
	if na.Kind == "" {
		na.Kind = "shell"
	}
	if !slices.Contains(keyturn.AgentKinds, na.Kind) {
		return "", keyturn.Errorf(keyturn.EINVALID, "agent kind %q: use one of %s", na.Kind, strings.Join(keyturn.AgentKinds, ", "))
	}
	if na.Profile != "" && !nameRE.MatchString(na.Profile) {
		return "", keyturn.Errorf(keyturn.EINVALID, "profile %q: use 1 to 64 lower-case letters, digits, '.', '_' or '-'", a.Profile)
	}
	switch {
	case ttl == 0:
		ttl = defaultAgentTTL
	case ttl < 0:
		return "", keyturn.Errorf(keyturn.EINVALID, "ttl %s: give a positive duration such as 12h", ttl)
	case ttl > maxAgentTTL:
		return "", keyturn.Errorf(keyturn.EINVALID, "ttl %s is over the 30-day limit (720h): enroll again when it ends", ttl)
	}
	now := g.now()
	na.CreatedAt, na.ExpiresAt = now, now.Add(ttl)
	var (
		token string
	)
	err = g.update(ctx, func(tx keyturn.Tx, c *afterCommit) error {
		token = ""
		op, err := tx.User(na.Operator)
		if keyturn.ErrorCode(err) == keyturn.ENOTFOUND {
			return keyturn.Errorf(keyturn.EINVALID, "no user %s: keyturn user add %s --role operator", na.Operator, na.Operator)
		} else if err != nil {
			return err
		}
		if op.Disabled {
			return keyturn.Errorf(keyturn.EINVALID, "%s is disabled: an agent needs an active operator", op.Name)
		}
		if !op.HasRole(keyturn.RoleOperator) {
			return keyturn.Errorf(keyturn.EINVALID, "%s is not an operator: keyturn user add %s --role operator", op.Name, op.Name)
		}
		if _, err := tx.Agent(na.Name); err == nil {
			return keyturn.Errorf(keyturn.ECONFLICT, "agent %s already exists: pick another name", na.Name)
		} else if keyturn.ErrorCode(err) != keyturn.ENOTFOUND {
			return err
		}
		if err := tx.CreateAgent(na); err != nil {
			return err
		}
		actor := keyturn.Principal{User: by}
		e := event(keyturn.EventAgent, actor, na.Name, humanDecider(by), map[string]any{"action": "enrolled",
			"operator": na.Operator, "kind": na.Kind, "profile": na.Profile, "expires_at": na.ExpiresAt})
		if err := c.log(tx, e); err != nil {
			return err
		}
		token, err = issueToken(tx, c, keyturn.Token{Agent: na.Name, CreatedAt: now, ExpiresAt: na.ExpiresAt}, actor, humanDecider(by))
		return err
	})
	if err != nil {
		return "", err
	}
	*a = *na
	return token, nil
}

// RevokeAgent revokes an agent: its token stops working at once. Its
// operator may revoke it as well as an admin.
func (g *Gateway) RevokeAgent(ctx context.Context, name string) error {
	by, err := human(ctx, "revoke agents")
	if err != nil {
		return err
	}
	err = g.update(ctx, func(tx keyturn.Tx, c *afterCommit) error {
		a, err := tx.Agent(name)
		if keyturn.ErrorCode(err) == keyturn.ENOTFOUND {
			return keyturn.Errorf(keyturn.ENOTFOUND, "no agent %q: keyturn agent list shows who exists", name)
		} else if err != nil {
			return err
		}
		if !by.HasRole(keyturn.RoleAdmin) && a.Operator != by.Name {
			return keyturn.Errorf(keyturn.EFORBIDDEN, "only an admin or %s's operator (%s) can revoke it", a.Name, a.Operator)
		}
		if a.Revoked {
			return nil
		}
		a.Revoked = true
		if err := tx.UpdateAgent(a); err != nil {
			return err
		}
		e := event(keyturn.EventAgent, keyturn.Principal{User: by}, a.Name, humanDecider(by), map[string]any{"action": "revoked"})
		if err := c.log(tx, e); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	g.auth.clear()
	return nil
}

// Users lists every human (humans only).
func (g *Gateway) Users(ctx context.Context) ([]*keyturn.User, error) {
	if _, err := human(ctx, "list users"); err != nil {
		return nil, err
	}
	var out []*keyturn.User
	err := g.store.View(ctx, func(tx keyturn.Tx) error {
		var err error
		out, err = tx.Users()
		return err
	})
	return out, err
}

// Agents lists every agent (humans only).
func (g *Gateway) Agents(ctx context.Context) ([]*keyturn.Agent, error) {
	if _, err := human(ctx, "list agents"); err != nil {
		return nil, err
	}
	var out []*keyturn.Agent
	err := g.store.View(ctx, func(tx keyturn.Tx) error {
		var err error
		out, err = tx.Agents()
		return err
	})
	return out, err
}

// Whoami returns the caller as it authenticated.
func (g *Gateway) Whoami(ctx context.Context) (*keyturn.Principal, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// humanDecider returns the decider of an event a person caused.
func humanDecider(u *keyturn.User) *keyturn.Decider {
	return &keyturn.Decider{Kind: "human", Who: u.Name}
}
