package storetest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"keyturn"
)

// fullRequest returns a request with every field set.
func fullRequest(id string) *keyturn.Request {
	action := keyturn.Action{Kind: keyturn.KindShell, Command: "kubectl --context prod-eu delete ns payments",
		Path: "deploy/ns.yaml", Content: "kind: Namespace\nmetadata:\n  name: payments\n", Server: "k8s", Tool: "delete",
		Arguments: json.RawMessage(`{"namespace":"payments","wait":true}`), Plan: json.RawMessage(`{"format_version":"1.2"}`),
		Cwd: "/home/dev/project", Env: map[string]string{"KUBECONFIG": "/home/dev/.kube/config", "AWS_PROFILE": "prod"},
		Agent: "ci-bot", Operator: "olivia", Reason: "the namespace is unused"}
	digest := action.Digest()
	return &keyturn.Request{
		ID: id, Type: keyturn.RequestAction, Action: action, Digest: digest,
		Effects: []keyturn.Effect{
			{Tool: "kubectl", Operation: "kubectl delete namespace", Class: keyturn.Destructive, Environment: keyturn.EnvProd,
				Targets: []string{"payments"}, Hints: map[string]string{"kube_context": "prod-eu"}, Protected: true,
				SelfModify: true, Note: "deletes everything in it"},
			{Tool: "fs", Operation: "write", Class: keyturn.Write, Environment: keyturn.EnvWorkspace, Targets: []string{}},
		},
		Decision: keyturn.Decision{Outcome: keyturn.Approve, Approvals: 2, Group: "sre", PolicyVersion: "v7",
			Reasons: []keyturn.Reason{{Policy: "prod-destructive", Message: "destructive in prod needs two approvals"}}},
		Group: "sre", State: keyturn.StateApproved, Agent: "ci-bot", Operator: "olivia",
		Votes: []keyturn.Vote{
			{User: "adam", Verdict: keyturn.VoteApprove, Digest: digest, Comment: "checked: unused", At: at(10)},
			{User: "bea", Verdict: keyturn.VoteApprove, Digest: digest, At: at(11)},
		},
		CreatedAt: at(0), ExpiresAt: at(3600), DecidedAt: at(11), DecidedBy: "user:bea", BreakGlass: true,
		Result:        &keyturn.Result{ExitCode: 3, DurationMs: 1234, Output: "namespace \"payments\" deleted\n", At: at(20)},
		Approvers:     []string{"carol", "dan"},
		PolicyVersion: "v7",
	}
}

// pending returns a bare pending request of agent for digest, created at
// second n.
func pending(id, agent, digest string, n int) *keyturn.Request {
	return &keyturn.Request{ID: id, Type: keyturn.RequestAction,
		Action: keyturn.Action{Kind: keyturn.KindShell, Command: "terraform apply"}, Digest: digest,
		Decision: keyturn.Decision{Outcome: keyturn.Approve, Approvals: 1},
		State:    keyturn.StatePending, Agent: agent, Operator: "olivia", CreatedAt: at(n), ExpiresAt: at(n + 3600)}
}

// sameRequest compares requests, taking no votes and an empty list of votes
// as the same.
func sameRequest(t *testing.T, what string, got, want *keyturn.Request) {
	t.Helper()
	g, w := *got, *want
	if len(g.Votes) == 0 {
		g.Votes = nil
	}
	if len(w.Votes) == 0 {
		w.Votes = nil
	}
	if !reflect.DeepEqual(&g, &w) {
		gj, _ := json.MarshalIndent(&g, "", "  ")
		wj, _ := json.MarshalIndent(&w, "", "  ")
		t.Errorf("%s:\ngot  %s\nwant %s", what, gj, wj)
	}
}

func createRequests(t *testing.T, s keyturn.Store, rs ...*keyturn.Request) {
	t.Helper()
	update(t, s, func(tx keyturn.Tx) error {
		for _, r := range rs {
			if err := tx.CreateRequest(r); err != nil {
				return err
			}
		}
		return nil
	})
}

func getRequest(t *testing.T, s keyturn.Store, id string) *keyturn.Request {
	t.Helper()
	var r *keyturn.Request
	view(t, s, func(tx keyturn.Tx) (err error) {
		r, err = tx.Request(id)
		return err
	})
	return r
}

