package http_test

import (
	"context"
	"testing"
	"time"

	"keyturn"
)

// A request's whole life through the client: each answer is what the
// gateway says when asked directly.
func TestRequestLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bot, alice, bob, carol := f.client("bot"), f.client("alice"), f.client("bob"), f.client("carol")
	p := f.submit("kubectl --context prod-eu delete ns payments")
	id, digest := p.Request.ID, p.Digest

	// Reading, as a human and as the agent.
	for _, who := range []string{"bob", "bot"} {
		got, err := f.client(who).Request(ctx, id, 0)
		if err != nil {
			t.Fatal(err)
		}
		want, err := f.gw.Request(f.ctx(who), id, 0)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, who+" reads the request", got, want)
		for _, flt := range []keyturn.RequestFilter{{}, {State: keyturn.StatePending}, {Agent: "bot", Limit: 1}, {State: keyturn.StateDenied}} {
			got, err := f.client(who).Requests(ctx, flt)
			if err != nil {
				t.Fatal(err)
			}
			want, err := f.gw.Requests(f.ctx(who), flt)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Errorf("%s lists %+v: %d requests through the API, %d from the gateway", who, flt, len(got), len(want))
				continue
			}
			for i := range got {
				sameJSON(t, who+" lists requests", got[i], want[i])
			}
		}
	}
	_, err := bob.Requests(ctx, keyturn.RequestFilter{State: "sideways"})
	wantCode(t, "unknown state", err, keyturn.EINVALID)
	_, err = bob.Request(ctx, "r_nothere", 0)
	wantCode(t, "unknown request", err, keyturn.ENOTFOUND)
	_, err = bob.Request(ctx, "", 0)
	wantCode(t, "no id", err, keyturn.EINVALID)
	_, err = bob.Request(ctx, "..", 0)
	wantCode(t, "id ..", err, keyturn.EINVALID)
	_, err = bob.Request(ctx, "r_x/approve", 0)
	wantCode(t, "id with a slash", err, keyturn.ENOTFOUND)

	// The two-person rule, as the gateway words it.
	_, apiErr := alice.Approve(ctx, id, digest, "mine")
	_, gwErr := f.gw.Approve(f.ctx("alice"), id, digest, "mine")
	if apiErr == nil || gwErr == nil || apiErr.Error() != gwErr.Error() {
		t.Errorf("the operator approves: %v through the API, %v from the gateway", apiErr, gwErr)
	}
	wantCode(t, "the operator approves", apiErr, keyturn.EFORBIDDEN)

	got, err := bob.Approve(ctx, id, digest, "looks right")
	if err != nil {
		t.Fatal(err)
	}
	want, err := f.gw.Request(f.ctx("bob"), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "approve", got, want)
	if got.State != keyturn.StatePending || len(got.Votes) != 1 || got.Votes[0].Comment != "looks right" {
		t.Errorf("after one approval: %+v", got)
	}
	_, err = bob.Approve(ctx, id, digest, "again")
	wantCode(t, "approve twice", err, keyturn.ECONFLICT)
	_, err = carol.Approve(ctx, id, "0000", "")
	wantCode(t, "stale digest", err, keyturn.ECONFLICT)

	// A reader waiting on the request sees it decided.
	waited := make(chan *keyturn.Request, 1)
	go func() {
		r, err := bot.Request(ctx, id, 30*time.Second)
		if err != nil {
			t.Error(err)
		}
		waited <- r
	}()
	got, err = carol.Approve(ctx, id, digest, "")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != keyturn.StateApproved || got.Grant == nil {
		t.Fatalf("after two approvals: %+v", got)
	}
	if r := <-waited; r == nil || r.State != keyturn.StateApproved {
		t.Errorf("the waiting reader got %+v", r)
	}

	// The grant runs once; the result is reported.
	v := f.submit("kubectl --context prod-eu delete ns payments")
	if v.Status != keyturn.StatusAllowed || v.Request == nil || v.Request.ID != id {
		t.Fatalf("approved action submitted again: %+v", v)
	}
	got, err = bot.Report(ctx, id, keyturn.Result{ExitCode: 0, DurationMs: 1200, Output: "namespace \"payments\" deleted"})
	if err != nil {
		t.Fatal(err)
	}
	want, err = f.gw.Request(f.ctx("bot"), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "report", got, want)
	if got.State != keyturn.StateExecuted || got.Result == nil || got.Result.DurationMs != 1200 || got.Result.At.IsZero() {
		t.Errorf("after the report: %+v", got)
	}
	_, err = bot.Report(ctx, id, keyturn.Result{ExitCode: 1})
	wantCode(t, "report twice", err, keyturn.ECONFLICT)
}

func TestDenyConfirmCancel(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bot, alice, bob := f.client("bot"), f.client("alice"), f.client("bob")

	// Deny: a reason is required; one denial decides.
	d := f.submit("kubectl --context prod-eu delete ns orders")
	_, err := bob.Deny(ctx, d.Request.ID, d.Digest, "")
	wantCode(t, "deny without a reason", err, keyturn.EINVALID)
	waited := make(chan *keyturn.Request, 1)
	go func() {
		r, err := bot.Request(ctx, d.Request.ID, 30*time.Second)
		if err != nil {
			t.Error(err)
		}
		waited <- r
	}()
	got, err := bob.Deny(ctx, d.Request.ID, d.Digest, "not during the sale")
	if err != nil {
		t.Fatal(err)
	}
	want, err := f.gw.Request(f.ctx("bob"), d.Request.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "deny", got, want)
	if got.State != keyturn.StateDenied || got.DecidedBy != "user:bob" {
		t.Errorf("after the denial: %+v", got)
	}
	if r := <-waited; r == nil || r.State != keyturn.StateDenied {
		t.Errorf("the waiting reader got %+v", r)
	}

	// Confirm: only the operator, for an ask.
	c := f.submit("kubectl --context dev-1 delete ns scratch")
	if c.Status != keyturn.StatusPending || c.Decision.Outcome != keyturn.Ask {
		t.Fatalf("a destructive dev action: %+v", c)
	}
	_, err = bob.Confirm(ctx, c.Request.ID, c.Digest, "")
	wantCode(t, "a peer confirms", err, keyturn.EFORBIDDEN)
	got, err = alice.Confirm(ctx, c.Request.ID, c.Digest, "go ahead")
	if err != nil {
		t.Fatal(err)
	}
	want, err = f.gw.Request(f.ctx("alice"), c.Request.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "confirm", got, want)
	if got.State != keyturn.StateApproved {
		t.Errorf("after the confirmation: %+v", got)
	}

	// Cancel: the requester withdraws it, once.
	x := f.submit("kubectl --context prod-eu delete ns temp")
	got, err = bot.Cancel(ctx, x.Request.ID)
	if err != nil {
		t.Fatal(err)
	}
	want, err = f.gw.Request(f.ctx("bot"), x.Request.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "cancel", got, want)
	if got.State != keyturn.StateCancelled {
		t.Errorf("after the cancel: %+v", got)
	}
	_, err = bot.Cancel(ctx, x.Request.ID)
	wantCode(t, "cancel twice", err, keyturn.ECONFLICT)
	// An empty body is a cancel too.
	y := f.submit("kubectl --context prod-eu delete ns temp2")
	if status, _, b := f.raw("POST", "/v1/requests/"+y.Request.ID+"/cancel", f.tokens["bot"], nil); status != 200 {
		t.Errorf("cancel without a body: %d %s", status, b)
	}
}
