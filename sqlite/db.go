// Package sqlite is keyturn's Store on SQLite (modernc.org/sqlite, pure Go).
//
// One connection writes and a small pool reads; WAL lets the readers run
// beside the writer. Writes go through group commit: concurrent Updates
// share one transaction and one fsync, each inside its own savepoint, so a
// busy gateway pays for durability once per batch instead of once per
// decision, and an Update still returns only once its writes are durable.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"keyturn"
)

// maxBatch bounds how many Updates share one commit: enough to amortise an
// fsync across a burst, few enough that one batch does not hold the write
// lock for long.
const maxBatch = 256

// busyTimeoutMs is how long a connection waits for a lock another process
// holds (a second keyturn on the same file, `audit verify` checkpointing)
// before it reports the database busy.
const busyTimeoutMs = 10000

// DB is a keyturn.Store on one SQLite file.
type DB struct {
	path     string
	write    *sql.DB // one connection: SQLite has one writer anyway
	writer   *writer
	read     *sql.DB
	readOnly bool

	mu      sync.RWMutex // guards closed against Updates being queued
	closed  bool
	queue   chan *update
	stopped chan struct{} // closed when the writer has drained the queue

	// commits and updates count the write transactions committed and the
	// Updates they carried: their ratio shows how well group commit works.
	commits, updates atomic.Int64
}

// Stats counts what the writer has committed since Open.
type Stats struct {
	Commits int64 // write transactions committed
	Updates int64 // Update calls they carried
}

// Stats returns the writer's counts.
func (db *DB) Stats() Stats {
	return Stats{Commits: db.commits.Load(), Updates: db.updates.Load()}
}

var _ keyturn.Store = (*DB)(nil)

// Open opens the store at path, creating the file (and its directory, mode
// 0700) if needed, and brings its schema up to date.
func Open(path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: create the data directory: %w", err)
	}
	// Create the file ourselves so that it is private: it holds the audit
	// log and token hashes. SQLite gives -wal and -shm the same mode.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	f.Close()

	write, err := sql.Open("sqlite", dsn(abs, url.Values{
		"_journal_mode": {"WAL"},
		"_synchronous":  {"FULL"}, // acknowledged ⇒ durable, even on power loss
		"_busy_timeout": {fmt.Sprint(busyTimeoutMs)},
		"_foreign_keys": {"on"},
		"_txlock":       {"immediate"}, // migrations take the write lock at BEGIN
	}))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if err := migrate(context.Background(), write); err != nil {
		write.Close()
		return nil, err
	}
	conn, err := write.Conn(context.Background())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	read, err := openRead(abs, false)
	if err != nil {
		conn.Close()
		write.Close()
		return nil, err
	}
	db := &DB{path: abs, write: write, read: read,
		writer: &writer{conn: conn, stmts: map[string]*sql.Stmt{}},
		queue:  make(chan *update, maxBatch), stopped: make(chan struct{})}
	go db.writeLoop()
	return db, nil
}

// OpenReadOnly opens an existing store for reading only, as `keyturn audit
// verify --data DIR` does beside a running server. It creates nothing and
// migrates nothing; Update returns EINVALID.
func OpenReadOnly(path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if _, err := os.Stat(abs); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, keyturn.Errorf(keyturn.ENOTFOUND, "there is no keyturn database at %s: check --data", abs)
		}
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	read, err := openRead(abs, true)
	if err != nil {
		return nil, err
	}
	var n int
	err = read.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
	if err != nil || n == 0 {
		read.Close()
		return nil, keyturn.Errorf(keyturn.EINVALID, "%s is not a keyturn database (or it cannot be read): check --data", abs)
	}
	db := &DB{path: abs, read: read, readOnly: true, stopped: make(chan struct{})}
	close(db.stopped)
	return db, nil
}

// openRead opens the pool of reading connections. query_only makes a
// stray write fail in SQLite too, not only in Tx.
func openRead(abs string, readOnly bool) (*sql.DB, error) {
	params := url.Values{
		"_busy_timeout": {fmt.Sprint(busyTimeoutMs)},
		"_query_only":   {"1"},
	}
	if readOnly {
		params.Set("mode", "ro")
	}
	read, err := sql.Open("sqlite", dsn(abs, params))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	// Each connection has its own page cache and libc state; a few per
	// core is all the reading a gateway needs.
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	return read, nil
}

