package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"keyturn"
)

// policyDir copies the default pack into a new directory and adds files.
func policyDir(t *testing.T, extra map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	src, err := filepath.Glob(filepath.Join("..", "..", "policy", "default", "*.cedar"))
	if err != nil || len(src) == 0 {
		t.Fatalf("default pack: %v", err)
	}
	for _, p := range src {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, text := range extra {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const goodCases = `cases:
  - name: reading is allowed
    command: ls
    decision: allow
  - name: deleting a prod namespace needs two peers
    command: kubectl --context prod delete ns payments
    decision: approve
    approvals: 2
`

// stagingPolicy makes the pushed set differ from the default pack.
const stagingPolicy = `
@id("staging-destructive-approval")
@reason("a destructive change in staging needs one approval from a peer")
@approvals("1")
forbid (principal, action == Action::"destructive", resource)
when { context.environment == "staging" }
unless { context.approvals >= 1 };
`

func TestPolicyPushRefusesBrokenSets(t *testing.T) {
	s := newAPIServer(t)
	before, err := s.g.Requests(s.as("admin"), keyturn.RequestFilter{})
	if err != nil {
		t.Fatal(err)
	}

	broken := policyDir(t, map[string]string{"90-broken.cedar": "forbid (principal, action, resource"})
	code, out, errs := s.cli("admin", "policy", "push", broken)
	if code != exitInternal || !strings.Contains(errs, "90-broken.cedar") || !strings.Contains(errs, "nothing was uploaded") {
		t.Fatalf("broken set: exit %d\n%s%s", code, out, errs)
	}

	failing := policyDir(t, map[string]string{"cases.yaml": `cases:
  - name: prod deletes are allowed, says nobody
    command: kubectl --context prod delete ns payments
    decision: allow
`})
	code, out, errs = s.cli("admin", "policy", "push", failing)
	if code != exitInternal || !strings.Contains(errs, "FAIL prod deletes are allowed") || !strings.Contains(errs, "fails 1 of its own 1") {
		t.Fatalf("set failing its cases: exit %d\n%s%s", code, out, errs)
	}

	badYAML := policyDir(t, map[string]string{"cases.yml": "cases:\n  - command: ls\n    decison: allow\n"})
	if code, _, errs := s.cli("admin", "policy", "push", badYAML); code != exitInternal || !strings.Contains(errs, "cases.yml") {
		t.Fatalf("misspelt case: exit %d %s", code, errs)
	}

	if code, _, _ := s.cli("admin", "policy", "push", t.TempDir()); code != exitInternal {
		t.Fatalf("empty directory: exit %d", code)
	}
	if code, _, _ := s.cli("admin", "policy", "push"); code != exitUsage {
		t.Fatalf("no directory: exit %d", code)
	}

	after, err := s.g.Requests(s.as("admin"), keyturn.RequestFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("a refused push opened a request: %d requests, had %d", len(after), len(before))
	}
}

func TestPolicyPushOpensARequest(t *testing.T) {
	s := newAPIServer(t)
	dir := policyDir(t, map[string]string{"cases.yaml": goodCases, "README.md": "not sent", "40-staging.cedar": stagingPolicy})
	if err := os.Mkdir(filepath.Join(dir, "sub.cedar"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, out, errs := s.cli("admin", "policy", "push", dir)
	if code != exitOK {
		t.Fatalf("push: exit %d\n%s%s", code, out, errs)
	}
	id := requestID.FindString(out)
	if id == "" {
		t.Fatalf("no request id in %q", out)
	}
	wantIn(t, "push", out, "2 test cases passed", "another admin must approve", "keyturn approve "+id)
	r := s.request(id)
	if r.Type != keyturn.RequestPolicy || r.State != keyturn.StatePending || !strings.Contains(out, r.PolicyVersion) {
		t.Fatalf("request: %+v", r)
	}

	// Not the pusher; an admin peer.
	if code, _, errs := s.cli("admin", "approve", id); code != exitInternal || errs == "" {
		t.Fatalf("the pusher approves: exit %d %s", code, errs)
	}
	code, out, errs = s.cli("root", "approve", id)
	if code != exitOK || !strings.Contains(out, "approved: policy version "+r.PolicyVersion) {
		t.Fatalf("root approves: exit %d\n%s%s", code, out, errs)
	}
}
