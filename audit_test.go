package keyturn_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"keyturn"
)

// chain builds n sealed events.
func chain(n int) []*keyturn.Event {
	var out []*keyturn.Event
	seq, hash := int64(0), ""
	for i := 0; i < n; i++ {
		e := &keyturn.Event{Type: keyturn.EventDecision, Actor: "agent:a", Subject: "r_x",
			Time: time.Date(2026, 11, 29, 10, 0, i, 0, time.UTC), Payload: json.RawMessage(`{"b":2,"a":[1,"x"]}`)}
		e.Seal(seq, hash)
		seq, hash = e.Seq, e.Hash
		out = append(out, e)
	}
	return out
}

func verify(events []*keyturn.Event, cps []keyturn.Checkpoint, pub ed25519.PublicKey) (int64, string) {
	v := keyturn.NewChainVerifier(cps)
	for _, e := range events {
		v.Add(e)
	}
	v.Finish(cps, pub)
	return v.Bad, v.Problem
}

func TestChainVerifies(t *testing.T) {
	events := chain(10)
	if events[0].PrevHash != keyturn.GenesisHash || events[9].Seq != 10 {
		t.Fatalf("first prev %q, last seq %d", events[0].PrevHash, events[9].Seq)
	}
	if bad, problem := verify(events, nil, nil); bad != 0 {
		t.Fatalf("a sound chain is bad at %d: %s", bad, problem)
	}
}

// Each kind of tampering names the first sequence it touches.
func TestChainNamesTheFirstBadEvent(t *testing.T) {
	for name, tc := range map[string]struct {
		tamper func([]*keyturn.Event) []*keyturn.Event
		want   int64
	}{
		"payload byte": {func(es []*keyturn.Event) []*keyturn.Event {
			es[4].Payload = json.RawMessage(strings.Replace(string(es[4].Payload), "x", "y", 1))
			return es
		}, 5},
		"actor": {func(es []*keyturn.Event) []*keyturn.Event { es[6].Actor = "user:mallory"; return es }, 7},
		"time":  {func(es []*keyturn.Event) []*keyturn.Event { es[2].Time = es[2].Time.Add(time.Second); return es }, 3},
		"deleted row": {func(es []*keyturn.Event) []*keyturn.Event {
			return append(es[:3:3], es[4:]...)
		}, 4},
		"swapped rows": {func(es []*keyturn.Event) []*keyturn.Event {
			es[5], es[6] = es[6], es[5]
			return es
		}, 6},
		"swapped contents, seqs kept": {func(es []*keyturn.Event) []*keyturn.Event {
			es[5].Seq, es[6].Seq = es[6].Seq, es[5].Seq
			es[5], es[6] = es[6], es[5]
			return es
		}, 6},
		"rehashed alone": {func(es []*keyturn.Event) []*keyturn.Event {
			// Recomputing the tampered event's own hash does not help: the
			// next event names the old one.
			es[1].Subject = "r_other"
			es[1].Hash = es[1].ComputeHash()
			return es
		}, 3},
	} {
		t.Run(name, func(t *testing.T) {
			bad, problem := verify(tc.tamper(chain(10)), nil, nil)
			if bad != tc.want {
				t.Fatalf("bad at %d (%s), want %d", bad, problem, tc.want)
			}
		})
	}
}

// The hash covers the payload as stored: its key order counts, its
// insignificant spaces do not.
func TestHashCoversPayload(t *testing.T) {
	a, b, c := chain(1)[0], chain(1)[0], chain(1)[0]
	b.Payload = json.RawMessage(`{"b": 2, "a": [1, "x"]}`)
	if a.ComputeHash() != b.ComputeHash() {
		t.Error("spaces outside strings must not change the hash")
	}
	c.Payload = json.RawMessage(`{"a":[1,"x"],"b":2}`)
	if a.ComputeHash() == c.ComputeHash() {
		t.Error("the payload's bytes must be covered as stored")
	}
	c.Payload = json.RawMessage(`{"a":[1,"x"],"b":2`)
	if a.ComputeHash() == c.ComputeHash() {
		t.Error("a damaged payload must hash to something else")
	}
}

func TestCheckpoints(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	events := chain(5)
	cp := keyturn.SignCheckpoint(key, 5, events[4].Hash, time.Now())
	if !cp.VerifySignature(pub) {
		t.Fatal("a fresh checkpoint does not verify")
	}
	if bad, problem := verify(events, []keyturn.Checkpoint{cp}, pub); bad != 0 {
		t.Fatalf("bad at %d: %s", bad, problem)
	}
	// Dropping events from the end is seen through the checkpoint.
	if bad, _ := verify(events[:3], []keyturn.Checkpoint{cp}, pub); bad != 4 {
		t.Errorf("truncated log: bad at %d, want 4", bad)
	}
	// A forged checkpoint does not verify.
	forged := cp
	forged.Seq = 4
	if forged.VerifySignature(pub) {
		t.Error("a changed checkpoint still verifies")
	}
	if bad, _ := verify(events, []keyturn.Checkpoint{forged}, pub); bad != 4 {
		t.Errorf("forged checkpoint: bad at %d, want 4", bad)
	}
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	if cp.VerifySignature(otherPub) {
		t.Error("a checkpoint verifies with another key")
	}
}
