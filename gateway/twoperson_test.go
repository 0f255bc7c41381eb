package gateway_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"keyturn"
	"keyturn/policy"
)

// Each clause of the two-person rule (DESIGN.md, issue 3 §4) is a test.

func TestOperatorCannotApprove(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	if r.Decision.Approvals != 2 {
		t.Fatalf("approvals needed = %d, want 2", r.Decision.Approvals)
	}
	seq := h.head()
	_, err := h.g.Approve(h.as("olivia"), r.ID, r.Digest, "mine, trust me")
	wantCode(t, err, keyturn.EFORBIDDEN)
	wantMessage(t, err, "you are this agent's operator: another approver must approve")
	if h.head() != seq {
		t.Error("a refused approval wrote an event")
	}
	// Nor can she get there by confirming.
	_, err = h.g.Confirm(h.as("olivia"), r.ID, r.Digest, "")
	wantCode(t, err, keyturn.EFORBIDDEN)
	wantMessage(t, err, "needs 2 approvals from peers other than the operator")
	// One peer is not enough; a second peer is.
	if got := h.approve(r, "alice"); got.State != keyturn.StatePending {
		t.Fatalf("after one approval: %s", got.State)
	}
	if got := h.approve(r, "bob"); got.State != keyturn.StateApproved || got.Grant == nil {
		t.Fatalf("after two approvals: %s, grant %v", got.State, got.Grant)
	}
	if v := h.submit(cmdTwoPerson); v.Status != keyturn.StatusAllowed {
		t.Fatalf("submit after approval: %s", v.Status)
	}
}

func TestOperatorMayDeny(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	got, err := h.g.Deny(h.as("olivia"), r.ID, r.Digest, "not now")
	if err != nil || got.State != keyturn.StateDenied || got.DecidedBy != "user:olivia" {
		t.Fatalf("operator's deny: %v, %v", got, err)
	}
}

func TestAgentCannotVote(t *testing.T) {
	h := newHarness(t)
	approve := h.pending(cmdTwoPerson, keyturn.Approve)
	ask := h.pending(cmdAsk, keyturn.Ask)
	seq := h.head()
	for _, r := range []*keyturn.Request{approve, ask} {
		_, err := h.g.Approve(h.as("bot"), r.ID, r.Digest, "")
		wantCode(t, err, keyturn.EFORBIDDEN)
		wantMessage(t, err, "agents cannot approve requests")
		_, err = h.g.Deny(h.as("bot"), r.ID, r.Digest, "no")
		wantCode(t, err, keyturn.EFORBIDDEN)
		wantMessage(t, err, "agents cannot deny requests")
		_, err = h.g.Confirm(h.as("bot"), r.ID, r.Digest, "")
		wantCode(t, err, keyturn.EFORBIDDEN)
		wantMessage(t, err, "agents cannot confirm requests")
	}
	if h.head() != seq {
		t.Error("an agent's vote wrote an event")
	}
	if got := h.request(ask.ID); got.State != keyturn.StatePending || len(got.Votes) != 0 {
		t.Errorf("ask after the agent's votes: %s, %d votes", got.State, len(got.Votes))
	}
}

func TestNonApproverRefused(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	_, err := h.g.Approve(h.as("eve"), r.ID, r.Digest, "")
	wantCode(t, err, keyturn.EFORBIDDEN)
	wantMessage(t, err, "eve is not an approver")
	_, err = h.g.Deny(h.as("eve"), r.ID, r.Digest, "no")
	wantCode(t, err, keyturn.EFORBIDDEN)
}

func TestDuplicateApprovalRefused(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	h.approve(r, "alice")
	seq := h.head()
	_, err := h.g.Approve(h.as("alice"), r.ID, r.Digest, "again")
	wantCode(t, err, keyturn.ECONFLICT)
	wantMessage(t, err, "you already approved "+r.ID)
	if h.head() != seq {
		t.Error("a duplicate approval wrote an event")
	}
	got := h.request(r.ID)
	if got.State != keyturn.StatePending || len(got.Votes) != 1 {
		t.Fatalf("after a duplicate: %s with %d votes", got.State, len(got.Votes))
	}
	if slices.Contains(got.Approvers, "alice") || !slices.Equal(got.Approvers, []string{"bob", "carol"}) {
		t.Errorf("approvers = %v, want [bob carol]", got.Approvers)
	}
}

