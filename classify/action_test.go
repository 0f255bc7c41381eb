package classify

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"keyturn"
)

// TestSelfProtectWritesTable: every line of selfprotect_writes.tsv (whose
// class, operation and environment TestCommandTable checks) also yields an
// effect marked SelfModify.
func TestSelfProtectWritesTable(t *testing.T) {
	cl := New(DefaultConfig())
	n := 0
	for _, tc := range loadTable(t) {
		if tc.file != "selfprotect_writes.tsv" {
			continue
		}
		n++
		effects := cl.Shell(tc.command, testContext)
		if !anySelfModify(effects) {
			t.Errorf("%s:%d: %q: no effect is SelfModify%s", tc.file, tc.line, tc.command, describe(effects))
		}
	}
	if n < 20 {
		t.Fatalf("only %d rows in selfprotect_writes.tsv", n)
	}
}

func anySelfModify(effects []keyturn.Effect) bool {
	for _, e := range effects {
		if e.SelfModify {
			return true
		}
	}
	return false
}

// actionCase is one action and what its effects must be.
type actionCase struct {
	name   string
	action keyturn.Action
	class  keyturn.Class
	env    keyturn.Environment // of some effect of that class; "" for any
	self   bool                // some effect is SelfModify
	op     string              // some effect of that class has this operation; "" for any
}

func checkAction(t *testing.T, cl *Classifier, tc actionCase) {
	t.Helper()
	a := tc.action
	effects := cl.Action(&a)
	if len(effects) == 0 {
		t.Errorf("%s: no effects", tc.name)
		return
	}
	got := keyturn.StrictestClass(effects)
	if got != tc.class {
		t.Errorf("%s: class %s, want %s%s", tc.name, got, tc.class, describe(effects))
		return
	}
	if anySelfModify(effects) != tc.self {
		t.Errorf("%s: SelfModify %v, want %v%s", tc.name, !tc.self, tc.self, describe(effects))
	}
	found := false
	for _, e := range effects {
		if e.Class == tc.class && (tc.env == "" || e.Environment == tc.env) && (tc.op == "" || e.Operation == tc.op) {
			found = true
		}
	}
	if !found {
		t.Errorf("%s: no %s effect in %q with operation %q%s", tc.name, tc.class, tc.env, tc.op, describe(effects))
	}
}

const ws = "/home/dev/project" // does not exist: the workspace as it stands

var home = map[string]string{"HOME": "/home/dev"}

func fw(p string) keyturn.Action {
	return keyturn.Action{Kind: keyturn.KindFileWrite, Path: p, Content: "x", Cwd: ws, Env: home}
}