// dsn returns a file: URI for path, escaped so that a '?' or '#' in a
// directory name is part of the name and not a parameter.
func dsn(path string, params url.Values) string {
	u := url.URL{Path: filepath.ToSlash(path)}
	return "file:" + u.EscapedPath() + "?" + params.Encode()
}

// Path returns the database file's absolute path.
func (db *DB) Path() string { return db.path }

// update is one queued Update.
type update struct {
	ctx   context.Context
	fn    func(keyturn.Tx) error
	state atomic.Int32 // queued → started, or queued → abandoned by its caller
	err   error
	done  chan struct{}
}

const (
	queued int32 = iota
	started
	abandoned
)

func (u *update) finish(err error) {
	u.err = err
	close(u.done)
}

// Update runs fn in a write transaction and returns once its writes are
// durable (see keyturn.Store). fn may share a commit with other Updates,
// each in its own savepoint: an fn that fails or panics is rolled back
// alone. If the commit itself fails, nothing of the batch was kept and every
// caller whose fn succeeded gets the error.
//
// The Tx given to fn must not be used after fn returns, nor from another
// goroutine while fn runs; fn must not call Update (it would wait for
// itself). A ctx done before fn starts makes Update return ctx's error
// without running fn; once fn has started, Update waits for the commit.
func (db *DB) Update(ctx context.Context, fn func(keyturn.Tx) error) error {
	if db.readOnly {
		return keyturn.Errorf(keyturn.EINVALID, "the store at %s is open read-only: changes go through the running server", db.path)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	u := &update{ctx: ctx, fn: fn, done: make(chan struct{})}
	db.mu.RLock()
	if db.closed {
		db.mu.RUnlock()
		return errClosed
	}
	select {
	case db.queue <- u:
	case <-ctx.Done():
		db.mu.RUnlock()
		return ctx.Err()
	}
	db.mu.RUnlock()
	select {
	case <-u.done:
		return u.err
	case <-ctx.Done():
		if u.state.CompareAndSwap(queued, abandoned) {
			return ctx.Err()
		}
		// fn is running or ran: its fate is the commit's.
		<-u.done
		return u.err
	}
}

var errClosed = keyturn.Errorf(keyturn.EUNAVAILABLE, "the store is closed")

// View runs fn in a read transaction on one snapshot of the database. Write
// methods of its Tx return EINVALID. The Tx must not be used after fn
// returns.
func (db *DB) View(ctx context.Context, fn func(keyturn.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	db.mu.RLock()
	closed := db.closed
	db.mu.RUnlock()
	if closed {
		return errClosed
	}
	stx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: begin read: %w", err)
	}
	defer stx.Rollback()
	return runFn(&tx{ctx: ctx, q: stx}, fn)
}

// Close waits for queued Updates to commit, then closes the database.
// Updates after Close return EUNAVAILABLE.
func (db *DB) Close() error {
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return nil
	}
	db.closed = true
	if db.queue != nil {
		close(db.queue)
	}
	db.mu.Unlock()
	<-db.stopped
	err := db.read.Close()
	if db.write != nil {
		err = errors.Join(err, db.writer.close(), db.write.Close())
	}
	return err
}

// writeLoop is the only writer: it takes every Update waiting, up to
// maxBatch, and commits them together. While one batch is being fsynced the
// next one gathers, which is what makes the commit group.
func (db *DB) writeLoop() {
	defer close(db.stopped)
	batch := make([]*update, 0, maxBatch)
	for u := range db.queue {
		batch = append(batch[:0], u)
	fill:
		for len(batch) < maxBatch {
			select {
			case u, ok := <-db.queue:
				if !ok {
					break fill
				}
				batch = append(batch, u)
			default:
				break fill
			}
		}
		for rest := batch; len(rest) > 0; {
			rest = db.commit(rest)
		}
		clear(batch) // let finished updates be collected
	}
}

