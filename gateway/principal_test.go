package gateway_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"keyturn"
	"keyturn/classify"
	"keyturn/gateway"
	"keyturn/sqlite"
)

// b2Enroll enrolls an agent as admin and returns its token.
func b2Enroll(t *testing.T, h *harness, name, operator string, ttl time.Duration) string {
	t.Helper()
	token, err := h.g.EnrollAgent(h.as("admin"), &keyturn.Agent{Name: name, Operator: operator}, ttl)
	if err != nil {
		t.Fatalf("enroll %s: %v", name, err)
	}
	return token
}

// b2AddUser adds a user as admin and returns their token.
func b2AddUser(t *testing.T, h *harness, name string, roles ...keyturn.Role) string {
	t.Helper()
	token, err := h.g.AddUser(h.as("admin"), &keyturn.User{Name: name, Roles: roles})
	if err != nil {
		t.Fatalf("add user %s: %v", name, err)
	}
	return token
}

func TestAuthenticateReturnsThePrincipal(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	token := b2AddUser(t, h, "dora", keyturn.RoleApprover, keyturn.RoleOperator)
	p, err := h.g.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if !p.IsUser() || p.User.Name != "dora" || !p.User.HasRole(keyturn.RoleApprover) || !p.User.HasRole(keyturn.RoleOperator) {
		t.Fatalf("got %+v, want user dora with her roles", p.User)
	}
	// Surrounding space, as a pasted token often has, is not another token.
	if _, err := h.g.Authenticate(ctx, " "+token+"\n"); err != nil {
		t.Fatalf("token with surrounding space: %v", err)
	}

	token = b2Enroll(t, h, "helper", "dora", 0)
	p, err = h.g.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if !p.IsAgent() || p.User != nil || p.Agent.Name != "helper" || p.Agent.Operator != "dora" || p.Agent.Kind != "shell" {
		t.Fatalf("got %+v, want agent helper of dora, kind shell", p.Agent)
	}
	who, err := h.g.Whoami(keyturn.NewContext(ctx, p))
	if err != nil || who.String() != "agent:helper" {
		t.Fatalf("whoami: %v, %v", who, err)
	}
	if _, err := h.g.Whoami(ctx); keyturn.ErrorCode(err) != keyturn.EUNAUTHORIZED {
		t.Fatalf("whoami without credentials: %v", err)
	}
}

func TestAuthenticateRefuses(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	shortLived := b2Enroll(t, h, "short", "olivia", time.Hour)
	long := b2Enroll(t, h, "long", "olivia", 0)
	revoked := b2Enroll(t, h, "gone", "olivia", 0)
	orphan := b2Enroll(t, h, "orphan", "eve", 0)
	dave := b2AddUser(t, h, "dave", keyturn.RoleApprover)
	for _, tok := range []string{shortLived, revoked, orphan, dave} {
		if _, err := h.g.Authenticate(ctx, tok); err != nil {
			t.Fatalf("a fresh token is refused: %v", err)
		}
	}
	if err := h.g.RevokeAgent(h.as("olivia"), "gone"); err != nil {
		t.Fatalf("the operator revokes her agent: %v", err)
	}
	if err := h.g.DisableUser(h.as("admin"), "dave"); err != nil {
		t.Fatal(err)
	}
	if err := h.g.DisableUser(h.as("admin"), "eve"); err != nil {
		t.Fatal(err)
	}
	h.clock.Add(time.Hour)

	unknown, _ := keyturn.NewToken()
	for _, c := range []struct{ name, token, message string }{
		{"empty", "", "no token"},
		{"unknown", unknown, "unknown token"},
		{"garbage", "Bearer nonsense", "unknown token"},
		{"expired", shortLived, "expired"},
		{"revoked", revoked, "revoked"},
		{"disabled user", dave, "disabled"},
		{"agent of a disabled operator", orphan, "disabled"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := h.g.Authenticate(ctx, c.token)
			wantCode(t, err, keyturn.EUNAUTHORIZED)
			wantMessage(t, err, c.message)
			if p.User != nil || p.Agent != nil {
				t.Fatalf("a refused token still names %s", p)
			}
		})
	}
	// An agent enrolled for 12h still works an hour on.
	if _, err := h.g.Authenticate(ctx, long); err != nil {
		t.Fatal(err)
	}
}

