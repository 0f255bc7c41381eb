package gateway_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"keyturn"
)

// cmdRepoWrite is a write the default pack allows on its own: a push to a
// repository.
const cmdRepoWrite = "git push origin feature"

// b2Payload decodes an event's payload.
func b2Payload(t *testing.T, e *keyturn.Event) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(e.Payload, &m); err != nil {
		t.Fatalf("event %d payload: %v", e.Seq, err)
	}
	return m
}

// b2Last returns the last event of type typ.
func b2Last(t *testing.T, h *harness, typ string) *keyturn.Event {
	t.Helper()
	es := h.events()
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].Type == typ {
			return es[i]
		}
	}
	t.Fatalf("no %s event", typ)
	return nil
}

func TestFreezeDeniesWritesUntilLifted(t *testing.T) {
	h := newHarness(t)
	if v := h.submit(cmdRepoWrite); v.Status != keyturn.StatusAllowed {
		t.Fatalf("before the freeze: %s %s, want allowed", v.Status, v.Decision)
	}

	f, err := h.g.SetFreeze(h.as("admin"), true, "release 4.2 going out")
	if err != nil {
		t.Fatal(err)
	}
	if !f.On || f.By != "admin" || f.Reason != "release 4.2 going out" || !f.Since.Equal(h.clock.Now()) {
		t.Fatalf("freeze %+v", f)
	}
	st, err := h.g.Status(h.as("alice"))
	if err != nil || !st.Freeze.On || st.Freeze.Reason != f.Reason {
		t.Fatalf("status during the freeze: %+v, %v", st, err)
	}
	e := b2Last(t, h, keyturn.EventFreeze)
	if p := b2Payload(t, e); p["on"] != true || p["reason"] != f.Reason || e.DecidedBy.Kind != "human" || e.DecidedBy.Who != "admin" {
		t.Fatalf("freeze event %s by %+v", e.Payload, e.DecidedBy)
	}

	v := h.submit(cmdRepoWrite)
	if v.Status != keyturn.StatusDenied || v.Decision.Reasons[0].Policy != "change-freeze" {
		t.Fatalf("during the freeze: %s %+v, want denied by change-freeze", v.Status, v.Decision)
	}
	if v := h.submit(cmdRead); v.Status != keyturn.StatusAllowed {
		t.Fatalf("a read during the freeze: %s, want allowed", v.Status)
	}
	// A second "on" keeps the freeze's start.
	h.clock.Add(time.Minute)
	f2, err := h.g.SetFreeze(h.as("admin"), true, "still going out")
	if err != nil || !f2.Since.Equal(f.Since) {
		t.Fatalf("freeze again: %+v, %v; want the first start kept", f2, err)
	}

	off, err := h.g.SetFreeze(h.as("admin"), false, "release done")
	if err != nil || off.On {
		t.Fatalf("lift: %+v, %v", off, err)
	}
	if st, err := h.g.Status(h.as("alice")); err != nil || st.Freeze.On {
		t.Fatalf("status after the freeze: %+v, %v", st, err)
	}
	if v := h.submit(cmdRepoWrite); v.Status != keyturn.StatusAllowed {
		t.Fatalf("after the freeze: %s %s, want allowed", v.Status, v.Decision)
	}
	if n := h.count(keyturn.EventFreeze, ""); n != 3 {
		t.Fatalf("%d freeze events, want 3", n)
	}
}

func TestSetFreezeRefuses(t *testing.T) {
	h := newHarness(t)
	before := h.head()
	_, err := h.g.SetFreeze(h.as("admin"), true, "  ")
	wantCode(t, err, keyturn.EINVALID)
	wantMessage(t, err, "reason")
	_, err = h.g.SetFreeze(h.as("admin"), true, strings.Repeat("x", 5000))
	wantCode(t, err, keyturn.EINVALID)
	for _, who := range []string{"alice", "olivia", "bot"} {
		_, err := h.g.SetFreeze(h.as(who), true, "because")
		wantCode(t, err, keyturn.EFORBIDDEN)
	}
	if h.head() != before {
		t.Fatal("refused freezes wrote events")
	}
	// The reason is masked like everything stored.
	if _, err := h.g.SetFreeze(h.as("admin"), true, "leaked DB_PASSWORD=hunter22 in prod"); err != nil {
		t.Fatal(err)
	}
	if e := b2Last(t, h, keyturn.EventFreeze); strings.Contains(string(e.Payload), "hunter22") {
		t.Fatalf("freeze event keeps a secret: %s", e.Payload)
	}
}