func TestStaleDigestRefused(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	other := shell(cmdTwoPerson + "x")
	seq := h.head()
	_, err := h.g.Approve(h.as("alice"), r.ID, other.Digest(), "")
	wantCode(t, err, keyturn.ECONFLICT)
	wantMessage(t, err, "the request is not the one you saw")
	_, err = h.g.Deny(h.as("alice"), r.ID, other.Digest(), "no")
	wantCode(t, err, keyturn.ECONFLICT)
	_, err = h.g.Approve(h.as("alice"), r.ID, "", "")
	wantCode(t, err, keyturn.EINVALID)
	if h.head() != seq {
		t.Error("a stale approval wrote an event")
	}
	if got := h.request(r.ID); len(got.Votes) != 0 {
		t.Errorf("votes = %v", got.Votes)
	}
}

func TestApprovalAfterExpiryRefused(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	h.approve(r, "alice")
	h.clock.Add(time.Hour) // ExpiresAt is now: expired
	_, err := h.g.Approve(h.as("bob"), r.ID, r.Digest, "")
	wantCode(t, err, keyturn.EEXPIRED)
	wantMessage(t, err, "the agent must submit it again")
	got := h.request(r.ID)
	if got.State != keyturn.StateExpired || got.DecidedBy != "system" || len(got.Votes) != 1 {
		t.Fatalf("after a late approval: %s by %q, %d votes", got.State, got.DecidedBy, len(got.Votes))
	}
	if n := h.count(keyturn.EventExpired, r.ID); n != 1 {
		t.Fatalf("%d expired events", n)
	}
	// Expired is final: no vote reopens it, and the clock going back
	// does not either.
	h.clock.Add(-30 * time.Minute)
	for _, vote := range []func() error{
		func() error { _, err := h.g.Approve(h.as("carol"), r.ID, r.Digest, ""); return err },
		func() error { _, err := h.g.Deny(h.as("carol"), r.ID, r.Digest, "late"); return err },
	} {
		err := vote()
		wantCode(t, err, keyturn.ECONFLICT)
		wantMessage(t, err, "is already expired")
	}
	if n := h.count(keyturn.EventExpired, r.ID); n != 1 {
		t.Fatalf("%d expired events", n)
	}
	// The same action is a new request.
	if again := h.pending(cmdTwoPerson, keyturn.Approve); again.ID == r.ID {
		t.Fatal("an expired request was reused")
	}
}

func TestDenyWins(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	h.approve(r, "alice")
	_, err := h.g.Deny(h.as("bob"), r.ID, r.Digest, "")
	wantCode(t, err, keyturn.EINVALID)
	wantMessage(t, err, "a denial needs a reason: -m REASON")
	got, err := h.g.Deny(h.as("bob"), r.ID, r.Digest, "wrong namespace")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != keyturn.StateDenied || got.DecidedBy != "user:bob" || got.Grant != nil {
		t.Fatalf("after a deny: %s by %q, grant %v", got.State, got.DecidedBy, got.Grant)
	}
	_, err = h.g.Approve(h.as("carol"), r.ID, r.Digest, "")
	wantCode(t, err, keyturn.ECONFLICT)
	wantMessage(t, err, "is already denied")
	if n := h.count(keyturn.EventApproved, r.ID); n != 0 {
		t.Fatalf("%d approved events after a deny", n)
	}
	if n := h.count(keyturn.EventDenial, r.ID); n != 1 {
		t.Fatalf("%d denial events", n)
	}
	// The agent gets no grant: submitting again opens a new request.
	v := h.submit(cmdTwoPerson)
	if v.Status != keyturn.StatusPending || v.Request.ID == r.ID {
		t.Fatalf("submit after a deny: %s %v", v.Status, v.Request)
	}
}

// groupPolicy asks one approval from the dba group for destructive changes
// in prod.
const groupPolicy = `
@id("read-allowed")
permit (principal, action == Action::"read", resource);

@id("change-gated")
permit (principal, action in [Action::"write", Action::"destructive", Action::"unknown"], resource);

@id("prod-dba")
@reason("a destructive change in production needs a DBA")
@approvals("1")
@group("dba")
forbid (principal, action == Action::"destructive", resource)
when { context.environment == "prod" }
unless { context.approvals >= 1 };
`

