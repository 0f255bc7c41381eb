package gateway_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"sync"
	"testing"
	"time"

	"keyturn"
)

func TestCheckpoint(t *testing.T) {
	h := newHarness(t)
	cp, err := h.g.Checkpoint(h.as("alice"))
	if err != nil {
		t.Fatal(err)
	}
	es := h.events()
	last := es[len(es)-1]
	if cp.Seq != last.Seq || cp.Head != last.Hash {
		t.Fatalf("checkpoint of %d %s, want the head %d %s", cp.Seq, cp.Head, last.Seq, last.Hash)
	}
	if !cp.VerifySignature(h.pub) {
		t.Fatal("the checkpoint does not verify with the gateway's public key")
	}
	st, err := h.g.Status(h.as("alice"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := base64.StdEncoding.DecodeString(st.PublicKey)
	if err != nil || !cp.VerifySignature(ed25519.PublicKey(pub)) || st.AuditSeq != last.Seq {
		t.Fatalf("status %+v: its public key does not verify the checkpoint, or its sequence is not the head", st)
	}
	forged := *cp
	forged.Seq--
	if forged.VerifySignature(h.pub) {
		t.Fatal("a changed checkpoint still verifies")
	}
	other, _, _ := ed25519.GenerateKey(nil)
	if cp.VerifySignature(other) {
		t.Fatal("the checkpoint verifies with another key")
	}

	// Nothing happened since: the same checkpoint, not a second one.
	h.clock.Add(time.Minute)
	again, err := h.g.Checkpoint(h.as("admin"))
	if err != nil || *again != *cp {
		t.Fatalf("checkpoint again: %+v, %v; want %+v", again, err, cp)
	}
	h.submit(cmdRead)
	next, err := h.g.Checkpoint(h.as("admin"))
	if err != nil || next.Seq != cp.Seq+1 || !next.VerifySignature(h.pub) {
		t.Fatalf("checkpoint after an event: %+v, %v", next, err)
	}
	var stored []keyturn.Checkpoint
	if err := h.store.View(context.Background(), func(tx keyturn.Tx) error {
		var err error
		stored, err = tx.Checkpoints()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2 || stored[0].Seq != cp.Seq || stored[1].Seq != next.Seq {
		t.Fatalf("stored checkpoints %+v, want %d and %d", stored, cp.Seq, next.Seq)
	}
}

func TestEventsPagination(t *testing.T) {
	h := newHarness(t)
	// Enough events for several pages of the largest size, appended the
	// way the gateway does.
	err := h.store.Update(context.Background(), func(tx keyturn.Tx) error {
		for range 2100 {
			e := &keyturn.Event{Type: keyturn.EventFreeze, Actor: "user:admin", Subject: "freeze",
				Time: h.clock.Now(), Payload: []byte(`{"on":false,"reason":"pagination test"}`)}
			if err := tx.Append(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	all := h.events()
	total := len(all)

	ctx := h.as("carol")
	page, err := h.g.Events(ctx, 0, 0)
	if err != nil || len(page) != 100 || page[0].Seq != 1 {
		t.Fatalf("default page: %d events from %v, %v; want 100 from 1", len(page), page[0].Seq, err)
	}
	page, err = h.g.Events(ctx, 0, 5000)
	if err != nil || len(page) != 1000 {
		t.Fatalf("oversized page: %d events, %v; want at most 1000", len(page), err)
	}

	// Walking in pages of 7 reads every event once, in order.
	var seqs []int64
	for after := int64(0); ; {
		page, err := h.g.Events(ctx, after, 7)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 7 {
			t.Fatalf("page of %d, want at most 7", len(page))
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			seqs = append(seqs, e.Seq)
		}
		after = page[len(page)-1].Seq
	}
	if len(seqs) != total {
		t.Fatalf("pages hold %d events, the log %d", len(seqs), total)
	}
	for i, s := range seqs {
		if s != int64(i+1) || s != all[i].Seq {
			t.Fatalf("page walk: event %d has sequence %d", i+1, s)
		}
	}

	page, err = h.g.Events(ctx, int64(total), 10)
	if err != nil || len(page) != 0 {
		t.Fatalf("after the head: %d events, %v; want none", len(page), err)
	}
	_, err = h.g.Events(ctx, -1, 10)
	wantCode(t, err, keyturn.EINVALID)
	_, err = h.g.Events(h.as("bot"), 0, 10)
	wantCode(t, err, keyturn.EFORBIDDEN)
	_, err = h.g.Events(context.Background(), 0, 10)
	wantCode(t, err, keyturn.EUNAUTHORIZED)
}

// TestEveryChangeIsRecorded: the principal, freeze and policy operations
// each write their event with who decided.
func TestEveryChangeIsRecorded(t *testing.T) {
	h := newHarness(t)
	for _, e := range h.events() {
		if e.DecidedBy == nil {
			t.Errorf("event %d (%s) does not say who decided", e.Seq, e.Type)
		}
	}
}

// Every keyturn.CheckpointEvery events the gateway signs a checkpoint of
// the head, in the transaction that appends the event at that sequence.
func TestCheckpointEveryThousandEvents(t *testing.T) {
	h := newHarness(t)
	start := h.head()
	bot := h.as("bot")
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; int64(i)*8 < keyturn.CheckpointEvery-start+8; i++ {
				v, err := h.g.Submit(bot, shell(fmt.Sprintf("ls -la src/%d/%d", w, i)), 0)
				if err != nil || v.Status != keyturn.StatusAllowed {
					t.Errorf("ls: %v, %v", v, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if h.head() < keyturn.CheckpointEvery {
		t.Fatalf("only %d events", h.head())
	}
	var cps []keyturn.Checkpoint
	err := h.store.View(context.Background(), func(tx keyturn.Tx) error {
		var err error
		cps, err = tx.Checkpoints()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var at *keyturn.Checkpoint
	for i := range cps {
		if cps[i].Seq == keyturn.CheckpointEvery {
			at = &cps[i]
		}
	}
	if at == nil {
		t.Fatalf("no checkpoint at event %d: %+v", keyturn.CheckpointEvery, cps)
	}
	if !at.VerifySignature(h.pub) || at.Head != h.events()[keyturn.CheckpointEvery-1].Hash {
		t.Errorf("the checkpoint at %d does not sign that event's hash", keyturn.CheckpointEvery)
	}
	h.verifyChain()
}
