package http_test

import (
	"context"
	"strings"
	"testing"

	"keyturn"
	"keyturn/policy"
)

func TestPushPolicyAndStatus(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.client("admin")

	st, err := admin.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := f.gw.Status(f.ctx("admin"))
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "status", st, want)
	if st.PolicyVersion == "" || st.PublicKey == "" || st.AuditSeq == 0 {
		t.Errorf("status %+v", st)
	}

	def, err := policy.Default()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, s := range def.Sources() {
		files[s.Name] = s.Text
	}
	// A changed set: the default pack, annotated.
	for name := range files {
		files[name] = "// pushed by the HTTP API test\n" + files[name]
		break
	}
	r, err := admin.PushPolicy(ctx, files)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := f.gw.Request(f.ctx("admin"), r.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "pushed policy", r, direct)
	if r.Type != keyturn.RequestPolicy || r.State != keyturn.StatePending || r.Operator != "admin" {
		t.Errorf("policy request %+v", r)
	}
	if len(r.Approvers) != 1 || r.Approvers[0] != "dave" {
		t.Errorf("approvers %v, want [dave]", r.Approvers)
	}

	_, err = admin.PushPolicy(ctx, map[string]string{"bad.cedar": "permit (principal"})
	wantCode(t, "a policy that does not parse", err, keyturn.EINVALID)
	if err != nil && !strings.Contains(err.Error(), "compile") {
		t.Errorf("the parse error does not say so: %v", err)
	}
	_, err = f.client("alice").PushPolicy(ctx, files)
	wantCode(t, "a non-admin pushes", err, keyturn.EFORBIDDEN)

	// The other admin approves it and it is in force.
	if _, err := f.client("dave").Approve(ctx, r.ID, r.Digest, "reviewed"); err != nil {
		t.Fatal(err)
	}
	st, err = admin.Status(ctx)
	if err != nil || st.PolicyVersion != r.PolicyVersion {
		t.Errorf("status after approval: %+v, %v; want version %s", st, err, r.PolicyVersion)
	}
}
