package gateway_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"keyturn"
)

func TestSubmitAllow(t *testing.T) {
	h := newHarness(t)
	v := h.submit(cmdRead)
	if v.Status != keyturn.StatusAllowed || v.Request != nil || v.Seq == 0 || v.Digest != shell(cmdRead).Digest() {
		t.Fatalf("verdict: %+v", v)
	}
	es := h.events()
	e := es[len(es)-1]
	if e.Seq != v.Seq || e.Type != keyturn.EventDecision || e.Actor != "agent:bot" ||
		e.DecidedBy == nil || e.DecidedBy.Kind != "policy" || len(e.DecidedBy.Policies) == 0 {
		t.Fatalf("decision event: %+v", e)
	}
	var p struct {
		Action   keyturn.Action   `json:"action"`
		Digest   string           `json:"digest"`
		Decision keyturn.Decision `json:"decision"`
		Status   string           `json:"status"`
	}
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		t.Fatal(err)
	}
	if p.Action.Command != cmdRead || p.Digest != v.Digest || p.Status != keyturn.StatusAllowed ||
		p.Decision.PolicyVersion == "" || p.Action.Agent != "bot" || p.Action.Operator != "olivia" {
		t.Fatalf("payload: %+v", p)
	}
}

func TestSubmitDeny(t *testing.T) {
	h := newHarness(t)
	v := h.submit(cmdSelf)
	if v.Status != keyturn.StatusDenied || v.Decision.Outcome != keyturn.Deny || v.Request != nil || v.Seq == 0 {
		t.Fatalf("verdict: %+v", v)
	}
	if n := h.count(keyturn.EventRequest, ""); n != 0 {
		t.Fatalf("a denied action opened %d requests", n)
	}
}

func TestSubmitValidation(t *testing.T) {
	h := newHarness(t)
	env := map[string]string{}
	for i := range 201 {
		env[name("V", i)] = "x"
	}
	for _, tc := range []struct {
		name string
		a    *keyturn.Action
	}{
		{"nil", nil},
		{"no kind", &keyturn.Action{Command: "ls"}},
		{"unknown kind", &keyturn.Action{Kind: "sql", Command: "ls"}},
		{"empty command", &keyturn.Action{Kind: keyturn.KindShell, Command: "  "}},
		{"long command", &keyturn.Action{Kind: keyturn.KindShell, Command: "echo " + strings.Repeat("a", 64<<10)}},
		{"relative cwd", &keyturn.Action{Kind: keyturn.KindShell, Command: "ls", Cwd: "project"}},
		{"long reason", &keyturn.Action{Kind: keyturn.KindShell, Command: "ls", Reason: strings.Repeat("r", 4<<10+1)}},
		{"many env", &keyturn.Action{Kind: keyturn.KindShell, Command: "ls", Env: env}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seq := h.head()
			_, err := h.g.Submit(h.as("bot"), tc.a, 0)
			wantCode(t, err, keyturn.EINVALID)
			if h.head() != seq {
				t.Error("an invalid action wrote an event")
			}
		})
	}
	_, err := h.g.Submit(h.as("alice"), shell(cmdRead), 0)
	wantCode(t, err, keyturn.EFORBIDDEN)
	_, err = h.g.Submit(context.Background(), shell(cmdRead), 0)
	wantCode(t, err, keyturn.EUNAUTHORIZED)
}

