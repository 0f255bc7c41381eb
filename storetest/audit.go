package storetest

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"keyturn"
)

// allEvents reads the whole log a page at a time.
func allEvents(t *testing.T, s keyturn.Store) []*keyturn.Event {
	t.Helper()
	var out []*keyturn.Event
	view(t, s, func(tx keyturn.Tx) error {
		for {
			page, err := tx.Events(int64(len(out)), 64)
			if err != nil || len(page) == 0 {
				return err
			}
			out = append(out, page...)
		}
	})
	return out
}

// verifyChain fails unless events are the gapless chain 1..n.
func verifyChain(t *testing.T, events []*keyturn.Event, checkpoints []keyturn.Checkpoint, pub ed25519.PublicKey) {
	t.Helper()
	v := keyturn.NewChainVerifier(checkpoints)
	for _, e := range events {
		v.Add(e)
	}
	n := v.Finish(checkpoints, pub)
	if v.Bad != 0 {
		t.Fatalf("the chain is broken at event %d: %s", v.Bad, v.Problem)
	}
	if n != int64(len(events)) {
		t.Fatalf("verified %d events, read %d", n, len(events))
	}
}

func event(typ, subject string) *keyturn.Event {
	return &keyturn.Event{Type: typ, Actor: "system", Subject: subject}
}

func testAppend(t *testing.T, s keyturn.Store) {
	view(t, s, func(tx keyturn.Tx) error {
		seq, hash, err := tx.Head()
		if err != nil {
			return err
		}
		if seq != 0 || hash != "" {
			t.Errorf("Head of an empty log = (%d, %q), want (0, \"\")", seq, hash)
		}
		events, err := tx.Events(0, 10)
		if err != nil {
			return err
		}
		if len(events) != 0 {
			t.Errorf("Events of an empty log = %d events, want none", len(events))
		}
		return nil
	})

	first := &keyturn.Event{Time: at(0), Type: keyturn.EventDecision, Actor: "agent:ci-bot", Subject: "r_1",
		DecidedBy: &keyturn.Decider{Kind: "policy", Policies: []string{"prod-destructive", "default"}},
		Payload:   json.RawMessage(`{"decision": "approve", "effects": [ {"class":"destructive"} ]}`)}
	second := &keyturn.Event{Time: at(1), Type: keyturn.EventApproval, Actor: "user:adam", Subject: "r_1",
		DecidedBy: &keyturn.Decider{Kind: "human", Who: "adam"}}
	third := &keyturn.Event{Type: keyturn.EventFreeze, Actor: "user:adam", Subject: "freeze"} // no time: Seal sets it
	update(t, s, func(tx keyturn.Tx) error { return tx.Append(first) })
	update(t, s, func(tx keyturn.Tx) error {
		if err := tx.Append(second); err != nil {
			return err
		}
		return tx.Append(third)
	})
	if first.Seq != 1 || second.Seq != 2 || third.Seq != 3 {
		t.Errorf("Append set seqs %d, %d, %d; want 1, 2, 3", first.Seq, second.Seq, third.Seq)
	}
	if first.PrevHash != keyturn.GenesisHash || second.PrevHash != first.Hash || third.PrevHash != second.Hash {
		t.Errorf("Append did not link each event to the one before it")
	}
	if third.Time.IsZero() {
		t.Errorf("Append left a zero time")
	}

	got := allEvents(t, s)
	if want := []*keyturn.Event{first, second, third}; !reflect.DeepEqual(got, want) {
		gj, _ := json.MarshalIndent(got, "", "  ")
		wj, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("Events:\ngot  %s\nwant %s", gj, wj)
	}
	verifyChain(t, got, nil, nil)
	view(t, s, func(tx keyturn.Tx) error {
		seq, hash, err := tx.Head()
		if err != nil {
			return err
		}
		if seq != 3 || hash != third.Hash {
			t.Errorf("Head = (%d, %s), want (3, %s)", seq, hash, third.Hash)
		}
		return nil
	})
}

