package mcp_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"keyturn"
	"keyturn/classify"
	"keyturn/gateway"
	"keyturn/mcp"
	"keyturn/policy"
	"keyturn/sqlite"
)

// The tests run a real gateway over a real SQLite file, the real classifier
// and the default policy pack (or one compiled in the test), an upstream MCP
// server written here with the SDK, the proxy in between and an SDK client
// that plays the agent, all connected in memory.

const testConfig = `
environments:
  - name: prod
    match:
      kube_context: ["prod-*"]
`

// keyturnServer is a gateway with its principals: admin, the operator
// olivia, the approvers alice, bob and carol, and the agent bot (for
// olivia).
type keyturnServer struct {
	t    *testing.T
	g    *gateway.Gateway
	ctxs map[string]context.Context
}

func newKeyturn(t *testing.T, set *policy.Set) *keyturnServer {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "keyturn.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg, err := classify.ParseConfig([]byte(testConfig))
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(context.Background(), gateway.Config{Store: db, Classifier: classify.New(cfg), Key: key, Policy: set})
	if err != nil {
		t.Fatal(err)
	}
	k := &keyturnServer{t: t, g: g, ctxs: map[string]context.Context{}}
	token, err := g.Bootstrap(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	k.login("admin", token)
	k.addUser("olivia", keyturn.RoleOperator, keyturn.RoleApprover)
	for _, n := range []string{"alice", "bob", "carol"} {
		k.addUser(n, keyturn.RoleApprover)
	}
	token, err = g.EnrollAgent(k.as("admin"), &keyturn.Agent{Name: "bot", Operator: "olivia", Kind: "mcp"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	k.login("bot", token)
	return k
}

func (k *keyturnServer) login(name, token string) {
	k.t.Helper()
	p, err := k.g.Authenticate(context.Background(), token)
	if err != nil {
		k.t.Fatal(err)
	}
	k.ctxs[name] = keyturn.NewContext(context.Background(), p)
}

func (k *keyturnServer) addUser(name string, roles ...keyturn.Role) {
	k.t.Helper()
	token, err := k.g.AddUser(k.as("admin"), &keyturn.User{Name: name, Roles: roles})
	if err != nil {
		k.t.Fatal(err)
	}
	k.login(name, token)
}

func (k *keyturnServer) as(name string) context.Context { return k.ctxs[name] }

// agent is the gateway as the agent bot sees it: the proxy calls the
// service with the MCP request's ctx, which carries no keyturn principal,
// so the adapter adds bot's, as the HTTP client adds bot's token.
func (k *keyturnServer) agent() keyturn.Service {
	p, _ := keyturn.PrincipalFrom(k.as("bot"))
	return &asAgent{Service: k.g, p: p}
}

type asAgent struct {
	keyturn.Service
	p keyturn.Principal
}

func (a *asAgent) with(ctx context.Context) context.Context { return keyturn.NewContext(ctx, a.p) }

func (a *asAgent) Submit(ctx context.Context, act *keyturn.Action, wait time.Duration) (*keyturn.Verdict, error) {
	return a.Service.Submit(a.with(ctx), act, wait)
}
func (a *asAgent) Check(ctx context.Context, act *keyturn.Action) (*keyturn.Verdict, error) {
	return a.Service.Check(a.with(ctx), act)
}
func (a *asAgent) Request(ctx context.Context, id string, wait time.Duration) (*keyturn.Request, error) {
	return a.Service.Request(a.with(ctx), id, wait)
}
func (a *asAgent) Report(ctx context.Context, id string, r keyturn.Result) (*keyturn.Request, error) {
	return a.Service.Report(a.with(ctx), id, r)
}

// approveAll approves the request with as many peers as it needs: one
// under today's classification of MCP calls, two once a destructive call
// is classified as destructive.
func (k *keyturnServer) approveAll(id string) {
	k.t.Helper()
	for _, u := range []string{"alice", "bob", "carol"} {
		r, err := k.g.Request(k.as("admin"), id, 0)
		if err != nil {
			k.t.Fatal(err)
		}
		if r.State != keyturn.StatePending {
			break
		}
		if r.Decision.Outcome == keyturn.Ask {
			_, err = k.g.Confirm(k.as("olivia"), id, r.Digest, "fine")
		} else {
			_, err = k.g.Approve(k.as(u), id, r.Digest, "looks right")
		}
		if err != nil {
			k.t.Fatalf("%s approves %s: %v", u, id, err)
		}
	}
	r, err := k.g.Request(k.as("admin"), id, 0)
	if err != nil || r.State != keyturn.StateApproved {
		k.t.Fatalf("request %s after approvals: %v, %v", id, r, err)
	}
}

// pending returns bot's pending requests.
func (k *keyturnServer) pending() []*keyturn.Request {
	k.t.Helper()
	rs, err := k.g.Requests(k.as("admin"), keyturn.RequestFilter{State: keyturn.StatePending, Agent: "bot"})
	if err != nil {
		k.t.Fatal(err)
	}
	return rs
}

// classifiesMCP reports whether the gateway's classifier reads MCP tool
// calls (classify.Action, issue 4), rather than calling them all unknown.
func (k *keyturnServer) classifiesMCP() bool {
	v, err := k.agent().Check(context.Background(), &keyturn.Action{Kind: keyturn.KindMCPTool, Server: "srv", Tool: "run_sql",
		Arguments: []byte(`{"sql":"SELECT 1"}`)})
	if err != nil {
		k.t.Fatal(err)
	}
	return len(v.Effects) > 0 && v.Effects[0].Tool != string(keyturn.KindMCPTool)
}

// upstream is the real MCP server behind the proxy: a run_sql tool that
// sets no annotation, a delete_bucket tool marked destructive, a resource
// and a prompt. It counts the calls that reach it.
type upstream struct {
	mu    sync.Mutex
	calls map[string]int
	extra []string // more tools, listed like delete_bucket
}

func (u *upstream) count(tool string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.calls[tool]
}

type sqlArgs struct {
	SQL string `json:"sql" jsonschema:"the SQL statement"`
}

type bucketArgs struct {
	Bucket string `json:"bucket" jsonschema:"the bucket to delete"`
}

func (u *upstream) server() *sdk.Server {
	s := sdk.NewServer(&sdk.Implementation{Name: "dbtools", Version: "1.2.3"}, nil)
	u.calls = map[string]int{}
	sdk.AddTool(s, &sdk.Tool{Name: "run_sql", Description: "run a SQL statement"},
		func(ctx context.Context, _ *sdk.CallToolRequest, in sqlArgs) (*sdk.CallToolResult, any, error) {
			u.mu.Lock()
			u.calls["run_sql"]++
			u.mu.Unlock()
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "ran: " + in.SQL}}}, nil, nil
		})
	yes := true
	for _, name := range append([]string{"delete_bucket"}, u.extra...) {
		sdk.AddTool(s, &sdk.Tool{Name: name, Description: "delete a bucket and everything in it",
			Annotations: &sdk.ToolAnnotations{DestructiveHint: &yes}},
			func(ctx context.Context, req *sdk.CallToolRequest, in bucketArgs) (*sdk.CallToolResult, any, error) {
				u.mu.Lock()
				u.calls[req.Params.Name]++
				u.mu.Unlock()
				return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "deleted " + in.Bucket}}}, nil, nil
			})
	}
	s.AddResource(&sdk.Resource{URI: "db://schema", Name: "schema", MIMEType: "text/plain"},
		func(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
			return &sdk.ReadResourceResult{Contents: []*sdk.ResourceContents{{URI: req.Params.URI, Text: "CREATE TABLE t (id int)"}}}, nil
		})
	s.AddPrompt(&sdk.Prompt{Name: "explain", Description: "explain a query"},
		func(ctx context.Context, req *sdk.GetPromptRequest) (*sdk.GetPromptResult, error) {
			return &sdk.GetPromptResult{Messages: []*sdk.PromptMessage{{Role: "user", Content: &sdk.TextContent{Text: "explain it"}}}}, nil
		})
	return s
}

// chain connects upstream ← proxy ← agent client in memory and returns the
// agent's session.
func chain(t *testing.T, u *upstream, p *mcp.Proxy) *sdk.ClientSession {
	t.Helper()
	ctx := context.Background()
	upT, proxyUpT := sdk.NewInMemoryTransports()
	ss, err := u.server().Connect(ctx, upT, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	srv, err := p.Start(ctx, proxyUpT)
	if err != nil {
		t.Fatalf("start the proxy: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	downT, agentT := sdk.NewInMemoryTransports()
	ps, err := srv.Connect(ctx, downT, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "agent", Version: "1"}, nil).Connect(ctx, agentT, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// call calls a tool as the agent; a protocol error fails the test.
func call(t *testing.T, cs *sdk.ClientSession, tool string, args any) (text string, isError bool) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", tool, err)
	}
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String(), res.IsError
}

func listTools(t *testing.T, cs *sdk.ClientSession) map[string]*sdk.Tool {
	t.Helper()
	out := map[string]*sdk.Tool{}
	for tool, err := range cs.Tools(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		out[tool.Name] = tool
	}
	return out
}

func wantIn(t *testing.T, what, got string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(got, p) {
			t.Errorf("%s: %q does not contain %q", what, got, p)
		}
	}
}