func TestApproverOutsideGroupRefused(t *testing.T) {
	set, err := policy.Compile([]policy.Source{{Name: "group.cedar", Text: groupPolicy}})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, withPolicy(set))
	h.addUser("dora", []keyturn.Role{keyturn.RoleApprover}, "dba")
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	if r.Group != "dba" || !slices.Equal(r.Approvers, []string{"dora"}) {
		t.Fatalf("group %q, approvers %v", r.Group, r.Approvers)
	}
	_, err = h.g.Approve(h.as("alice"), r.ID, r.Digest, "")
	wantCode(t, err, keyturn.EFORBIDDEN)
	wantMessage(t, err, `needs approvers from group "dba"; alice is not in it`)
	// Nor may an approver from outside the group deny it.
	_, err = h.g.Deny(h.as("alice"), r.ID, r.Digest, "no")
	wantCode(t, err, keyturn.EFORBIDDEN)
	if got := h.approve(r, "dora"); got.State != keyturn.StateApproved {
		t.Fatalf("after the DBA's approval: %s", got.State)
	}
}

// TestConcurrentApprovals has 50 approvers approve one request at once, 20
// times over: the request turns approved once, with one grant and one
// `approved` event, and every approval past the last needed one is refused.
func TestConcurrentApprovals(t *testing.T) {
	h := newHarness(t)
	const approvers = 50
	for i := range approvers {
		h.addUser(name("ap", i), []keyturn.Role{keyturn.RoleApprover})
	}
	for round := range 20 {
		r := h.pending(fmt.Sprintf("%s-%d", cmdTwoPerson, round), keyturn.Approve)
		var (
			wg                      sync.WaitGroup
			mu                      sync.Mutex
			ok, approved, conflicts int
			other                   []error
			start                   = make(chan struct{})
		)
		for i := range approvers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				got, err := h.g.Approve(h.as(name("ap", i)), r.ID, r.Digest, "")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
					if got.State == keyturn.StateApproved {
						approved++
					}
				case keyturn.ErrorCode(err) == keyturn.ECONFLICT:
					conflicts++
				default:
					other = append(other, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(other) > 0 {
			t.Fatalf("round %d: unexpected errors: %v", round, other)
		}
		if ok != 2 || approved != 1 || conflicts != approvers-2 {
			t.Fatalf("round %d: %d approvals accepted, %d turned it approved, %d refused; want 2, 1, %d",
				round, ok, approved, conflicts, approvers-2)
		}
		got := h.request(r.ID)
		if got.State != keyturn.StateApproved || got.Grant == nil || len(got.Votes) != 2 {
			t.Fatalf("round %d: %s, grant %v, %d votes", round, got.State, got.Grant, len(got.Votes))
		}
		if n := h.count(keyturn.EventApproved, r.ID); n != 1 {
			t.Fatalf("round %d: %d approved events", round, n)
		}
		if n := h.count(keyturn.EventApproval, r.ID); n != 2 {
			t.Fatalf("round %d: %d approval events", round, n)
		}
	}
}

func TestGrantUsedOnce(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	h.approve(r, "alice", "bob")
	v := h.submit(cmdTwoPerson)
	if v.Status != keyturn.StatusAllowed || v.Request == nil || v.Request.ID != r.ID || v.Seq == 0 {
		t.Fatalf("first use: %+v", v)
	}
	if v.Request.Grant == nil || v.Request.Grant.UsedAt.IsZero() {
		t.Fatalf("grant not marked used: %+v", v.Request.Grant)
	}
	var used *keyturn.Event
	for _, e := range h.events() {
		if e.Type == keyturn.EventGrantUsed {
			used = e
		}
	}
	if used == nil || used.Seq != v.Seq || used.Subject != r.ID || used.DecidedBy == nil ||
		used.DecidedBy.Kind != "human" || used.DecidedBy.Who != "alice,bob" {
		t.Fatalf("grant.used event: %+v", used)
	}
	again := h.submit(cmdTwoPerson)
	if again.Status != keyturn.StatusPending || again.Request == nil || again.Request.ID == r.ID {
		t.Fatalf("second use: %s, request %v", again.Status, again.Request)
	}
	if n := h.count(keyturn.EventGrantUsed, ""); n != 1 {
		t.Fatalf("%d grant.used events", n)
	}
}

func TestGrantExpires(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	h.approve(r, "alice", "bob")
	h.clock.Add(keyturn.DefaultGrantTTL)
	v := h.submit(cmdTwoPerson)
	if v.Status != keyturn.StatusPending || v.Request.ID == r.ID {
		t.Fatalf("submit after the grant lapsed: %s %v", v.Status, v.Request)
	}
}

// TestConcurrentResubmission has the agent resubmit an approved action
// twice at once: exactly one submission is allowed.
func TestConcurrentResubmission(t *testing.T) {
	h := newHarness(t)
	for round := range 10 {
		cmd := fmt.Sprintf("%s-%d", cmdTwoPerson, round)
		r := h.pending(cmd, keyturn.Approve)
		h.approve(r, "alice", "bob")
		var (
			wg       sync.WaitGroup
			verdicts [2]*keyturn.Verdict
			errs     [2]error
			start    = make(chan struct{})
		)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				verdicts[i], errs[i] = h.g.Submit(h.as("bot"), shell(cmd), 0)
			}()
		}
		close(start)
		wg.Wait()
		allowed := 0
		for i := range 2 {
			if errs[i] != nil {
				t.Fatalf("round %d: %v", round, errs[i])
			}
			switch verdicts[i].Status {
			case keyturn.StatusAllowed:
				allowed++
			case keyturn.StatusPending:
				if verdicts[i].Request.ID == r.ID {
					t.Fatalf("round %d: the used request is still pending", round)
				}
			default:
				t.Fatalf("round %d: %s", round, verdicts[i].Status)
			}
		}
		if allowed != 1 {
			t.Fatalf("round %d: %d submissions allowed, want 1", round, allowed)
		}
		if n := h.count(keyturn.EventGrantUsed, r.ID); n != 1 {
			t.Fatalf("round %d: %d grant.used events", round, n)
		}
	}
}