// testAppendConcurrent appends 200 events from 20 goroutines, one event per
// Update: the log must be 1..200 with no gap, and chain.
func testAppendConcurrent(t *testing.T, s keyturn.Store) {
	const goroutines, each = 20, 10
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				errs <- s.Update(t.Context(), func(tx keyturn.Tx) error {
					return tx.Append(event(keyturn.EventDecision, fmt.Sprintf("g%d-%d", g, i)))
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
	}
	events := allEvents(t, s)
	if len(events) != goroutines*each {
		t.Fatalf("%d events, want %d", len(events), goroutines*each)
	}
	subjects := map[string]bool{}
	for i, e := range events {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d", i+1, e.Seq)
		}
		if subjects[e.Subject] {
			t.Errorf("event %s appears twice", e.Subject)
		}
		subjects[e.Subject] = true
	}
	verifyChain(t, events, nil, nil)
}

func testEvents(t *testing.T, s keyturn.Store) {
	update(t, s, func(tx keyturn.Tx) error {
		for i := range 10 {
			if err := tx.Append(event(keyturn.EventDecision, fmt.Sprint(i+1))); err != nil {
				return err
			}
		}
		return nil
	})
	cases := []struct {
		after int64
		limit int
		want  []int64
	}{
		{0, 3, []int64{1, 2, 3}},
		{3, 3, []int64{4, 5, 6}},
		{9, 5, []int64{10}},
		{10, 5, nil},
		{50, 5, nil},
		{0, 100, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
	}
	view(t, s, func(tx keyturn.Tx) error {
		for _, c := range cases {
			events, err := tx.Events(c.after, c.limit)
			if err != nil {
				return err
			}
			var seqs []int64
			for _, e := range events {
				seqs = append(seqs, e.Seq)
				if e.Subject != fmt.Sprint(e.Seq) {
					t.Errorf("event %d has the subject of event %s", e.Seq, e.Subject)
				}
			}
			if !slices.Equal(seqs, c.want) {
				t.Errorf("Events(%d, %d) = %v, want %v", c.after, c.limit, seqs, c.want)
			}
		}
		return nil
	})
}

func testCheckpoints(t *testing.T, s keyturn.Store) {
	pub, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	view(t, s, func(tx keyturn.Tx) error {
		cs, err := tx.Checkpoints()
		if err == nil && len(cs) != 0 {
			t.Errorf("Checkpoints of an empty store = %+v, want none", cs)
		}
		return err
	})
	var hashes []string
	update(t, s, func(tx keyturn.Tx) error {
		for i := range 5 {
			e := event(keyturn.EventDecision, fmt.Sprint(i))
			if err := tx.Append(e); err != nil {
				return err
			}
			hashes = append(hashes, e.Hash)
		}
		return nil
	})
	c2 := keyturn.SignCheckpoint(key, 2, hashes[1], at(2))
	c5 := keyturn.SignCheckpoint(key, 5, hashes[4], at(5))
	update(t, s, func(tx keyturn.Tx) error {
		if err := tx.AddCheckpoint(&c5); err != nil {
			return err
		}
		return tx.AddCheckpoint(&c2)
	})
	wantCode(t, txErr(s, func(tx keyturn.Tx) error {
		c := keyturn.SignCheckpoint(key, 2, hashes[1], at(9))
		return tx.AddCheckpoint(&c)
	}), keyturn.ECONFLICT, "a second checkpoint at the same sequence")
	var cs []keyturn.Checkpoint
	view(t, s, func(tx keyturn.Tx) (err error) {
		cs, err = tx.Checkpoints()
		return err
	})
	if want := []keyturn.Checkpoint{c2, c5}; !reflect.DeepEqual(cs, want) {
		t.Fatalf("Checkpoints = %+v, want %+v (in sequence order)", cs, want)
	}
	verifyChain(t, allEvents(t, s), cs, pub)
}