func TestActionFileWrite(t *testing.T) {
	cl := New(DefaultConfig())
	for _, tc := range []actionCase{
		{name: "in workspace", action: fw("src/main.go"), class: keyturn.Write, env: keyturn.EnvWorkspace},
		{name: "absolute in workspace", action: fw(ws + "/README.md"), class: keyturn.Write, env: keyturn.EnvWorkspace},
		{name: "outside", action: fw("/etc/hosts"), class: keyturn.Write, env: keyturn.EnvLocal},
		{name: "temp", action: fw("/tmp/notes.txt"), class: keyturn.Write, env: keyturn.EnvLocal},
		{name: "home dotfile", action: fw("~/.bashrc"), class: keyturn.Write, env: keyturn.EnvLocal},
		{name: "dotdot out", action: fw("../other/x.go"), class: keyturn.Write, env: keyturn.EnvLocal},
		{name: "dotdot back in", action: fw("../project/x.go"), class: keyturn.Write, env: keyturn.EnvWorkspace},
		{name: "block device", action: fw("/dev/sda"), class: keyturn.Destructive, env: keyturn.EnvLocal},
		{name: "git config", action: fw(".git/config"), class: keyturn.Unknown, env: keyturn.EnvWorkspace},
		{name: "relative without cwd", action: keyturn.Action{Kind: keyturn.KindFileWrite, Path: "x.go"}, class: keyturn.Unknown},
		{name: "home without HOME", action: keyturn.Action{Kind: keyturn.KindFileWrite, Path: "~/x", Cwd: ws}, class: keyturn.Unknown},
		{name: "other user's home", action: fw("~root/.profile"), class: keyturn.Unknown},
		{name: "NUL", action: fw("a\x00b"), class: keyturn.Unknown},
		{name: "no path", action: keyturn.Action{Kind: keyturn.KindFileWrite, Content: "x", Cwd: ws}, class: keyturn.Unknown},
		// An agent must not edit its own guard.
		{name: "claude settings", action: fw(".claude/settings.json"), class: keyturn.Write, self: true},
		{name: "claude local settings", action: fw(".claude/settings.local.json"), class: keyturn.Write, self: true},
		{name: "claude hooks", action: fw(".claude/hooks/guard.sh"), class: keyturn.Write, self: true},
		{name: "claude user settings", action: fw("~/.claude/settings.json"), class: keyturn.Write, self: true},
		{name: "claude settings upper case", action: fw(".Claude/SETTINGS.json"), class: keyturn.Write, self: true},
		{name: "claude managed", action: fw("/etc/claude-code/managed-settings.json"), class: keyturn.Write, self: true},
		{name: "claude.json", action: fw("~/.claude.json"), class: keyturn.Write, self: true},
		{name: "mcp.json", action: fw(".mcp.json"), class: keyturn.Write, self: true},
		{name: "codex project", action: fw(".codex/config.toml"), class: keyturn.Write, self: true},
		{name: "codex user", action: fw("~/.codex/config.toml"), class: keyturn.Write, self: true},
		{name: "kiro project", action: fw(".kiro/agents/default.json"), class: keyturn.Write, self: true},
		{name: "kiro user", action: fw("~/.kiro/settings/cli.json"), class: keyturn.Write, self: true},
		{name: "cursor", action: fw(".cursor/hooks.json"), class: keyturn.Write, self: true},
		{name: "git hook", action: fw(".git/hooks/pre-commit"), class: keyturn.Unknown, self: true},
		{name: "git hook in a sub-repo", action: fw("vendor/x/.git/hooks/post-checkout"), class: keyturn.Unknown, self: true},
		{name: "workflow", action: fw(".github/workflows/ci.yml"), class: keyturn.Write, self: true},
		{name: "workflow via dotdot", action: fw("src/../.github/workflows/ci.yml"), class: keyturn.Write, self: true},
		{name: "keyturn.yaml", action: fw("keyturn.yaml"), class: keyturn.Write, self: true},
		{name: "keyturn config dir", action: fw("~/.config/keyturn/login.json"), class: keyturn.Write, self: true},
		{name: "keyturn data dir", action: fw("~/.local/state/keyturn/admin-token"), class: keyturn.Write, self: true},
		{name: "var lib keyturn", action: fw("/var/lib/keyturn/keyturn.db"), class: keyturn.Write, self: true},
		{name: "relative settings without cwd", action: keyturn.Action{Kind: keyturn.KindFileWrite, Path: ".claude/settings.json"}, class: keyturn.Unknown, self: true},
		// Not the guard.
		{name: "claude agents", action: fw(".claude/agents/reviewer.md"), class: keyturn.Write, env: keyturn.EnvWorkspace},
		{name: "github issue template", action: fw(".github/ISSUE_TEMPLATE/bug.md"), class: keyturn.Write, env: keyturn.EnvWorkspace},
	} {
		checkAction(t, cl, tc)
	}
}

// TestActionFileWriteConfiguredPaths: the data directory and policy
// directory the server was started with are protected too.
func TestActionFileWriteConfiguredPaths(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.ProtectSecret("/srv/keyturn-data"); err != nil {
		t.Fatal(err)
	}
	if err := cfg.ProtectPath("/srv/policies"); err != nil {
		t.Fatal(err)
	}
	cl := New(cfg)
	checkAction(t, cl, actionCase{name: "data dir", action: fw("/srv/keyturn-data/audit.key"), class: keyturn.Write, self: true})
	checkAction(t, cl, actionCase{name: "policy dir", action: fw("/srv/policies/default.cedar"), class: keyturn.Write, self: true})
	checkAction(t, cl, actionCase{name: "beside", action: fw("/srv/policies2/x"), class: keyturn.Write, env: keyturn.EnvLocal})
}

