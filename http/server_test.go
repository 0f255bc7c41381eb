package http_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"keyturn"
	"keyturn/classify"
	"keyturn/gateway"
	keyturnhttp "keyturn/http"
	"keyturn/sqlite"
)

// fixture is a real server: a gateway over a SQLite file behind the HTTP
// API on 127.0.0.1, with these principals (names → tokens):
//
//	admin  admin (bootstrapped)     dave  admin
//	alice  operator of agent bot    bob, carol  approvers
//	bot    agent of alice
type fixture struct {
	t      *testing.T
	gw     *gateway.Gateway
	srv    *httptest.Server
	log    *syncBuffer
	tokens map[string]string
}

type fixtureOptions struct {
	// wrap, when set, wraps the service the server serves (the gateway).
	wrap      func(keyturn.Service) keyturn.Service
	noMetrics bool
}

func newFixture(t *testing.T) *fixture { return newFixtureWith(t, fixtureOptions{}) }

func newFixtureWith(t *testing.T, o fixtureOptions) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "keyturn.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	gw, err := gateway.New(ctx, gateway.Config{Store: db, Classifier: classify.New(nil), Key: key, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	adminToken, err := gw.Bootstrap(ctx)
	if err != nil || adminToken == "" {
		t.Fatalf("bootstrap: %q, %v", adminToken, err)
	}

	f := &fixture{t: t, gw: gw, log: &syncBuffer{}, tokens: map[string]string{"admin": adminToken}}
	opts := keyturnhttp.Options{Logger: slog.New(slog.NewTextHandler(f.log, nil))}
	if !o.noMetrics {
		opts.Metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	}
	var svc keyturn.Service = gw
	if o.wrap != nil {
		svc = o.wrap(gw)
	}
	f.srv = httptest.NewServer(keyturnhttp.NewServer(svc, gw, opts).Handler())
	t.Cleanup(f.srv.Close)

	admin := f.client("admin")
	for _, u := range []struct {
		name string
		role keyturn.Role
	}{{"alice", keyturn.RoleOperator}, {"bob", keyturn.RoleApprover}, {"carol", keyturn.RoleApprover}, {"dave", keyturn.RoleAdmin}} {
		tok, err := admin.AddUser(ctx, &keyturn.User{Name: u.name, Roles: []keyturn.Role{u.role}})
		if err != nil {
			t.Fatalf("add user %s: %v", u.name, err)
		}
		f.tokens[u.name] = tok
	}
	tok, err := admin.EnrollAgent(ctx, &keyturn.Agent{Name: "bot", Operator: "alice", Kind: "claude-code"}, 0)
	if err != nil {
		t.Fatalf("enroll bot: %v", err)
	}
	f.tokens["bot"] = tok
	return f
}

// client returns a client that calls as name.
func (f *fixture) client(name string) *keyturnhttp.Client {
	return keyturnhttp.NewClient(f.srv.URL, f.tokens[name])
}

// ctx returns a context carrying name's principal, to call the gateway
// directly as the server would.
func (f *fixture) ctx(name string) context.Context {
	f.t.Helper()
	p, err := f.gw.Authenticate(context.Background(), f.tokens[name])
	if err != nil {
		f.t.Fatalf("authenticate %s: %v", name, err)
	}
	return keyturn.NewContext(context.Background(), p)
}

// head returns the audit log's last sequence number.
func (f *fixture) head() int64 {
	f.t.Helper()
	st, err := f.gw.Status(f.ctx("admin"))
	if err != nil {
		f.t.Fatal(err)
	}
	return st.AuditSeq
}

// raw makes a request with a body and an optional token, and returns the
// status, the headers and the body.
func (f *fixture) raw(method, path, token string, body io.Reader) (int, http.Header, []byte) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// submit has bot submit a shell command through the API.
func (f *fixture) submit(command string) *keyturn.Verdict {
	f.t.Helper()
	v, err := f.client("bot").Submit(context.Background(), &keyturn.Action{Kind: keyturn.KindShell, Command: command, Cwd: "/tmp"}, 0)
	if err != nil {
		f.t.Fatalf("submit %q: %v", command, err)
	}
	return v
}

