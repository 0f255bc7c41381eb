package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
)

// Setting returns a setting's value, "" if it is not set.
func (t *tx) Setting(key string) (string, error) {
	if err := t.readable(); err != nil {
		return "", err
	}
	var v string
	err := t.queryRow(`SELECT value FROM settings WHERE name = ?`, key).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("sqlite: read setting %s: %w", key, err)
	}
	return v, nil
}

// SetSetting sets a setting.
func (t *tx) SetSetting(key, value string) error {
	if err := t.writable("change a setting"); err != nil {
		return err
	}
	// ON CONFLICT … DO UPDATE reads the same in SQLite and PostgreSQL.
	_, err := t.exec(`INSERT INTO settings (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("sqlite: set setting %s: %w", key, err)
	}
	return nil
}
