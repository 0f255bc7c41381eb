package gateway_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"path/filepath"
	"strings"
	"testing"

	"keyturn"
	"keyturn/classify"
	"keyturn/gateway"
	"keyturn/policy"
	"keyturn/sqlite"
)

// b2Extra is a policy added to the default pack: pushes to repositories,
// which the default pack allows, are refused.
const b2Extra = `
@id("no-repo-writes")
@reason("test: writes to repositories are refused")
forbid (principal, action == Action::"write", resource)
when { context.environment == "repo" };
`

// Cases for the pack with b2Extra: one that holds and one that does not.
const (
	b2CasePasses = `cases:
  - {name: push refused, command: "git push origin feature", cwd: /home/dev/project, decision: deny}
  - {name: reads still run, command: "ls", cwd: /home/dev/project, decision: allow}
`
	b2CaseFails = `cases:
  - {name: push still allowed, command: "git push origin feature", cwd: /home/dev/project, decision: allow}
`
)

// b2Files returns the default pack plus extra (as 40-extra.cedar, when
// given) and cases (as cases.yaml, when given).
func b2Files(extra, cases string) map[string]string {
	set, err := policy.Default()
	if err != nil {
		panic(err)
	}
	files := map[string]string{}
	for _, s := range set.Sources() {
		files[s.Name] = s.Text
	}
	if extra != "" {
		files["40-extra.cedar"] = extra
	}
	if cases != "" {
		files["cases.yaml"] = cases
	}
	return files
}

func b2Version(t *testing.T, files map[string]string) string {
	t.Helper()
	var sources []policy.Source
	for _, name := range []string{"10-allow.cedar", "20-gates.cedar", "30-guards.cedar", "40-extra.cedar"} {
		if text, ok := files[name]; ok {
			sources = append(sources, policy.Source{Name: name, Text: text})
		}
	}
	set, err := policy.Compile(sources)
	if err != nil {
		t.Fatal(err)
	}
	return set.Version()
}

func TestPushPolicyRefuses(t *testing.T) {
	h := newHarness(t)
	admin := h.as("admin")
	before := h.head()
	broken := b2Files("", "")
	broken["40-extra.cedar"] = `forbid (principal, action, resource`
	noID := b2Files(`forbid (principal, action, resource);`, "")
	badCases := b2Files(b2Extra, "")
	badCases["cases.yaml"] = "cases:\n  - {name: x, command: ls, decision: maybe}\n"
	for _, c := range []struct {
		name    string
		files   map[string]string
		code    string
		message string
	}{
		{"nothing", map[string]string{}, keyturn.EINVALID, "no policy files"},
		{"no cedar", map[string]string{"cases.yaml": b2CasePasses}, keyturn.EINVALID, ".cedar"},
		{"path", map[string]string{"../x.cedar": b2Extra}, keyturn.EINVALID, "plain file names"},
		{"subdirectory", map[string]string{"a/x.cedar": b2Extra}, keyturn.EINVALID, "plain file names"},
		{"hidden", map[string]string{".x.cedar": b2Extra}, keyturn.EINVALID, "plain file names"},
		{"other extension", map[string]string{"x.cedar": b2Extra, "notes.txt": "hi"}, keyturn.EINVALID, "notes.txt"},
		{"does not parse", broken, keyturn.EINVALID, "does not compile"},
		{"no id", noID, keyturn.EINVALID, "@id"},
		{"malformed cases", badCases, keyturn.EINVALID, "cases.yaml"},
		{"failing case", b2Files(b2Extra, b2CaseFails), keyturn.EINVALID, "push still allowed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := h.g.PushPolicy(admin, c.files)
			wantCode(t, err, c.code)
			wantMessage(t, err, c.message)
		})
	}
	for _, who := range []string{"alice", "olivia", "bot"} {
		_, err := h.g.PushPolicy(h.as(who), b2Files(b2Extra, b2CasePasses))
		wantCode(t, err, keyturn.EFORBIDDEN)
	}
	// The set in use is not pushed again.
	_, err := h.g.PushPolicy(admin, b2Files("", ""))
	wantCode(t, err, keyturn.ECONFLICT)
	if h.head() != before {
		t.Fatalf("refused pushes wrote %d events", h.head()-before)
	}
	if reqs, err := h.g.Requests(admin, keyturn.RequestFilter{}); err != nil || len(reqs) != 0 {
		t.Fatalf("refused pushes opened requests: %d, %v", len(reqs), err)
	}
}

