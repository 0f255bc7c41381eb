package classify

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"keyturn"
)

func TestParseSedScript(t *testing.T) {
	tests := []struct {
		script   string
		ok       bool
		commands []string
		exec     bool
		writes   []string
	}{
		{script: "s/a/b/g", ok: true},
		{script: "s|a/b|c|2p", ok: true},
		{script: `s/a\/b/c/`, ok: true},
		{script: "1,10p", ok: true},
		{script: "$d", ok: true},
		{script: "/^#/d; /^$/d", ok: true},
		{script: "0~2d", ok: true},
		{script: `\,x,d`, ok: true},
		{script: "/start/,/end/{s/a/b/;p}", ok: true},
		{script: "/x/!d", ok: true},
		{script: "y/abc/xyz/", ok: true},
		{script: ":a;N;$!ba;s/\\n/ /g", ok: true},
		{script: "1i\\\nheader; not a command", ok: true},
		{script: "$a trailing text; e rm -rf /", ok: true},
		{script: "# comment e rm\np", ok: true},
		{script: "q5", ok: true},
		{script: "1e rm -rf /", ok: true, commands: []string{"rm -rf /"}},
		{script: "e", ok: true, exec: true},
		{script: "s/.*/echo &/e", ok: true, exec: true},
		{script: "s/x/y/gw out.txt", ok: true, writes: []string{"out.txt"}},
		{script: "/ERR/w /var/tmp/err.log", ok: true, writes: []string{"/var/tmp/err.log"}},
		{script: "r /etc/passwd", ok: true},
		{script: "s/unterminated", ok: false},
		{script: "s/a/b/ junk", ok: false},
		{script: "k", ok: false},
		{script: "s/a\nb/c/", ok: false},
	}
	for _, tt := range tests {
		p, ok := parseSedScript(tt.script)
		if ok != tt.ok {
			t.Errorf("%q: ok %v, want %v", tt.script, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		if !reflect.DeepEqual(p.commands, tt.commands) || p.execPattern != tt.exec || !reflect.DeepEqual(p.writes, tt.writes) {
			t.Errorf("%q: got commands %q exec %v writes %q; want %q %v %q", tt.script, p.commands, p.execPattern, p.writes, tt.commands, tt.exec, tt.writes)
		}
	}
}

func TestParseSed(t *testing.T) {
	tests := []struct {
		args    string
		inPlace bool
		scripts []string
		ops     []string
	}{
		{"s/a/b/ f", false, []string{"s/a/b/"}, []string{"f"}},
		{"-i s/a/b/ f", true, []string{"s/a/b/"}, []string{"f"}},
		{"-i.bak -e s/a/b/ f", true, []string{"s/a/b/"}, []string{"f"}},
		{"-ie s/a/b/ f", true, []string{"s/a/b/"}, []string{"f"}}, // GNU: suffix "e"
		{"-ne p -e s/a/b/ f", false, []string{"p", "s/a/b/"}, []string{"f"}},
		{"-es/a/b/ f g", false, []string{"s/a/b/"}, []string{"f", "g"}},
		{"--in-place=.orig --expression=p f", true, []string{"p"}, []string{"f"}},
		{"-E -n -l 80 p f", false, []string{"p"}, []string{"f"}},
		{"-- -e f", false, []string{"-e"}, []string{"f"}},
	}
	for _, tt := range tests {
		s := parseSed(lits(strings.Fields(tt.args)...))
		if s.inPlace != tt.inPlace || !reflect.DeepEqual(strs(s.scripts), tt.scripts) || !reflect.DeepEqual(strs(s.ops), tt.ops) {
			t.Errorf("sed %s: in-place %v scripts %q files %q; want %v %q %q", tt.args, s.inPlace, strs(s.scripts), strs(s.ops), tt.inPlace, tt.scripts, tt.ops)
		}
	}
	// BSD sed: -i '' takes an empty suffix as its own word.
	s := parseSed([]arg{{"-i", true}, {"", true}, {"s/a/b/", true}, {"f", true}})
	if !s.inPlace || !reflect.DeepEqual(strs(s.scripts), []string{"s/a/b/"}) || !reflect.DeepEqual(strs(s.ops), []string{"f"}) {
		t.Errorf("sed -i '': %+v", s)
	}
}

func TestRemotePathSpec(t *testing.T) {
	tests := []struct {
		in, host, path string
		ok             bool
	}{
		{"web1:/var/www", "web1", "/var/www", true},
		{"deploy@prod-web1:/srv/app/", "prod-web1", "/srv/app/", true},
		{"host::module/dir", "host", "module/dir", true},
		{"rsync://mirror.example.com/pub/x", "mirror.example.com", "/pub/x", true},
		{"scp://user@host:2222/tmp/f", "host", "/tmp/f", true},
		{"[::1]:/tmp/x", "::1", "/tmp/x", true},
		{"user@[fe80::1]:f", "fe80::1", "f", true},
		{"host:", "host", "", true},
		{"./a:b", "", "", false},
		{"dir/a:b", "", "", false},
		{"/abs/path", "", "", false},
		{"file.txt", "", "", false},
		{":x", "", "", false},
	}
	for _, tt := range tests {
		host, p, ok := remotePathSpec(tt.in)
		if ok != tt.ok || ok && (host != tt.host || p != tt.path) {
			t.Errorf("%q: %q %q %v; want %q %q %v", tt.in, host, p, ok, tt.host, tt.path, tt.ok)
		}
	}
}

func TestGitGlob(t *testing.T) {
	s := &state{cwd: "/ws/src", workspace: "/ws", env: map[string]string{}}
	c := &call{s: s}
	tests := map[string]string{
		"../.*":          "../.git",
		"../.g*":         "../.git",
		"../.??*":        "../.git",
		"../{src,.git}":  "../.git",
		"/ws/.[a-z]it":   "/ws/.git",
		"../*":           "../*", // * skips dot files
		"*":              "*",    // not the workspace root
		"../.config*":    "../.config*",
		"../{a,b}":       "../{a,b}",
		"/elsewhere/.g*": "/elsewhere/.g*",
	}
	for in, want := range tests {
		if got := gitGlob(c, arg{Value: in, Known: true}).Value; got != want {
			t.Errorf("gitGlob(%q) = %q, want %q", in, got, want)
		}
	}
	if got := braceAlternatives("a{b,c}d"); !reflect.DeepEqual(got, []string{"abd", "acd"}) {
		t.Errorf("braceAlternatives: %q", got)
	}
}

func TestIsModeWord(t *testing.T) {
	for _, w := range []string{"-x", "-w", "-rwx", "+x", "=r", "-X", "-s", "-t"} {
		if !isModeWord(w) {
			t.Errorf("%q should be a mode", w)
		}
	}
	for _, w := range []string{"-R", "-v", "-c", "-f", "--recursive", "-", "x"} {
		if isModeWord(w) {
			t.Errorf("%q should not be a mode", w)
		}
	}
}

// The existing-or-new rule needs real files outside the workspace and
// outside temp dirs: this package's own testdata serves.
func TestOverwriteExistingOrNew(t *testing.T) {
	here, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(here, "/tmp") || strings.HasPrefix(here, "/var/tmp") {
		t.Skip("the package sits in a temp dir: everything there is a write")
	}
	existing := filepath.Join(here, "testdata", "commands", "fs.tsv")
	missing := filepath.Join(here, "testdata", "commands", "no-such-file.txt")
	dir := filepath.Join(here, "testdata", "commands")
	ctx := Context{Cwd: "/home/dev/project", Env: map[string]string{"HOME": "/home/dev"}}
	cl := New(DefaultConfig())
	tests := []struct {
		line   string
		class  keyturn.Class
		target string
	}{
		{"cp x " + existing, keyturn.Destructive, existing},
		{"cp x " + missing, keyturn.Write, missing},
		{"cp fs.tsv " + dir, keyturn.Destructive, existing}, // an existing directory: the file lands inside
		{"mv -T fs.tsv " + dir, keyturn.Destructive, dir},   // -T: the directory itself is replaced
		{"ln -sf /dev/null " + existing, keyturn.Destructive, existing},
		{"ln -s /dev/null " + existing, keyturn.Write, existing}, // without -f ln refuses to replace
		{"dd if=/dev/zero of=" + missing, keyturn.Write, missing},
		{"truncate -s 0 " + existing, keyturn.Destructive, existing},
	}
	for _, tt := range tests {
		effects := cl.Shell(tt.line, ctx)
		var last keyturn.Effect
		for _, e := range effects {
			if e.Tool == "fs" {
				last = e
			}
		}
		if last.Class != tt.class || len(last.Targets) != 1 || last.Targets[0] != tt.target {
			t.Errorf("%s:\n\tgot %s %v, want %s %s%s", tt.line, last.Class, last.Targets, tt.class, tt.target, describe(effects))
		}
	}
}
