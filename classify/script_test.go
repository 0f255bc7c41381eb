package classify

import (
	"os"
	"path/filepath"
	"testing"

	"keyturn"
)

// A project script that can be read is analysed: what it does counts.
func TestProjectScriptIsRead(t *testing.T) {
	ws := t.TempDir()
	os.Mkdir(filepath.Join(ws, ".git"), 0o755)
	os.WriteFile(filepath.Join(ws, "deploy.sh"), []byte("#!/usr/bin/env bash\nset -e\nkubectl --context prod delete ns payments\n"), 0o755)
	os.WriteFile(filepath.Join(ws, "build.sh"), []byte("#!/bin/sh\ngo build ./...\n"), 0o755)
	os.WriteFile(filepath.Join(ws, "tool.py"), []byte("#!/usr/bin/env python3\nimport os\n"), 0o755)
	cl := New(DefaultConfig())
	ctx := Context{Cwd: ws, Env: map[string]string{"HOME": "/home/dev"}}
	for line, want := range map[string]keyturn.Class{
		"./deploy.sh":       keyturn.Destructive,
		"bash deploy.sh":    keyturn.Destructive,
		"sh -x ./deploy.sh": keyturn.Destructive,
		"./build.sh":        keyturn.Write,
		"./tool.py":         keyturn.Write,
	} {
		effects := cl.Shell(line, ctx)
		if got := keyturn.StrictestClass(effects); got != want {
			t.Errorf("%s: %s, want %s%s", line, got, want, describe(effects))
		}
	}
	if !isShellScript("x", []byte("#!/usr/bin/env -S bash -e\n")) || isShellScript("x.sh", []byte("#!/usr/bin/python3\n")) || !isShellScript("x.sh", []byte("echo hi\n")) {
		t.Error("isShellScript")
	}
}

// A sourced file of the workspace is walked in the current shell.
func TestSourceReadsWorkspaceFile(t *testing.T) {
	ws := t.TempDir()
	os.Mkdir(filepath.Join(ws, ".git"), 0o755)
	os.MkdirAll(filepath.Join(ws, ".venv", "bin"), 0o755)
	os.WriteFile(filepath.Join(ws, ".venv", "bin", "activate"), []byte("VIRTUAL_ENV=/x\nexport VIRTUAL_ENV\nhash -r 2>/dev/null\n"), 0o644)
	os.WriteFile(filepath.Join(ws, "evil.env"), []byte("cd /\n"), 0o644)
	cl := New(DefaultConfig())
	ctx := Context{Cwd: ws, Env: map[string]string{"HOME": "/home/dev"}}
	for line, want := range map[string]keyturn.Class{
		"source .venv/bin/activate && pytest": keyturn.Write,
		". ./evil.env; rm -rf *":              keyturn.Destructive, // the sourced cd moved the shell
		"source missing.sh":                   keyturn.Unknown,
		"source activate":                     keyturn.Unknown, // looked up in PATH
		"source /etc/profile":                 keyturn.Unknown, // outside the workspace
		"echo x > e.sh; source ./e.sh":        keyturn.Unknown,
	} {
		effects := cl.Shell(line, ctx)
		if got := keyturn.StrictestClass(effects); got != want {
			t.Errorf("%s: %s, want %s%s", line, got, want, describe(effects))
		}
	}
}
