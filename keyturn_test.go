package keyturn_test

import (
	"encoding/json"
	"testing"

	"keyturn"
)

func TestDigestBindsWhatRuns(t *testing.T) {
	base := keyturn.Action{Kind: keyturn.KindShell, Command: "kubectl delete ns payments", Cwd: "/srv",
		Env: map[string]string{"KUBECONFIG": "/k", "TERM": "xterm"}, Agent: "a1", Operator: "ann", Reason: "cleanup"}
	d := base.Digest()
	if len(d) != 64 {
		t.Fatalf("digest %q is not hex SHA-256", d)
	}
	same := base
	same.Agent, same.Operator, same.Reason = "a2", "bob", "other words"
	same.Env = map[string]string{"KUBECONFIG": "/k", "TERM": "vt100", "PAGER": "less"}
	if same.Digest() != d {
		t.Error("who asks, why, and variables that change nothing must not change the digest")
	}
	for name, change := range map[string]func(*keyturn.Action){
		"command":  func(a *keyturn.Action) { a.Command += " " },
		"cwd":      func(a *keyturn.Action) { a.Cwd = "/srv/x" },
		"env":      func(a *keyturn.Action) { a.Env = map[string]string{"KUBECONFIG": "/other"} },
		"env add":  func(a *keyturn.Action) { a.Env = map[string]string{"KUBECONFIG": "/k", "AWS_PROFILE": "prod"} },
		"kind":     func(a *keyturn.Action) { a.Kind = keyturn.KindFileWrite },
		"path":     func(a *keyturn.Action) { a.Path = "/etc/passwd" },
		"args":     func(a *keyturn.Action) { a.Arguments = json.RawMessage(`{"x":1}`) },
		"boundary": func(a *keyturn.Action) { a.Command, a.Cwd = "kubectl delete ns payments/srv", "" },
	} {
		a := base
		change(&a)
		if a.Digest() == d {
			t.Errorf("changing %s kept the digest", name)
		}
	}
}

func TestDigestCanonicalJSON(t *testing.T) {
	a := keyturn.Action{Kind: keyturn.KindMCPTool, Tool: "run_sql", Arguments: json.RawMessage(`{"b": 2, "a": "x"}`)}
	b := keyturn.Action{Kind: keyturn.KindMCPTool, Tool: "run_sql", Arguments: json.RawMessage(`{"a":"x","b":2}`)}
	if a.Digest() != b.Digest() {
		t.Error("the same arguments encoded differently must digest alike")
	}
}

func TestClassOrder(t *testing.T) {
	if keyturn.MaxClass(keyturn.Read, keyturn.Write) != keyturn.Write ||
		keyturn.MaxClass(keyturn.Destructive, keyturn.Write) != keyturn.Destructive ||
		keyturn.MaxClass(keyturn.Destructive, keyturn.Unknown) != keyturn.Unknown ||
		keyturn.MaxClass() != keyturn.Read {
		t.Fatal("class order is wrong")
	}
	if keyturn.MaxClass(keyturn.Read, keyturn.Class("bogus")) != keyturn.Class("bogus") {
		t.Error("an unrecognised class must rank strictest")
	}
	if _, err := keyturn.ParseClass("reed"); keyturn.ErrorCode(err) != keyturn.EINVALID {
		t.Errorf("ParseClass(reed): %v", err)
	}
}

func TestCombine(t *testing.T) {
	allow := keyturn.Decision{Outcome: keyturn.Allow, Reasons: []keyturn.Reason{{Policy: "p", Message: "ok"}}}
	ask := keyturn.Decision{Outcome: keyturn.Ask, Reasons: []keyturn.Reason{{Policy: "a", Message: "ask"}}}
	ap1 := keyturn.Decision{Outcome: keyturn.Approve, Approvals: 1, Reasons: []keyturn.Reason{{Policy: "w", Message: "one"}}}
	ap2 := keyturn.Decision{Outcome: keyturn.Approve, Approvals: 2, Reasons: []keyturn.Reason{{Policy: "d", Message: "two"}}}
	deny := keyturn.Decision{Outcome: keyturn.Deny, Reasons: []keyturn.Reason{{Policy: "x", Message: "no"}}}
	if d := keyturn.Combine([]keyturn.Decision{allow, ask}); d.Outcome != keyturn.Ask || len(d.Reasons) != 1 {
		t.Errorf("allow+ask = %+v", d)
	}
	if d := keyturn.Combine([]keyturn.Decision{ap1, ask, ap2}); d.Outcome != keyturn.Approve || d.Approvals != 2 || len(d.Reasons) != 2 {
		t.Errorf("approve 1 + ask + approve 2 = %+v", d)
	}
	if d := keyturn.Combine([]keyturn.Decision{ap2, deny, allow}); d.Outcome != keyturn.Deny || d.Approvals != 0 || d.Reasons[0].Policy != "x" {
		t.Errorf("deny wins: %+v", d)
	}
	if d := keyturn.Combine(nil); d.Outcome != keyturn.Deny {
		t.Errorf("no decisions must deny: %+v", d)
	}
}

func TestErrorCodes(t *testing.T) {
	err := keyturn.Errorf(keyturn.ENOTFOUND, "request %d does not exist", 7)
	if keyturn.ErrorCode(err) != keyturn.ENOTFOUND || keyturn.ErrorMessage(err) != "request 7 does not exist" {
		t.Fatalf("%v", err)
	}
	if keyturn.ErrorCode(errPlain{}) != keyturn.EINTERNAL || keyturn.ErrorMessage(errPlain{}) != "internal error" {
		t.Error("other errors are internal and their text hidden")
	}
}

type errPlain struct{}

func (errPlain) Error() string { return "secret detail" }