// errorBody checks that b is exactly {"error":{"code","message"}} and
// returns the code and message.
func errorBody(t *testing.T, b []byte) (code, message string) {
	t.Helper()
	var m map[string]map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("error body %s: %v", b, err)
	}
	e, ok := m["error"]
	if len(m) != 1 || !ok || len(e) != 2 {
		t.Fatalf("error body %s: want exactly {\"error\":{\"code\",\"message\"}}", b)
	}
	code, _ = e["code"].(string)
	message, _ = e["message"].(string)
	if code == "" || message == "" {
		t.Fatalf("error body %s: empty code or message", b)
	}
	return code, message
}

// sameJSON fails unless got and want encode to the same JSON, with times
// compared at the microsecond the store keeps: a gateway's answer to a
// write may carry nanoseconds that its later reads do not.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, w := storedJSON(t, got), storedJSON(t, want)
	if g != w {
		t.Errorf("%s through the API differs from the gateway's:\n api: %s\n  gw: %s", what, g, w)
	}
}

func storedJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		t.Fatal(err)
	}
	var round func(any) any
	round = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				v[k] = round(x)
			}
		case []any:
			for i, x := range v {
				v[i] = round(x)
			}
		case string:
			if tm, err := time.Parse(time.RFC3339Nano, v); err == nil {
				return tm.Round(time.Microsecond).Format(time.RFC3339Nano)
			}
		}
		return v
	}
	b, err = json.Marshal(round(tree))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantCode fails unless err carries code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := keyturn.ErrorCode(err); got != code {
		t.Errorf("%s: error %v has code %q, want %q", what, err, got, code)
	}
	var ke *keyturn.Error
	if err != nil && !errors.As(err, &ke) {
		t.Errorf("%s: error %v (%T) is not a *keyturn.Error", what, err, err)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ name, header string }{
		{"missing", ""},
		{"wrong token", "Bearer kt_not-a-real-token"},
		{"other scheme", "Basic " + f.tokens["admin"]},
		{"empty bearer", "Bearer "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", f.srv.URL+"/v1/whoami", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", resp.StatusCode, b)
			}
			if code, _ := errorBody(t, b); code != keyturn.EUNAUTHORIZED {
				t.Errorf("code %q, want unauthorized", code)
			}
			if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate %q", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
	// Every route needs a token, not only whoami.
	for _, route := range []string{"POST /v1/actions", "GET /v1/requests", "GET /v1/requests/r_x",
		"POST /v1/requests/r_x/approve", "POST /v1/freeze", "DELETE /v1/freeze", "POST /v1/breakglass",
		"GET /v1/audit", "GET /v1/audit/checkpoint", "GET /v1/status", "POST /v1/users", "GET /v1/agents",
		"POST /v1/policy"} {
		method, path, _ := strings.Cut(route, " ")
		if status, _, b := f.raw(method, path, "", strings.NewReader("{}")); status != http.StatusUnauthorized {
			t.Errorf("%s without a token: %d %s", route, status, b)
		}
	}

	_, err := keyturnhttp.NewClient(f.srv.URL, "kt_wrong").Whoami(context.Background())
	wantCode(t, "client with a wrong token", err, keyturn.EUNAUTHORIZED)
	_, err = keyturnhttp.NewClient(f.srv.URL, "").Requests(context.Background(), keyturn.RequestFilter{})
	wantCode(t, "client without a token", err, keyturn.EUNAUTHORIZED)
}

