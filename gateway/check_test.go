package gateway_test

import (
	"testing"

	"keyturn"
)

// Check says what Submit would answer and records nothing.
func TestCheckRecordsNothing(t *testing.T) {
	h := newHarness(t)
	bot := h.as("bot")
	before := h.head()

	v, err := h.g.Check(bot, shell("ls -la"))
	if err != nil || v.Status != keyturn.StatusAllowed {
		t.Fatalf("check ls: %+v, %v", v, err)
	}
	const line = "kubectl --context prod-eu delete ns payments"
	v, err = h.g.Check(bot, shell(line))
	if err != nil || v.Status != keyturn.StatusPending || v.Request != nil || v.Decision.Outcome != keyturn.Approve || v.Decision.Approvals != 2 {
		t.Fatalf("check a prod delete: %+v, %v", v, err)
	}
	if h.head() != before {
		t.Fatalf("check wrote %d events", h.head()-before)
	}

	// Once submitted, check reports the open request as it stands.
	r := h.pending(line, keyturn.Approve)
	v, err = h.g.Check(bot, shell(line))
	if err != nil || v.Request == nil || v.Request.ID != r.ID || len(v.Request.Approvers) == 0 {
		t.Fatalf("check a pending action: %+v, %v", v, err)
	}
	after := h.head()
	if _, err := h.g.Check(bot, shell(line)); err != nil || h.head() != after {
		t.Fatalf("check wrote events: %v", err)
	}

	// Bad input is refused; humans use keyturn check on their own machine.
	_, err = h.g.Check(bot, &keyturn.Action{Kind: "nope"})
	wantCode(t, err, keyturn.EINVALID)
	_, err = h.g.Check(h.as("alice"), shell("ls"))
	wantCode(t, err, keyturn.EFORBIDDEN)
	h.verifyChain()
}
