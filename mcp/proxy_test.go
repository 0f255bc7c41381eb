package mcp_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"keyturn"
	"keyturn/mcp"
	"keyturn/policy"
)

// heldRequest returns the one pending request of bot for tool.
func heldRequest(t *testing.T, k *keyturnServer, tool string) *keyturn.Request {
	t.Helper()
	var found []*keyturn.Request
	for _, r := range k.pending() {
		if r.Action.Tool == tool {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d pending requests for %s, want 1", len(found), tool)
	}
	return found[0]
}

func TestProxyMirrorsAndGatesToolCalls(t *testing.T) {
	k := newKeyturn(t, nil)
	u := &upstream{}
	p := &mcp.Proxy{Service: k.agent(), Name: "srv", Wait: 10 * time.Millisecond}
	cs := chain(t, u, p)

	if info := cs.InitializeResult().ServerInfo; info == nil || info.Name != "dbtools" || info.Version != "1.2.3" {
		t.Errorf("the agent sees server %+v, want the upstream's dbtools 1.2.3", info)
	}
	tools := listTools(t, cs)
	if len(tools) != 2 || tools["run_sql"] == nil || tools["delete_bucket"] == nil {
		t.Fatalf("tools/list through the proxy: %v", tools)
	}
	if d := tools["delete_bucket"]; d.Description != "delete a bucket and everything in it" ||
		d.Annotations == nil || d.Annotations.DestructiveHint == nil || !*d.Annotations.DestructiveHint {
		t.Errorf("delete_bucket is not mirrored as it is: %+v", d)
	}
	if b, _ := json.Marshal(tools["run_sql"].InputSchema); !strings.Contains(string(b), `"sql"`) {
		t.Errorf("run_sql's input schema is not mirrored: %s", b)
	}

	// A read passes. Until the classifier reads MCP calls, every call is
	// one unknown effect that needs an approval; then it passes too.
	text, isErr := call(t, cs, "run_sql", map[string]any{"sql": "SELECT 1"})
	if !k.classifiesMCP() && isErr {
		k.approveAll(heldRequest(t, k, "run_sql").ID)
		text, isErr = call(t, cs, "run_sql", map[string]any{"sql": "SELECT 1"})
	}
	if isErr || text != "ran: SELECT 1" || u.count("run_sql") != 1 {
		t.Fatalf("run_sql SELECT 1: %q (error %v), %d upstream calls", text, isErr, u.count("run_sql"))
	}

	// The destructive call is held and never reaches the upstream.
	args := map[string]any{"bucket": "prod-state"}
	text, isErr = call(t, cs, "delete_bucket", args)
	r := heldRequest(t, k, "delete_bucket")
	if !isErr || u.count("delete_bucket") != 0 {
		t.Fatalf("delete_bucket was not held: %q (error %v), %d upstream calls", text, isErr, u.count("delete_bucket"))
	}
	wantIn(t, "held call", text, "keyturn is holding", r.ID, "approval", "alice", "bob", "carol",
		"call delete_bucket again with exactly the same arguments", "not forwarded")
	if strings.Contains(text, "olivia,") || strings.Contains(text, "approve: olivia") {
		t.Errorf("the operator is named as an approver: %q", text)
	}
	if r.Action.Server != "srv" || r.Action.Kind != keyturn.KindMCPTool || string(r.Action.Arguments) != `{"bucket":"prod-state"}` ||
		!r.Action.Annotations["destructiveHint"] {
		t.Errorf("the request's action: %+v", r.Action)
	}

	// The same call again while pending: still held, the same request.
	if text, isErr = call(t, cs, "delete_bucket", args); !isErr || !strings.Contains(text, r.ID) {
		t.Fatalf("second call while pending: %q", text)
	}

	k.approveAll(r.ID)
	// Other arguments are another action: still held.
	if text, isErr = call(t, cs, "delete_bucket", map[string]any{"bucket": "prod-logs"}); !isErr {
		t.Fatalf("an approval of prod-state let prod-logs through: %q", text)
	}
	text, isErr = call(t, cs, "delete_bucket", args)
	if isErr || text != "deleted prod-state" || u.count("delete_bucket") != 1 {
		t.Fatalf("approved delete_bucket: %q (error %v), %d upstream calls", text, isErr, u.count("delete_bucket"))
	}
	// The grant is used once.
	if text, isErr = call(t, cs, "delete_bucket", args); !isErr || u.count("delete_bucket") != 1 {
		t.Fatalf("the approval let a second run through: %q", text)
	}
	got, err := k.g.Request(k.as("admin"), r.ID, 0)
	if err != nil || got.Result == nil || got.Result.ExitCode != 0 {
		t.Errorf("the proxy did not report the approved run: %+v, %v", got, err)
	}

	// Resources and prompts pass through.
	rr, err := cs.ReadResource(context.Background(), &sdk.ReadResourceParams{URI: "db://schema"})
	if err != nil || len(rr.Contents) != 1 || rr.Contents[0].Text != "CREATE TABLE t (id int)" {
		t.Errorf("resources/read through the proxy: %+v, %v", rr, err)
	}
	gp, err := cs.GetPrompt(context.Background(), &sdk.GetPromptParams{Name: "explain"})
	if err != nil || len(gp.Messages) != 1 {
		t.Errorf("prompts/get through the proxy: %+v, %v", gp, err)
	}
}

// A call that was held is let through while it waits, once peers approve.
func TestProxyWaitsForApproval(t *testing.T) {
	k := newKeyturn(t, nil)
	u := &upstream{}
	cs := chain(t, u, &mcp.Proxy{Service: k.agent(), Name: "srv", Wait: time.Minute})
	type answer struct {
		text  string
		isErr bool
	}
	done := make(chan answer, 1)
	go func() {
		res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "delete_bucket", Arguments: map[string]any{"bucket": "b"}})
		if err != nil {
			done <- answer{err.Error(), true}
			return
		}
		done <- answer{res.Content[0].(*sdk.TextContent).Text, res.IsError}
	}()
	var id string
	for deadline := time.Now().Add(30 * time.Second); id == "" && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for _, r := range k.pending() {
			id = r.ID
		}
	}
	if id == "" {
		t.Fatal("the waiting call opened no request")
	}
	k.approveAll(id)
	a := <-done
	if a.isErr || a.text != "deleted b" {
		t.Fatalf("the call approved while it waited: %+v", a)
	}
}