// TestActionFileWriteLinks: a write lands where the links on its way lead,
// the last one included; .. after a link climbs from the link's target.
func TestActionFileWriteLinks(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	wsDir := filepath.Join(root, "ws")
	homeDir := filepath.Join(root, "home")
	outside := filepath.Join(root, "outside", "deep")
	for _, d := range []string{filepath.Join(wsDir, ".git"), filepath.Join(homeDir, ".claude"), outside, filepath.Join(wsDir, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	settings := filepath.Join(homeDir, ".claude", "settings.json")
	if err := os.WriteFile(settings, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := func(target, name string) {
		if err := os.Symlink(target, filepath.Join(wsDir, name)); err != nil {
			t.Fatal(err)
		}
	}
	link(settings, "notes.json")                                               // a file link to the settings
	link(filepath.Join(homeDir, ".claude"), "cfg")                             // a directory link
	link(filepath.Join(homeDir, ".claude", "settings.local.json"), "dangling") // created by the write
	link(outside, "out")                                                       // out/.. is root/outside
	link("loop", "loop")
	link("sub", "inside") // a link that stays in the workspace

	cl := New(DefaultConfig())
	act := func(p string) keyturn.Action {
		return keyturn.Action{Kind: keyturn.KindFileWrite, Path: p, Cwd: wsDir}
	}
	for _, tc := range []actionCase{
		{name: "file link", action: act("notes.json"), class: keyturn.Write, env: keyturn.EnvLocal, self: true},
		{name: "dir link", action: act("cfg/settings.json"), class: keyturn.Write, env: keyturn.EnvLocal, self: true},
		{name: "dangling link", action: act("dangling"), class: keyturn.Write, env: keyturn.EnvLocal, self: true},
		{name: "link then dotdot", action: act("out/../x.txt"), class: keyturn.Write, env: keyturn.EnvLocal},
		{name: "loop", action: act("loop"), class: keyturn.Unknown},
		{name: "link inside", action: act("inside/x.go"), class: keyturn.Write, env: keyturn.EnvWorkspace},
		{name: "patch through link", action: keyturn.Action{Kind: keyturn.KindFileWrite, Cwd: wsDir,
			Content: "*** Begin Patch\n*** Update File: notes.json\n@@\n-{}\n+{\"hooks\":{}}\n*** End Patch\n"}, class: keyturn.Write, self: true},
		// Deleting the link only removes the link, but it is refused as
		// well (selfPath follows it): rare, and the safe side.
		{name: "deleting a link to the settings", action: keyturn.Action{Kind: keyturn.KindFileWrite, Cwd: wsDir,
			Content: "*** Begin Patch\n*** Delete File: notes.json\n*** End Patch"}, class: keyturn.Write, env: keyturn.EnvWorkspace, self: true},
	} {
		checkAction(t, cl, tc)
	}
	// out/../x.txt lands in root/outside, not in the workspace.
	a := act("out/../x.txt")
	effects := cl.Action(&a)
	want := filepath.Join(root, "outside", "x.txt")
	if !strings.Contains(strings.Join(effects[0].Targets, " "), want) {
		t.Errorf("out/../x.txt: targets %v, want %s among them", effects[0].Targets, want)
	}
	// The shell follows the last link of a write the same way.
	for _, cmd := range []string{"echo x > notes.json", "echo x | tee dangling", "cp /tmp/x notes.json"} {
		effects := cl.Shell(cmd, Context{Cwd: wsDir})
		if !anySelfModify(effects) {
			t.Errorf("%q: not SelfModify%s", cmd, describe(effects))
		}
	}
}

func patchAction(content string) keyturn.Action {
	return keyturn.Action{Kind: keyturn.KindFileWrite, Content: content, Cwd: ws, Env: home}
}

func TestActionApplyPatch(t *testing.T) {
	cl := New(DefaultConfig())
	for _, tc := range []actionCase{
		{name: "add", action: patchAction("*** Begin Patch\n*** Add File: docs/a.md\n+hello\n*** End Patch\n"),
			class: keyturn.Write, env: keyturn.EnvWorkspace, op: "patch add"},
		{name: "update with hunks", action: patchAction("*** Begin Patch\n*** Update File: src/a.go\n@@ func main()\n context\n-old\n+new\n\n*** End of File\n*** End Patch"),
			class: keyturn.Write, env: keyturn.EnvWorkspace, op: "patch update"},
		{name: "delete inside", action: patchAction("*** Begin Patch\n*** Delete File: src/old.go\n*** End Patch"),
			class: keyturn.Write, env: keyturn.EnvWorkspace, op: "patch delete"},
		{name: "delete outside", action: patchAction("*** Begin Patch\n*** Delete File: /etc/hosts\n*** End Patch"),
			class: keyturn.Destructive, env: keyturn.EnvLocal, op: "patch delete"},
		{name: "delete .git", action: patchAction("*** Begin Patch\n*** Delete File: .git/HEAD\n*** End Patch"),
			class: keyturn.Destructive, env: keyturn.EnvWorkspace},
		{name: "move inside", action: patchAction("*** Begin Patch\n*** Update File: a.go\n*** Move to: b.go\n@@\n-x\n+y\n*** End Patch"),
			class: keyturn.Write, env: keyturn.EnvWorkspace, op: "patch move to"},
		{name: "move out", action: patchAction("*** Begin Patch\n*** Update File: a.go\n*** Move to: ../elsewhere/a.go\n*** End Patch"),
			class: keyturn.Write, env: keyturn.EnvLocal, op: "patch move to"},
		{name: "move from outside", action: patchAction("*** Begin Patch\n*** Update File: /home/dev/.ssh/config\n*** Move to: stolen\n*** End Patch"),
			class: keyturn.Destructive, env: keyturn.EnvLocal, op: "patch move from"},
		{name: "several, strictest wins", action: patchAction("*** Begin Patch\n*** Add File: a.txt\n+x\n*** Delete File: /var/log/syslog\n*** Update File: b.txt\n@@\n-a\n+b\n*** End Patch"),
			class: keyturn.Destructive, env: keyturn.EnvLocal},
		{name: "CRLF", action: patchAction("*** Begin Patch\r\n*** Add File: a.txt\r\n+x\r\n*** End Patch\r\n"), class: keyturn.Write, env: keyturn.EnvWorkspace},
		// Self-protection through a patch.
		{name: "add settings", action: patchAction("*** Begin Patch\n*** Add File: .claude/settings.json\n+{}\n*** End Patch"), class: keyturn.Write, self: true},
		{name: "update workflow", action: patchAction("*** Begin Patch\n*** Update File: .github/workflows/ci.yml\n@@\n-a\n+b\n*** End Patch"), class: keyturn.Write, self: true},
		{name: "move onto a hook", action: patchAction("*** Begin Patch\n*** Update File: evil.sh\n*** Move to: .git/hooks/pre-commit\n*** End Patch"), class: keyturn.Unknown, self: true},
		{name: "delete codex config", action: patchAction("*** Begin Patch\n*** Delete File: ~/.codex/config.toml\n*** End Patch"), class: keyturn.Destructive, self: true},
		{name: "dotdot into a hook", action: patchAction("*** Begin Patch\n*** Add File: src/../../project/.git/hooks/post-merge\n+x\n*** End Patch"), class: keyturn.Unknown, self: true},
		// Malformed envelopes are unknown.
		{name: "no end", action: patchAction("*** Begin Patch\n*** Add File: a\n+x\n"), class: keyturn.Unknown, op: "apply_patch"},
		{name: "no files", action: patchAction("*** Begin Patch\n*** End Patch"), class: keyturn.Unknown, op: "apply_patch"},
		{name: "empty path", action: patchAction("*** Begin Patch\n*** Add File: \n+x\n*** End Patch"), class: keyturn.Unknown, op: "apply_patch"},
		{name: "unknown header", action: patchAction("*** Begin Patch\n*** Chmod File: a\n*** End Patch"), class: keyturn.Unknown, op: "apply_patch"},
		{name: "add line without +", action: patchAction("*** Begin Patch\n*** Add File: a\nx\n*** End Patch"), class: keyturn.Unknown, op: "apply_patch"},
		{name: "hunk line", action: patchAction("*** Begin Patch\n*** Update File: a\n@@\n?x\n*** End Patch"), class: keyturn.Unknown, op: "apply_patch"},
		{name: "move outside update", action: patchAction("*** Begin Patch\n*** Add File: a\n+x\n*** Move to: b\n*** End Patch"), class: keyturn.Unknown, op: "apply_patch"},
		{name: "line before header", action: patchAction("*** Begin Patch\n+x\n*** Add File: a\n*** End Patch"), class: keyturn.Unknown, op: "apply_patch"},
		{name: "text after delete", action: patchAction("*** Begin Patch\n*** Delete File: a\n+x\n*** End Patch"), class: keyturn.Unknown, op: "apply_patch"},
		// A path and a patch: both count.
		{name: "path and patch", action: keyturn.Action{Kind: keyturn.KindFileWrite, Path: "notes.txt", Cwd: ws,
			Content: "*** Begin Patch\n*** Delete File: /etc/passwd\n*** End Patch"}, class: keyturn.Destructive, env: keyturn.EnvLocal},
	} {
		checkAction(t, cl, tc)
	}
	var b strings.Builder
	b.WriteString("*** Begin Patch\n")
	for i := 0; i <= maxPatchFiles; i++ {
		b.WriteString("*** Add File: f\n+x\n")
	}
	b.WriteString("*** End Patch")
	checkAction(t, cl, actionCase{name: "too many files", action: patchAction(b.String()), class: keyturn.Unknown, op: "apply_patch"})
}

func tool(server, name, args string) keyturn.Action {
	return keyturn.Action{Kind: keyturn.KindMCPTool, Server: server, Tool: name, Arguments: json.RawMessage(args), Cwd: ws, Env: home}
}

func TestActionUseAWS(t *testing.T) {
	cl := New(DefaultConfig())
	withEnv := tool("kiro", "use_aws", `{"service_name":"ec2","operation_name":"terminate-instances","region":"us-east-1","label":"x","parameters":{"InstanceIds":["i-1"]}}`)
	withEnv.Env = map[string]string{"AWS_PROFILE": "dev"}
	for _, tc := range []actionCase{
		{name: "describe", action: tool("kiro", "use_aws", `{"service_name":"ec2","operation_name":"describe-instances","region":"us-east-1","profile_name":"prod","label":"list"}`),
			class: keyturn.Read, env: "prod", op: "ec2:DescribeInstances"},
		{name: "describe snake case", action: tool("kiro", "use_aws", `{"service_name":"ec2","operation_name":"describe_instances","region":"us-east-1","profile_name":"dev"}`),
			class: keyturn.Read, env: "dev", op: "ec2:DescribeInstances"},
		{name: "terminate prod", action: tool("kiro", "use_aws", `{"service_name":"ec2","operation_name":"terminate-instances","region":"us-east-1","profile_name":"prod","parameters":{"InstanceIds":"i-0abc"}}`),
			class: keyturn.Destructive, env: "prod", op: "ec2:TerminateInstances"},
		{name: "terminate staging", action: tool("kiro", "use_aws", `{"service_name":"ec2","operation_name":"terminate_instances","region":"eu-west-1","profile_name":"staging","parameters":{"instance_ids":"i-0abc"}}`),
			class: keyturn.Destructive, env: "staging", op: "ec2:TerminateInstances"},
		// Without profile_name the agent's own configured profile may apply:
		// AWS_PROFILE does not decide.
		{name: "no profile", action: withEnv, class: keyturn.Destructive, env: keyturn.EnvUnknown},
		{name: "parameter overrides profile", action: tool("kiro", "use_aws", `{"service_name":"rds","operation_name":"delete-db-instance","region":"us-east-1","profile_name":"dev","parameters":{"profile":"prod","DBInstanceIdentifier":"main"}}`),
			class: keyturn.Destructive, env: "prod"},
		{name: "two parameters set the profile", action: tool("kiro", "use_aws", `{"service_name":"s3api","operation_name":"list-buckets","region":"us-east-1","profile_name":"dev","parameters":{"profile":"dev","Profile":"prod"}}`),
			class: keyturn.Unknown},
		{name: "s3 ls", action: tool("kiro", "use_aws", `{"service_name":"s3","operation_name":"ls","region":"us-east-1","profile_name":"dev"}`), class: keyturn.Read, env: "dev"},
		{name: "s3 rm recursive", action: tool("kiro", "use_aws", `{"service_name":"s3","operation_name":"rm","region":"us-east-1","profile_name":"prod","parameters":{"recursive":"","":"s3://bucket/"}}`),
			class: keyturn.Destructive},
		{name: "dry run", action: tool("kiro", "use_aws", `{"service_name":"ec2","operation_name":"terminate-instances","region":"us-east-1","profile_name":"prod","parameters":{"DryRun":"","InstanceIds":"i-1"}}`),
			class: keyturn.Read, env: "prod"},
		{name: "unknown operation", action: tool("kiro", "use_aws", `{"service_name":"ec2","operation_name":"frobnicate","region":"us-east-1","profile_name":"dev"}`), class: keyturn.Unknown},
		{name: "no service", action: tool("kiro", "use_aws", `{"operation_name":"describe-instances","region":"us-east-1"}`), class: keyturn.Unknown, env: keyturn.EnvUnknown},
		{name: "service not text", action: tool("kiro", "use_aws", `{"service_name":["ec2"],"operation_name":"describe-instances","region":"us-east-1"}`), class: keyturn.Unknown},
		{name: "parameters not an object", action: tool("kiro", "use_aws", `{"service_name":"ec2","operation_name":"describe-instances","region":"us-east-1","parameters":"--profile prod"}`), class: keyturn.Unknown},
		{name: "hostile service", action: tool("kiro", "use_aws", `{"service_name":"ec2; rm -rf /","operation_name":"describe-instances","region":"us-east-1","profile_name":"dev"}`), class: keyturn.Unknown},
	} {
		checkAction(t, cl, tc)
	}
}

func TestActionMCPTool(t *testing.T) {
	cfg, err := ParseConfig([]byte(`
tools:
  - match: "github/list_*"
    class: read
  - match: "*/delete_*"
    class: destructive
  - match: "notes/*"
    class: write
  - match: "db/run_sql"
    class: read
`))
	if err != nil {
		t.Fatal(err)
	}
	cl := New(cfg)
	ann := func(a keyturn.Action, hints map[string]bool) keyturn.Action {
		a.Annotations = hints
		return a
	}
	for _, tc := range []actionCase{
		// SQL in the arguments.
		{name: "select", action: tool("pg", "run_sql", `{"sql":"SELECT * FROM users","host":"db.prod.example.com","database":"app"}`), class: keyturn.Read, env: "prod"},
		{name: "drop", action: tool("pg", "run_sql", `{"sql":"DROP TABLE users","host":"db.prod.example.com"}`), class: keyturn.Destructive, env: "prod"},
		{name: "drop on dev", action: tool("pg", "run_sql", `{"sql":"DROP TABLE users","host":"localhost","database":"app_dev"}`), class: keyturn.Destructive, env: "dev"},
		{name: "drop, no host", action: tool("x", "run_sql", `{"sql":"drop table users"}`), class: keyturn.Destructive, env: keyturn.EnvUnknown},
		{name: "dsn", action: tool("x", "execute", `{"statement":"delete from orders","dsn":"postgres://u@db.staging.example.com/shop"}`), class: keyturn.Destructive, env: "staging"},
		// A tool that is not named for running queries may do more than the
		// SQL it carries: it stays unknown, beside the SQL's own effect.
		{name: "query that is SQL", action: tool("x", "search", `{"query":"/* hi */ UPDATE users SET admin = true"}`), class: keyturn.Unknown},
		{name: "query that is a search", action: tool("x", "search", `{"query":"drop shipping providers"}`), class: keyturn.Unknown},
		{name: "query tool runs SQL", action: tool("x", "query", `{"query":"/* hi */ UPDATE users SET admin = true"}`), class: keyturn.Destructive},
		{name: "a command in a deploy tool", action: tool("x", "deploy", `{"command":"ls"}`), class: keyturn.Unknown},
		{name: "a command in a run tool", action: tool("x", "run_command", `{"command":"ls"}`), class: keyturn.Read},
		{name: "query search, unmapped", action: tool("docs", "search", `{"query":"how to configure hooks"}`), class: keyturn.Unknown},
		{name: "sql list", action: tool("x", "run_sql", `{"sql":["select 1","truncate t"]}`), class: keyturn.Destructive},
		{name: "sql not text", action: tool("x", "run_sql", `{"sql":{"text":"select 1"}}`), class: keyturn.Unknown},
		{name: "mapped read, still SQL", action: tool("db", "run_sql", `{"sql":"DROP TABLE users","host":"localhost"}`), class: keyturn.Destructive, env: "dev"},
		{name: "mapped read, SELECT", action: tool("db", "run_sql", `{"sql":"select 1","host":"localhost"}`), class: keyturn.Read},
		// A shell command in the arguments.
		{name: "shell ls", action: tool("term", "run", `{"command":"ls -la"}`), class: keyturn.Read},
		{name: "shell rm", action: tool("term", "run", `{"command":"rm -rf /etc"}`), class: keyturn.Destructive, env: keyturn.EnvLocal},
		{name: "shell argv", action: tool("term", "exec", `{"cmd":["kubectl","--context","prod","delete","ns","payments"]}`), class: keyturn.Destructive, env: "prod"},
		{name: "shell with host", action: tool("ssh", "exec", `{"host":"web1.prod.example.com","command":"rm -rf /var/www"}`), class: keyturn.Destructive, env: "prod"},
		{name: "shell writes the guard", action: tool("term", "run", `{"script":"echo x > .claude/settings.json"}`), class: keyturn.Write, self: true},
		{name: "shell in relative cwd", action: tool("term", "run", `{"command":"rm -rf build","cwd":"somewhere"}`), class: keyturn.Destructive},
		{name: "shell not text", action: tool("term", "run", `{"command":{"x":1}}`), class: keyturn.Unknown},
		{name: "shell opaque", action: tool("term", "run", `{"command":"eval \"$X\""}`), class: keyturn.Unknown},
		// Annotations raise, never lower.
		{name: "readOnlyHint alone", action: ann(tool("x", "get_thing", `{}`), map[string]bool{"readOnlyHint": true}), class: keyturn.Unknown, env: keyturn.EnvUnknown},
		{name: "destructiveHint on read command", action: ann(tool("term", "run", `{"command":"ls"}`), map[string]bool{"destructiveHint": true}), class: keyturn.Destructive, op: "term/run"},
		{name: "destructiveHint on mapped read", action: ann(tool("github", "list_repos", `{}`), map[string]bool{"destructiveHint": true}), class: keyturn.Destructive},
		{name: "readOnlyHint on rm", action: ann(tool("term", "run", `{"command":"rm -rf /etc"}`), map[string]bool{"readOnlyHint": true}), class: keyturn.Destructive},
		{name: "readOnlyHint false on mapped read", action: ann(tool("github", "list_repos", `{}`), map[string]bool{"readOnlyHint": false}), class: keyturn.Read},
		// The configuration's mapping.
		{name: "mapped read", action: tool("github", "list_repos", `{"org":"acme"}`), class: keyturn.Read, op: "github/list_repos"},
		{name: "mapped destructive", action: tool("s3", "delete_bucket", `{"bucket":"payments-archive","profile":"prod"}`), class: keyturn.Destructive, env: "prod"},
		{name: "mapped write", action: tool("notes", "append", `{"text":"x"}`), class: keyturn.Write, env: keyturn.EnvUnknown},
		{name: "first match wins", action: tool("github", "list_delete_candidates", `{}`), class: keyturn.Read},
		// Unknown tools.
		{name: "unknown tool", action: tool("github", "create_issue", `{"title":"x"}`), class: keyturn.Unknown, env: keyturn.EnvUnknown},
		{name: "unknown tool, hints", action: tool("k8s", "scale", `{"context":"prod-eu","name":"api"}`), class: keyturn.Unknown, env: "prod"},
		{name: "unknown tool writes a guarded path", action: tool("fs", "write_file", `{"path":".claude/settings.json","content":"{}"}`), class: keyturn.Unknown, self: true},
		{name: "no arguments", action: tool("x", "ping", ``), class: keyturn.Unknown},
		// Hostile arguments.
		{name: "not an object", action: tool("term", "run", `["rm -rf /"]`), class: keyturn.Unknown, env: keyturn.EnvUnknown},
		{name: "invalid JSON", action: tool("term", "run", `{"command":"ls"`), class: keyturn.Unknown},
		{name: "trailing value", action: tool("term", "run", `{"command":"ls"}{"command":"rm -rf /"}`), class: keyturn.Unknown},
		{name: "duplicate key", action: tool("term", "run", `{"command":"ls","command":"rm -rf /"}`), class: keyturn.Unknown},
		{name: "duplicate key, mapped read", action: tool("github", "list_repos", `{"org":"a","org":"b"}`), class: keyturn.Unknown},
	} {
		checkAction(t, cl, tc)
	}
}

func TestActionOtherKinds(t *testing.T) {
	cl := New(DefaultConfig())
	for _, a := range []*keyturn.Action{
		{Kind: keyturn.KindHTTP},
		{Kind: keyturn.KindPlan, Plan: json.RawMessage(`{}`)},
		{Kind: "teleport"},
		{},
		nil,
	} {
		effects := cl.Action(a)
		if len(effects) != 1 || effects[0].Class != keyturn.Unknown || effects[0].Environment != keyturn.EnvUnknown {
			t.Errorf("%+v: %s", a, describe(effects))
		}
	}
	a := keyturn.Action{Kind: keyturn.KindShell, Command: "kubectl --context prod delete ns payments", Cwd: ws}
	if got := keyturn.StrictestClass(cl.Action(&a)); got != keyturn.Destructive {
		t.Errorf("shell: %s", got)
	}
}

func TestConfigTools(t *testing.T) {
	for _, bad := range []string{
		"tools: [{match: 'x/*', class: safe}]",
		"tools: [{class: read}]",
		"tools: [{match: 'x/*', class: read, extra: 1}]",
	} {
		if _, err := ParseConfig([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	cfg, err := ParseConfig([]byte("tools: [{match: 'a/*', class: read}, {match: '*', class: unknown}]"))
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := cfg.ToolClass("a/b"); !ok || c != keyturn.Read {
		t.Errorf("a/b: %s %v", c, ok)
	}
	if c, ok := cfg.ToolClass("b/c"); !ok || c != keyturn.Unknown {
		t.Errorf("b/c: %s %v", c, ok)
	}
	if _, ok := DefaultConfig().ToolClass("a/b"); ok {
		t.Error("the default configuration maps tools")
	}
}

func TestKebab(t *testing.T) {
	for in, want := range map[string]string{
		"InstanceIds": "instance-ids", "DBInstanceIdentifier": "db-instance-identifier", "dry_run": "dry-run",
		"DryRun": "dry-run", "no-deletion-protection": "no-deletion-protection", "Profile": "profile",
		"endpoint url": "endpoint-url", "Ipv6Address": "ipv-6-address", "": "",
	} {
		if got := kebab(in); got != want {
			t.Errorf("kebab(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzAction: whatever an agent sends, Action answers with at least one
// effect and never panics; a tool call or a patch keyturn cannot read is
// never read.
func FuzzAction(f *testing.F) {
	f.Add("file_write", "", "*** Begin Patch\n*** Add File: a\n+x\n*** End Patch", "", "")
	f.Add("mcp_tool", "", "", "use_aws", `{"service_name":"ec2","operation_name":"describe-instances","region":"r","parameters":{"a":1}}`)
	f.Add("mcp_tool", "", "", "run", `{"command":["ls","-l"],"sql":"select 1","host":"x"}`)
	f.Add("file_write", "../.claude/settings.json", "", "", "")
	f.Fuzz(func(t *testing.T, kind, p, content, toolName, args string) {
		cl := New(DefaultConfig())
		a := keyturn.Action{Kind: keyturn.Kind(kind), Path: p, Content: content, Server: "s", Tool: toolName,
			Arguments: json.RawMessage(args), Cwd: ws, Env: home}
		effects := cl.Action(&a)
		if len(effects) == 0 {
			t.Fatalf("no effects for %+v", a)
		}
		for _, e := range effects {
			if !e.Class.Valid() {
				t.Fatalf("invalid class %q", e.Class)
			}
		}
		if a.Kind == keyturn.KindMCPTool && toolName != "use_aws" && !json.Valid([]byte(args)) && strings.TrimSpace(args) != "" {
			if keyturn.StrictestClass(effects) == keyturn.Read {
				t.Fatalf("invalid arguments judged read: %q", args)
			}
		}
	})
}
