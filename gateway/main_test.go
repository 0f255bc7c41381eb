package gateway_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"keyturn"
	"keyturn/classify"
	"keyturn/gateway"
	"keyturn/policy"
	"keyturn/sqlite"
)

// The tests run the gateway over a real SQLite file, the real classifier
// and the default policy pack, with a clock they move by hand.

// testConfig maps the prod-* kube contexts to prod, as issue 3's end-to-end
// case asks; anything else resolves as classify's defaults would leave it.
const testConfig = `
environments:
  - name: prod
    match:
      kube_context: ["prod-*"]
      aws_profile: ["prod-*"]
`

// Commands whose decisions under the default pack the tests rely on.
const (
	cmdTwoPerson = "kubectl --context prod-eu delete ns payments" // approve (2)
	cmdAsk       = "touch /etc/keyturn-test"                      // ask
	cmdRead      = "ls"                                           // allow
	cmdSelf      = "keyturn approve r_abc"                        // deny: self-modification
)

// clock is a time the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// harness is a gateway with its store, clock and principals: admin, the
// operator olivia (who is also an approver, so that refusing her approval
// tests the rule and not her role), the approvers alice, bob and carol, eve
// who is an operator only, and the agent bot that acts for olivia.
type harness struct {
	t     *testing.T
	g     *gateway.Gateway
	store keyturn.Store
	clock *clock
	pub   ed25519.PublicKey
	ctxs  map[string]context.Context // by user or agent name
}

type option func(*gateway.Config)

func withPolicy(set *policy.Set) option { return func(c *gateway.Config) { c.Policy = set } }

func newHarness(t *testing.T, opts ...option) *harness {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "keyturn.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ccfg, err := classify.ParseConfig([]byte(testConfig))
	if err != nil {
		t.Fatal(err)
	}
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	cfg := gateway.Config{Store: db, Classifier: classify.New(ccfg), Key: key, Now: clk.Now}
	for _, o := range opts {
		o(&cfg)
	}
	g, err := gateway.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, g: g, store: db, clock: clk, pub: pub, ctxs: map[string]context.Context{}}
	// Runs before the store closes (cleanups run last first).
	t.Cleanup(h.verifyChain)

	token, err := g.Bootstrap(context.Background())
	if err != nil || token == "" {
		t.Fatalf("bootstrap: %q, %v", token, err)
	}
	h.login("admin", token)
	h.addUser("olivia", []keyturn.Role{keyturn.RoleOperator, keyturn.RoleApprover})
	for _, name := range []string{"alice", "bob", "carol"} {
		h.addUser(name, []keyturn.Role{keyturn.RoleApprover})
	}
	h.addUser("eve", []keyturn.Role{keyturn.RoleOperator})
	h.enroll("bot", "olivia")
	return h
}

// login authenticates token as a real request would and keeps the context.
func (h *harness) login(name, token string) {
	h.t.Helper()
	p, err := h.g.Authenticate(context.Background(), token)
	if err != nil {
		h.t.Fatalf("authenticate %s: %v", name, err)
	}
	h.ctxs[name] = keyturn.NewContext(context.Background(), p)
}

func (h *harness) addUser(name string, roles []keyturn.Role, groups ...string) {
	h.t.Helper()
	token, err := h.g.AddUser(h.as("admin"), &keyturn.User{Name: name, Roles: roles, Groups: groups})
	if err != nil {
		h.t.Fatalf("add user %s: %v", name, err)
	}
	h.login(name, token)
}

func (h *harness) enroll(name, operator string) {
	h.t.Helper()
	token, err := h.g.EnrollAgent(h.as("admin"), &keyturn.Agent{Name: name, Operator: operator, Kind: "claude-code"}, 0)
	if err != nil {
		h.t.Fatalf("enroll %s: %v", name, err)
	}
	h.login(name, token)
}

// as returns the context of a principal the harness logged in.
func (h *harness) as(name string) context.Context {
	h.t.Helper()
	ctx, ok := h.ctxs[name]
	if !ok {
		h.t.Fatalf("no principal %q in the harness", name)
	}
	return ctx
}

// shell returns a shell action run from a fixed directory.
func shell(cmd string) *keyturn.Action {
	return &keyturn.Action{Kind: keyturn.KindShell, Command: cmd, Cwd: "/home/olivia/project"}
}

// submit submits cmd as bot and fails the test on an error.
func (h *harness) submit(cmd string) *keyturn.Verdict {
	h.t.Helper()
	v, err := h.g.Submit(h.as("bot"), shell(cmd), 0)
	if err != nil {
		h.t.Fatalf("submit %q: %v", cmd, err)
	}
	return v
}

