package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"keyturn"
)

// CreatePolicySet stores a pushed policy set. ECONFLICT if the version
// exists.
func (t *tx) CreatePolicySet(p *keyturn.PolicySet) error {
	if err := t.writable("store a policy set"); err != nil {
		return err
	}
	files, err := toJSON(p.Files, "policy set's files")
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO policy_sets (version, files, pushed_by, created_at) VALUES (?, ?, ?, ?)`,
		p.Version, files, p.PushedBy, micros(p.CreatedAt))
	switch {
	case isUnique(err):
		return keyturn.Errorf(keyturn.ECONFLICT, "policy version %s exists already: it was pushed before", p.Version)
	case err != nil:
		return fmt.Errorf("sqlite: create policy set: %w", err)
	}
	return nil
}

// PolicySet returns a stored set by version. ENOTFOUND if there is none.
func (t *tx) PolicySet(version string) (*keyturn.PolicySet, error) {
	if err := t.readable(); err != nil {
		return nil, err
	}
	var (
		p       keyturn.PolicySet
		files   string
		created int64
	)
	err := t.queryRow(`SELECT version, files, pushed_by, created_at FROM policy_sets WHERE version = ?`, version).
		Scan(&p.Version, &files, &p.PushedBy, &created)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, keyturn.Errorf(keyturn.ENOTFOUND, "there is no policy version %q", version)
	case err != nil:
		return nil, fmt.Errorf("sqlite: read policy set: %w", err)
	}
	if err := fromJSON(files, &p.Files, "policy set's files"); err != nil {
		return nil, err
	}
	p.CreatedAt = fromMicros(created)
	return &p, nil
}