// An agent's token cannot reach any human operation, and trying changes
// nothing.
func TestAgentRefused(t *testing.T) {
	f := newFixture(t)
	v := f.submit("kubectl --context prod-eu delete ns payments")
	if v.Request == nil {
		t.Fatalf("verdict %+v has no request", v)
	}
	id := v.Request.ID
	action := `{"kind":"shell","command":"ls"}`
	before := f.head()
	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/v1/requests/" + id + "/approve", `{"digest":"` + v.Digest + `"}`},
		{"POST", "/v1/requests/" + id + "/deny", `{"digest":"` + v.Digest + `","comment":"no"}`},
		{"POST", "/v1/requests/" + id + "/confirm", `{"digest":"` + v.Digest + `"}`},
		{"POST", "/v1/freeze", `{"reason":"agents may not"}`},
		{"DELETE", "/v1/freeze", `{"reason":"agents may not"}`},
		{"POST", "/v1/breakglass", `{"request":"` + id + `","reason":"agents may not"}`},
		{"POST", "/v1/breakglass", `{"agent":"bot","action":` + action + `,"reason":"agents may not"}`},
		{"POST", "/v1/policy", `{"files":{"a.cedar":"permit (principal, action, resource);"}}`},
		{"GET", "/v1/status", ``},
		{"POST", "/v1/users", `{"name":"eve","roles":["admin"]}`},
		{"GET", "/v1/users", ``},
		{"POST", "/v1/users/alice/disable", `{}`},
		{"POST", "/v1/agents", `{"name":"bot2","operator":"alice","kind":"shell"}`},
		{"GET", "/v1/agents", ``},
		{"POST", "/v1/agents/bot/revoke", `{}`},
		{"GET", "/v1/audit", ``},
		{"GET", "/v1/audit/checkpoint", ``},
	} {
		status, _, b := f.raw(tc.method, tc.path, f.tokens["bot"], strings.NewReader(tc.body))
		if status != http.StatusForbidden {
			t.Errorf("agent %s %s: %d %s, want 403", tc.method, tc.path, status, b)
			continue
		}
		if code, _ := errorBody(t, b); code != keyturn.EFORBIDDEN {
			t.Errorf("agent %s %s: code %q", tc.method, tc.path, code)
		}
	}
	if after := f.head(); after != before {
		t.Errorf("refused calls wrote audit events %d..%d", before+1, after)
	}

	// The same through the client.
	ctx := context.Background()
	bot := f.client("bot")
	_, err := bot.Approve(ctx, id, v.Digest, "")
	wantCode(t, "agent approves", err, keyturn.EFORBIDDEN)
	_, err = bot.Deny(ctx, id, v.Digest, "no")
	wantCode(t, "agent denies", err, keyturn.EFORBIDDEN)
	_, err = bot.Confirm(ctx, id, v.Digest, "")
	wantCode(t, "agent confirms", err, keyturn.EFORBIDDEN)
	_, err = bot.SetFreeze(ctx, false, "lift it")
	wantCode(t, "agent lifts a freeze", err, keyturn.EFORBIDDEN)
	_, err = bot.BreakGlass(ctx, keyturn.BreakGlass{Request: id, Reason: "now"})
	wantCode(t, "agent breaks the glass", err, keyturn.EFORBIDDEN)
	_, err = bot.PushPolicy(ctx, map[string]string{"a.cedar": "permit (principal, action, resource);"})
	wantCode(t, "agent pushes a policy", err, keyturn.EFORBIDDEN)
	_, err = bot.AddUser(ctx, &keyturn.User{Name: "eve", Roles: []keyturn.Role{keyturn.RoleAdmin}})
	wantCode(t, "agent adds a user", err, keyturn.EFORBIDDEN)
	_, err = bot.Users(ctx)
	wantCode(t, "agent lists users", err, keyturn.EFORBIDDEN)
	_, err = bot.Agents(ctx)
	wantCode(t, "agent lists agents", err, keyturn.EFORBIDDEN)
	_, err = bot.EnrollAgent(ctx, &keyturn.Agent{Name: "bot2", Operator: "alice"}, 0)
	wantCode(t, "agent enrolls an agent", err, keyturn.EFORBIDDEN)
	_, err = bot.Events(ctx, 0, 0)
	wantCode(t, "agent reads the audit log", err, keyturn.EFORBIDDEN)
	_, err = bot.Checkpoint(ctx)
	wantCode(t, "agent signs a checkpoint", err, keyturn.EFORBIDDEN)
	if after := f.head(); after != before {
		t.Errorf("refused calls wrote audit events %d..%d", before+1, after)
	}
}