func TestChangedActionIsNewRequest(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	seq := h.head()
	// The same action while pending is the same request, and writes nothing.
	if v := h.submit(cmdTwoPerson); v.Request == nil || v.Request.ID != r.ID || v.Seq != 0 {
		t.Fatalf("same action: %+v", v)
	}
	if h.head() != seq {
		t.Error("resubmitting a pending action wrote an event")
	}
	// One byte more is another action.
	changed := h.pending(cmdTwoPerson+"x", keyturn.Approve)
	if changed.ID == r.ID || changed.Digest == r.Digest {
		t.Fatal("a changed command reused the request")
	}
	// So is the same command under another AWS profile.
	aws := func(profile string) *keyturn.Action {
		a := shell("aws s3 rm s3://payments-archive/2025.tar")
		a.Env = map[string]string{"AWS_PROFILE": profile}
		return a
	}
	va, err := h.g.Submit(h.as("bot"), aws("prod-a"), 0)
	if err != nil {
		t.Fatal(err)
	}
	vb, err := h.g.Submit(h.as("bot"), aws("prod-b"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if va.Request == nil || vb.Request == nil || va.Request.ID == vb.Request.ID || va.Digest == vb.Digest {
		t.Fatalf("another AWS_PROFILE reused the request: %+v %+v", va.Request, vb.Request)
	}
	// Approving one does not let the other through.
	h.approve(r, "alice", "bob")
	if v := h.submit(cmdTwoPerson + "x"); v.Status != keyturn.StatusPending || v.Request.ID != changed.ID {
		t.Fatalf("changed action after the original's approval: %s", v.Status)
	}
	if v := h.submit(cmdTwoPerson); v.Status != keyturn.StatusAllowed {
		t.Fatalf("approved action: %s", v.Status)
	}
}

func TestAskFlow(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdAsk, keyturn.Ask)
	if !slices.Equal(r.Approvers, []string{"olivia"}) {
		t.Fatalf("approvers of an ask = %v, want [olivia]", r.Approvers)
	}
	_, err := h.g.Approve(h.as("alice"), r.ID, r.Digest, "")
	wantCode(t, err, keyturn.EFORBIDDEN)
	wantMessage(t, err, "asks its operator (olivia): only olivia can confirm it")
	_, err = h.g.Confirm(h.as("alice"), r.ID, r.Digest, "")
	wantCode(t, err, keyturn.EFORBIDDEN)
	_, err = h.g.Approve(h.as("olivia"), r.ID, r.Digest, "")
	wantCode(t, err, keyturn.EFORBIDDEN)
	if v := h.submit(cmdAsk); v.Status != keyturn.StatusPending {
		t.Fatalf("before the confirmation: %s", v.Status)
	}
	got, err := h.g.Confirm(h.as("olivia"), r.ID, r.Digest, "fine")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != keyturn.StateApproved || got.Grant == nil || got.DecidedBy != "user:olivia" {
		t.Fatalf("after the confirmation: %s by %q, grant %v", got.State, got.DecidedBy, got.Grant)
	}
	if n := h.count(keyturn.EventConfirmation, r.ID); n != 1 {
		t.Fatalf("%d confirmation events", n)
	}
	if v := h.submit(cmdAsk); v.Status != keyturn.StatusAllowed || v.Request.ID != r.ID {
		t.Fatalf("after the confirmation: %s", v.Status)
	}
	if v := h.submit(cmdAsk); v.Status != keyturn.StatusPending || v.Request.ID == r.ID {
		t.Fatalf("second run: %s", v.Status)
	}
}

func TestAskDeniedByApprover(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdAsk, keyturn.Ask)
	_, err := h.g.Deny(h.as("eve"), r.ID, r.Digest, "no")
	wantCode(t, err, keyturn.EFORBIDDEN)
	got, err := h.g.Deny(h.as("alice"), r.ID, r.Digest, "not in /etc")
	if err != nil || got.State != keyturn.StateDenied {
		t.Fatalf("approver's deny of an ask: %v, %v", got, err)
	}
	_, err = h.g.Confirm(h.as("olivia"), r.ID, r.Digest, "")
	wantCode(t, err, keyturn.ECONFLICT)
}

