package main

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"keyturn"
)

// mcpUpstreamEnv, set to 1, makes TestMCPUpstreamProcess run as the upstream
// MCP server that `keyturn mcp proxy` starts in TestMCPProxyCommand.
const mcpUpstreamEnv = "KEYTURN_TEST_MCP_UPSTREAM"

// TestMCPUpstreamProcess is not a test: run as a subprocess it is an MCP
// server on stdio with a run_sql tool (no annotations) and a delete_bucket
// tool marked destructive.
func TestMCPUpstreamProcess(t *testing.T) {
	if os.Getenv(mcpUpstreamEnv) != "1" {
		return
	}
	s := sdk.NewServer(&sdk.Implementation{Name: "dbtools", Version: "1"}, nil)
	type sqlArgs struct {
		SQL string `json:"sql"`
	}
	type bucketArgs struct {
		Bucket string `json:"bucket"`
	}
	sdk.AddTool(s, &sdk.Tool{Name: "run_sql", Description: "run a SQL statement"},
		func(_ context.Context, _ *sdk.CallToolRequest, in sqlArgs) (*sdk.CallToolResult, any, error) {
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "ran: " + in.SQL}}}, nil, nil
		})
	yes := true
	sdk.AddTool(s, &sdk.Tool{Name: "delete_bucket", Description: "delete a bucket", Annotations: &sdk.ToolAnnotations{DestructiveHint: &yes}},
		func(_ context.Context, _ *sdk.CallToolRequest, in bucketArgs) (*sdk.CallToolResult, any, error) {
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "deleted " + in.Bucket}}}, nil, nil
		})
	if err := s.Run(context.Background(), &sdk.StdioTransport{}); err != nil {
		os.Exit(1)
	}
	os.Exit(0)
}

// mcpRun runs `keyturn mcp args…` as bot with an SDK client on its stdin
// and stdout; closing the client ends the command, whose status comes on
// the channel.
func (s *apiServer) mcpRun(t *testing.T, args ...string) (*sdk.ClientSession, <-chan int, *lockedBuffer) {
	t.Helper()
	environ := []string{"KEYTURN_URL=" + s.http.URL, "KEYTURN_TOKEN=" + s.tokens["bot"], "HOME=" + s.home,
		"PATH=" + os.Getenv("PATH"), mcpUpstreamEnv + "=1"}
	vars := processEnv(environ)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	stderr := &lockedBuffer{}
	e := &env{ctx: context.Background(), stdin: inR, stdout: outW, stderr: stderr,
		getenv: func(k string) string { return vars[k] }, environ: func() []string { return environ },
		getwd: func() (string, error) { return s.work, nil }}
	done := make(chan int, 1)
	go func() {
		code := e.main(append([]string{"mcp"}, args...))
		outW.Close()
		done <- code
	}()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "agent", Version: "1"}, nil).Connect(context.Background(),
		&sdk.IOTransport{Reader: outR, Writer: inW}, nil)
	if err != nil {
		t.Fatalf("connect to keyturn mcp %v: %v\nstderr:\n%s", args, err, stderr.String())
	}
	return cs, done, stderr
}

// approveAll approves a pending request with as many peers as it needs.
func (s *apiServer) approveAll(t *testing.T, id string) {
	t.Helper()
	for _, u := range []string{"bob", "carol"} {
		r := s.request(id)
		if r.State != keyturn.StatePending {
			break
		}
		var err error
		if r.Decision.Outcome == keyturn.Ask {
			_, err = s.g.Confirm(s.as("olivia"), id, r.Digest, "fine")
		} else {
			_, err = s.g.Approve(s.as(u), id, r.Digest, "looks right")
		}
		if err != nil {
			t.Fatalf("%s approves %s: %v", u, id, err)
		}
	}
	if r := s.request(id); r.State != keyturn.StateApproved {
		t.Fatalf("request %s is %s after approvals", id, r.State)
	}
}

