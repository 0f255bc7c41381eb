// Package storetest is the conformance suite every keyturn.Store must pass:
// each Tx method, each error the interface comments promise, and the
// transaction guarantees the gateway's rules stand on (atomic Updates under
// group commit, single-use grants under a race, a gapless audit chain).
//
// A store's own tests call Run with a function that opens a fresh, empty
// store and closes it when the test ends:
//
//	storetest.Run(t, func(t *testing.T) keyturn.Store {
//		db, err := sqlite.Open(filepath.Join(t.TempDir(), "keyturn.db"))
//		…
//		t.Cleanup(func() { db.Close() })
//		return db
//	})
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"keyturn"
)

// Run runs every conformance test, each on a store open returns.
func Run(t *testing.T, open func(t *testing.T) keyturn.Store) {
	tests := []struct {
		name string
		test func(*testing.T, keyturn.Store)
	}{
		{"Users", testUsers},
		{"Agents", testAgents},
		{"Tokens", testTokens},
		{"RequestRoundTrip", testRequestRoundTrip},
		{"RequestTimes", testRequestTimes},
		{"UpdateRequest", testUpdateRequest},
		{"Votes", testVotes},
		{"Grants", testGrants},
		{"UseGrantRace", testUseGrantRace},
		{"OpenRequest", testOpenRequest},
		{"Requests", testRequests},
		{"ExpiredRequests", testExpiredRequests},
		{"Settings", testSettings},
		{"PolicySets", testPolicySets},
		{"Append", testAppend},
		{"AppendConcurrent", testAppendConcurrent},
		{"Events", testEvents},
		{"Checkpoints", testCheckpoints},
		{"UpdateError", testUpdateError},
		{"UpdateErrorBatched", testUpdateErrorBatched},
		{"UpdatePanic", testUpdatePanic},
		{"UpdatesSerialize", testUpdatesSerialize},
		{"UpdateContext", testUpdateContext},
		{"ViewCannotWrite", testViewCannotWrite},
		{"ViewSnapshot", testViewSnapshot},
		{"TxAfterReturn", testTxAfterReturn},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			if s == nil {
				t.Fatal("open returned a nil store")
			}
			tc.test(t, s)
		})
	}
}

// base is a fixed instant with microseconds, the precision stores keep.
var base = time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)

// at returns base plus n seconds.
func at(n int) time.Time { return base.Add(time.Duration(n) * time.Second) }

func update(t *testing.T, s keyturn.Store, fn func(tx keyturn.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, s keyturn.Store, fn func(tx keyturn.Tx) error) {
	t.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// wantCode fails unless err carries the keyturn error code want.
func wantCode(t *testing.T, err error, want, what string) {
	t.Helper()
	if got := keyturn.ErrorCode(err); got != want {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, got, want)
		return
	}
	if want != "" && keyturn.ErrorMessage(err) == "" {
		t.Errorf("%s: error %v has no message for a person", what, err)
	}
}

// txErr runs fn in an Update and returns what the Tx method inside said,
// whether or not the Update kept anything.
func txErr(s keyturn.Store, fn func(tx keyturn.Tx) error) error {
	var inner error
	err := s.Update(context.Background(), func(tx keyturn.Tx) error {
		inner = fn(tx)
		return inner
	})
	if inner == nil && err != nil {
		return fmt.Errorf("update itself failed: %w", err)
	}
	return inner
}

// errRollback is what test functions return to make an Update fail.
var errRollback = errors.New("storetest: roll this back")

// show prints a list of pointers by value.
func show[T any](xs []*T) string {
	s := "["
	for i, x := range xs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%+v", *x)
	}
	return s + "]"
}