func testRequestRoundTrip(t *testing.T, s keyturn.Store) {
	full := fullRequest("r_full")
	grant := &keyturn.Grant{Request: full.ID, Digest: full.Digest, Agent: full.Agent, ExpiresAt: at(11 + 900)}
	policyChange := &keyturn.Request{ID: "r_policy", Type: keyturn.RequestPolicy, Digest: "v8",
		Decision: keyturn.Decision{Outcome: keyturn.Approve, Approvals: 1}, State: keyturn.StatePending,
		Operator: "adam", CreatedAt: at(5), ExpiresAt: at(3605), PolicyVersion: "v8"}
	update(t, s, func(tx keyturn.Tx) error {
		if err := tx.CreateRequest(full); err != nil {
			return err
		}
		if err := tx.CreateGrant(grant); err != nil {
			return err
		}
		return tx.CreateRequest(policyChange)
	})

	want := *full
	want.Approvers = nil // computed by the gateway, never kept
	want.Grant = grant
	sameRequest(t, "Request(r_full)", getRequest(t, s, full.ID), &want)
	sameRequest(t, "Request(r_policy)", getRequest(t, s, policyChange.ID), policyChange)

	wantCode(t, txErr(s, func(tx keyturn.Tx) error { return tx.CreateRequest(pending("r_full", "x", "d", 1)) }),
		keyturn.ECONFLICT, "CreateRequest of an existing id")
	sameRequest(t, "Request(r_full) after a duplicate", getRequest(t, s, full.ID), &want)
	view(t, s, func(tx keyturn.Tx) error {
		_, err := tx.Request("r_missing")
		wantCode(t, err, keyturn.ENOTFOUND, "Request of a missing id")
		return nil
	})
}

// testRequestTimes checks that times come back in UTC at the microsecond,
// whatever zone and precision they went in with.
func testRequestTimes(t *testing.T, s keyturn.Store) {
	zone := time.FixedZone("IST", 5*3600+1800)
	created := time.Date(2025, 6, 1, 12, 0, 0, 123456789, zone)
	r := pending("r_times", "ci-bot", "d", 0)
	r.CreatedAt, r.ExpiresAt = created, created.Add(time.Hour)
	createRequests(t, s, r)
	got := getRequest(t, s, r.ID)
	for _, c := range []struct {
		name      string
		got, want time.Time
	}{{"CreatedAt", got.CreatedAt, created}, {"ExpiresAt", got.ExpiresAt, created.Add(time.Hour)}} {
		want := c.want.UTC().Round(time.Microsecond)
		if !c.got.Equal(want) || c.got.Location() != time.UTC {
			t.Errorf("%s = %v, want %v (UTC, to the microsecond)", c.name, c.got, want)
		}
	}
	if !got.DecidedAt.IsZero() {
		t.Errorf("DecidedAt = %v, want the zero time for an undecided request", got.DecidedAt)
	}
}

func testUpdateRequest(t *testing.T, s keyturn.Store) {
	r := fullRequest("r_upd")
	r.State, r.DecidedAt, r.DecidedBy, r.BreakGlass, r.Result, r.Approvers = keyturn.StatePending, time.Time{}, "", false, nil, nil
	createRequests(t, s, r)

	changed := *r
	changed.State, changed.DecidedAt, changed.DecidedBy, changed.BreakGlass = keyturn.StateExecuted, at(50), "breakglass:adam", true
	changed.Result = &keyturn.Result{ExitCode: 0, DurationMs: 10, At: at(60)}
	// What the request asked for is not UpdateRequest's to change.
	changed.Digest, changed.Group, changed.Operator, changed.Action.Command = "other", "other", "mallory", "rm -rf /"
	update(t, s, func(tx keyturn.Tx) error { return tx.UpdateRequest(&changed) })

	want := *r
	want.State, want.DecidedAt, want.DecidedBy, want.BreakGlass, want.Result = changed.State, changed.DecidedAt, changed.DecidedBy, true, changed.Result
	sameRequest(t, "after UpdateRequest", getRequest(t, s, r.ID), &want)

	wantCode(t, txErr(s, func(tx keyturn.Tx) error { return tx.UpdateRequest(pending("r_missing", "x", "d", 0)) }),
		keyturn.ENOTFOUND, "UpdateRequest of a missing request")
}