func TestBreakGlassRefuses(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	before := h.head()
	for _, c := range []struct {
		name, by string
		b        keyturn.BreakGlass
		code     string
	}{
		{"approver", "alice", keyturn.BreakGlass{Request: r.ID, Reason: "outage"}, keyturn.EFORBIDDEN},
		{"operator", "olivia", keyturn.BreakGlass{Request: r.ID, Reason: "outage"}, keyturn.EFORBIDDEN},
		{"agent", "bot", keyturn.BreakGlass{Request: r.ID, Reason: "outage"}, keyturn.EFORBIDDEN},
		{"no reason", "admin", keyturn.BreakGlass{Request: r.ID}, keyturn.EINVALID},
		{"nothing named", "admin", keyturn.BreakGlass{Reason: "outage"}, keyturn.EINVALID},
		{"both", "admin", keyturn.BreakGlass{Request: r.ID, Action: shell(cmdAsk), Agent: "bot", Reason: "outage"}, keyturn.EINVALID},
		{"action without agent", "admin", keyturn.BreakGlass{Action: shell(cmdAsk), Reason: "outage"}, keyturn.EINVALID},
		{"unknown request", "admin", keyturn.BreakGlass{Request: "r_nope", Reason: "outage"}, keyturn.ENOTFOUND},
		{"unknown agent", "admin", keyturn.BreakGlass{Action: shell(cmdAsk), Agent: "nobody", Reason: "outage"}, keyturn.ENOTFOUND},
		{"malformed action", "admin", keyturn.BreakGlass{Action: &keyturn.Action{Kind: "teleport"}, Agent: "bot", Reason: "outage"}, keyturn.EINVALID},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := h.g.BreakGlass(h.as(c.by), c.b)
			wantCode(t, err, c.code)
		})
	}
	if h.head() != before {
		t.Fatal("refused break-glass calls wrote events")
	}
	if got := h.request(r.ID); got.State != keyturn.StatePending {
		t.Fatalf("request is %s after refused break-glass", got.State)
	}

	// Past its time the request is expired, not broken open.
	h.clock.Add(2 * time.Hour)
	_, err := h.g.BreakGlass(h.as("admin"), keyturn.BreakGlass{Request: r.ID, Reason: "outage"})
	wantCode(t, err, keyturn.EEXPIRED)
	if got := h.request(r.ID); got.State != keyturn.StateExpired || got.Grant != nil {
		t.Fatalf("request is %s with grant %v, want expired without one", got.State, got.Grant)
	}
	if n := h.count(keyturn.EventExpired, r.ID); n != 1 {
		t.Fatalf("%d expired events, want 1", n)
	}
	_, err = h.g.BreakGlass(h.as("admin"), keyturn.BreakGlass{Request: r.ID, Reason: "outage"})
	wantCode(t, err, keyturn.ECONFLICT)
}

