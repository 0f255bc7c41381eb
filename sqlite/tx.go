package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"keyturn"
)

// tx is the keyturn.Tx given to Update's and View's functions.
type tx struct {
	ctx   context.Context
	q     querier // the writer, or a read transaction
	write bool
	done  atomic.Bool // set when fn returns: a kept Tx must not reach the next fn's savepoint
	// batch is what this write transaction already knows, shared by the
	// fns of one batch so that each need not read it back. Nil outside a
	// write transaction.
	batch *txCache
}

// batch remembers, within one write transaction, the audit head as last
// appended and the settings read or written: every decision reads the
// freeze and appends an event, and the writer runs them one at a time.
type txCache struct {
	headKnown bool
	seq       int64
	hash      string
	settings  map[string]string
}

// save returns a copy to restore when a fn is rolled back.
func (b *txCache) save() txCache {
	c := *b
	c.settings = maps.Clone(b.settings)
	return c
}

var _ keyturn.Tx = (*tx)(nil)

// querier is what *sql.Tx and *writer have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// readable refuses a Tx kept past its function.
func (t *tx) readable() error {
	if t.done.Load() {
		return keyturn.Errorf(keyturn.EINVALID, "a store transaction was used after its function returned")
	}
	return nil
}

// writable also refuses writes inside View.
func (t *tx) writable(what string) error {
	if err := t.readable(); err != nil {
		return err
	}
	if !t.write {
		return keyturn.Errorf(keyturn.EINVALID, "cannot %s in a read-only transaction: use Update", what)
	}
	return nil
}

func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	return t.q.ExecContext(t.ctx, query, args...)
}

func (t *tx) query(query string, args ...any) (*sql.Rows, error) {
	return t.q.QueryContext(t.ctx, query, args...)
}

func (t *tx) queryRow(query string, args ...any) *sql.Row {
	return t.q.QueryRowContext(t.ctx, query, args...)
}

// affected returns how many rows res changed.
func affected(res sql.Result, what string) (int64, error) {
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return n, nil
}

// isUnique reports a duplicate key.
func isUnique(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// isForeignKey reports a row that names a parent that does not exist.
func isForeignKey(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// Times are kept as unix microseconds in UTC: exact, sortable and the same
// in every SQL database. Zero times of optional fields are NULL.

func micros(t time.Time) int64 { return t.Round(time.Microsecond).UnixMicro() }

func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return micros(t)
}

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func fromNullMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMicros(v.Int64)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// toJSON encodes a structured field for a TEXT column. It fails only on
// values no JSON can hold, such as action arguments that are not JSON.
func toJSON(v any, what string) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", keyturn.Errorf(keyturn.EINVALID, "the %s cannot be stored: %v", what, err)
	}
	return string(b), nil
}

func fromJSON(s string, v any, what string) error {
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("sqlite: the stored %s is not valid JSON: %w", what, err)
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// queryAll runs q and scans every row with scan; what names the reading in
// errors ("list users").
func queryAll[T any](t *tx, what, q string, args []any, scan func(scanner) (T, error)) ([]T, error) {
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return out, nil
}
