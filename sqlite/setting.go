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
	if v, ok := t.batch.setting(key); ok {
		return v, nil
	}
	var v string
	err := t.queryRow(`SELECT value FROM settings WHERE name = ?`, key).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		v = ""
	case err != nil:
		return "", fmt.Errorf("sqlite: read setting %s: %w", key, err)
	}
	t.batch.remember(key, v)
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
	t.batch.remember(key, value)
	return nil
}

// setting returns a setting this write transaction already read or wrote.
func (b *txCache) setting(key string) (string, bool) {
	if b == nil {
		return "", false
	}
	v, ok := b.settings[key]
	return v, ok
}

func (b *txCache) remember(key, value string) {
	if b == nil {
		return
	}
	if b.settings == nil {
		b.settings = map[string]string{}
	}
	b.settings[key] = value
}