// forbidTool is the default pack and one more forbid for srv/forbidden_tool.
func forbidTool(t *testing.T) *policy.Set {
	t.Helper()
	def, err := policy.Default()
	if err != nil {
		t.Fatal(err)
	}
	src := append([]policy.Source{}, def.Sources()...)
	src = append(src, policy.Source{Name: "40-test.cedar", Text: `
@id("forbidden-tool")
@reason("agents never call srv's forbidden_tool")
forbid (principal, action, resource)
when { context.tool == "mcp" && context.operation == "srv/forbidden_tool" };
`})
	set, err := policy.Compile(src)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestProxyHidesToolsThePolicyDenies(t *testing.T) {
	k := newKeyturn(t, forbidTool(t))
	if !k.classifiesMCP() {
		t.Skip("the classifier does not name MCP operations yet (classify.Action): no policy can tell one tool from another")
	}
	u := &upstream{extra: []string{"forbidden_tool"}}
	cs := chain(t, u, &mcp.Proxy{Service: k.agent(), Name: "srv", Wait: 10 * time.Millisecond})
	tools := listTools(t, cs)
	if tools["forbidden_tool"] != nil || tools["run_sql"] == nil || tools["delete_bucket"] == nil {
		t.Fatalf("tools/list: %v, want run_sql and delete_bucket only", tools)
	}
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "forbidden_tool", Arguments: map[string]any{"bucket": "x"}})
	if (err == nil && !res.IsError) || u.count("forbidden_tool") != 0 {
		t.Fatalf("calling the hidden tool: %+v, %v", res, err)
	}
}

// fakeService answers as a test tells it: for the answers a real keyturn
// cannot be made to give on cue (an outage, a status nobody knows) and, until
// the classifier reads MCP calls, a denial of one tool by name.
type fakeService struct {
	keyturn.Service
	submit func(*keyturn.Action) (*keyturn.Verdict, error)
	check  func(*keyturn.Action) (*keyturn.Verdict, error)
}

func (f *fakeService) Submit(_ context.Context, a *keyturn.Action, _ time.Duration) (*keyturn.Verdict, error) {
	return f.submit(a)
}
func (f *fakeService) Check(_ context.Context, a *keyturn.Action) (*keyturn.Verdict, error) {
	return f.check(a)
}

func TestProxyHidesWhatCheckDenies(t *testing.T) {
	var checked []string
	f := &fakeService{
		check: func(a *keyturn.Action) (*keyturn.Verdict, error) {
			checked = append(checked, a.Tool+" "+string(a.Arguments))
			if a.Tool == "forbidden_tool" {
				return &keyturn.Verdict{Status: keyturn.StatusDenied, Decision: keyturn.Decision{Outcome: keyturn.Deny}}, nil
			}
			return &keyturn.Verdict{Status: keyturn.StatusAllowed, Decision: keyturn.Decision{Outcome: keyturn.Allow}}, nil
		},
		submit: func(*keyturn.Action) (*keyturn.Verdict, error) {
			return &keyturn.Verdict{Status: keyturn.StatusAllowed}, nil
		},
	}
	u := &upstream{extra: []string{"forbidden_tool"}}
	cs := chain(t, u, &mcp.Proxy{Service: f, Name: "srv"})
	tools := listTools(t, cs)
	if tools["forbidden_tool"] != nil || len(tools) != 2 {
		t.Fatalf("tools/list: %v", tools)
	}
	if !strings.Contains(strings.Join(checked, "|"), "forbidden_tool {}") {
		t.Errorf("the proxy checked %v, want each tool with {}", checked)
	}
	if res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "forbidden_tool", Arguments: map[string]any{}}); (err == nil && !res.IsError) || u.count("forbidden_tool") != 0 {
		t.Fatalf("the hidden tool could be called: %+v, %v", res, err)
	}
}

