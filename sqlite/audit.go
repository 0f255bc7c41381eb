package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"keyturn"
)

// Append seals e after the current head and appends it. The head is read in
// the same transaction that writes the event, and only one transaction
// writes at a time, so two events can never claim the same place.
func (t *tx) Append(e *keyturn.Event) error {
	if err := t.writable("append to the audit log"); err != nil {
		return err
	}
	var (
		seq  int64
		hash string
	)
	if t.batch != nil && t.batch.headKnown {
		seq, hash = t.batch.seq, t.batch.hash
	} else {
		var err error
		if seq, hash, err = t.Head(); err != nil {
			return err
		}
	}
	e.Seal(seq, hash)
	var decidedBy, payload any
	if e.DecidedBy != nil {
		s, err := toJSON(e.DecidedBy, "event's decider")
		if err != nil {
			return err
		}
		decidedBy = s
	}
	if len(e.Payload) > 0 {
		payload = string(e.Payload) // as given: the hash covers its canonical form
	}
	_, err := t.exec(`INSERT INTO events (seq, at, type, actor, subject, decided_by, payload, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, micros(e.Time), e.Type, e.Actor, e.Subject, decidedBy, payload, e.PrevHash, e.Hash)
	switch {
	case isUnique(err):
		return keyturn.Errorf(keyturn.ECONFLICT, "audit event %d was written by someone else: retry", e.Seq)
	case err != nil:
		return fmt.Errorf("sqlite: append event: %w", err)
	}
	if t.batch != nil {
		t.batch.headKnown, t.batch.seq, t.batch.hash = true, e.Seq, e.Hash
	}
	return nil
}

// Events returns up to limit events with Seq > after, in order. limit 0
// means all of them.
func (t *tx) Events(after int64, limit int) ([]*keyturn.Event, error) {
	if err := t.readable(); err != nil {
		return nil, err
	}
	q := `SELECT seq, at, type, actor, subject, decided_by, payload, prev_hash, hash FROM events WHERE seq > ? ORDER BY seq`
	args := []any{after}
	if limit > 0 {
		q, args = q+" LIMIT ?", append(args, limit)
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read events: %w", err)
	}
	defer rows.Close()
	var out []*keyturn.Event
	for rows.Next() {
		var (
			e                  keyturn.Event
			at                 any
			decidedBy, payload sql.NullString
		)
		if err := rows.Scan(&e.Seq, &at, &e.Type, &e.Actor, &e.Subject, &decidedBy, &payload, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("sqlite: read events: %w", err)
		}
		// A row altered by hand must still be read, so that verify can
		// name it: keep what can be kept and let the hash disagree.
		if us, ok := at.(int64); ok {
			e.Time = fromMicros(us)
		}
		if decidedBy.Valid {
			e.DecidedBy = new(keyturn.Decider)
			if err := fromJSON(decidedBy.String, e.DecidedBy, "event's decider"); err != nil {
				e.DecidedBy = &keyturn.Decider{Kind: decidedBy.String}
			}
		}
		if payload.Valid {
			e.Payload = json.RawMessage(payload.String)
		}
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: read events: %w", err)
	}
	return out, nil
}

// Head returns the last event's sequence and hash (0 and "" when empty).
func (t *tx) Head() (seq int64, hash string, err error) {
	if err := t.readable(); err != nil {
		return 0, "", err
	}
	err = t.queryRow(`SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, "", nil
	case err != nil:
		return 0, "", fmt.Errorf("sqlite: read the audit head: %w", err)
	}
	return seq, hash, nil
}

// AddCheckpoint stores a signed checkpoint. ECONFLICT if one exists at that
// sequence.
func (t *tx) AddCheckpoint(c *keyturn.Checkpoint) error {
	if err := t.writable("store a checkpoint"); err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO checkpoints (seq, head, at, key_id, signature) VALUES (?, ?, ?, ?, ?)`,
		c.Seq, c.Head, micros(c.Time), c.KeyID, c.Signature)
	switch {
	case isUnique(err):
		return keyturn.Errorf(keyturn.ECONFLICT, "a checkpoint at event %d exists already", c.Seq)
	case err != nil:
		return fmt.Errorf("sqlite: add checkpoint: %w", err)
	}
	return nil
}

// Checkpoints returns every checkpoint in sequence order.
func (t *tx) Checkpoints() ([]keyturn.Checkpoint, error) {
	if err := t.readable(); err != nil {
		return nil, err
	}
	return queryAll(t, "read checkpoints", `SELECT seq, head, at, key_id, signature FROM checkpoints ORDER BY seq`, nil,
		func(s scanner) (keyturn.Checkpoint, error) {
			var (
				c  keyturn.Checkpoint
				at int64
			)
			err := s.Scan(&c.Seq, &c.Head, &at, &c.KeyID, &c.Signature)
			c.Time = fromMicros(at)
			return c, err
		})
}