// commit runs batch in one transaction, each fn in a savepoint, then
// commits once and answers every caller. If a savepoint cannot be rolled
// back the transaction's state is unknown: commit drops it whole, fails the
// fns that ran, and returns the updates it did not reach for a fresh
// transaction.
func (db *DB) commit(batch []*update) (rest []*update) {
	ctx := context.Background() // a caller's cancel must not interrupt the shared connection
	w := db.writer
	if _, err := w.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		err = fmt.Errorf("sqlite: begin: %w", err)
		for _, u := range batch {
			if u.state.CompareAndSwap(queued, started) {
				u.finish(err)
			}
		}
		return nil
	}
	var ran []*update // fns that succeeded, waiting for the commit
	b := &txCache{}   // what this transaction already knows
	abort := func(u *update, uerr error, i int) []*update {
		w.rollback()
		lost := internal("a change sharing this one's transaction failed, so nothing was written: retry")
		for _, r := range ran {
			r.finish(lost)
		}
		u.finish(uerr)
		return batch[i+1:]
	}
	for i, u := range batch {
		if !u.state.CompareAndSwap(queued, started) {
			continue // its caller gave up waiting and is gone
		}
		if err := u.ctx.Err(); err != nil {
			u.finish(err)
			continue
		}
		if _, err := w.ExecContext(ctx, `SAVEPOINT keyturn_update`); err != nil {
			return abort(u, fmt.Errorf("sqlite: savepoint: %w", err), i)
		}
		saved := b.save()
		err := runFn(&tx{ctx: ctx, q: w, write: true, batch: b}, u.fn)
		if err == nil {
			if _, rerr := w.ExecContext(ctx, `RELEASE keyturn_update`); rerr != nil {
				return abort(u, fmt.Errorf("sqlite: release savepoint: %w", rerr), i)
			}
			ran = append(ran, u)
			continue
		}
		*b = saved // the fn's writes are rolled back with it
		if _, rerr := w.ExecContext(ctx, `ROLLBACK TO keyturn_update`); rerr != nil {
			return abort(u, err, i)
		}
		if _, rerr := w.ExecContext(ctx, `RELEASE keyturn_update`); rerr != nil {
			return abort(u, err, i)
		}
		u.finish(err) // its own failure does not depend on the commit
	}
	if len(ran) == 0 {
		w.rollback()
		return nil
	}
	db.commits.Add(1)
	db.updates.Add(int64(len(ran)))
	if _, err := w.ExecContext(ctx, `COMMIT`); err != nil {
		w.rollback() // a failed COMMIT can leave the transaction open
		err = fmt.Errorf("sqlite: commit: %w", err)
		for _, u := range ran {
			u.finish(err)
		}
		return nil
	}
	for _, u := range ran {
		u.finish(nil)
	}
	return nil
}

// writer is the one write connection, held for the store's life so that
// its prepared statements can be kept: preparing costs more than running
// the small statements a decision makes. Only the write loop uses it.
type writer struct {
	conn  *sql.Conn
	mu    sync.Mutex // a Tx misused from another goroutine must not corrupt the map
	stmts map[string]*sql.Stmt
}

// maxStmts bounds the cache: queries built at run time (IN lists) would
// otherwise grow it without end.
const maxStmts = 64

func (w *writer) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s, ok := w.stmts[query]; ok {
		return s, nil
	}
	if len(w.stmts) >= maxStmts {
		return nil, nil
	}
	s, err := w.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	w.stmts[query] = s
	return s, nil
}

func (w *writer) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := w.stmt(ctx, query)
	switch {
	case err != nil:
		return nil, err
	case s == nil:
		return w.conn.ExecContext(ctx, query, args...)
	}
	return s.ExecContext(ctx, args...)
}

func (w *writer) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := w.stmt(ctx, query)
	switch {
	case err != nil:
		return nil, err
	case s == nil:
		return w.conn.QueryContext(ctx, query, args...)
	}
	return s.QueryContext(ctx, args...)
}

func (w *writer) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := w.stmt(ctx, query)
	if err != nil || s == nil {
		// QueryRowContext on the connection reports a prepare error
		// through Scan, as callers expect.
		return w.conn.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// rollback ends the transaction if one is open; after a failed statement
// SQLite may already have rolled it back, which is not an error here.
func (w *writer) rollback() {
	w.conn.ExecContext(context.Background(), `ROLLBACK`)
}

func (w *writer) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range w.stmts {
		s.Close()
	}
	w.stmts = nil
	return w.conn.Close()
}

// runFn runs fn, turning a panic into an internal error for this caller
// alone, and retires the Tx when fn returns.
func runFn(t *tx, fn func(keyturn.Tx) error) (err error) {
	defer func() {
		t.done.Store(true)
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlite: the transaction's function panicked: %v: %w", p,
				internal("an internal error stopped this change; nothing of it was written"))
		}
	}()
	return fn(t)
}

func internal(msg string) *keyturn.Error { return keyturn.Errorf(keyturn.EINTERNAL, "%s", msg) }