func TestBodyTooLarge(t *testing.T) {
	f := newFixture(t)
	big := `{"kind":"shell","command":"echo ` + strings.Repeat("a", 2<<20) + `"}`
	before := f.head()

	// With a Content-Length, and streamed without one.
	status, _, b := f.raw("POST", "/v1/actions", f.tokens["bot"], strings.NewReader(big))
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 MiB body: %d %s, want 413", status, b)
	}
	if code, _ := errorBody(t, b); code != keyturn.ETOOLARGE {
		t.Errorf("code %q, want too_large", code)
	}
	status, _, b = f.raw("POST", "/v1/actions", f.tokens["bot"], io.MultiReader(strings.NewReader(big)))
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 MiB chunked body: %d %s, want 413", status, b)
	}
	// Past the limit after a valid object still counts.
	status, _, b = f.raw("POST", "/v1/actions", f.tokens["bot"],
		io.MultiReader(strings.NewReader(`{"kind":"shell","command":"ls"}`), strings.NewReader(strings.Repeat(" ", 2<<20))))
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("object then 2 MiB of space: %d %s, want 413", status, b)
	}

	_, err := f.client("bot").Submit(context.Background(),
		&keyturn.Action{Kind: keyturn.KindShell, Command: strings.Repeat("a", 2<<20)}, 0)
	wantCode(t, "client submits 2 MiB", err, keyturn.ETOOLARGE)
	_, err = f.client("admin").PushPolicy(context.Background(), map[string]string{"big.cedar": strings.Repeat("/", 2<<20)})
	wantCode(t, "client pushes 2 MiB of policy", err, keyturn.ETOOLARGE)

	if after := f.head(); after != before {
		t.Errorf("a refused body wrote audit events %d..%d", before+1, after)
	}
}

func TestMalformedBodies(t *testing.T) {
	f := newFixture(t)
	before := f.head()
	for _, tc := range []struct{ name, body, want string }{
		{"syntax", `{"kind": shell}`, "invalid character 's'"},
		{"truncated", `{"kind":"shell",`, "unexpected EOF"},
		{"unknown field", `{"kind":"shell","command":"ls","approved":true}`, `unknown field "approved"`},
		{"unknown nested field", `{"kind":"shell","command":"ls","env":{"A":"b"},"x":{}}`, `unknown field "x"`},
		{"wrong type", `{"kind":"shell","command":["ls"]}`, "cannot unmarshal"},
		{"trailing object", `{"kind":"shell","command":"ls"} {"kind":"shell","command":"rm -rf /"}`, "after the object"},
		{"trailing garbage", `{"kind":"shell","command":"ls"}x`, "after the object"},
		{"empty", ``, "required"},
		{"space", " \n\t", "required"},
		{"null", `null`, "JSON object"},
		{"array", `[{"kind":"shell","command":"ls"}]`, "JSON object"},
		{"string", `"ls"`, "JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, b := f.raw("POST", "/v1/actions", f.tokens["bot"], strings.NewReader(tc.body))
			if status != http.StatusBadRequest {
				t.Fatalf("%d %s, want 400", status, b)
			}
			code, msg := errorBody(t, b)
			if code != keyturn.EINVALID || !strings.Contains(msg, tc.want) {
				t.Errorf("%s: %s, want invalid with %q", code, msg, tc.want)
			}
		})
	}
	// Every body goes through the same decoder.
	for _, path := range []string{"/v1/requests/r_x/approve", "/v1/requests/r_x/result", "/v1/freeze", "/v1/users", "/v1/agents", "/v1/policy", "/v1/breakglass"} {
		status, _, b := f.raw("POST", path, f.tokens["admin"], strings.NewReader(`{"nope":1}`))
		if code, msg := errorBody(t, b); status != http.StatusBadRequest || code != keyturn.EINVALID || !strings.Contains(msg, `unknown field "nope"`) {
			t.Errorf("POST %s with an unknown field: %d %s", path, status, b)
		}
	}
	// The result's time is the server's.
	status, _, b := f.raw("POST", "/v1/requests/r_x/result", f.tokens["bot"], strings.NewReader(`{"exit_code":0,"at":"2001-01-01T00:00:00Z"}`))
	if status != http.StatusBadRequest || !strings.Contains(string(b), `unknown field \"at\"`) {
		t.Errorf("result with a time: %d %s", status, b)
	}
	if after := f.head(); after != before {
		t.Errorf("malformed bodies wrote audit events %d..%d", before+1, after)
	}
}

func TestWaitParameter(t *testing.T) {
	f := newFixture(t)
	v := f.submit("kubectl --context prod-eu delete ns payments")
	id := v.Request.ID
	for _, wait := range []string{"abc", "30", "-1s", "61s", "2m", "1h"} {
		for _, route := range []string{"GET /v1/requests/" + id, "POST /v1/actions"} {
			method, path, _ := strings.Cut(route, " ")
			status, _, b := f.raw(method, path+"?wait="+wait, f.tokens["bot"],
				strings.NewReader(`{"kind":"shell","command":"kubectl --context prod-eu delete ns payments"}`))
			if code, msg := errorBody(t, b); status != http.StatusBadRequest || code != keyturn.EINVALID || !strings.Contains(msg, "wait") {
				t.Errorf("%s?wait=%s: %d %s", route, wait, status, b)
			}
		}
	}
	for _, wait := range []string{"0s", "1ms", ""} {
		if status, _, b := f.raw("GET", "/v1/requests/"+id+"?wait="+wait, f.tokens["bot"], nil); status != http.StatusOK {
			t.Errorf("wait=%s: %d %s", wait, status, b)
		}
	}
	_, err := f.client("bot").Request(context.Background(), id, 2*keyturnhttp.DefaultMaxWait)
	wantCode(t, "client waits past the maximum", err, keyturn.EINVALID)
}