// TestPushPolicyNeedsAnotherAdmin follows a policy change from push to use:
// its author cannot approve it, another admin can, decisions then carry
// its version, and a restarted gateway keeps it.
func TestPushPolicyNeedsAnotherAdmin(t *testing.T) {
	h := newHarness(t)
	h.addUser("ada", []keyturn.Role{keyturn.RoleAdmin})
	old := h.submit(cmdRepoWrite)
	if old.Status != keyturn.StatusAllowed {
		t.Fatalf("before the change: %s", old.Status)
	}
	files := b2Files(b2Extra, b2CasePasses)
	version := b2Version(t, files)

	r, err := h.g.PushPolicy(h.as("admin"), files)
	if err != nil {
		t.Fatal(err)
	}
	if r.Type != keyturn.RequestPolicy || r.State != keyturn.StatePending || r.PolicyVersion != version ||
		r.Digest != version || r.Operator != "admin" || r.Decision.Outcome != keyturn.Approve || r.Decision.Approvals != 1 {
		t.Fatalf("policy request %+v", r)
	}
	if strings.Join(r.Approvers, ",") != "ada" {
		t.Fatalf("approvers %v, want [ada]", r.Approvers)
	}
	pushed := b2Last(t, h, keyturn.EventPolicy)
	if p := b2Payload(t, pushed); p["action"] != "pushed" || p["version"] != version || len(p["files"].([]any)) != 5 {
		t.Fatalf("pushed event %s", pushed.Payload)
	}
	// Pushing the same set while it waits is the same request.
	again, err := h.g.PushPolicy(h.as("admin"), files)
	if err != nil || again.ID != r.ID {
		t.Fatalf("push again: %v, %v; want %s", again, err, r.ID)
	}

	_, err = h.g.Approve(h.as("admin"), r.ID, r.Digest, "")
	wantCode(t, err, keyturn.EFORBIDDEN)
	wantMessage(t, err, "another admin")
	_, err = h.g.Approve(h.as("alice"), r.ID, r.Digest, "")
	wantCode(t, err, keyturn.EFORBIDDEN)
	if v := h.submit(cmdRepoWrite); v.Status != keyturn.StatusAllowed || v.Decision.PolicyVersion == version {
		t.Fatalf("before approval: %s under %s", v.Status, v.Decision.PolicyVersion)
	}

	got, err := h.g.Approve(h.as("ada"), r.ID, r.Digest, "reviewed")
	if err != nil {
		t.Fatal(err)
	}
	if got.State == keyturn.StatePending {
		t.Fatalf("policy request still pending after ada's approval")
	}
	st, err := h.g.Status(h.as("alice"))
	if err != nil || st.PolicyVersion != version {
		t.Fatalf("status: %+v, %v; want policy %s", st, err, version)
	}
	v := h.submit(cmdRepoWrite)
	if v.Status != keyturn.StatusDenied || v.Decision.PolicyVersion != version || v.Decision.Reasons[0].Policy != "no-repo-writes" {
		t.Fatalf("after approval: %s %+v", v.Status, v.Decision)
	}
	loaded := h.b2Loaded()

	// A restart on the same store uses the approved set, and the log does
	// not record it again.
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	g2, err := gateway.New(context.Background(), gateway.Config{Store: h.store, Classifier: classify.New(nil), Key: key, Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := g2.Status(h.as("alice")); err != nil || st.PolicyVersion != version {
		t.Fatalf("status after a restart: %+v, %v; want policy %s", st, err, version)
	}
	if n := h.b2Loaded(); n != loaded {
		t.Fatalf("a restart on the approved policy wrote %d loaded events", n-loaded)
	}
}

// b2Loaded counts the "loaded" policy events.
func (h *harness) b2Loaded() int {
	n := 0
	for _, e := range h.events() {
		if e.Type == keyturn.EventPolicy && strings.Contains(string(e.Payload), `"loaded"`) {
			n++
		}
	}
	return n
}

func TestPushPolicyDenied(t *testing.T) {
	h := newHarness(t)
	h.addUser("ada", []keyturn.Role{keyturn.RoleAdmin})
	r, err := h.g.PushPolicy(h.as("admin"), b2Files(b2Extra, ""))
	if err != nil {
		t.Fatal(err)
	}
	before, _ := h.g.Status(h.as("alice"))
	if _, err := h.g.Deny(h.as("ada"), r.ID, r.Digest, "not during the release"); err != nil {
		t.Fatal(err)
	}
	after, _ := h.g.Status(h.as("alice"))
	if after.PolicyVersion != before.PolicyVersion {
		t.Fatalf("a denied policy became active")
	}
}

// TestLoadPolicyRecordsChanges: a start records the policy in use when it
// is not the one last recorded, and a plain restart adds nothing.
func TestLoadPolicyRecordsChanges(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "keyturn.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	start := func(set *policy.Set) *gateway.Gateway {
		t.Helper()
		g, err := gateway.New(ctx, gateway.Config{Store: db, Classifier: classify.New(nil), Key: key, Policy: set})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	loaded := func() []map[string]any {
		t.Helper()
		var out []map[string]any
		err := db.View(ctx, func(tx keyturn.Tx) error {
			es, err := tx.Events(0, 1000)
			for _, e := range es {
				if e.Type == keyturn.EventPolicy {
					if e.Actor != "system" {
						t.Errorf("policy loaded by %s, want system", e.Actor)
					}
					out = append(out, b2Payload(t, e))
				}
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	def, err := policy.Default()
	if err != nil {
		t.Fatal(err)
	}
	start(nil)
	if l := loaded(); len(l) != 1 || l[0]["action"] != "loaded" || l[0]["version"] != def.Version() || l[0]["source"] != "default" {
		t.Fatalf("first start: %v", l)
	}
	start(nil)
	start(nil)
	if l := loaded(); len(l) != 1 {
		t.Fatalf("restarts with the same policy: %d policy events, want 1", len(l))
	}
	custom, err := policy.Compile([]policy.Source{{Name: "a.cedar", Text: `@id("all") permit (principal, action == Action::"read", resource);`}})
	if err != nil {
		t.Fatal(err)
	}
	start(custom)
	l := loaded()
	if len(l) != 2 || l[1]["version"] != custom.Version() || l[1]["source"] != "config" {
		t.Fatalf("start with --policy: %v", l)
	}
	start(custom)
	start(nil)
	if l := loaded(); len(l) != 3 || l[2]["version"] != def.Version() {
		t.Fatalf("back to the default pack: %v", l)
	}
}

// TestLoadPolicyRefusesAMissingActiveSet: when the store names an active
// set it does not hold, the gateway does not start rather than fall back
// to rules that may be looser.
func TestLoadPolicyRefusesAMissingActiveSet(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "keyturn.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.Update(ctx, func(tx keyturn.Tx) error {
		return tx.SetSetting(keyturn.SettingActivePolicy, "0123456789ab")
	}); err != nil {
		t.Fatal(err)
	}
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	_, err = gateway.New(ctx, gateway.Config{Store: db, Classifier: classify.New(nil), Key: key})
	if err == nil {
		t.Fatal("a gateway started without the active policy")
	}
}
