package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"keyturn"
)

// auditedServer starts a server, writes some events (users, agents, a
// revocation) and returns it running.
func auditedServer(t *testing.T) *liveServer {
	t.Helper()
	s := startLive(t, filepath.Join(t.TempDir(), "data"))
	admin := s.as(s.adminToken(t))
	for _, args := range [][]string{
		{"user", "add", "alice", "--role", "approver"},
		{"user", "add", "bob", "--role", "operator"},
		{"agent", "enroll", "bob-laptop", "--operator", "bob", "--kind", "claude-code"},
		{"agent", "revoke", "bob-laptop"},
		{"user", "disable", "alice"},
	} {
		if code, out, errs := kt(t, admin, args...); code != 0 {
			t.Fatalf("%q: exit %d\n%s%s", args, code, out, errs)
		}
	}
	return s
}

// copyData copies a stopped server's data dir, so each tampering starts
// from the same sound log.
func copyData(t *testing.T, dir string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "copy")
	if err := os.MkdirAll(dst, 0o700); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if !strings.HasPrefix(en.Name(), "keyturn.db") && en.Name() != "audit.pub" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, en.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, en.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func openRaw(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, "keyturn.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func exec1(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	res, err := db.Exec(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s %v: %d rows changed, want 1", q, args, n)
	}
}

func verifyJSON(t *testing.T, args ...string) (int, verifyReport, string) {
	t.Helper()
	code, out, errs := kt(t, map[string]string{"HOME": t.TempDir()}, append([]string{"audit", "verify", "--json"}, args...)...)
	var rep verifyReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("audit verify --json printed %q (%v)\n%s", out, err, errs)
	}
	return code, rep, out + errs
}