// A panic in the service is a 500 with the API's error body, never a 200,
// and the server goes on serving.
func TestPanicIs500(t *testing.T) {
	f := newFixtureWith(t, fixtureOptions{wrap: func(s keyturn.Service) keyturn.Service { return broken{s} }})
	status, h, b := f.raw("GET", "/v1/whoami", f.tokens["alice"], nil)
	if status != http.StatusInternalServerError {
		t.Fatalf("panic: %d %s, want 500", status, b)
	}
	if code, msg := errorBody(t, b); code != keyturn.EINTERNAL || msg != "internal error" {
		t.Errorf("panic: %s %q", code, msg)
	}
	if h.Get("Content-Type") != "application/json" {
		t.Errorf("panic: Content-Type %q", h.Get("Content-Type"))
	}
	_, err := f.client("alice").Whoami(context.Background())
	wantCode(t, "client after a panic", err, keyturn.EINTERNAL)
	if !strings.Contains(f.log.String(), "whoami exploded") {
		t.Errorf("the panic is not logged:\n%s", f.log)
	}
	if _, err := f.client("alice").Requests(context.Background(), keyturn.RequestFilter{}); err != nil {
		t.Errorf("after a panic: %v", err)
	}
}

// An internal error's detail is logged, and the client sees only
// "internal error".
func TestInternalErrorHidden(t *testing.T) {
	f := newFixtureWith(t, fixtureOptions{wrap: func(s keyturn.Service) keyturn.Service { return broken{s} }})
	for _, path := range []string{"/v1/status", "/v1/audit/checkpoint"} {
		status, _, b := f.raw("GET", path, f.tokens["admin"], nil)
		code, msg := errorBody(t, b)
		if status != http.StatusInternalServerError || code != keyturn.EINTERNAL || msg != "internal error" {
			t.Errorf("GET %s: %d %s", path, status, b)
		}
		if strings.Contains(string(b), "/var/lib") {
			t.Errorf("GET %s shows the detail: %s", path, b)
		}
	}
	if !strings.Contains(f.log.String(), "/var/lib/keyturn/keyturn.db") {
		t.Errorf("the detail is not logged:\n%s", f.log)
	}
}

// broken is the gateway with a few methods broken on purpose: failures
// the real service cannot be made to give.
type broken struct{ keyturn.Service }

// Users forgets to check who asks.
func (broken) Users(context.Context) ([]*keyturn.User, error) { return nil, nil }

func (broken) Whoami(context.Context) (*keyturn.Principal, error) { panic("whoami exploded") }

func (broken) Status(context.Context) (*keyturn.Status, error) {
	return nil, errors.New("open /var/lib/keyturn/keyturn.db: disk I/O error")
}

func (broken) Checkpoint(context.Context) (*keyturn.Checkpoint, error) {
	return nil, keyturn.Errorf(keyturn.EINTERNAL, "sign with /var/lib/keyturn/key: bad key")
}

// Human routes refuse agents in the server too, so a service that forgets
// to check cannot open them to an agent.
func TestAgentRefusedByServer(t *testing.T) {
	f := newFixtureWith(t, fixtureOptions{wrap: func(s keyturn.Service) keyturn.Service { return broken{s} }})
	status, _, b := f.raw("GET", "/v1/users", f.tokens["bot"], nil)
	if code, _ := errorBody(t, b); status != http.StatusForbidden || code != keyturn.EFORBIDDEN {
		t.Errorf("an agent lists users of a careless service: %d %s", status, b)
	}
	status, _, b = f.raw("GET", "/v1/users", f.tokens["alice"], nil)
	if status != http.StatusOK || strings.TrimSpace(string(b)) != `{"users":[]}` {
		t.Errorf("a human lists users: %d %s", status, b)
	}
}