// TestTokensStoredOnlyAsHashes reads the database files byte by byte: no
// secret a gateway hands out may be found in them, nor in any event.
func TestTokensStoredOnlyAsHashes(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(filepath.Join(dir, "keyturn.db"))
	if err != nil {
		t.Fatal(err)
	}
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	ctx := context.Background()
	g, err := gateway.New(ctx, gateway.Config{Store: db, Classifier: classify.New(nil), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	root, err := g.Bootstrap(ctx)
	if err != nil || root == "" {
		t.Fatalf("bootstrap: %q, %v", root, err)
	}
	p, err := g.Authenticate(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	adminCtx := keyturn.NewContext(ctx, p)
	op, err := g.AddUser(adminCtx, &keyturn.User{Name: "olivia", Roles: []keyturn.Role{keyturn.RoleOperator}})
	if err != nil {
		t.Fatal(err)
	}
	bot, err := g.EnrollAgent(adminCtx, &keyturn.Agent{Name: "bot", Operator: "olivia"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{root, op, bot}
	var payloads []byte
	err = db.View(ctx, func(tx keyturn.Tx) error {
		es, err := tx.Events(0, 1000)
		for _, e := range es {
			b, _ := json.Marshal(e)
			payloads = append(payloads, b...)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	var raw []byte
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, b...)
	}
	for _, s := range secrets {
		if !strings.HasPrefix(s, "kt_") || len(s) < 40 {
			t.Fatalf("token %q is not a keyturn token of 32 random bytes", s)
		}
		secret := strings.TrimPrefix(s, "kt_")
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("a token secret is in the database file")
		}
		// The hash is there (so the scan reads the right bytes), but never
		// in the audit log, which many people read.
		hash := keyturn.HashToken(s)
		if !bytes.Contains(raw, []byte(hash)) {
			t.Errorf("the token's hash is not in the database file: the scan reads the wrong bytes")
		}
		if bytes.Contains(payloads, []byte(secret)) || bytes.Contains(payloads, []byte(hash)) {
			t.Errorf("a token or its hash is in an audit event")
		}
	}
}

func TestBootstrapOnce(t *testing.T) {
	h := newHarness(t) // bootstraps
	before := h.head()
	token, err := h.g.Bootstrap(context.Background())
	if err != nil || token != "" {
		t.Fatalf("second bootstrap: %q, %v; want no token", token, err)
	}
	if h.head() != before {
		t.Fatalf("second bootstrap wrote events")
	}
	var admins []string
	users, err := h.g.Users(h.as("alice"))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.HasRole(keyturn.RoleAdmin) {
			admins = append(admins, u.Name)
		}
	}
	if !slices.Equal(admins, []string{"admin"}) {
		t.Fatalf("admins %v, want [admin]", admins)
	}
	var system []string
	for _, e := range h.events() {
		if e.Actor == "system" && e.Subject == "admin" {
			system = append(system, e.Type)
		}
	}
	if !slices.Equal(system, []string{keyturn.EventUser, keyturn.EventToken}) {
		t.Fatalf("bootstrap events by system: %v, want user then token", system)
	}
}

func TestAddUser(t *testing.T) {
	h := newHarness(t)
	admin := h.as("admin")
	long := strings.Repeat("a", 65)
	for _, c := range []struct {
		name string
		user keyturn.User
		code string
	}{
		{"empty name", keyturn.User{Roles: []keyturn.Role{keyturn.RoleApprover}}, keyturn.EINVALID},
		{"upper case", keyturn.User{Name: "Bob2", Roles: []keyturn.Role{keyturn.RoleApprover}}, keyturn.EINVALID},
		{"leading dash", keyturn.User{Name: "-x", Roles: []keyturn.Role{keyturn.RoleApprover}}, keyturn.EINVALID},
		{"space", keyturn.User{Name: "a b", Roles: []keyturn.Role{keyturn.RoleApprover}}, keyturn.EINVALID},
		{"path", keyturn.User{Name: "../x", Roles: []keyturn.Role{keyturn.RoleApprover}}, keyturn.EINVALID},
		{"too long", keyturn.User{Name: long, Roles: []keyturn.Role{keyturn.RoleApprover}}, keyturn.EINVALID},
		{"no role", keyturn.User{Name: "nora"}, keyturn.EINVALID},
		{"unknown role", keyturn.User{Name: "nora", Roles: []keyturn.Role{"root"}}, keyturn.EINVALID},
		{"bad group", keyturn.User{Name: "nora", Roles: []keyturn.Role{keyturn.RoleApprover}, Groups: []string{"Ops!"}}, keyturn.EINVALID},
		{"taken", keyturn.User{Name: "alice", Roles: []keyturn.Role{keyturn.RoleApprover}}, keyturn.ECONFLICT},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := h.head()
			u := c.user
			token, err := h.g.AddUser(admin, &u)
			wantCode(t, err, c.code)
			if token != "" || h.head() != before {
				t.Fatalf("a refused user got a token or an event")
			}
		})
	}
	for _, who := range []string{"alice", "olivia", "bot"} {
		_, err := h.g.AddUser(h.as(who), &keyturn.User{Name: "nora", Roles: []keyturn.Role{keyturn.RoleAdmin}})
		wantCode(t, err, keyturn.EFORBIDDEN)
	}

	u := &keyturn.User{Name: "nora", Roles: []keyturn.Role{keyturn.RoleApprover, keyturn.RoleApprover, keyturn.RoleOperator},
		Groups: []string{"dba", "sre", "dba"}, Disabled: true}
	token, err := h.g.AddUser(admin, u)
	if err != nil || token == "" {
		t.Fatalf("add nora: %q, %v", token, err)
	}
	p, err := h.g.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatalf("a new user's token (the disabled flag of the body is not trusted): %v", err)
	}
	if !slices.Equal(p.User.Roles, []keyturn.Role{keyturn.RoleApprover, keyturn.RoleOperator}) ||
		!slices.Equal(p.User.Groups, []string{"dba", "sre"}) || p.User.Disabled {
		t.Fatalf("stored %+v, want roles approver, operator and groups dba, sre", p.User)
	}
	es := h.events()
	var added, issued map[string]any
	for _, e := range es {
		if e.Subject != "nora" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(e.Payload, &m); err != nil {
			t.Fatal(err)
		}
		if e.Actor != "user:admin" || e.DecidedBy == nil || e.DecidedBy.Kind != "human" || e.DecidedBy.Who != "admin" {
			t.Errorf("%s event by %s, decided by %+v; want the admin", e.Type, e.Actor, e.DecidedBy)
		}
		switch e.Type {
		case keyturn.EventUser:
			added = m
		case keyturn.EventToken:
			issued = m
		}
	}
	if added["action"] != "added" || len(added["roles"].([]any)) != 2 || len(added["groups"].([]any)) != 2 {
		t.Errorf("user event %v", added)
	}
	if issued["action"] != "issued" || issued["for"] != "user:nora" || len(issued) != 2 {
		t.Errorf("token event %v, want only action and for", issued)
	}
}

func TestDisableUser(t *testing.T) {
	h := newHarness(t)
	err := h.g.DisableUser(h.as("admin"), "admin")
	wantCode(t, err, keyturn.EINVALID)
	wantMessage(t, err, "last enabled admin")
	wantCode(t, h.g.DisableUser(h.as("alice"), "bob"), keyturn.EFORBIDDEN)
	wantCode(t, h.g.DisableUser(h.as("bot"), "bob"), keyturn.EFORBIDDEN)
	wantCode(t, h.g.DisableUser(h.as("admin"), "nobody"), keyturn.ENOTFOUND)

	ada := b2AddUser(t, h, "ada", keyturn.RoleAdmin)
	if err := h.g.DisableUser(h.as("admin"), "admin"); err != nil {
		t.Fatalf("disable one of two admins: %v", err)
	}
	p, err := h.g.Authenticate(context.Background(), ada)
	if err != nil {
		t.Fatal(err)
	}
	err = h.g.DisableUser(keyturn.NewContext(context.Background(), p), "ada")
	wantCode(t, err, keyturn.EINVALID)
	if n := h.count(keyturn.EventUser, "admin"); n != 2 {
		t.Fatalf("%d user events about admin, want added and disabled", n)
	}
	// Disabling again changes nothing and records nothing.
	before := h.head()
	if err := h.g.DisableUser(keyturn.NewContext(context.Background(), p), "admin"); err != nil || h.head() != before {
		t.Fatalf("disable twice: %v, %d events", err, h.head()-before)
	}
}

func TestEnrollAgent(t *testing.T) {
	h := newHarness(t)
	now := h.clock.Now()
	for _, c := range []struct {
		name, by string
		agent    keyturn.Agent
		ttl      time.Duration
		code     string
	}{
		{"operator for someone else", "eve", keyturn.Agent{Name: "a1", Operator: "olivia"}, 0, keyturn.EFORBIDDEN},
		{"not an operator", "alice", keyturn.Agent{Name: "a1", Operator: "alice"}, 0, keyturn.EFORBIDDEN},
		{"not an operator, no operator named", "alice", keyturn.Agent{Name: "a1"}, 0, keyturn.EFORBIDDEN},
		{"agent", "bot", keyturn.Agent{Name: "a1", Operator: "olivia"}, 0, keyturn.EFORBIDDEN},
		{"operator who is not one", "admin", keyturn.Agent{Name: "a1", Operator: "alice"}, 0, keyturn.EINVALID},
		{"unknown operator", "admin", keyturn.Agent{Name: "a1", Operator: "nobody"}, 0, keyturn.EINVALID},
		{"no operator", "admin", keyturn.Agent{Name: "a1"}, 0, keyturn.EINVALID},
		{"bad name", "admin", keyturn.Agent{Name: "A 1", Operator: "olivia"}, 0, keyturn.EINVALID},
		{"bad kind", "admin", keyturn.Agent{Name: "a1", Operator: "olivia", Kind: "skynet"}, 0, keyturn.EINVALID},
		{"ttl over 30 days", "admin", keyturn.Agent{Name: "a1", Operator: "olivia"}, 31 * 24 * time.Hour, keyturn.EINVALID},
		{"negative ttl", "admin", keyturn.Agent{Name: "a1", Operator: "olivia"}, -time.Hour, keyturn.EINVALID},
		{"taken", "admin", keyturn.Agent{Name: "bot", Operator: "olivia"}, 0, keyturn.ECONFLICT},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := h.head()
			a := c.agent
			token, err := h.g.EnrollAgent(h.as(c.by), &a, c.ttl)
			wantCode(t, err, c.code)
			if token != "" || h.head() != before {
				t.Fatalf("a refused enrollment got a token or an event")
			}
		})
	}
	_, err := h.g.EnrollAgent(h.as("admin"), &keyturn.Agent{Name: "a1", Operator: "alice"}, 0)
	wantMessage(t, err, "alice is not an operator: keyturn user add alice --role operator")

	// An operator enrolls for themself, naming no operator.
	a := &keyturn.Agent{Name: "eves-bot"}
	token, err := h.g.EnrollAgent(h.as("eve"), a, 0)
	if err != nil || token == "" {
		t.Fatalf("eve enrolls her own agent: %q, %v", token, err)
	}
	if a.Operator != "eve" || a.Kind != "shell" || !a.ExpiresAt.Equal(now.Add(12*time.Hour)) {
		t.Fatalf("enrolled %+v, want operator eve, kind shell, 12h", a)
	}
	// An admin enrolls for an operator, for up to 30 days.
	a = &keyturn.Agent{Name: "ci.bot-1", Operator: "olivia", Kind: "codex", Profile: "ci"}
	if _, err := h.g.EnrollAgent(h.as("admin"), a, 30*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	agents, err := h.g.Agents(h.as("alice"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, x := range agents {
		names = append(names, x.Name)
		if x.Name == "ci.bot-1" && (x.Kind != "codex" || x.Profile != "ci" || !x.ExpiresAt.Equal(now.Add(30*24*time.Hour))) {
			t.Errorf("stored %+v", x)
		}
	}
	if !slices.Contains(names, "eves-bot") || !slices.Contains(names, "ci.bot-1") {
		t.Fatalf("agents %v", names)
	}
	if n := h.count(keyturn.EventAgent, "ci.bot-1"); n != 1 {
		t.Fatalf("%d agent events, want 1", n)
	}
	if n := h.count(keyturn.EventToken, "ci.bot-1"); n != 1 {
		t.Fatalf("%d token events, want 1", n)
	}
}

func TestRevokeAgent(t *testing.T) {
	h := newHarness(t)
	wantCode(t, h.g.RevokeAgent(h.as("alice"), "bot"), keyturn.EFORBIDDEN)
	wantCode(t, h.g.RevokeAgent(h.as("eve"), "bot"), keyturn.EFORBIDDEN)
	wantCode(t, h.g.RevokeAgent(h.as("bot"), "bot"), keyturn.EFORBIDDEN)
	wantCode(t, h.g.RevokeAgent(h.as("admin"), "nobody"), keyturn.ENOTFOUND)
	if err := h.g.RevokeAgent(h.as("admin"), "bot"); err != nil {
		t.Fatal(err)
	}
	agents, err := h.g.Agents(h.as("admin"))
	if err != nil {
		t.Fatal(err)
	}
	if len(agents) != 1 || !agents[0].Revoked {
		t.Fatalf("agents %+v, want bot revoked", agents)
	}
	if n := h.count(keyturn.EventAgent, "bot"); n != 2 {
		t.Fatalf("%d agent events about bot, want enrolled and revoked", n)
	}
}

// TestAgentTokenRefusedOnHumanOperations: an agent's token reaches none of
// what people do.
func TestAgentTokenRefusedOnHumanOperations(t *testing.T) {
	h := newHarness(t)
	bot := h.as("bot")
	before := h.head()
	calls := map[string]func() error{
		"AddUser": func() error {
			_, err := h.g.AddUser(bot, &keyturn.User{Name: "x", Roles: []keyturn.Role{keyturn.RoleAdmin}})
			return err
		},
		"DisableUser": func() error { return h.g.DisableUser(bot, "admin") },
		"EnrollAgent": func() error {
			_, err := h.g.EnrollAgent(bot, &keyturn.Agent{Name: "x", Operator: "olivia"}, 0)
			return err
		},
		"RevokeAgent": func() error { return h.g.RevokeAgent(bot, "bot") },
		"Users":       func() error { _, err := h.g.Users(bot); return err },
		"Agents":      func() error { _, err := h.g.Agents(bot); return err },
		"SetFreeze":   func() error { _, err := h.g.SetFreeze(bot, false, "lift it"); return err },
		"BreakGlass": func() error {
			_, err := h.g.BreakGlass(bot, keyturn.BreakGlass{Action: shell(cmdTwoPerson), Agent: "bot", Reason: "urgent"})
			return err
		},
		"PushPolicy": func() error {
			_, err := h.g.PushPolicy(bot, map[string]string{"a.cedar": `@id("x") permit (principal, action, resource);`})
			return err
		},
		"Status":     func() error { _, err := h.g.Status(bot); return err },
		"Events":     func() error { _, err := h.g.Events(bot, 0, 10); return err },
		"Checkpoint": func() error { _, err := h.g.Checkpoint(bot); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) { wantCode(t, call(), keyturn.EFORBIDDEN) })
	}
	if h.head() != before {
		t.Fatalf("refused calls wrote %d events", h.head()-before)
	}
}