// TestSubmitWhoAsksFromToken: the body cannot claim another agent or
// operator.
func TestSubmitWhoAsksFromToken(t *testing.T) {
	h := newHarness(t)
	a := shell(cmdTwoPerson)
	a.Agent, a.Operator = "mallory", "alice"
	v, err := h.g.Submit(h.as("bot"), a, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := v.Request
	if r.Agent != "bot" || r.Operator != "olivia" || r.Action.Agent != "bot" || r.Action.Operator != "olivia" {
		t.Fatalf("request says %s for %s (action %s for %s)", r.Agent, r.Operator, r.Action.Agent, r.Action.Operator)
	}
	// alice, claimed as operator, may approve; olivia may not.
	_, err = h.g.Approve(h.as("olivia"), r.ID, r.Digest, "")
	wantCode(t, err, keyturn.EFORBIDDEN)
	if a.Agent != "mallory" {
		t.Error("Submit changed the caller's action")
	}
}

// TestSubmitOtherKinds: every kind is classified (classify.Action): a file
// write by its path (an agent's settings are refused), an MCP tool call by
// the SQL it carries; kinds keyturn cannot read yet are unknown, in an
// unknown environment, so they wait for a peer.
func TestSubmitOtherKinds(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		a      *keyturn.Action
		status string
		class  keyturn.Class
		env    keyturn.Environment
	}{
		{&keyturn.Action{Kind: keyturn.KindFileWrite, Path: "/srv/app/config.yaml", Content: "replicas: 0\n"}, keyturn.StatusPending, keyturn.Write, keyturn.EnvLocal},
		{&keyturn.Action{Kind: keyturn.KindFileWrite, Path: "/srv/app/.claude/settings.json", Content: "{}"}, keyturn.StatusDenied, keyturn.Write, keyturn.EnvLocal},
		{&keyturn.Action{Kind: keyturn.KindMCPTool, Server: "db", Tool: "query", Arguments: json.RawMessage(`{"sql":"drop table users"}`)}, keyturn.StatusPending, keyturn.Destructive, keyturn.EnvUnknown},
		{&keyturn.Action{Kind: keyturn.KindMCPTool, Server: "db", Tool: "unmapped"}, keyturn.StatusPending, keyturn.Unknown, keyturn.EnvUnknown},
		{&keyturn.Action{Kind: keyturn.KindHTTP}, keyturn.StatusPending, keyturn.Unknown, keyturn.EnvUnknown},
		{&keyturn.Action{Kind: keyturn.KindPlan, Plan: json.RawMessage(`{}`)}, keyturn.StatusPending, keyturn.Unknown, keyturn.EnvUnknown},
	} {
		v, err := h.g.Submit(h.as("bot"), tc.a, 0)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status != tc.status || len(v.Effects) != 1 || v.Effects[0].Class != tc.class || v.Effects[0].Environment != tc.env {
			t.Fatalf("%s: %s %+v", tc.a.Kind, v.Status, v.Effects)
		}
	}
}

// TestSecretsNeverStored submits commands with secrets in them and takes
// them through approval, use and result: no secret reaches a stored request,
// an answer or any event.
func TestSecretsNeverStored(t *testing.T) {
	h := newHarness(t)
	secrets := []string{"Hunter2secret", "abcdefghijklmnop123", "s3cr3tEnvValue", "sekretReason9", "AKIAIOSFODNN7EXAMPLE", "outputSecret42"}
	actions := []*keyturn.Action{
		shell("mysql -pHunter2secret -h db.prod -e 'drop table users'"),
		shell("curl -H 'Authorization: Bearer abcdefghijklmnop123' -X POST https://api.prod.example.com/v1/x"),
		{Kind: keyturn.KindShell, Command: "aws s3 rm s3://payments-archive/x", Cwd: "/srv",
			Env:    map[string]string{"AWS_PROFILE": "prod-a", "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "DB_PASSWORD": "s3cr3tEnvValue"},
			Reason: "cleanup with token=sekretReason9"},
	}
	var seen []any
	for _, a := range actions {
		v, err := h.g.Submit(h.as("bot"), a, 0)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status != keyturn.StatusPending {
			t.Fatalf("%q: %s", a.Command, v.Status)
		}
		if v.Digest != a.Digest() {
			t.Error("the digest is not the unmasked action's")
		}
		r := v.Request
		seen = append(seen, v)
		need := r.Decision.Approvals
		users := []string{"alice", "bob", "carol"}[:need]
		for _, u := range users {
			got, err := h.g.Approve(h.as(u), r.ID, r.Digest, "ok, password=Hunter2secret")
			if err != nil {
				t.Fatal(err)
			}
			seen = append(seen, got)
		}
		used, err := h.g.Submit(h.as("bot"), a, 0)
		if err != nil || used.Status != keyturn.StatusAllowed {
			t.Fatalf("%q after approval: %v %v", a.Command, used, err)
		}
		seen = append(seen, used)
		done, err := h.g.Report(h.as("bot"), r.ID, keyturn.Result{ExitCode: 0, DurationMs: 12,
			Output: "connected with --password outputSecret42\nok"})
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, done, h.request(r.ID))
	}
	rs, err := h.g.Requests(h.as("admin"), keyturn.RequestFilter{})
	if err != nil {
		t.Fatal(err)
	}
	seen = append(seen, rs)
	for _, e := range h.events() {
		seen = append(seen, e)
	}
	raw, err := json.Marshal(seen)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(string(raw), s) {
			t.Errorf("secret %q was stored or returned", s)
		}
	}
	if !strings.Contains(string(raw), keyturn.Mask) {
		t.Error("nothing was masked: the test does not test")
	}
}