func TestHealthzAndMetrics(t *testing.T) {
	f := newFixture(t)
	f.submit("ls")
	status, _, b := f.raw("GET", "/healthz", "", nil)
	if status != http.StatusOK || strings.TrimSpace(string(b)) != `{"status":"ok"}` {
		t.Errorf("healthz: %d %s", status, b)
	}
	if err := keyturnhttp.NewClient(f.srv.URL, "").Healthz(context.Background()); err != nil {
		t.Errorf("client healthz: %v", err)
	}
	status, h, b := f.raw("GET", "/metrics", "", nil)
	if status != http.StatusOK || !strings.Contains(string(b), "keyturn_decisions_total") {
		t.Errorf("metrics: %d %s", status, b)
	}
	if strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Errorf("metrics Content-Type %q", h.Get("Content-Type"))
	}

	g := newFixtureWith(t, fixtureOptions{noMetrics: true})
	if status, _, b := g.raw("GET", "/metrics", "", nil); status != http.StatusNotFound {
		t.Errorf("metrics not given: %d %s", status, b)
	}
}

func TestNoRoute(t *testing.T) {
	f := newFixture(t)
	status, _, b := f.raw("GET", "/v1/nothing", f.tokens["admin"], nil)
	if code, _ := errorBody(t, b); status != http.StatusNotFound || code != keyturn.ENOTFOUND {
		t.Errorf("unknown path: %d %s", status, b)
	}
	status, h, b := f.raw("POST", "/v1/whoami", f.tokens["admin"], nil)
	if code, _ := errorBody(t, b); status != http.StatusMethodNotAllowed || code != keyturn.EINVALID {
		t.Errorf("wrong method: %d %s", status, b)
	}
	if !strings.Contains(h.Get("Allow"), "GET") {
		t.Errorf("wrong method: Allow %q", h.Get("Allow"))
	}
	status, _, b = f.raw("GET", "/v1/requests/r_none", f.tokens["admin"], nil)
	if code, _ := errorBody(t, b); status != http.StatusNotFound || code != keyturn.ENOTFOUND {
		t.Errorf("unknown request: %d %s", status, b)
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		method, path, token string
		status              int
	}{
		{"GET", "/v1/whoami", f.tokens["alice"], 200},
		{"GET", "/healthz", "", 200},
		{"GET", "/v1/whoami", "", 401},
		{"GET", "/v1/users", f.tokens["bot"], 403},
		{"GET", "/v1/nothing", "", 404},
		{"DELETE", "/v1/whoami", f.tokens["alice"], 405},
	} {
		status, h, b := f.raw(tc.method, tc.path, tc.token, nil)
		if status != tc.status {
			t.Errorf("%s %s: %d %s, want %d", tc.method, tc.path, status, b, tc.status)
		}
		for k, v := range map[string]string{"Content-Type": "application/json", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"} {
			if h.Get(k) != v {
				t.Errorf("%s %s: %s %q, want %q", tc.method, tc.path, k, h.Get(k), v)
			}
		}
		if !json.Valid(b) {
			t.Errorf("%s %s: body is not JSON: %s", tc.method, tc.path, b)
		}
	}
}

// The request log says who did what, and never shows a token or a body.
func TestRequestLog(t *testing.T) {
	f := newFixture(t)
	secret := "hunter2-" + strings.Repeat("s", 20)
	_, err := f.client("bot").Submit(context.Background(), &keyturn.Action{Kind: keyturn.KindShell,
		Command: "mysql -p" + secret + " -e 'select 1'", Cwd: "/tmp"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.raw("GET", "/v1/whoami", "kt_wrong-token-in-the-log", nil)
	log := f.log.String()
	for name, tok := range f.tokens {
		if strings.Contains(log, tok) {
			t.Errorf("the log shows %s's token", name)
		}
	}
	for _, s := range []string{secret, "kt_wrong-token-in-the-log", "select 1"} {
		if strings.Contains(log, s) {
			t.Errorf("the log shows %q:\n%s", s, log)
		}
	}
	for _, s := range []string{"method=POST path=/v1/actions status=200", "principal=agent:bot",
		"method=GET path=/v1/whoami status=401", "duration="} {
		if !strings.Contains(log, s) {
			t.Errorf("the log lacks %q:\n%s", s, log)
		}
	}
}
