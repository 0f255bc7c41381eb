package classify

import (
	"os"
	"path/filepath"
	"testing"

	"keyturn"
)

func TestGitKey(t *testing.T) {
	tests := map[string]string{
		"core.pager":                  "core.pager",
		"Core.Pager":                  "core.pager",
		"filter.LFS.Smudge":           "filter.LFS.smudge",
		"remote.Origin.URL":           "remote.Origin.url",
		"includeIf.gitdir:~/x/.path":  "includeif.gitdir:~/x/.path",
		"credential.https://x.Helper": "credential.https://x.helper",
	}
	for in, want := range tests {
		if got := gitKey(in); got != want {
			t.Errorf("gitKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGitCodeKey(t *testing.T) {
	tests := []struct {
		key    string
		when   string
		opaque bool
	}{
		{"core.pager", "pager", false},
		{"pager.log", "sub:log", false},
		{"core.editor", "editor", false},
		{"sequence.editor", "editor", false},
		{"core.sshcommand", "remote", false},
		{"credential.https://github.com.helper", "remote", false},
		{"core.fsmonitor", "always", false},
		{"filter.lfs.smudge", "always", false},
		{"diff.pdf.textconv", "always", false},
		{"merge.ours.driver", "always", false},
		{"gpg.ssh.program", "always", false},
		{"mergetool.vim.cmd", "sub:mergetool", false},
		{"core.hookspath", "always", true},
		{"include.path", "always", true},
		{"includeif.gitdir:/x/.path", "always", true},
		{"remote.origin.uploadpack", "remote", true},
		{"protocol.ext.allow", "remote", true},
		{"user.name", "", false},
		{"alias.st", "", false}, // a built-in always wins over an alias
		{"remote.origin.url", "", false},
		{"pager", "", false},
	}
	for _, tt := range tests {
		when, opaque := gitCodeKey(tt.key)
		if when != tt.when || opaque != tt.opaque {
			t.Errorf("gitCodeKey(%q) = %q %v, want %q %v", tt.key, when, opaque, tt.when, tt.opaque)
		}
	}
}

func TestGitCloneDir(t *testing.T) {
	tests := map[string]string{
		"https://github.com/acme/app.git":  "app",
		"https://github.com/acme/app":      "app",
		"https://github.com/acme/app/":     "app",
		"git@github.com:acme/app.git":      "app",
		"host:app.git":                     "app",
		"/srv/repos/app.git":               "app",
		"/srv/repos/app/.git":              "app",
		"file:///srv/repos/app.git":        "app",
		"ssh://git@host:2222/team/app.git": "app",
	}
	for in, want := range tests {
		if got := gitCloneDir(in); got != want {
			t.Errorf("gitCloneDir(%q) = %q, want %q", in, got, want)
		}
	}
}

// gitEffect returns the git effect of line, run in dir.
func gitEffect(t *testing.T, cl *Classifier, dir, line string) keyturn.Effect {
	t.Helper()
	effects := cl.Shell(line, Context{Cwd: dir, Env: map[string]string{"HOME": "/home/dev"}})
	for _, e := range effects {
		if e.Tool == "git" {
			return e
		}
	}
	t.Fatalf("%s: no git effect%s", line, describe(effects))
	return keyturn.Effect{}
}

// A repository on disk: the current branch becomes the git_branch hint of
// a push that names none, and an existing file makes `git checkout NAME`
// the discarding form.
func TestGitRepositoryOnDisk(t *testing.T) {
	ws := t.TempDir()
	if err := os.MkdirAll(filepath.Join(ws, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, ".git", "HEAD"), []byte("ref: refs/heads/main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(ws, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, "src", "app.go"), []byte("package app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cl := New(DefaultConfig())
	sub := filepath.Join(ws, "src")

	tests := []struct {
		dir, line string
		class     keyturn.Class
		op        string
		env       keyturn.Environment
		branch    string
	}{
		{sub, "git push", keyturn.Write, "git push", keyturn.EnvRepo, "main"},
		{sub, "git push -f origin", keyturn.Destructive, "git push --force", keyturn.EnvRepo, "main"},
		{sub, "git push origin HEAD", keyturn.Write, "git push", keyturn.EnvRepo, "main"},
		{sub, "git push origin HEAD:release", keyturn.Write, "git push", keyturn.EnvRepo, "release"},
		{sub, "git checkout app.go", keyturn.Destructive, "git checkout --", keyturn.EnvWorkspace, ""},
		{sub, "git checkout feature", keyturn.Write, "git checkout", keyturn.EnvWorkspace, ""},
		{ws, "git -C src checkout app.go", keyturn.Destructive, "git checkout --", keyturn.EnvWorkspace, ""},
		{ws, "git status", keyturn.Read, "git status", keyturn.EnvWorkspace, ""},
		{ws, "git -C /srv reset --hard", keyturn.Destructive, "git reset --hard", keyturn.EnvLocal, ""},
	}
	for _, tt := range tests {
		e := gitEffect(t, cl, tt.dir, tt.line)
		if e.Class != tt.class || e.Operation != tt.op || e.Environment != tt.env || e.Hints["git_branch"] != tt.branch {
			t.Errorf("%s (in %s):\n\tgot %s %q %s branch %q, want %s %q %s branch %q",
				tt.line, tt.dir, e.Class, e.Operation, e.Environment, e.Hints["git_branch"], tt.class, tt.op, tt.env, tt.branch)
		}
	}

	// A linked worktree: .git is a file that names the git dir.
	wt := t.TempDir()
	gitdir := filepath.Join(ws, ".git", "worktrees", "wt")
	if err := os.MkdirAll(gitdir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(gitdir, "HEAD"), []byte("ref: refs/heads/feature/x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(wt, ".git"), []byte("gitdir: "+gitdir+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if e := gitEffect(t, cl, wt, "git push --force-with-lease"); e.Hints["git_branch"] != "feature/x" || e.Class != keyturn.Destructive {
		t.Errorf("worktree push: %s branch %q", e.Class, e.Hints["git_branch"])
	}
	// Over ssh the files are the remote host's: no branch is read here.
	effects := cl.Shell("ssh ci1 git push", Context{Cwd: sub})
	for _, e := range effects {
		if e.Tool == "git" && e.Hints["git_branch"] != "" {
			t.Errorf("ssh: read a local branch %q for a remote repository", e.Hints["git_branch"])
		}
	}
}
