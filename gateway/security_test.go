package gateway_test

import (
	"slices"
	"testing"

	"keyturn"
)

// Security regressions: each test failed before its fix.

// The policy judges only what the digest binds. An environment variable the
// digest leaves out (it "changes nothing") must not change what the
// classifier sees either, or one approval would cover two different actions:
// the same digest with NS=payments and with NS=kube-system.
func TestGrantCoversOnlyWhatWasApproved(t *testing.T) {
	h := newHarness(t)
	cmd := "kubectl --context prod-eu delete ns $NS"
	first := &keyturn.Action{Kind: keyturn.KindShell, Command: cmd, Cwd: "/home/olivia/project",
		Env: map[string]string{"NS": "payments"}}
	second := &keyturn.Action{Kind: keyturn.KindShell, Command: cmd, Cwd: "/home/olivia/project",
		Env: map[string]string{"NS": "kube-system"}}
	if first.Digest() != second.Digest() {
		t.Skip("the digest binds NS: nothing to test")
	}
	v, err := h.g.Submit(h.as("bot"), first, 0)
	if err != nil || v.Request == nil {
		t.Fatalf("submit: %v %v", v, err)
	}
	r := v.Request
	h.approve(r, []string{"alice", "bob", "carol"}[:max(r.Decision.Approvals, 1)]...)
	got, err := h.g.Submit(h.as("bot"), second, 0)
	if err != nil {
		t.Fatal(err)
	}
	targets := func(es []keyturn.Effect) (out []string) {
		for _, e := range es {
			out = append(out, e.Targets...)
		}
		return out
	}
	if got.Status == keyturn.StatusAllowed && !slices.Equal(targets(got.Effects), targets(r.Effects)) {
		t.Fatalf("the grant approved for %v let through %v", targets(r.Effects), targets(got.Effects))
	}
}

// One eligible deny denies the request, even one that arrives after the last
// approval but before the agent used its grant: an approved request must not
// survive a later deny.
func TestDenyRevokesAnUnusedGrant(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	if got := h.approve(r, "alice", "bob"); got.State != keyturn.StateApproved {
		t.Fatalf("after two approvals: %s", got.State)
	}
	got, err := h.g.Deny(h.as("carol"), r.ID, r.Digest, "that namespace still serves traffic")
	if err != nil {
		t.Fatalf("a deny after the approvals: %v", err)
	}
	if got.State != keyturn.StateDenied || got.DecidedBy != "user:carol" {
		t.Fatalf("after the deny: %s by %q", got.State, got.DecidedBy)
	}
	if v := h.submit(cmdTwoPerson); v.Status == keyturn.StatusAllowed {
		t.Fatal("the grant of a denied request was used")
	}
	// A used grant is history: denying it changes nothing.
	r2 := h.pending(cmdAsk, keyturn.Ask)
	if _, err := h.g.Confirm(h.as("olivia"), r2.ID, r2.Digest, ""); err != nil {
		t.Fatal(err)
	}
	if v := h.submit(cmdAsk); v.Status != keyturn.StatusAllowed {
		t.Fatalf("confirmed ask: %s", v.Status)
	}
	_, err = h.g.Deny(h.as("alice"), r2.ID, r2.Digest, "too late")
	wantCode(t, err, keyturn.ECONFLICT)
}

// An approval counts only while its author may give it: the approval of a
// user disabled since (a leaver, a stolen token) no longer counts, neither
// towards the approvals still missing nor when the grant is used.
func TestDisabledApproverNoLongerCounts(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	h.approve(r, "alice")
	if err := h.g.DisableUser(h.as("admin"), "alice"); err != nil {
		t.Fatal(err)
	}
	if got := h.approve(r, "bob"); got.State != keyturn.StatePending {
		t.Fatalf("bob's approval and disabled alice's made it %s", got.State)
	}
	if got := h.approve(r, "carol"); got.State != keyturn.StateApproved {
		t.Fatalf("bob's and carol's approvals made it %s", got.State)
	}
	if err := h.g.DisableUser(h.as("admin"), "carol"); err != nil {
		t.Fatal(err)
	}
	if v := h.submit(cmdTwoPerson); v.Status == keyturn.StatusAllowed {
		t.Fatal("a grant was used on the approval of a user disabled since")
	}
}
