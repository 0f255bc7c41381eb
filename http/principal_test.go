package http_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"keyturn"
	keyturnhttp "keyturn/http"
)

func TestWhoami(t *testing.T) {
	f := newFixture(t)
	for _, who := range []string{"admin", "alice", "bob", "bot"} {
		got, err := f.client(who).Whoami(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want, err := f.gw.Whoami(f.ctx(who))
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, who+"'s whoami", got, want)
	}
	p, err := f.client("bot").Whoami(context.Background())
	if err != nil || !p.IsAgent() || p.Agent.Operator != "alice" {
		t.Errorf("bot is %+v, %v", p, err)
	}
}

func TestUsersAndAgents(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin, alice := f.client("admin"), f.client("alice")

	// A new user's token works at once; disabled, it stops.
	tok, err := admin.AddUser(ctx, &keyturn.User{Name: "erin", Roles: []keyturn.Role{keyturn.RoleApprover}, Groups: []string{"sre"}})
	if err != nil {
		t.Fatal(err)
	}
	erin := keyturnhttp.NewClient(f.srv.URL, tok)
	if p, err := erin.Whoami(ctx); err != nil || p.User == nil || p.User.Name != "erin" || !p.User.InGroup("sre") {
		t.Fatalf("erin is %+v, %v", p, err)
	}
	_, err = admin.AddUser(ctx, &keyturn.User{Name: "erin", Roles: []keyturn.Role{keyturn.RoleApprover}})
	wantCode(t, "add a user twice", err, keyturn.ECONFLICT)
	_, err = admin.AddUser(ctx, &keyturn.User{Name: "Not A Name"})
	wantCode(t, "bad user name", err, keyturn.EINVALID)
	_, err = alice.AddUser(ctx, &keyturn.User{Name: "frank", Roles: []keyturn.Role{keyturn.RoleAdmin}})
	wantCode(t, "an operator adds a user", err, keyturn.EFORBIDDEN)

	got, err := admin.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := f.gw.Users(f.ctx("admin"))
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "users", got, want)
	if len(got) != 6 {
		t.Errorf("%d users, want 6", len(got))
	}

	if err := admin.DisableUser(ctx, "erin"); err != nil {
		t.Fatal(err)
	}
	_, err = erin.Whoami(ctx)
	wantCode(t, "a disabled user's token", err, keyturn.EUNAUTHORIZED)
	err = admin.DisableUser(ctx, "nobody")
	wantCode(t, "disable nobody", err, keyturn.ENOTFOUND)

	// An agent enrolled through the API: its expiry comes back, its token
	// works, and revoked it stops.
	a := &keyturn.Agent{Name: "ci", Kind: "codex"}
	before := time.Now()
	tok, err = alice.EnrollAgent(ctx, a, 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if a.ExpiresAt.Before(before.Add(2*time.Hour-time.Minute)) || a.ExpiresAt.After(time.Now().Add(2*time.Hour+time.Minute)) {
		t.Errorf("expiry %s, want about 2h from now", a.ExpiresAt)
	}
	ci := keyturnhttp.NewClient(f.srv.URL, tok)
	if p, err := ci.Whoami(ctx); err != nil || p.Agent == nil || p.Agent.Name != "ci" || p.Agent.Operator != "alice" {
		t.Fatalf("ci is %+v, %v", p, err)
	}
	_, err = alice.EnrollAgent(ctx, &keyturn.Agent{Name: "ci2"}, -time.Hour)
	wantCode(t, "negative ttl", err, keyturn.EINVALID)
	_, err = f.client("bob").EnrollAgent(ctx, &keyturn.Agent{Name: "ci3", Operator: "bob"}, 0)
	wantCode(t, "an approver enrolls an agent", err, keyturn.EFORBIDDEN)
	status, _, b := f.raw("POST", "/v1/agents", f.tokens["admin"], strings.NewReader(`{"name":"ci4","operator":"alice","ttl":"soon"}`))
	if code, _ := errorBody(t, b); status != 400 || code != keyturn.EINVALID {
		t.Errorf("ttl soon: %d %s", status, b)
	}

	gotAgents, err := admin.Agents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantAgents, err := f.gw.Agents(f.ctx("admin"))
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "agents", gotAgents, wantAgents)
	if len(gotAgents) != 2 {
		t.Errorf("%d agents, want 2", len(gotAgents))
	}

	if err := alice.RevokeAgent(ctx, "ci"); err != nil {
		t.Fatal(err)
	}
	_, err = ci.Whoami(ctx)
	wantCode(t, "a revoked agent's token", err, keyturn.EUNAUTHORIZED)
	err = f.client("bob").RevokeAgent(ctx, "bot")
	wantCode(t, "a stranger revokes an agent", err, keyturn.EFORBIDDEN)
	err = admin.RevokeAgent(ctx, "")
	wantCode(t, "revoke no name", err, keyturn.EINVALID)
}
