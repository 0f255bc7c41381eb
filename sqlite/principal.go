package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"keyturn"
)

// CreateUser adds a user. ECONFLICT if the name is taken.
func (t *tx) CreateUser(u *keyturn.User) error {
	if err := t.writable("add a user"); err != nil {
		return err
	}
	roles, err := toJSON(u.Roles, "user's roles")
	if err != nil {
		return err
	}
	groups, err := toJSON(u.Groups, "user's groups")
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO users (name, roles, group_names, disabled, created_at) VALUES (?, ?, ?, ?, ?)`,
		u.Name, roles, groups, boolInt(u.Disabled), micros(u.CreatedAt))
	switch {
	case isUnique(err):
		return keyturn.Errorf(keyturn.ECONFLICT, "a user named %q exists already: choose another name", u.Name)
	case err != nil:
		return fmt.Errorf("sqlite: create user: %w", err)
	}
	return nil
}

const userColumns = `name, roles, group_names, disabled, created_at`

func scanUser(s scanner) (*keyturn.User, error) {
	var (
		u             keyturn.User
		roles, groups string
		disabled      int
		created       int64
	)
	if err := s.Scan(&u.Name, &roles, &groups, &disabled, &created); err != nil {
		return nil, err
	}
	if err := fromJSON(roles, &u.Roles, "user's roles"); err != nil {
		return nil, err
	}
	if err := fromJSON(groups, &u.Groups, "user's groups"); err != nil {
		return nil, err
	}
	u.Disabled = disabled != 0
	u.CreatedAt = fromMicros(created)
	return &u, nil
}

// User returns a user by name. ENOTFOUND if there is none.
func (t *tx) User(name string) (*keyturn.User, error) {
	if err := t.readable(); err != nil {
		return nil, err
	}
	u, err := scanUser(t.queryRow(`SELECT `+userColumns+` FROM users WHERE name = ?`, name))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, keyturn.Errorf(keyturn.ENOTFOUND, "there is no user named %q", name)
	case err != nil:
		return nil, fmt.Errorf("sqlite: read user: %w", err)
	}
	return u, nil
}

// Users returns every user, by name.
func (t *tx) Users() ([]*keyturn.User, error) {
	if err := t.readable(); err != nil {
		return nil, err
	}
	return queryAll(t, "list users", `SELECT `+userColumns+` FROM users ORDER BY name`, nil, scanUser)
}

// UpdateUser saves roles, groups and the disabled flag. ENOTFOUND if there
// is no such user.
func (t *tx) UpdateUser(u *keyturn.User) error {
	if err := t.writable("change a user"); err != nil {
		return err
	}
	roles, err := toJSON(u.Roles, "user's roles")
	if err != nil {
		return err
	}
	groups, err := toJSON(u.Groups, "user's groups")
	if err != nil {
		return err
	}
	res, err := t.exec(`UPDATE users SET roles = ?, group_names = ?, disabled = ? WHERE name = ?`,
		roles, groups, boolInt(u.Disabled), u.Name)
	if err != nil {
		return fmt.Errorf("sqlite: update user: %w", err)
	}
	if n, err := affected(res, "update user"); err != nil {
		return err
	} else if n == 0 {
		return keyturn.Errorf(keyturn.ENOTFOUND, "there is no user named %q", u.Name)
	}
	return nil
}

// CreateAgent adds an agent. ECONFLICT if the name is taken.
func (t *tx) CreateAgent(a *keyturn.Agent) error {
	if err := t.writable("enroll an agent"); err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO agents (name, kind, operator, profile, expires_at, revoked, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.Name, a.Kind, a.Operator, a.Profile, micros(a.ExpiresAt), boolInt(a.Revoked), micros(a.CreatedAt))
	switch {
	case isUnique(err):
		return keyturn.Errorf(keyturn.ECONFLICT, "an agent named %q exists already: choose another name", a.Name)
	case err != nil:
		return fmt.Errorf("sqlite: create agent: %w", err)
	}
	return nil
}

const agentColumns = `name, kind, operator, profile, expires_at, revoked, created_at`

func scanAgent(s scanner) (*keyturn.Agent, error) {
	var (
		a                keyturn.Agent
		expires, created int64
		revoked          int
	)
	if err := s.Scan(&a.Name, &a.Kind, &a.Operator, &a.Profile, &expires, &revoked, &created); err != nil {
		return nil, err
	}
	a.ExpiresAt = fromMicros(expires)
	a.Revoked = revoked != 0
	a.CreatedAt = fromMicros(created)
	return &a, nil
}

// Agent returns an agent by name. ENOTFOUND if there is none.
func (t *tx) Agent(name string) (*keyturn.Agent, error) {
	if err := t.readable(); err != nil {
		return nil, err
	}
	a, err := scanAgent(t.queryRow(`SELECT `+agentColumns+` FROM agents WHERE name = ?`, name))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, keyturn.Errorf(keyturn.ENOTFOUND, "there is no agent named %q", name)
	case err != nil:
		return nil, fmt.Errorf("sqlite: read agent: %w", err)
	}
	return a, nil
}

// Agents returns every agent, by name.
func (t *tx) Agents() ([]*keyturn.Agent, error) {
	if err := t.readable(); err != nil {
		return nil, err
	}
	return queryAll(t, "list agents", `SELECT `+agentColumns+` FROM agents ORDER BY name`, nil, scanAgent)
}

// UpdateAgent saves the expiry and the revoked flag. ENOTFOUND if there is
// no such agent.
func (t *tx) UpdateAgent(a *keyturn.Agent) error {
	if err := t.writable("change an agent"); err != nil {
		return err
	}
	res, err := t.exec(`UPDATE agents SET expires_at = ?, revoked = ? WHERE name = ?`,
		micros(a.ExpiresAt), boolInt(a.Revoked), a.Name)
	if err != nil {
		return fmt.Errorf("sqlite: update agent: %w", err)
	}
	if n, err := affected(res, "update agent"); err != nil {
		return err
	} else if n == 0 {
		return keyturn.Errorf(keyturn.ENOTFOUND, "there is no agent named %q", a.Name)
	}
	return nil
}

// CreateToken stores a token's hash. ECONFLICT if the hash exists.
func (t *tx) CreateToken(tok *keyturn.Token) error {
	if err := t.writable("issue a token"); err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO tokens (hash, user_name, agent_name, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		tok.Hash, tok.User, tok.Agent, micros(tok.CreatedAt), nullMicros(tok.ExpiresAt))
	switch {
	case isUnique(err):
		// Never echo the hash: it identifies a credential.
		return keyturn.Errorf(keyturn.ECONFLICT, "this token exists already: issue a new one")
	case err != nil:
		return fmt.Errorf("sqlite: create token: %w", err)
	}
	return nil
}

// Token returns the token with this hash. ENOTFOUND if there is none.
func (t *tx) Token(hash string) (*keyturn.Token, error) {
	if err := t.readable(); err != nil {
		return nil, err
	}
	var (
		tok     keyturn.Token
		created int64
		expires sql.NullInt64
	)
	err := t.queryRow(`SELECT hash, user_name, agent_name, created_at, expires_at FROM tokens WHERE hash = ?`, hash).
		Scan(&tok.Hash, &tok.User, &tok.Agent, &created, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, keyturn.Errorf(keyturn.ENOTFOUND, "no such token: it may have been mistyped")
	case err != nil:
		return nil, fmt.Errorf("sqlite: read token: %w", err)
	}
	tok.CreatedAt = fromMicros(created)
	tok.ExpiresAt = fromNullMicros(expires)
	return &tok, nil
}
