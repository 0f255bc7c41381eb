package http_test

import (
	"context"
	"testing"

	"keyturn"
)

func TestFreeze(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.client("admin")

	_, err := admin.SetFreeze(ctx, true, "")
	wantCode(t, "freeze without a reason", err, keyturn.EINVALID)
	_, err = f.client("bob").SetFreeze(ctx, true, "release")
	wantCode(t, "a non-admin freezes", err, keyturn.EFORBIDDEN)

	on, err := admin.SetFreeze(ctx, true, "release week")
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.gw.Status(f.ctx("admin"))
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "freeze on", on, st.Freeze)
	if !on.On || on.By != "admin" || on.Reason != "release week" {
		t.Errorf("freeze %+v", on)
	}
	if v := f.submit("kubectl --context dev-1 delete ns scratch"); v.Status != keyturn.StatusDenied {
		t.Errorf("a change during the freeze: %+v", v)
	}

	off, err := admin.SetFreeze(ctx, false, "shipped")
	if err != nil {
		t.Fatal(err)
	}
	if off.On {
		t.Errorf("freeze lifted: %+v", off)
	}
	st, err = f.client("admin").Status(ctx)
	if err != nil || st.Freeze.On {
		t.Errorf("status after the freeze: %+v, %v", st, err)
	}
}

func TestBreakGlass(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.client("admin")
	p := f.submit("kubectl --context prod-eu delete ns payments")

	_, err := admin.BreakGlass(ctx, keyturn.BreakGlass{Request: p.Request.ID})
	wantCode(t, "break-glass without a reason", err, keyturn.EINVALID)
	_, err = f.client("bob").BreakGlass(ctx, keyturn.BreakGlass{Request: p.Request.ID, Reason: "outage"})
	wantCode(t, "a non-admin breaks the glass", err, keyturn.EFORBIDDEN)

	got, err := admin.BreakGlass(ctx, keyturn.BreakGlass{Request: p.Request.ID, Reason: "outage: payments is down"})
	if err != nil {
		t.Fatal(err)
	}
	want, err := f.gw.Request(f.ctx("admin"), p.Request.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "break-glass", got, want)
	if !got.BreakGlass || got.State != keyturn.StateApproved {
		t.Errorf("after break-glass: %+v", got)
	}

	// An action for a named agent, with no request before it.
	got, err = admin.BreakGlass(ctx, keyturn.BreakGlass{Agent: "bot", Reason: "hotfix",
		Action: &keyturn.Action{Kind: keyturn.KindShell, Command: "kubectl --context prod-eu rollout restart deploy/api", Cwd: "/tmp"}})
	if err != nil {
		t.Fatal(err)
	}
	if !got.BreakGlass || got.Agent != "bot" {
		t.Errorf("break-glass of an action: %+v", got)
	}
}