func TestAuditVerifyNamesTheBrokenEvent(t *testing.T) {
	s := auditedServer(t)
	// Through the API, while it runs: the chain and a fresh checkpoint.
	code, out, errs := kt(t, s.as(s.adminToken(t)), "audit", "verify")
	if code != 0 || !strings.HasPrefix(out, "ok: ") || !strings.Contains(out, "1 checkpoint,") {
		t.Fatalf("audit verify through the API: exit %d\n%s%s", code, out, errs)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("serve: exit %d\n%s", code, s.errs)
	}

	code, out, errs = kt(t, map[string]string{"HOME": t.TempDir()}, "audit", "verify", "--data", s.dir)
	if code != 0 || !strings.HasPrefix(out, "ok: ") || !strings.Contains(out, filepath.Join(s.dir, "audit.pub")) {
		t.Fatalf("audit verify --data on a sound log: exit %d\n%s%s", code, out, errs)
	}
	_, sound, _ := verifyJSON(t, "--data", s.dir)
	n := sound.Events
	// The stop signed the head, and the API verify signed one before: a
	// dropped tail shows.
	if !sound.OK || n < 10 || sound.Checkpoints < 1 || len(sound.Head) != 64 {
		t.Fatalf("a sound log: %+v", sound)
	}

	// mid is an event halfway with a payload to change.
	_, all, _ := kt(t, map[string]string{"HOME": t.TempDir()}, "audit", "export", "--data", s.dir)
	var mid int64
	for _, ev := range readJSONLines(t, all) {
		if ev.Seq >= n/2 && strings.ContainsAny(string(ev.Payload), "abcdefghijklmnopqrstuvwxyz") {
			mid = ev.Seq
			break
		}
	}
	if mid == 0 || mid >= n {
		t.Fatalf("no event with a payload between %d and %d", n/2, n)
	}
	cases := []struct {
		name   string
		tamper func(t *testing.T, db *sql.DB)
		bad    int64
	}{
		{"one byte of a payload", func(t *testing.T, db *sql.DB) {
			var payload string
			if err := db.QueryRow(`SELECT payload FROM events WHERE seq = ?`, mid).Scan(&payload); err != nil {
				t.Fatal(err)
			}
			i := strings.IndexAny(payload, "abcdefghijklmnopqrstuvwxyz")
			if i < 0 {
				t.Fatalf("event %d has no letter to change: %s", mid, payload)
			}
			b := []byte(payload)
			b[i] ^= 0x01 // still a letter, still JSON
			exec1(t, db, `UPDATE events SET payload = ? WHERE seq = ?`, string(b), mid)
		}, mid},
		{"the actor of the first event", func(t *testing.T, db *sql.DB) {
			exec1(t, db, `UPDATE events SET actor = 'user:mallory' WHERE seq = 1`)
		}, 1},
		{"a deleted row", func(t *testing.T, db *sql.DB) {
			exec1(t, db, `DELETE FROM events WHERE seq = ?`, mid)
		}, mid},
		{"two rows swapped", func(t *testing.T, db *sql.DB) {
			exec1(t, db, `UPDATE events SET seq = -1 WHERE seq = ?`, mid)
			exec1(t, db, `UPDATE events SET seq = ? WHERE seq = ?`, mid, mid+1)
			exec1(t, db, `UPDATE events SET seq = ? WHERE seq = -1`, mid+1)
		}, mid},
		{"the last row deleted", func(t *testing.T, db *sql.DB) {
			exec1(t, db, `DELETE FROM events WHERE seq = ?`, n)
		}, n},
		{"a rewritten event with its hash recomputed", func(t *testing.T, db *sql.DB) {
			// The event itself checks out; the link from the next one breaks.
			ev := exported(t, s.dir, mid)
			ev.Subject = "someone-else"
			exec1(t, db, `UPDATE events SET subject = ?, hash = ? WHERE seq = ?`, ev.Subject, ev.ComputeHash(), mid)
		}, mid + 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyData(t, s.dir)
			c.tamper(t, openRaw(t, dir))
			code, out, errs := kt(t, map[string]string{"HOME": t.TempDir()}, "audit", "verify", "--data", dir)
			want := fmt.Sprintf("audit log broken at event %d: ", c.bad)
			if code != exitInternal || !strings.HasPrefix(out, want) {
				t.Fatalf("exit %d, want 1 and %q:\n%s%s", code, want, out, errs)
			}
			code, rep, _ := verifyJSON(t, "--data", dir)
			if code != exitInternal || rep.OK || rep.BadSeq != c.bad || rep.Problem == "" {
				t.Fatalf("--json: exit %d %+v", code, rep)
			}
		})
	}

	// A key other than the server's fails every checkpoint.
	t.Run("another key", func(t *testing.T) {
		other := filepath.Join(t.TempDir(), "other")
		o := startLive(t, other)
		o.stop(t)
		code, rep, out := verifyJSON(t, "--data", s.dir, "--key", filepath.Join(other, "audit.pub"))
		if code != exitInternal || rep.OK || !strings.Contains(rep.Problem, "signature") {
			t.Fatalf("verify with another server's key: exit %d\n%s", code, out)
		}
	})
}

func TestAuditVerifyUsageErrors(t *testing.T) {
	home := map[string]string{"HOME": t.TempDir()}
	empty := t.TempDir()
	for _, args := range [][]string{
		{"audit"},
		{"audit", "rewrite"},
		{"audit", "verify", "--data", empty},
		{"audit", "verify", "--data", empty, "--url", "http://127.0.0.1:9"},
		{"audit", "verify", "--key", filepath.Join(empty, "nope.pub"), "--url", "http://127.0.0.1:9", "--token", "kt_x"},
		{"audit", "export", "--after", "-1"},
		{"audit", "tail", "--interval", "0s"},
		{"audit", "verify", "extra"},
	} {
		if code, out, errs := kt(t, home, args...); code != exitUsage || errs == "" {
			t.Errorf("%q: exit %d, want 2 and a message\n%s%s", args, code, out, errs)
		}
	}
	if code, out, _ := kt(t, home, "audit", "-h"); code != 0 || !strings.Contains(out, "Examples:") {
		t.Errorf("audit -h: exit %d\n%s", code, out)
	}
}