// pending submits cmd and requires a pending request with outcome o.
func (h *harness) pending(cmd string, o keyturn.Outcome) *keyturn.Request {
	h.t.Helper()
	v := h.submit(cmd)
	if v.Status != keyturn.StatusPending || v.Request == nil || v.Request.Decision.Outcome != o {
		h.t.Fatalf("submit %q: %s %s, want pending %s", cmd, v.Status, v.Decision, o)
	}
	return v.Request
}

// approve approves r as each user in turn and returns the last answer.
func (h *harness) approve(r *keyturn.Request, users ...string) *keyturn.Request {
	h.t.Helper()
	var out *keyturn.Request
	for _, u := range users {
		var err error
		if out, err = h.g.Approve(h.as(u), r.ID, r.Digest, "looks right"); err != nil {
			h.t.Fatalf("%s approves %s: %v", u, r.ID, err)
		}
	}
	return out
}

// waitSubmit submits cmd as bot with a wait, in a goroutine, and returns
// the request that submission opened, once it is in the store. The waiting
// submission is the one that opens the request, so whatever the test does
// to the request next happens after it, whichever of the two runs first.
func (h *harness) waitSubmit(cmd string) (*keyturn.Request, <-chan answer) {
	h.t.Helper()
	done := make(chan answer, 1)
	go func() {
		v, err := h.g.Submit(h.as("bot"), shell(cmd), time.Minute)
		done <- answer{v, err}
	}()
	digest := shell(cmd).Digest()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		rs, err := h.g.Requests(h.as("admin"), keyturn.RequestFilter{State: keyturn.StatePending, Agent: "bot"})
		if err != nil {
			h.t.Fatal(err)
		}
		for _, r := range rs {
			if r.Digest == digest {
				return r, done
			}
		}
	}
	h.t.Fatalf("the waiting submission of %q opened no request", cmd)
	return nil, nil
}

// answer is what a Submit in a goroutine returned.
type answer struct {
	v   *keyturn.Verdict
	err error
}

// request reads a request as admin.
func (h *harness) request(id string) *keyturn.Request {
	h.t.Helper()
	r, err := h.g.Request(h.as("admin"), id, 0)
	if err != nil {
		h.t.Fatalf("request %s: %v", id, err)
	}
	return r
}

// events returns the whole audit log, read straight from the store.
func (h *harness) events() []*keyturn.Event {
	h.t.Helper()
	var out []*keyturn.Event
	err := h.store.View(context.Background(), func(tx keyturn.Tx) error {
		for after := int64(0); ; {
			es, err := tx.Events(after, 1000)
			if err != nil {
				return err
			}
			if len(es) == 0 {
				return nil
			}
			out = append(out, es...)
			after = es[len(es)-1].Seq
		}
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

// count returns the number of events of type typ about subject ("" for any).
func (h *harness) count(typ, subject string) int {
	h.t.Helper()
	n := 0
	for _, e := range h.events() {
		if e.Type == typ && (subject == "" || e.Subject == subject) {
			n++
		}
	}
	return n
}

// head returns the sequence of the last event.
func (h *harness) head() int64 {
	h.t.Helper()
	var seq int64
	err := h.store.View(context.Background(), func(tx keyturn.Tx) error {
		var err error
		seq, _, err = tx.Head()
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return seq
}

// verifyChain checks the whole log and its checkpoints, as keyturn audit
// verify does. Every test ends with it.
func (h *harness) verifyChain() {
	h.t.Helper()
	var cps []keyturn.Checkpoint
	err := h.store.View(context.Background(), func(tx keyturn.Tx) error {
		var err error
		cps, err = tx.Checkpoints()
		return err
	})
	if err != nil {
		h.t.Error(err)
		return
	}
	v := keyturn.NewChainVerifier(cps)
	events := h.events()
	for _, e := range events {
		v.Add(e)
	}
	n := v.Finish(cps, h.pub)
	if v.Bad != 0 {
		h.t.Errorf("audit chain broken at %d: %s", v.Bad, v.Problem)
	}
	if n != int64(len(events)) {
		h.t.Errorf("verified %d events of %d", n, len(events))
	}
}

// wantCode fails unless err carries the keyturn error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if keyturn.ErrorCode(err) != code {
		t.Fatalf("got error %v, want code %s", err, code)
	}
}

// wantMessage fails unless err's message contains part.
func wantMessage(t *testing.T, err error, part string) {
	t.Helper()
	var e *keyturn.Error
	if !errors.As(err, &e) || !strings.Contains(e.Message, part) {
		t.Fatalf("got error %v, want a message containing %q", err, part)
	}
}

func name(prefix string, i int) string { return fmt.Sprintf("%s%02d", prefix, i) }
