package mcp_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"keyturn"
	"keyturn/mcp"
)

// serve connects an agent's client to `keyturn mcp serve`'s server.
func serve(t *testing.T, k *keyturnServer) *sdk.ClientSession {
	t.Helper()
	ctx := context.Background()
	st, ct := sdk.NewInMemoryTransports()
	ss, err := mcp.NewServer(mcp.ServerConfig{Service: k.agent(), Cwd: "/home/olivia/project"}).Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "agent", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// structured calls a tool and decodes its structured answer into out.
func structured(t *testing.T, cs *sdk.ClientSession, tool string, args any, out any) (text string, isError bool) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", tool, err)
	}
	if len(res.Content) > 0 {
		if tc, ok := res.Content[0].(*sdk.TextContent); ok {
			text = tc.Text
		}
	}
	if !res.IsError && out != nil {
		b, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s's structured content %s: %v", tool, b, err)
		}
	}
	return text, res.IsError
}

func TestServeTools(t *testing.T) {
	k := newKeyturn(t, nil)
	cs := serve(t, k)
	names := slices.Sorted(func(yield func(string) bool) {
		for tool := range listTools(t, cs) {
			if !yield(tool) {
				return
			}
		}
	})
	if !slices.Equal(names, []string{"keyturn_check", "keyturn_request", "keyturn_status"}) {
		t.Fatalf("tools: %v", names)
	}

	const destroy = "kubectl --context prod-eu delete ns payments"
	var j mcp.Judgement
	text, isErr := structured(t, cs, "keyturn_check", map[string]any{"command": destroy}, &j)
	if isErr || j.Status != keyturn.StatusPending || j.Decision != "approve" || j.Approvals != 2 || len(j.Effects) == 0 ||
		j.Effects[0].Class != "destructive" || j.Effects[0].Environment != "prod" || len(j.Reasons) == 0 {
		t.Fatalf("keyturn_check %q: %q %+v", destroy, text, j)
	}
	wantIn(t, "check", text, "approve (2)", "keyturn_request")
	if n := len(k.pending()); n != 0 {
		t.Fatalf("keyturn_check opened %d requests; it records nothing", n)
	}
	if _, _ = structured(t, cs, "keyturn_check", map[string]any{"command": "ls"}, &j); j.Status != keyturn.StatusAllowed {
		t.Errorf("keyturn_check ls: %+v", j)
	}

	if text, isErr = structured(t, cs, "keyturn_request", map[string]any{"command": destroy}, nil); !isErr {
		t.Errorf("keyturn_request without a reason: %q", text)
	}
	j = mcp.Judgement{}
	text, isErr = structured(t, cs, "keyturn_request", map[string]any{"command": destroy, "reason": "the namespace is left over"}, &j)
	if isErr || j.Status != keyturn.StatusPending || j.Request == nil || j.Request.ID == "" {
		t.Fatalf("keyturn_request: %q %+v", text, j)
	}
	id := j.Request.ID
	rs := k.pending()
	if len(rs) != 1 || rs[0].ID != id || rs[0].Action.Reason != "the namespace is left over" || rs[0].Action.Cwd != "/home/olivia/project" {
		t.Fatalf("pending after keyturn_request: %+v", rs)
	}

	var r mcp.RequestView
	text, isErr = structured(t, cs, "keyturn_status", map[string]any{"id": id}, &r)
	if isErr || r.State != "pending" || r.Approvals != 2 || !slices.Contains(r.Approvers, "bob") || slices.Contains(r.Approvers, "olivia") {
		t.Fatalf("keyturn_status: %q %+v", text, r)
	}
	wantIn(t, "status", text, id, "pending", "2 more approvals")
	k.approveAll(id)
	if _, _ = structured(t, cs, "keyturn_status", map[string]any{"id": id}, &r); r.State != "approved" || len(r.Votes) != 2 {
		t.Errorf("keyturn_status after approvals: %+v", r)
	}
	if text, isErr = structured(t, cs, "keyturn_status", map[string]any{"id": "r_doesnotexist"}, nil); !isErr {
		t.Errorf("keyturn_status of a missing request: %q", text)
	}
}