func testVotes(t *testing.T, s keyturn.Store) {
	r := pending("r_votes", "ci-bot", "d1", 0)
	createRequests(t, s, r)
	votes := []keyturn.Vote{
		{User: "carol", Verdict: keyturn.VoteApprove, Digest: "d1", Comment: "fine", At: at(3)},
		{User: "adam", Verdict: keyturn.VoteApprove, Digest: "d1", At: at(1)}, // order given, not time, is kept
		{User: "bea", Verdict: keyturn.VoteConfirm, Digest: "d0", At: at(2)},
	}
	for _, v := range votes {
		update(t, s, func(tx keyturn.Tx) error { return tx.AddVote(r.ID, v) })
	}
	wantCode(t, txErr(s, func(tx keyturn.Tx) error {
		return tx.AddVote(r.ID, keyturn.Vote{User: "carol", Verdict: keyturn.VoteApprove, Digest: "d1", At: at(9)})
	}), keyturn.ECONFLICT, "a second approve by the same user")
	deny := keyturn.Vote{User: "carol", Verdict: keyturn.VoteDeny, Digest: "d1", Comment: "changed my mind", At: at(4)}
	update(t, s, func(tx keyturn.Tx) error { return tx.AddVote(r.ID, deny) })
	wantCode(t, txErr(s, func(tx keyturn.Tx) error {
		return tx.AddVote("r_missing", keyturn.Vote{User: "carol", Verdict: keyturn.VoteApprove, Digest: "d1", At: at(9)})
	}), keyturn.ENOTFOUND, "AddVote on a missing request")

	got := getRequest(t, s, r.ID)
	if want := append(votes, deny); !reflect.DeepEqual(got.Votes, want) {
		t.Errorf("Votes = %+v, want %+v (in the order given)", got.Votes, want)
	}

	// A request created with two equal votes is refused whole.
	dup := pending("r_dupvotes", "ci-bot", "d2", 0)
	dup.Votes = []keyturn.Vote{votes[0], votes[0]}
	wantCode(t, s.Update(t.Context(), func(tx keyturn.Tx) error { return tx.CreateRequest(dup) }),
		keyturn.ECONFLICT, "CreateRequest with a duplicate vote")
	view(t, s, func(tx keyturn.Tx) error {
		_, err := tx.Request(dup.ID)
		wantCode(t, err, keyturn.ENOTFOUND, "the request whose creation failed")
		return nil
	})
}

func testGrants(t *testing.T, s keyturn.Store) {
	r := pending("r_grant", "ci-bot", "d1", 0)
	other := pending("r_nogrant", "ci-bot", "d2", 0)
	createRequests(t, s, r, other)
	g := &keyturn.Grant{Request: r.ID, Digest: "d1", Agent: "ci-bot", ExpiresAt: at(900)}
	update(t, s, func(tx keyturn.Tx) error { return tx.CreateGrant(g) })
	wantCode(t, txErr(s, func(tx keyturn.Tx) error {
		return tx.CreateGrant(&keyturn.Grant{Request: r.ID, Digest: "d1", Agent: "ci-bot", ExpiresAt: at(1800)})
	}), keyturn.ECONFLICT, "a second grant for a request")
	wantCode(t, txErr(s, func(tx keyturn.Tx) error {
		return tx.CreateGrant(&keyturn.Grant{Request: "r_missing", Digest: "d1", Agent: "ci-bot", ExpiresAt: at(1800)})
	}), keyturn.ENOTFOUND, "a grant for a missing request")
	if got := getRequest(t, s, r.ID).Grant; !reflect.DeepEqual(got, g) {
		t.Errorf("Grant = %+v, want %+v", got, g)
	}

	update(t, s, func(tx keyturn.Tx) error { return tx.UseGrant(r.ID, at(100)) })
	wantCode(t, txErr(s, func(tx keyturn.Tx) error { return tx.UseGrant(r.ID, at(101)) }),
		keyturn.ECONFLICT, "a second use of a grant")
	wantCode(t, txErr(s, func(tx keyturn.Tx) error { return tx.UseGrant(other.ID, at(101)) }),
		keyturn.ENOTFOUND, "UseGrant on a request without a grant")
	wantCode(t, txErr(s, func(tx keyturn.Tx) error { return tx.UseGrant("r_missing", at(101)) }),
		keyturn.ENOTFOUND, "UseGrant on a missing request")
	used := *g
	used.UsedAt = at(100)
	if got := getRequest(t, s, r.ID).Grant; !reflect.DeepEqual(got, &used) {
		t.Errorf("Grant after use = %+v, want %+v (the first use's time)", got, &used)
	}
	if got := getRequest(t, s, other.ID).Grant; got != nil {
		t.Errorf("Grant of a request without one = %+v, want nil", got)
	}
}

