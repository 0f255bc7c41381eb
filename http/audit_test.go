package http_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"testing"

	"keyturn"
)

func TestAudit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.client("admin")
	f.submit("ls")
	p := f.submit("kubectl --context prod-eu delete ns payments")
	if _, err := f.client("bob").Approve(ctx, p.Request.ID, p.Digest, "<b>ok</b> & fine"); err != nil {
		t.Fatal(err)
	}

	got, err := admin.Events(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	want, err := f.gw.Events(f.ctx("admin"), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(got) < 5 {
		t.Fatalf("%d events through the API, %d from the gateway", len(got), len(want))
	}
	for i := range got {
		sameJSON(t, "event", got[i], want[i])
	}
	// Events as they come through the API still verify: the chain does not
	// depend on how the JSON was spaced or escaped on the way.
	v := keyturn.NewChainVerifier(nil)
	for _, e := range got {
		if !v.Add(e) {
			t.Fatalf("event %d fails the chain: %s", v.Bad, v.Problem)
		}
	}

	// Paging, and the limits of the query.
	page, err := admin.Events(ctx, 2, 2)
	if err != nil || len(page) != 2 || page[0].Seq != 3 || page[1].Seq != 4 {
		t.Errorf("events after 2, 2 of them: %+v, %v", page, err)
	}
	if page, err := admin.Events(ctx, 0, 5000); err != nil || len(page) != len(got) {
		t.Errorf("a limit over the maximum: %d events, %v", len(page), err)
	}
	if page, err := admin.Events(ctx, 1<<40, 0); err != nil || len(page) != 0 || page == nil {
		t.Errorf("events past the head: %#v, %v", page, err)
	}
	_, err = admin.Events(ctx, -1, 0)
	wantCode(t, "negative after", err, keyturn.EINVALID)
	for _, q := range []string{"after=x", "after=-1", "limit=0", "limit=-5", "limit=ten"} {
		status, _, b := f.raw("GET", "/v1/audit?"+q, f.tokens["admin"], nil)
		if code, _ := errorBody(t, b); status != 400 || code != keyturn.EINVALID {
			t.Errorf("audit?%s: %d %s", q, status, b)
		}
	}

	// A checkpoint of the head, signed by the key the status shows.
	cp, err := admin.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := admin.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := base64.StdEncoding.DecodeString(st.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Seq != st.AuditSeq || !cp.VerifySignature(ed25519.PublicKey(pub)) {
		t.Errorf("checkpoint %+v of head %d does not verify", cp, st.AuditSeq)
	}
	direct, err := f.gw.Checkpoint(f.ctx("admin"))
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "checkpoint of the same head", cp, direct)
}
