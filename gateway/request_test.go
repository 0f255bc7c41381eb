package gateway_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"keyturn"
)

func TestCancel(t *testing.T) {
	h := newHarness(t)
	h.enroll("bot2", "olivia")
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	// Others' agents do not even learn that it exists.
	_, err := h.g.Cancel(h.as("bot2"), r.ID)
	wantCode(t, err, keyturn.ENOTFOUND)
	_, err = h.g.Cancel(h.as("alice"), r.ID)
	wantCode(t, err, keyturn.EFORBIDDEN)
	got, err := h.g.Cancel(h.as("bot"), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != keyturn.StateCancelled || got.DecidedBy != "agent:bot" || len(got.Approvers) != 0 {
		t.Fatalf("cancelled: %s by %q, approvers %v", got.State, got.DecidedBy, got.Approvers)
	}
	if n := h.count(keyturn.EventCancelled, r.ID); n != 1 {
		t.Fatalf("%d cancelled events", n)
	}
	_, err = h.g.Cancel(h.as("bot"), r.ID)
	wantCode(t, err, keyturn.ECONFLICT)
	_, err = h.g.Approve(h.as("alice"), r.ID, r.Digest, "")
	wantCode(t, err, keyturn.ECONFLICT)
	// The operator may cancel her agent's request too.
	ask := h.pending(cmdAsk, keyturn.Ask)
	if got, err := h.g.Cancel(h.as("olivia"), ask.ID); err != nil || got.DecidedBy != "user:olivia" {
		t.Fatalf("operator's cancel: %v, %v", got, err)
	}
	_, err = h.g.Cancel(h.as("bot"), "r_nosuchrequest")
	wantCode(t, err, keyturn.ENOTFOUND)
}

func TestReport(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	res := keyturn.Result{ExitCode: 0, DurationMs: 840, Output: strings.Repeat("é", keyturn.MaxResultOutput) + "\nnamespace \"payments\" deleted\n"}
	_, err := h.g.Report(h.as("bot"), r.ID, res)
	wantCode(t, err, keyturn.ECONFLICT)
	wantMessage(t, err, "has not run: nothing to report")
	h.approve(r, "alice", "bob")
	_, err = h.g.Report(h.as("bot"), r.ID, res)
	wantCode(t, err, keyturn.ECONFLICT)
	if v := h.submit(cmdTwoPerson); v.Status != keyturn.StatusAllowed {
		t.Fatalf("submit: %s", v.Status)
	}
	h.enroll("bot2", "olivia")
	_, err = h.g.Report(h.as("bot2"), r.ID, res)
	wantCode(t, err, keyturn.ENOTFOUND)
	_, err = h.g.Report(h.as("alice"), r.ID, res)
	wantCode(t, err, keyturn.EFORBIDDEN)
	_, err = h.g.Report(h.as("bot"), r.ID, keyturn.Result{DurationMs: -1})
	wantCode(t, err, keyturn.EINVALID)
	got, err := h.g.Report(h.as("bot"), r.ID, res)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != keyturn.StateExecuted || got.Result == nil || got.Result.DurationMs != 840 || got.Result.At.IsZero() {
		t.Fatalf("after the report: %s %+v", got.State, got.Result)
	}
	out := got.Result.Output
	if len(out) > keyturn.MaxResultOutput || !strings.HasSuffix(out, "deleted\n") || !strings.HasPrefix(out, "é") {
		t.Fatalf("output tail of %d bytes: %.20q…", len(out), out)
	}
	if n := h.count(keyturn.EventResult, r.ID); n != 1 {
		t.Fatalf("%d result events", n)
	}
	_, err = h.g.Report(h.as("bot"), r.ID, res)
	wantCode(t, err, keyturn.ECONFLICT)

	// A failed run, reported by the operator (keyturn exec).
	ask := h.pending(cmdAsk, keyturn.Ask)
	if _, err := h.g.Confirm(h.as("olivia"), ask.ID, ask.Digest, ""); err != nil {
		t.Fatal(err)
	}
	h.submit(cmdAsk)
	got, err = h.g.Report(h.as("olivia"), ask.ID, keyturn.Result{ExitCode: 1, Output: "touch: Permission denied"})
	if err != nil || got.State != keyturn.StateFailed {
		t.Fatalf("failed run: %v, %v", got, err)
	}
}

func TestRequestVisibility(t *testing.T) {
	h := newHarness(t)
	h.enroll("bot2", "olivia")
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	_, err := h.g.Request(h.as("bot2"), r.ID, 0)
	wantCode(t, err, keyturn.ENOTFOUND)
	if got, err := h.g.Request(h.as("bot"), r.ID, 0); err != nil || got.ID != r.ID {
		t.Fatalf("own request: %v, %v", got, err)
	}
	if got, err := h.g.Request(h.as("eve"), r.ID, 0); err != nil || got.ID != r.ID {
		t.Fatalf("a human reads any request: %v, %v", got, err)
	}
	rs, err := h.g.Requests(h.as("bot2"), keyturn.RequestFilter{Agent: "bot"})
	if err != nil || len(rs) != 0 {
		t.Fatalf("another agent's list: %v, %v", rs, err)
	}
	rs, err = h.g.Requests(h.as("bot"), keyturn.RequestFilter{State: keyturn.StatePending})
	if err != nil || len(rs) != 1 || rs[0].ID != r.ID {
		t.Fatalf("own list: %v, %v", rs, err)
	}
	rs, err = h.g.Requests(h.as("alice"), keyturn.RequestFilter{State: keyturn.StatePending, Limit: 5000})
	if err != nil || len(rs) != 1 || !slices.Equal(rs[0].Approvers, []string{"alice", "bob", "carol"}) {
		t.Fatalf("human's list: %v, %v", rs, err)
	}
	_, err = h.g.Requests(h.as("alice"), keyturn.RequestFilter{State: "open"})
	wantCode(t, err, keyturn.EINVALID)
	_, err = h.g.Requests(context.Background(), keyturn.RequestFilter{})
	wantCode(t, err, keyturn.EUNAUTHORIZED)
}

func TestApprovers(t *testing.T) {
	h := newHarness(t)
	h.addUser("dora", []keyturn.Role{keyturn.RoleApprover})
	if err := h.g.DisableUser(h.as("admin"), "dora"); err != nil {
		t.Fatal(err)
	}
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	// Not the operator olivia (an approver too), not disabled dora, not
	// eve who is no approver.
	if !slices.Equal(r.Approvers, []string{"alice", "bob", "carol"}) {
		t.Fatalf("approvers = %v", r.Approvers)
	}
	got := h.approve(r, "carol")
	if !slices.Equal(got.Approvers, []string{"alice", "bob"}) {
		t.Fatalf("approvers after carol = %v", got.Approvers)
	}
	if got = h.approve(r, "alice"); got.Approvers != nil {
		t.Fatalf("approvers of an approved request = %v", got.Approvers)
	}
}

func TestRequestWait(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	got, err := h.g.Request(h.as("bot"), r.ID, 20*time.Millisecond)
	if err != nil || got.State != keyturn.StatePending {
		t.Fatalf("wait without a vote: %v, %v", got, err)
	}
	done := make(chan *keyturn.Request)
	go func() {
		got, err := h.g.Request(h.as("bot"), r.ID, time.Minute)
		if err != nil {
			t.Error(err)
		}
		done <- got
	}()
	h.approve(r, "alice", "bob")
	got = <-done
	if got == nil || got.State != keyturn.StateApproved || got.Grant == nil || !got.Grant.UsedAt.IsZero() {
		t.Fatalf("waited request: %+v", got)
	}
}

func TestRequestExpiresWhenRead(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	h.clock.Add(time.Hour + time.Second)
	got, err := h.g.Request(h.as("bot"), r.ID, time.Minute) // no wait on an expired request
	if err != nil || got.State != keyturn.StateExpired || got.Approvers != nil {
		t.Fatalf("read after expiry: %v, %v", got, err)
	}
	if n := h.count(keyturn.EventExpired, r.ID); n != 1 {
		t.Fatalf("%d expired events", n)
	}
	// Submitting it again opens a new one.
	if v := h.submit(cmdTwoPerson); v.Request.ID == r.ID || v.Status != keyturn.StatusPending {
		t.Fatalf("resubmission: %s %s", v.Status, v.Request.ID)
	}
}

// TestSubmitExpiresStaleRequest: a pending request past its time is not
// handed back to its agent as if it could still be approved.
func TestSubmitExpiresStaleRequest(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	h.clock.Add(2 * time.Hour)
	v := h.submit(cmdTwoPerson)
	if v.Status != keyturn.StatusPending || v.Request.ID == r.ID {
		t.Fatalf("submit after expiry: %s %s", v.Status, v.Request.ID)
	}
	if got := h.request(r.ID); got.State != keyturn.StateExpired {
		t.Fatalf("the stale request is %s", got.State)
	}
}

func TestRunExpiresRequests(t *testing.T) {
	h := newHarness(t)
	stale := h.pending(cmdTwoPerson, keyturn.Approve)
	h.clock.Add(30 * time.Minute)
	fresh := h.pending(cmdAsk, keyturn.Ask)
	h.clock.Add(31 * time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- h.g.Run(ctx) }()
	// Read the store directly: reading through the gateway would expire it.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var state keyturn.State
		err := h.store.View(context.Background(), func(tx keyturn.Tx) error {
			r, err := tx.Request(stale.ID)
			if err == nil {
				state = r.State
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if state == keyturn.StateExpired {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the sweeper did not expire the request")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
	if got := h.request(fresh.ID); got.State != keyturn.StatePending {
		t.Fatalf("the fresh request is %s", got.State)
	}
	if n := h.count(keyturn.EventExpired, ""); n != 1 {
		t.Fatalf("%d expired events", n)
	}
}