// testUseGrantRace has 50 goroutines use one grant at once, each in its
// own Update: exactly one may win, whatever the store batches together.
func testUseGrantRace(t *testing.T, s keyturn.Store) {
	const racers = 50
	for round := range 5 {
		id := fmt.Sprintf("r_race%d", round)
		createRequests(t, s, pending(id, "ci-bot", "d", round))
		update(t, s, func(tx keyturn.Tx) error {
			return tx.CreateGrant(&keyturn.Grant{Request: id, Digest: "d", Agent: "ci-bot", ExpiresAt: at(900)})
		})
		errs := make([]error, racers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				<-start
				errs[i] = s.Update(t.Context(), func(tx keyturn.Tx) error { return tx.UseGrant(id, at(1000+i)) })
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch keyturn.ErrorCode(err) {
			case "":
				if winner >= 0 {
					t.Errorf("round %d: racers %d and %d both used the grant", round, winner, i)
				}
				winner = i
			case keyturn.ECONFLICT:
			default:
				t.Errorf("round %d: racer %d: %v, want nil or a conflict", round, i, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no racer used the grant", round)
		}
		if got := getRequest(t, s, id).Grant.UsedAt; !got.Equal(at(1000 + winner)) {
			t.Errorf("round %d: UsedAt = %v, want the winner's %v", round, got, at(1000+winner))
		}
	}
}

func testOpenRequest(t *testing.T, s keyturn.Store) {
	withState := func(r *keyturn.Request, st keyturn.State) *keyturn.Request {
		r.State = st
		return r
	}
	rs := []*keyturn.Request{
		pending("r_p_old", "a", "dP", 0),
		pending("r_p_new", "a", "dP", 5), // newest of two pending wins
		withState(pending("r_unused", "a", "dA", 0), keyturn.StateApproved),
		withState(pending("r_used", "a", "dU", 0), keyturn.StateApproved),
		withState(pending("r_nogrant", "a", "dN", 0), keyturn.StateApproved),
		withState(pending("r_denied", "a", "dD", 0), keyturn.StateDenied),
		withState(pending("r_expired", "a", "dE", 0), keyturn.StateExpired),
		withState(pending("r_cancelled", "a", "dC", 0), keyturn.StateCancelled),
		withState(pending("r_executed", "a", "dX", 0), keyturn.StateExecuted),
		// The newest open request wins over an older open one, and a newer
		// closed one does not hide an older open one.
		withState(pending("r_m_approved", "a", "dM", 0), keyturn.StateApproved),
		pending("r_m_pending", "a", "dM", 10),
		pending("r_r_pending", "a", "dR", 0),
		withState(pending("r_r_denied", "a", "dR", 10), keyturn.StateDenied),
	}
	createRequests(t, s, rs...)
	update(t, s, func(tx keyturn.Tx) error {
		for _, id := range []string{"r_unused", "r_used", "r_executed", "r_m_approved"} {
			if err := tx.CreateGrant(&keyturn.Grant{Request: id, Digest: "d", Agent: "a", ExpiresAt: at(900)}); err != nil {
				return err
			}
		}
		for _, id := range []string{"r_used", "r_executed"} {
			if err := tx.UseGrant(id, at(60)); err != nil {
				return err
			}
		}
		return nil
	})

	cases := []struct{ agent, digest, want string }{
		{"a", "dP", "r_p_new"},
		{"a", "dA", "r_unused"},
		{"a", "dU", ""},
		{"a", "dN", ""},
		{"a", "dD", ""},
		{"a", "dE", ""},
		{"a", "dC", ""},
		{"a", "dX", ""},
		{"a", "dM", "r_m_pending"},
		{"a", "dR", "r_r_pending"},
		{"b", "dP", ""},     // another agent's action is not this agent's request
		{"a", "dOther", ""}, // a changed action is a new request
	}
	view(t, s, func(tx keyturn.Tx) error {
		for _, c := range cases {
			r, err := tx.OpenRequest(c.agent, c.digest)
			if c.want == "" {
				wantCode(t, err, keyturn.ENOTFOUND, fmt.Sprintf("OpenRequest(%s, %s)", c.agent, c.digest))
				continue
			}
			if err != nil {
				t.Errorf("OpenRequest(%s, %s): %v, want %s", c.agent, c.digest, err, c.want)
				continue
			}
			if r.ID != c.want {
				t.Errorf("OpenRequest(%s, %s) = %s, want %s", c.agent, c.digest, r.ID, c.want)
			}
		}
		r, err := tx.OpenRequest("a", "dA")
		if err == nil && (r.Grant == nil || r.Grant.Request != "r_unused") {
			t.Errorf("OpenRequest of an approved request: Grant = %+v, want its grant", r.Grant)
		}
		return nil
	})
	update(t, s, func(tx keyturn.Tx) error { return tx.UseGrant("r_unused", at(70)) })
	view(t, s, func(tx keyturn.Tx) error {
		_, err := tx.OpenRequest("a", "dA")
		wantCode(t, err, keyturn.ENOTFOUND, "OpenRequest once its grant is used")
		return nil
	})
}

func testRequests(t *testing.T, s keyturn.Store) {
	rs := []*keyturn.Request{
		pending("r_0", "a", "d0", 0),
		pending("r_1", "b", "d1", 1),
		pending("r_2", "a", "d2", 2),
		pending("r_3", "b", "d3", 3),
		pending("r_4", "a", "d4", 4),
	}
	rs[1].State, rs[2].State = keyturn.StateApproved, keyturn.StateDenied
	createRequests(t, s, rs...)
	vote := keyturn.Vote{User: "adam", Verdict: keyturn.VoteApprove, Digest: "d1", At: at(5)}
	grant := &keyturn.Grant{Request: "r_1", Digest: "d1", Agent: "b", ExpiresAt: at(900)}
	update(t, s, func(tx keyturn.Tx) error {
		if err := tx.AddVote("r_1", vote); err != nil {
			return err
		}
		return tx.CreateGrant(grant)
	})

	cases := []struct {
		f    keyturn.RequestFilter
		want []string
	}{
		{keyturn.RequestFilter{}, []string{"r_4", "r_3", "r_2", "r_1", "r_0"}},
		{keyturn.RequestFilter{State: keyturn.StatePending}, []string{"r_4", "r_3", "r_0"}},
		{keyturn.RequestFilter{Agent: "a"}, []string{"r_4", "r_2", "r_0"}},
		{keyturn.RequestFilter{Agent: "b", State: keyturn.StatePending}, []string{"r_3"}},
		{keyturn.RequestFilter{Limit: 2}, []string{"r_4", "r_3"}},
		{keyturn.RequestFilter{State: keyturn.StatePending, Limit: 1}, []string{"r_4"}},
		{keyturn.RequestFilter{State: keyturn.StateExpired}, nil},
		{keyturn.RequestFilter{Agent: "nobody"}, nil},
	}
	view(t, s, func(tx keyturn.Tx) error {
		for _, c := range cases {
			got, err := tx.Requests(c.f)
			if err != nil {
				return err
			}
			var ids []string
			for _, r := range got {
				ids = append(ids, r.ID)
				if r.ID == "r_1" {
					if !reflect.DeepEqual(r.Votes, []keyturn.Vote{vote}) || !reflect.DeepEqual(r.Grant, grant) {
						t.Errorf("Requests(%+v): r_1 has votes %+v and grant %+v, want its vote and grant", c.f, r.Votes, r.Grant)
					}
				}
			}
			if !slices.Equal(ids, c.want) {
				t.Errorf("Requests(%+v) = %v, want %v (newest first)", c.f, ids, c.want)
			}
		}
		return nil
	})
}

func testExpiredRequests(t *testing.T, s keyturn.Store) {
	mk := func(id string, st keyturn.State, expires int) *keyturn.Request {
		r := pending(id, "a", id, 0)
		r.State, r.ExpiresAt = st, at(expires)
		return r
	}
	createRequests(t, s,
		mk("r_late1", keyturn.StatePending, 500),
		mk("r_late2", keyturn.StatePending, 999),
		mk("r_now", keyturn.StatePending, 1000), // not before now: still in time
		mk("r_future", keyturn.StatePending, 2000),
		mk("r_approved", keyturn.StateApproved, 10),
		mk("r_denied", keyturn.StateDenied, 10),
		mk("r_expired", keyturn.StateExpired, 10),
	)
	view(t, s, func(tx keyturn.Tx) error {
		ids, err := tx.ExpiredRequests(at(1000), 10)
		if err != nil {
			return err
		}
		slices.Sort(ids)
		if want := []string{"r_late1", "r_late2"}; !slices.Equal(ids, want) {
			t.Errorf("ExpiredRequests = %v, want %v", ids, want)
		}
		ids, err = tx.ExpiredRequests(at(1000), 1)
		if err != nil {
			return err
		}
		if len(ids) != 1 || (ids[0] != "r_late1" && ids[0] != "r_late2") {
			t.Errorf("ExpiredRequests with limit 1 = %v, want one of r_late1, r_late2", ids)
		}
		ids, err = tx.ExpiredRequests(at(0), 10)
		if err != nil {
			return err
		}
		if len(ids) != 0 {
			t.Errorf("ExpiredRequests before any expiry = %v, want none", ids)
		}
		return nil
	})
}
