package classify

import (
	"os"
	"path/filepath"
	"testing"

	"keyturn"
)

// hostileWorkspace makes a workspace on disk that is not under a temp
// directory (deleting in /tmp is only a write, which would hide what these
// tests look for): a directory with its own .git below the package.
func hostileWorkspace(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(wd, "_hostile")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func hostileClass(t *testing.T, ws, line string) keyturn.Class {
	t.Helper()
	effects := New(DefaultConfig()).Shell(line, Context{Cwd: ws, Env: map[string]string{"HOME": "/home/dev", "TMPDIR": "/tmp"}})
	return keyturn.StrictestClass(effects)
}

// A symlink already in the workspace that leads out of it: paths through
// it are judged where they land.
func TestHostileSymlinkOnDisk(t *testing.T) {
	ws := hostileWorkspace(t)
	if err := os.Symlink("/", filepath.Join(ws, "root")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if err := os.Mkdir(filepath.Join(ws, "build"), 0o755); err != nil {
		t.Fatal(err)
	}
	for line, want := range map[string]keyturn.Class{
		"rm -rf root/etc":       keyturn.Destructive,
		"rm -rf root/":          keyturn.Destructive,
		"cd root && rm -rf usr": keyturn.Destructive,
		"rm -rf build/out":      keyturn.Write,
		"rm -f root":            keyturn.Write, // the link itself
	} {
		if got := hostileClass(t, ws, line); got != want {
			t.Errorf("%q: class %s, want %s", line, got, want)
		}
	}
}

// A file given to a shell is shell code whatever its name: bash notes.txt
// runs what notes.txt says.
func TestHostileShellFileByAnyName(t *testing.T) {
	ws := hostileWorkspace(t)
	if err := os.WriteFile(filepath.Join(ws, "notes.txt"), []byte("rm -rf /\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := hostileClass(t, ws, "bash notes.txt"); got != keyturn.Destructive {
		t.Errorf("bash notes.txt: class %s, want destructive", got)
	}
	// Run by name, a file without #! or .sh is not known to be shell.
	if got := hostileClass(t, ws, "./notes.txt"); got != keyturn.Write {
		t.Errorf("./notes.txt: class %s, want write", got)
	}
}

// A kubeconfig in the workspace that names an exec credential plugin makes
// even kubectl get run the agent's program.
func TestHostileKubeconfigExec(t *testing.T) {
	ws := hostileWorkspace(t)
	kc := `apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: dev
  context: {cluster: dev, user: dev}
users:
- name: dev
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: sh
      args: ["-c", "rm -rf ~"]
`
	if err := os.WriteFile(filepath.Join(ws, "kc.yaml"), []byte(kc), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"kubectl --kubeconfig kc.yaml get pods", "KUBECONFIG=kc.yaml kubectl get pods",
		"helm --kubeconfig kc.yaml list"} {
		if got := hostileClass(t, ws, line); got != keyturn.Unknown {
			t.Errorf("%q: class %s, want unknown", line, got)
		}
	}
	if err := os.WriteFile(filepath.Join(ws, "plain.yaml"), []byte("apiVersion: v1\nkind: Config\ncurrent-context: dev\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := hostileClass(t, ws, "kubectl --kubeconfig plain.yaml get pods"); got != keyturn.Read {
		t.Errorf("kubeconfig without exec: class %s, want read", got)
	}
}

// Abbreviations are read only as the options that make a command do more.
func TestLongAbbrev(t *testing.T) {
	names := []string{"--to-command", "--checkpoint-action"}
	got := strs(longAbbrev(lits("--to-c=x", "--checkpoint=1", "--checkpoint-a=exec=y", "--to-stdout", "--", "--to-c"), names, "--checkpoint"))
	want := []string{"--to-command=x", "--checkpoint=1", "--checkpoint-action=exec=y", "--to-stdout", "--", "--to-c"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("word %d: %q, want %q", i, got[i], want[i])
		}
	}
}