// TestBreakGlassRequest: an admin lets a pending request through alone,
// during a freeze; the grant runs once without the policy, and the event is
// flagged for review.
func TestBreakGlassRequest(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	if _, err := h.g.SetFreeze(h.as("admin"), true, "incident 7"); err != nil {
		t.Fatal(err)
	}
	got, err := h.g.BreakGlass(h.as("admin"), keyturn.BreakGlass{Request: r.ID, Reason: "payments is down, rollback now"})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != keyturn.StateApproved || !got.BreakGlass || got.DecidedBy != "breakglass:admin" ||
		got.Grant == nil || !got.Grant.UsedAt.IsZero() || len(got.Approvers) != 0 {
		t.Fatalf("break-glass request %+v", got)
	}
	stored := h.request(r.ID)
	if stored.State != keyturn.StateApproved || !stored.BreakGlass || stored.Grant == nil {
		t.Fatalf("stored request %+v", stored)
	}
	e := b2Last(t, h, keyturn.EventBreakGlass)
	p := b2Payload(t, e)
	if e.Subject != r.ID || e.Actor != "user:admin" || e.DecidedBy.Kind != "breakglass" || e.DecidedBy.Who != "admin" ||
		p["review"] != true || p["reason"] != "payments is down, rollback now" || p["request"] != r.ID || p["digest"] != r.Digest {
		t.Fatalf("breakglass event %s by %+v", e.Payload, e.DecidedBy)
	}

	_, err = h.g.BreakGlass(h.as("admin"), keyturn.BreakGlass{Request: r.ID, Reason: "again"})
	wantCode(t, err, keyturn.ECONFLICT)

	// The grant skips the re-decision, freeze included, once.
	if v := h.submit(cmdTwoPerson); v.Status != keyturn.StatusAllowed || v.Request == nil || v.Request.ID != r.ID {
		t.Fatalf("first run after break-glass: %s %+v", v.Status, v.Decision)
	}
	if v := h.submit(cmdTwoPerson); v.Status == keyturn.StatusAllowed {
		t.Fatalf("second run after break-glass: allowed again")
	}
}

// TestBreakGlassAction: an admin lets an action through for an agent that
// has not asked yet; the request records what the policy would have said.
func TestBreakGlassAction(t *testing.T) {
	h := newHarness(t)
	a := shell(cmdTwoPerson)
	a.Agent, a.Operator = "mallory", "mallory" // ignored: the agent record says who
	r, err := h.g.BreakGlass(h.as("admin"), keyturn.BreakGlass{Action: a, Agent: "bot", Reason: "incident 9"})
	if err != nil {
		t.Fatal(err)
	}
	if r.State != keyturn.StateApproved || !r.BreakGlass || r.Agent != "bot" || r.Operator != "olivia" ||
		r.Action.Agent != "bot" || r.Digest != a.Digest() || r.Grant == nil {
		t.Fatalf("break-glass request %+v", r)
	}
	if r.Decision.Outcome != keyturn.Approve || r.Decision.Approvals != 2 || len(r.Effects) == 0 {
		t.Fatalf("recorded decision %s with %d effects, want what the policy says: approve (2)", r.Decision, len(r.Effects))
	}
	if n := h.count(keyturn.EventBreakGlass, r.ID); n != 1 {
		t.Fatalf("%d breakglass events, want 1", n)
	}
	_, err = h.g.BreakGlass(h.as("admin"), keyturn.BreakGlass{Action: shell(cmdTwoPerson), Agent: "bot", Reason: "again"})
	wantCode(t, err, keyturn.ECONFLICT)

	if v := h.submit(cmdTwoPerson); v.Status != keyturn.StatusAllowed || v.Request == nil || v.Request.ID != r.ID {
		t.Fatalf("run after break-glass: %s %+v", v.Status, v.Decision)
	}

	// An action the agent is already waiting on: that request is approved,
	// not a second one beside it.
	p := h.pending(cmdAsk, keyturn.Ask)
	r, err = h.g.BreakGlass(h.as("admin"), keyturn.BreakGlass{Action: shell(cmdAsk), Agent: "bot", Reason: "incident 10"})
	if err != nil || r.ID != p.ID || r.State != keyturn.StateApproved {
		t.Fatalf("break-glass of a pending action: %+v, %v; want %s approved", r, err, p.ID)
	}

	// A revoked agent could never use the grant.
	if err := h.g.RevokeAgent(h.as("admin"), "bot"); err != nil {
		t.Fatal(err)
	}
	_, err = h.g.BreakGlass(h.as("admin"), keyturn.BreakGlass{Action: shell("rm -rf /srv/x"), Agent: "bot", Reason: "incident 11"})
	wantCode(t, err, keyturn.EINVALID)
}

func TestBreakGlassRefusesPolicyRequests(t *testing.T) {
	h := newHarness(t)
	r, err := h.g.PushPolicy(h.as("admin"), b2Files(b2Extra, ""))
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.g.BreakGlass(h.as("admin"), keyturn.BreakGlass{Request: r.ID, Reason: "hurry"})
	wantCode(t, err, keyturn.EINVALID)
}
