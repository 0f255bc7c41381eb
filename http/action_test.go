package http_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"keyturn"
)

func TestSubmit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bot := f.client("bot")

	// An allowed action: the same verdict as the gateway gives, bar the
	// audit event that recorded each.
	read := &keyturn.Action{Kind: keyturn.KindShell, Command: "ls -la", Cwd: "/tmp",
		Env: map[string]string{"AWS_PROFILE": "dev", "TERM": "xterm"}, Reason: "look around"}
	v, err := bot.Submit(ctx, read, 0)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := f.gw.Submit(f.ctx("bot"), read, 0)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != keyturn.StatusAllowed || v.Seq == 0 || direct.Seq <= v.Seq {
		t.Fatalf("verdict %+v (direct seq %d)", v, direct.Seq)
	}
	es, err := f.gw.Events(f.ctx("admin"), v.Seq-1, 1)
	if err != nil || len(es) != 1 || es[0].Seq != v.Seq || es[0].Type != keyturn.EventDecision || es[0].Actor != "agent:bot" {
		t.Errorf("the verdict's event: %+v, %v", es, err)
	}
	v.Seq, direct.Seq = 0, 0
	sameJSON(t, "allowed verdict", v, direct)

	// A held action: the same digest is the same request, by either path.
	// Who asks comes from the token, not from the body.
	del := &keyturn.Action{Kind: keyturn.KindShell, Command: "kubectl --context prod-eu delete ns payments",
		Cwd: "/tmp", Agent: "someone-else", Operator: "bob"}
	p, err := bot.Submit(ctx, del, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != keyturn.StatusPending || p.Request == nil || p.Decision.Outcome != keyturn.Approve {
		t.Fatalf("pending verdict %+v", p)
	}
	if p.Request.Agent != "bot" || p.Request.Operator != "alice" || p.Digest != del.Digest() {
		t.Errorf("request %+v for digest %s", p.Request, del.Digest())
	}
	again, err := f.gw.Submit(f.ctx("bot"), del, 0)
	if err != nil {
		t.Fatal(err)
	}
	if again.Request == nil || again.Request.ID != p.Request.ID {
		t.Fatalf("the same action again opened %+v, want %s", again.Request, p.Request.ID)
	}
	p.Seq, again.Seq = 0, 0
	sameJSON(t, "pending verdict", p, again)
	stored, err := f.gw.Request(f.ctx("bot"), p.Request.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "the verdict's request", p.Request, stored)

	// JSON arguments are re-encoded on the way; the digest is not changed.
	mcp := &keyturn.Action{Kind: keyturn.KindMCPTool, Server: "db", Tool: "query",
		Arguments: json.RawMessage(`{ "sql" : "select 1", "db": "prod" }`)}
	mv, err := bot.Submit(ctx, mcp, 0)
	if err != nil {
		t.Fatal(err)
	}
	if mv.Digest != mcp.Digest() {
		t.Errorf("digest %s through the API, %s here", mv.Digest, mcp.Digest())
	}

	// Refusals carry the gateway's code and message.
	for _, tc := range []struct {
		who string
		a   *keyturn.Action
	}{
		{"bot", &keyturn.Action{Kind: "telepathy"}},
		{"bot", &keyturn.Action{Kind: keyturn.KindShell}},
		{"bot", &keyturn.Action{Kind: keyturn.KindShell, Command: "ls", Cwd: "relative"}},
		{"alice", &keyturn.Action{Kind: keyturn.KindShell, Command: "ls"}},
	} {
		_, apiErr := f.client(tc.who).Submit(ctx, tc.a, 0)
		_, gwErr := f.gw.Submit(f.ctx(tc.who), tc.a, 0)
		if apiErr == nil || gwErr == nil || apiErr.Error() != gwErr.Error() {
			t.Errorf("%s submits %+v: %v through the API, %v from the gateway", tc.who, tc.a, apiErr, gwErr)
		}
		wantCode(t, "refused submission", apiErr, keyturn.ErrorCode(gwErr))
	}
	_, err = bot.Submit(ctx, nil, 0)
	wantCode(t, "nil action", err, keyturn.EINVALID)
}

// ?wait= holds the answer until the request is decided.
func TestSubmitWait(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.submit("kubectl --context prod-eu delete ns payments")
	a := &keyturn.Action{Kind: keyturn.KindShell, Command: "kubectl --context prod-eu delete ns payments", Cwd: "/tmp"}
	done := make(chan *keyturn.Verdict, 1)
	go func() {
		v, err := f.client("bot").Submit(ctx, a, 30*time.Second)
		if err != nil {
			t.Error(err)
		}
		done <- v
	}()
	for _, who := range []string{"bob", "carol"} {
		if _, err := f.client(who).Approve(ctx, p.Request.ID, p.Digest, "ok"); err != nil {
			t.Fatalf("%s approves: %v", who, err)
		}
	}
	v := <-done
	if v == nil || v.Status != keyturn.StatusAllowed {
		t.Fatalf("after two approvals the waiting submission got %+v", v)
	}
}