// TestFreezeStopsGrant approves during a freeze: the grant is not used
// while the freeze is on, and is once it lifts.
func TestFreezeStopsGrant(t *testing.T) {
	h := newHarness(t)
	r := h.pending(cmdTwoPerson, keyturn.Approve)
	if _, err := h.g.SetFreeze(h.as("admin"), true, "release week"); err != nil {
		t.Fatal(err)
	}
	h.approve(r, "alice", "bob")
	v := h.submit(cmdTwoPerson)
	if v.Status != keyturn.StatusDenied || v.Decision.Outcome != keyturn.Deny {
		t.Fatalf("during the freeze: %s %s", v.Status, v.Decision)
	}
	if got := h.request(r.ID); got.Grant == nil || !got.Grant.UsedAt.IsZero() {
		t.Fatalf("the freeze used the grant: %+v", got.Grant)
	}
	if _, err := h.g.SetFreeze(h.as("admin"), false, "released"); err != nil {
		t.Fatal(err)
	}
	if v := h.submit(cmdTwoPerson); v.Status != keyturn.StatusAllowed || v.Request.ID != r.ID {
		t.Fatalf("after the freeze: %s", v.Status)
	}
}

// TestPolicyChangeApproval: a pushed policy needs an admin other than its
// author; once approved, decisions follow it.
func TestPolicyChangeApproval(t *testing.T) {
	h := newHarness(t)
	h.addUser("root2", []keyturn.Role{keyturn.RoleAdmin})
	r, err := h.g.PushPolicy(h.as("admin"), map[string]string{"group.cedar": groupPolicy})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Approvers, []string{"root2"}) {
		t.Fatalf("approvers of a policy change = %v", r.Approvers)
	}
	_, err = h.g.Approve(h.as("admin"), r.ID, r.Digest, "")
	wantCode(t, err, keyturn.EFORBIDDEN)
	wantMessage(t, err, "you pushed this policy: another admin must approve it")
	_, err = h.g.Approve(h.as("alice"), r.ID, r.Digest, "")
	wantCode(t, err, keyturn.EFORBIDDEN)
	_, err = h.g.Approve(h.as("bot"), r.ID, r.Digest, "")
	wantCode(t, err, keyturn.EFORBIDDEN)
	if v := h.submit(cmdTwoPerson); v.Decision.Approvals != 2 {
		t.Fatalf("before activation: %s", v.Decision)
	}
	got := h.approve(r, "root2")
	if got.State != keyturn.StateExecuted {
		t.Fatalf("approved policy change: %s", got.State)
	}
	if n := h.count(keyturn.EventPolicy, r.PolicyVersion); n < 1 {
		t.Fatal("no policy event for the activation")
	}
	v := h.submit(cmdTwoPerson + " --wait")
	if v.Decision.PolicyVersion != r.PolicyVersion || v.Decision.Group != "dba" {
		t.Fatalf("after activation: %s under %s (group %q)", v.Decision, v.Decision.PolicyVersion, v.Decision.Group)
	}
}
