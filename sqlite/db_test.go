package sqlite

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"keyturn"
	"keyturn/storetest"
)

func openTemp(t testing.TB) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "data", "keyturn.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) keyturn.Store { return openTemp(t) })
}

func event(subject string) *keyturn.Event {
	return &keyturn.Event{Type: keyturn.EventDecision, Actor: "agent:ci-bot", Subject: subject,
		DecidedBy: &keyturn.Decider{Kind: "policy", Policies: []string{"default"}}, Payload: []byte(`{"decision":"allow"}`)}
}

func appendEvents(t *testing.T, db keyturn.Store, n int) {
	t.Helper()
	for i := range n {
		if err := db.Update(t.Context(), func(tx keyturn.Tx) error { return tx.Append(event(fmt.Sprint(i))) }); err != nil {
			t.Fatal(err)
		}
	}
}

func readEvents(t *testing.T, db keyturn.Store) []*keyturn.Event {
	t.Helper()
	var events []*keyturn.Event
	err := db.View(t.Context(), func(tx keyturn.Tx) (err error) {
		events, err = tx.Events(0, 0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func verify(t *testing.T, events []*keyturn.Event) {
	t.Helper()
	v := keyturn.NewChainVerifier(nil)
	for _, e := range events {
		v.Add(e)
	}
	if v.Finish(nil, nil); v.Bad != 0 {
		t.Fatalf("chain broken at %d: %s", v.Bad, v.Problem)
	}
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyturn.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	_, key, _ := ed25519.GenerateKey(nil)
	err = db.Update(t.Context(), func(tx keyturn.Tx) error {
		if err := tx.CreateUser(&keyturn.User{Name: "adam", Roles: []keyturn.Role{keyturn.RoleAdmin}, CreatedAt: time.Now()}); err != nil {
			return err
		}
		if err := tx.SetSetting(keyturn.SettingActivePolicy, "v3"); err != nil {
			return err
		}
		e := event("first")
		if err := tx.Append(e); err != nil {
			return err
		}
		c := keyturn.SignCheckpoint(key, e.Seq, e.Hash, time.Now())
		return tx.AddCheckpoint(&c)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		db, err = Open(path)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		err = db.View(t.Context(), func(tx keyturn.Tx) error {
			if _, err := tx.User("adam"); err != nil {
				return err
			}
			if v, err := tx.Setting(keyturn.SettingActivePolicy); err != nil || v != "v3" {
				return fmt.Errorf("setting %q, %v", v, err)
			}
			if seq, _, err := tx.Head(); err != nil || seq != int64(1+round) {
				return fmt.Errorf("head %d, %v; want %d", seq, err, 1+round)
			}
			if cs, err := tx.Checkpoints(); err != nil || len(cs) != 1 {
				return fmt.Errorf("checkpoints %v, %v", cs, err)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("after reopen: %v", err)
		}
		var n int
		if err := db.read.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if ms, _ := migrations(); n != len(ms) {
			t.Errorf("schema_migrations has %d rows after reopening, want %d: a migration ran twice", n, len(ms))
		}
		appendEvents(t, db, 1)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	events := readEvents(t, db)
	if len(events) != 3 {
		t.Fatalf("%d events after two reopens, want 3", len(events))
	}
	verify(t, events)
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyturn.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.writer.conn.ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err := Open(path); keyturn.ErrorCode(err) != keyturn.EINVALID {
		if err == nil {
			db.Close()
		}
		t.Fatalf("Open of a database from a newer keyturn: %v, want EINVALID", err)
	}
}

func TestPragmas(t *testing.T) {
	db := openTemp(t)
	for _, c := range []struct {
		pragma, want string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"busy_timeout", fmt.Sprint(busyTimeoutMs)},
	} {
		var got string
		if err := db.writer.conn.QueryRowContext(t.Context(), "PRAGMA "+c.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("PRAGMA %s on the writer = %s, want %s", c.pragma, got, c.want)
		}
	}
	var mode string
	if err := db.read.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("PRAGMA journal_mode on a reader = %s, %v; want wal", mode, err)
	}
	if _, err := db.read.Exec(`INSERT INTO settings (name, value) VALUES ('x', 'y')`); err == nil {
		t.Errorf("a reading connection wrote")
	}
}

func TestFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "keyturn")
	db, err := Open(filepath.Join(dir, "keyturn.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	appendEvents(t, db, 1)
	for path, want := range map[string]os.FileMode{
		dir:                                  0o700 | os.ModeDir,
		filepath.Join(dir, "keyturn.db"):     0o600,
		filepath.Join(dir, "keyturn.db-wal"): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode(), want)
		}
	}
}

func TestOddPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a dir?x=1#frag%20", "keyturn.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	appendEvents(t, db, 1)
	db.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not where it was asked to be: %v", err)
	}
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if n := len(readEvents(t, ro)); n != 1 {
		t.Errorf("%d events read back, want 1", n)
	}
}

// TestAcknowledgedIsCommitted checks that once Update returns, another
// connection (here another open of the file, as `audit verify` does) sees
// the change: it was committed, not merely queued.
func TestAcknowledgedIsCommitted(t *testing.T) {
	db := openTemp(t)
	ro, err := OpenReadOnly(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	for i := range 20 {
		appendEvents(t, db, 1)
		if n := len(readEvents(t, ro)); n != i+1 {
			t.Fatalf("after %d acknowledged appends another connection sees %d events", i+1, n)
		}
	}
}

func TestOpenReadOnly(t *testing.T) {
	db := openTemp(t)
	appendEvents(t, db, 5)

	// Beside a running server.
	ro, err := OpenReadOnly(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	events := readEvents(t, ro)
	if len(events) != 5 {
		t.Fatalf("read-only store reads %d events, want 5", len(events))
	}
	verify(t, events)
	err = ro.Update(t.Context(), func(tx keyturn.Tx) error { return tx.SetSetting("x", "y") })
	if keyturn.ErrorCode(err) != keyturn.EINVALID {
		t.Errorf("Update on a read-only store: %v, want EINVALID", err)
	}
	if _, err := ro.read.Exec(`DELETE FROM events`); err == nil {
		t.Errorf("a read-only connection deleted events")
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}

	// After the server stopped.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err = OpenReadOnly(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(readEvents(t, ro)); n != 5 {
		t.Errorf("read-only store after the writer closed reads %d events, want 5", n)
	}
	ro.Close()

	missing := filepath.Join(t.TempDir(), "nothing-here.db")
	if _, err := OpenReadOnly(missing); keyturn.ErrorCode(err) != keyturn.ENOTFOUND {
		t.Errorf("OpenReadOnly of a missing file: %v, want ENOTFOUND", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenReadOnly created %s", missing)
	}
	notDB := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notDB, []byte("hello"), 0o600)
	if _, err := OpenReadOnly(notDB); err == nil {
		t.Errorf("OpenReadOnly of a text file: no error")
	}
}

// TestCloseDrains closes the store while Updates are arriving: each either
// commits (and is there after reopening) or is refused as unavailable.
func TestCloseDrains(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyturn.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = db.Update(context.Background(), func(tx keyturn.Tx) error { return tx.Append(event(fmt.Sprint(i))) })
		})
		if i == n/2 {
			wg.Go(func() { db.Close() })
		}
	}
	wg.Wait()
	acked := map[string]bool{}
	for i, err := range errs {
		switch keyturn.ErrorCode(err) {
		case "":
			acked[fmt.Sprint(i)] = true
		case keyturn.EUNAVAILABLE:
		default:
			t.Errorf("Update %d during Close: %v", i, err)
		}
	}
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	events := readEvents(t, db)
	verify(t, events)
	if len(events) != len(acked) {
		t.Errorf("%d events kept, %d acknowledged", len(events), len(acked))
	}
	for _, e := range events {
		if !acked[e.Subject] {
			t.Errorf("event %s was kept but its Update was not acknowledged", e.Subject)
		}
	}
	if err := db.Update(t.Context(), func(tx keyturn.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

func TestUpdateAfterClose(t *testing.T) {
	db := openTemp(t)
	db.Close()
	err := db.Update(t.Context(), func(tx keyturn.Tx) error { return nil })
	if keyturn.ErrorCode(err) != keyturn.EUNAVAILABLE {
		t.Errorf("Update after Close: %v, want EUNAVAILABLE", err)
	}
	err = db.View(t.Context(), func(tx keyturn.Tx) error { return nil })
	if keyturn.ErrorCode(err) != keyturn.EUNAVAILABLE {
		t.Errorf("View after Close: %v, want EUNAVAILABLE", err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}