// Whatever keyturn answers other than "allowed", and any error reaching it,
// the call does not reach the upstream.
func TestProxyFailsClosed(t *testing.T) {
	allow := func(*keyturn.Action) (*keyturn.Verdict, error) {
		return &keyturn.Verdict{Status: keyturn.StatusAllowed}, nil
	}
	cases := []struct {
		name   string
		submit func(*keyturn.Action) (*keyturn.Verdict, error)
		check  func(*keyturn.Action) (*keyturn.Verdict, error)
		want   []string
	}{
		{"unreachable", func(*keyturn.Action) (*keyturn.Verdict, error) {
			return nil, keyturn.Errorf(keyturn.EUNAVAILABLE, "keyturn server unreachable")
		}, func(*keyturn.Action) (*keyturn.Verdict, error) {
			return nil, keyturn.Errorf(keyturn.EUNAVAILABLE, "keyturn server unreachable")
		}, []string{"could not judge", "unreachable", "not forwarded"}},
		{"internal", func(*keyturn.Action) (*keyturn.Verdict, error) {
			return nil, keyturn.Errorf(keyturn.EINTERNAL, "disk full")
		}, allow, []string{"not forwarded"}},
		{"no answer", func(*keyturn.Action) (*keyturn.Verdict, error) { return nil, nil }, allow, []string{"not forwarded"}},
		{"denied", func(*keyturn.Action) (*keyturn.Verdict, error) {
			return &keyturn.Verdict{Status: keyturn.StatusDenied, Decision: keyturn.Decision{Outcome: keyturn.Deny,
				Reasons: []keyturn.Reason{{Policy: "protected-target", Message: "the target is protected"}}}}, nil
		}, allow, []string{"denied", "protected-target: the target is protected", "not forwarded"}},
		{"unknown status", func(*keyturn.Action) (*keyturn.Verdict, error) {
			return &keyturn.Verdict{Status: "maybe"}, nil
		}, allow, []string{"maybe", "not forwarded"}},
		{"pending without request", func(*keyturn.Action) (*keyturn.Verdict, error) {
			return &keyturn.Verdict{Status: keyturn.StatusPending}, nil
		}, allow, []string{"not forwarded"}},
		{"expired", func(*keyturn.Action) (*keyturn.Verdict, error) {
			return &keyturn.Verdict{Status: keyturn.StatusExpired, Request: &keyturn.Request{ID: "r_x"}}, nil
		}, allow, []string{"expired", "not forwarded"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := &upstream{}
			cs := chain(t, u, &mcp.Proxy{Service: &fakeService{submit: c.submit, check: c.check}, Name: "srv"})
			if n := len(listTools(t, cs)); n != 2 {
				t.Errorf("%d tools listed, want 2: a failed check hides nothing, calls are still judged", n)
			}
			for _, tool := range []string{"run_sql", "delete_bucket"} {
				text, isErr := call(t, cs, tool, map[string]any{"sql": "SELECT 1", "bucket": "b"})
				if !isErr || u.count(tool) != 0 {
					t.Fatalf("%s: %q (error %v) reached the upstream %d times", tool, text, isErr, u.count(tool))
				}
				wantIn(t, tool, text, c.want...)
			}
		})
	}
}

// Arguments that two JSON parsers could read differently are refused: what
// keyturn judges must be what the upstream runs.
func TestProxyRefusesAmbiguousArguments(t *testing.T) {
	var judged []string
	f := &fakeService{
		check: func(*keyturn.Action) (*keyturn.Verdict, error) {
			return &keyturn.Verdict{Status: keyturn.StatusAllowed}, nil
		},
		submit: func(a *keyturn.Action) (*keyturn.Verdict, error) {
			judged = append(judged, string(a.Arguments))
			return &keyturn.Verdict{Status: keyturn.StatusAllowed}, nil
		},
	}
	u := &upstream{}
	cs := chain(t, u, &mcp.Proxy{Service: f, Name: "srv"})
	text, isErr := call(t, cs, "run_sql", json.RawMessage(`{"sql":"SELECT 1","sql":"DROP TABLE t"}`))
	if !isErr || u.count("run_sql") != 0 || len(judged) != 0 {
		t.Fatalf("duplicate keys: %q (error %v), upstream %d, judged %v", text, isErr, u.count("run_sql"), judged)
	}
	wantIn(t, "duplicate keys", text, "same key twice", "not forwarded")
	// Insignificant space and key order are not ambiguity: the call is
	// judged and forwarded in one canonical form.
	if text, isErr = call(t, cs, "run_sql", json.RawMessage(`{ "sql" : "SELECT 2" }`)); isErr || text != "ran: SELECT 2" {
		t.Fatalf("plain arguments: %q (error %v)", text, isErr)
	}
	if len(judged) != 1 || judged[0] != `{"sql":"SELECT 2"}` {
		t.Errorf("judged %v", judged)
	}
}