// TestSubmitWaitApproved: approvals that arrive during the wait answer the
// waiting submission with allowed, and its grant is used by it.
func TestSubmitWaitApproved(t *testing.T) {
	h := newHarness(t)
	r, done := h.waitSubmit(cmdTwoPerson)
	h.approve(r, "alice", "bob")
	a := <-done
	if a.err != nil {
		t.Fatal(a.err)
	}
	if a.v.Status != keyturn.StatusAllowed || a.v.Request == nil || a.v.Request.ID != r.ID || a.v.Seq == 0 {
		t.Fatalf("waited verdict: %+v", a.v)
	}
	if got := h.request(r.ID); got.Grant == nil || got.Grant.UsedAt.IsZero() {
		t.Fatalf("grant after the wait: %+v", got.Grant)
	}
	if v := h.submit(cmdTwoPerson); v.Status != keyturn.StatusPending || v.Request.ID == r.ID {
		t.Fatalf("after the waited use: %s", v.Status)
	}
}

func TestSubmitWaitDenied(t *testing.T) {
	h := newHarness(t)
	r, done := h.waitSubmit(cmdTwoPerson)
	if _, err := h.g.Deny(h.as("carol"), r.ID, r.Digest, "wrong cluster"); err != nil {
		t.Fatal(err)
	}
	a := <-done
	if a.err != nil || a.v.Status != keyturn.StatusDenied || a.v.Decision.Outcome != keyturn.Deny ||
		!strings.Contains(a.v.Decision.Reasons[0].Message, "wrong cluster") {
		t.Fatalf("waited verdict: %+v, %v", a.v, a.err)
	}
}

func TestSubmitWaitEnds(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	v, err := h.g.Submit(h.as("bot"), shell(cmdTwoPerson), 20*time.Millisecond)
	if err != nil || v.Status != keyturn.StatusPending || v.Request.ID != r.ID {
		t.Fatalf("wait without a vote: %+v, %v", v, err)
	}
	// A caller that goes away uses no grant.
	h.approve(r, "alice")
	ctx, cancel := context.WithCancel(h.as("bot"))
	done := make(chan error)
	go func() {
		_, err := h.g.Submit(ctx, shell(cmdTwoPerson), time.Minute)
		done <- err
	}()
	cancel()
	if err := <-done; err == nil {
		t.Fatal("a cancelled wait answered")
	}
	h.approve(r, "bob")
	if got := h.request(r.ID); got.Grant == nil || !got.Grant.UsedAt.IsZero() {
		t.Fatalf("grant after a cancelled wait: %+v", got.Grant)
	}
}

func TestSubmitWaitCancelled(t *testing.T) {
	h := newHarness(t)
	r, done := h.waitSubmit(cmdAsk)
	if _, err := h.g.Cancel(h.as("olivia"), r.ID); err != nil {
		t.Fatal(err)
	}
	if a := <-done; a.err != nil || a.v.Status != keyturn.StatusCancelled {
		t.Fatalf("waited verdict: %+v, %v", a.v, a.err)
	}
}

func TestSubmitWaitExpired(t *testing.T) {
	h := newHarness(t)
	r, done := h.waitSubmit(cmdAsk)
	h.clock.Add(time.Hour)
	// Any read of an expired request records it, and wakes the waiter.
	if got := h.request(r.ID); got.State != keyturn.StateExpired {
		t.Fatalf("request after its time: %s", got.State)
	}
	if a := <-done; a.err != nil || a.v.Status != keyturn.StatusExpired {
		t.Fatalf("waited verdict: %+v, %v", a.v, a.err)
	}
}