func TestAuditExport(t *testing.T) {
	s := auditedServer(t)
	admin := s.as(s.adminToken(t))
	code, viaAPI, errs := kt(t, admin, "audit", "export")
	if code != 0 {
		t.Fatalf("audit export: exit %d\n%s", code, errs)
	}
	s.stop(t)
	code, viaFile, errs := kt(t, map[string]string{"HOME": t.TempDir()}, "audit", "export", "--data", s.dir)
	if code != 0 {
		t.Fatalf("audit export --data: exit %d\n%s", code, errs)
	}
	// The file also holds what happened since the API export: a prefix.
	if !strings.HasPrefix(viaFile, viaAPI) {
		t.Errorf("the API and the file disagree:\n%s\n---\n%s", viaAPI, viaFile)
	}
	events := readJSONLines(t, viaFile)
	if len(events) < 10 {
		t.Fatalf("%d events exported", len(events))
	}
	v := keyturn.NewChainVerifier(nil)
	for i, ev := range events {
		if ev.Seq != int64(i+1) || ev.Type == "" || ev.Hash == "" {
			t.Fatalf("line %d: %+v", i+1, ev)
		}
		if !v.Add(ev) {
			t.Fatalf("the exported chain breaks at %d: %s", v.Bad, v.Problem)
		}
	}
	code, after, _ := kt(t, map[string]string{"HOME": t.TempDir()}, "audit", "export", "--data", s.dir, "--after", "3")
	if rest := readJSONLines(t, after); code != 0 || len(rest) != len(events)-3 || rest[0].Seq != 4 {
		t.Errorf("export --after 3: exit %d, %d events", code, len(rest))
	}
}

// exported returns event seq of the log in dir, as audit export gives it.
func exported(t *testing.T, dir string, seq int64) *keyturn.Event {
	t.Helper()
	_, out, _ := kt(t, map[string]string{"HOME": t.TempDir()}, "audit", "export", "--data", dir, "--after", fmt.Sprint(seq-1))
	evs := readJSONLines(t, out)
	if len(evs) == 0 || evs[0].Seq != seq {
		t.Fatalf("no event %d in %s", seq, dir)
	}
	return evs[0]
}

func readJSONLines(t *testing.T, s string) []*keyturn.Event {
	t.Helper()
	var out []*keyturn.Event
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev keyturn.Event
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ev); err != nil {
			t.Fatalf("not a JSON event line: %q: %v", sc.Text(), err)
		}
		if _, err := dec.Token(); err != io.EOF {
			t.Fatalf("more than one value on a line: %q", sc.Text())
		}
		out = append(out, &ev)
	}
	return out
}

func TestAuditTail(t *testing.T) {
	s := auditedServer(t)
	admin := s.as(s.adminToken(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e, out, errb := fakeEnv(ctx, admin, "")
	done := make(chan int, 1)
	go func() { done <- e.main([]string{"audit", "tail", "--after", "0", "--interval", "10ms"}) }()

	waitFor := func(what string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(out.String(), what) {
			if time.Now().After(deadline) {
				t.Fatalf("audit tail never printed %q:\n%s%s", what, out, errb)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("bob-laptop")
	if code, o, errs := kt(t, admin, "user", "add", "zoe", "--role", "approver"); code != 0 {
		t.Fatalf("user add: exit %d\n%s%s", code, o, errs)
	}
	waitFor("zoe")
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("audit tail exited %d when interrupted\n%s", code, errb)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !strings.HasPrefix(strings.TrimSpace(lines[0]), "1 ") || !strings.Contains(lines[0], "system") {
		t.Errorf("the first line is not event 1 decided by the system: %q", lines[0])
	}
}