// heldFor returns bot's one pending request for tool.
func (s *apiServer) heldFor(t *testing.T, tool string) *keyturn.Request {
	t.Helper()
	rs, err := s.g.Requests(s.as("admin"), keyturn.RequestFilter{State: keyturn.StatePending, Agent: "bot"})
	if err != nil {
		t.Fatal(err)
	}
	var out []*keyturn.Request
	for _, r := range rs {
		if r.Action.Tool == tool {
			out = append(out, r)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d pending requests for %s, want 1", len(out), tool)
	}
	return out[0]
}

func mcpCall(t *testing.T, cs *sdk.ClientSession, tool string, args any) (string, bool) {
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

// End to end: a real keyturn server over HTTP, `keyturn mcp proxy` in
// front of an upstream MCP server it starts as a process, an SDK client as
// the agent. Reads pass; the destructive call is held, then passes once
// after approval.
func TestMCPProxyCommand(t *testing.T) {
	s := newAPIServer(t)
	cs, done, stderr := s.mcpRun(t, "proxy", "--name", "db", "--wait", "10ms", "--",
		os.Args[0], "-test.run=^TestMCPUpstreamProcess$")

	var names []string
	for tool, err := range cs.Tools(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tool.Name)
	}
	if strings.Join(names, ",") != "delete_bucket,run_sql" && strings.Join(names, ",") != "run_sql,delete_bucket" {
		t.Fatalf("tools through the proxy: %v\nstderr:\n%s", names, stderr.String())
	}

	// A read passes (after one approval while MCP calls are all unknown).
	text, isErr := mcpCall(t, cs, "run_sql", map[string]any{"sql": "SELECT 1"})
	if isErr && strings.Contains(text, "keyturn is holding") {
		s.approveAll(t, s.heldFor(t, "run_sql").ID)
		text, isErr = mcpCall(t, cs, "run_sql", map[string]any{"sql": "SELECT 1"})
	}
	if isErr || text != "ran: SELECT 1" {
		t.Fatalf("run_sql: %q (error %v)", text, isErr)
	}

	args := map[string]any{"bucket": "prod-state"}
	text, isErr = mcpCall(t, cs, "delete_bucket", args)
	r := s.heldFor(t, "delete_bucket")
	if !isErr || !strings.Contains(text, r.ID) || r.Action.Server != "db" || r.Action.Cwd != s.work {
		t.Fatalf("delete_bucket: %q (error %v), request %+v", text, isErr, r.Action)
	}
	s.approveAll(t, r.ID)
	if text, isErr = mcpCall(t, cs, "delete_bucket", args); isErr || text != "deleted prod-state" {
		t.Fatalf("approved delete_bucket: %q (error %v)", text, isErr)
	}
	if text, isErr = mcpCall(t, cs, "delete_bucket", args); !isErr {
		t.Fatalf("a second run on one approval: %q", text)
	}

	cs.Close()
	if code := <-done; code != exitOK {
		t.Errorf("keyturn mcp proxy exited %d when the agent left\nstderr:\n%s", code, stderr.String())
	}
}

func TestMCPServeCommand(t *testing.T) {
	s := newAPIServer(t)
	cs, done, stderr := s.mcpRun(t, "serve")
	text, isErr := mcpCall(t, cs, "keyturn_check", map[string]any{"command": strings.Join(twoPerson, " ")})
	if isErr || !strings.Contains(text, "approve (2)") {
		t.Fatalf("keyturn_check: %q (error %v)\nstderr:\n%s", text, isErr, stderr.String())
	}
	cs.Close()
	if code := <-done; code != exitOK {
		t.Errorf("keyturn mcp serve exited %d\nstderr:\n%s", code, stderr.String())
	}
}

// An upstream that cannot start is an error the user reads, not a proxy
// that serves nothing.
func TestMCPProxyUpstreamFails(t *testing.T) {
	s := newAPIServer(t)
	environ := []string{"KEYTURN_URL=" + s.http.URL, "KEYTURN_TOKEN=" + s.tokens["bot"], "HOME=" + s.home, "PATH=" + os.Getenv("PATH")}
	vars := processEnv(environ)
	var out, errs strings.Builder
	e := &env{ctx: context.Background(), stdin: strings.NewReader(""), stdout: &out, stderr: &errs,
		getenv: func(k string) string { return vars[k] }, environ: func() []string { return environ },
		getwd: func() (string, error) { return s.work, nil }}
	if code := e.main([]string{"mcp", "proxy", "--", "/nonexistent/mcp-server"}); code != exitInternal || !strings.Contains(errs.String(), "upstream MCP server") {
		t.Errorf("exit %d, stderr %q", code, errs.String())
	}
	if out.Len() != 0 {
		t.Errorf("stdout, the protocol channel, got %q", out.String())
	}
}

func TestMCPUsage(t *testing.T) {
	for _, args := range [][]string{
		{"mcp"},
		{"mcp", "nope"},
		{"mcp", "proxy"},
		{"mcp", "proxy", "--upstream", "http://x", "--", "cmd"},
		{"mcp", "proxy", "--upstream", "ftp://x"},
	} {
		var out, errs strings.Builder
		e := newEnv(strings.NewReader(""), &out, &errs)
		e.getenv = func(k string) string {
			return map[string]string{"KEYTURN_URL": "http://127.0.0.1:1", "KEYTURN_TOKEN": "kt_x"}[k]
		}
		if code := e.main(args); code != exitUsage {
			t.Errorf("keyturn %v: exit %d, want %d\n%s", args, code, exitUsage, errs.String())
		}
	}
}
