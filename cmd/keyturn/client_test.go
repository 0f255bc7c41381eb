package main

import (
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"keyturn"
)

// writeDataDir fakes what `keyturn serve` leaves in its data dir.
func writeDataDir(t *testing.T, dir, url, token string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{"url": url, "admin-token": token} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func writeLogin(t *testing.T, home, content string) {
	t.Helper()
	p := filepath.Join(home, ".config", "keyturn", "login.json")
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestRemoteResolutionOrder(t *testing.T) {
	home := t.TempDir()
	// The default data dir of this HOME: ~/.local/state/keyturn.
	writeDataDir(t, filepath.Join(home, ".local", "state", "keyturn"), "http://127.0.0.1:1001", "kt_local")
	other := filepath.Join(t.TempDir(), "other")
	writeDataDir(t, other, "http://127.0.0.1:1002/", "kt_other")
	loginJSON := `{"url":"http://login.example:7878","token":"kt_login"}`

	cases := []struct {
		name      string
		flags     remote
		env       map[string]string
		login     bool
		url, tok  string
		errSubstr string
	}{
		{name: "default data dir alone", url: "http://127.0.0.1:1001", tok: "kt_local"},
		{name: "KEYTURN_DATA names the data dir", env: map[string]string{"KEYTURN_DATA": other},
			url: "http://127.0.0.1:1002", tok: "kt_other"},
		{name: "login file beats the data dir", login: true, url: "http://login.example:7878", tok: "kt_login"},
		{name: "environment beats the login file", login: true,
			env: map[string]string{"KEYTURN_URL": "http://env.example", "KEYTURN_TOKEN": "kt_env"},
			url: "http://env.example", tok: "kt_env"},
		{name: "flags beat the environment", login: true, flags: remote{url: "https://flag.example/", token: "kt_flag"},
			env: map[string]string{"KEYTURN_URL": "http://env.example", "KEYTURN_TOKEN": "kt_env"},
			url: "https://flag.example", tok: "kt_flag"},
		{name: "a token flag with the environment's URL", flags: remote{token: "kt_flag"},
			env: map[string]string{"KEYTURN_URL": "http://env.example", "KEYTURN_TOKEN": "kt_env"},
			url: "http://env.example", tok: "kt_flag"},
		{name: "an explicit --data beats the environment and the login file", login: true, flags: remote{data: other},
			env: map[string]string{"KEYTURN_URL": "http://env.example"}, url: "http://127.0.0.1:1002", tok: "kt_other"},
		{name: "an explicit --data brings its admin token", flags: remote{data: other},
			env: map[string]string{"KEYTURN_TOKEN": "kt_env"}, url: "http://127.0.0.1:1002", tok: "kt_other"},
		{name: "a token flag beats --data's", flags: remote{data: other, token: "kt_flag"},
			url: "http://127.0.0.1:1002", tok: "kt_flag"},
		{name: "the environment's URL takes the login file's token when they match", login: true,
			env: map[string]string{"KEYTURN_URL": "http://login.example:7878/"}, url: "http://login.example:7878", tok: "kt_login"},
		{name: "the data dir's token goes to its own server", env: map[string]string{"KEYTURN_URL": "http://127.0.0.1:1001"},
			url: "http://127.0.0.1:1001", tok: "kt_local"},
		// A stored token is never sent to another server.
		{name: "a stored token is not sent elsewhere", login: true, flags: remote{url: "https://evil.example"},
			errSubstr: "no token for https://evil.example"},
		{name: "a bad URL", flags: remote{url: "ftp://x", token: "kt_x"}, errSubstr: "not an http:// or https:// URL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := home
			if c.login {
				h = t.TempDir()
				writeLogin(t, h, loginJSON)
				if c.env == nil || c.env["KEYTURN_DATA"] == "" {
					// Keep the default data dir of the shared HOME in play.
					c.env = withVar(c.env, "KEYTURN_DATA", filepath.Join(home, ".local", "state", "keyturn"))
				}
			}
			vars := map[string]string{"HOME": h}
			for k, v := range c.env {
				vars[k] = v
			}
			e, _, _ := fakeEnv(context.Background(), vars, "")
			r := c.flags
			url, tok, err := r.resolve(e)
			if c.errSubstr != "" {
				if err == nil || !strings.Contains(err.Error(), c.errSubstr) || keyturn.ErrorCode(err) != keyturn.EINVALID {
					t.Fatalf("got %q %q %v, want an invalid error with %q", url, tok, err, c.errSubstr)
				}
				return
			}
			if err != nil || url != c.url || tok != c.tok {
				t.Fatalf("got %q %q %v, want %q %q", url, tok, err, c.url, c.tok)
			}
		})
	}
}

func withVar(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for mk, mv := range m {
		out[mk] = mv
	}
	return out
}

func TestRemoteXDGLocations(t *testing.T) {
	state, config := t.TempDir(), t.TempDir()
	writeDataDir(t, filepath.Join(state, "keyturn"), "http://127.0.0.1:1003", "kt_state")
	vars := map[string]string{"HOME": t.TempDir(), "XDG_STATE_HOME": state, "XDG_CONFIG_HOME": config}
	e, _, _ := fakeEnv(context.Background(), vars, "")
	if got := defaultDataDir(e); got != filepath.Join(state, "keyturn") {
		t.Errorf("defaultDataDir = %q", got)
	}
	if got := loginPath(e); got != filepath.Join(config, "keyturn", "login.json") {
		t.Errorf("loginPath = %q", got)
	}
	var r remote
	if url, tok, err := r.resolve(e); err != nil || url != "http://127.0.0.1:1003" || tok != "kt_state" {
		t.Errorf("resolve = %q %q %v", url, tok, err)
	}
}

func TestRemoteNothingFound(t *testing.T) {
	e, _, _ := fakeEnv(context.Background(), map[string]string{"HOME": t.TempDir()}, "")
	var r remote
	_, _, err := r.service(e)
	if keyturn.ErrorCode(err) != keyturn.EINVALID {
		t.Fatalf("service with nothing to go on: %v", err)
	}
	for _, advice := range []string{"--url", "KEYTURN_URL", "keyturn login", "keyturn serve"} {
		if !strings.Contains(err.Error(), advice) {
			t.Errorf("the error does not mention %s: %v", advice, err)
		}
	}
	// A URL without a token says how to get one.
	_, _, err = (&remote{url: "http://127.0.0.1:9"}).service(e)
	if keyturn.ErrorCode(err) != keyturn.EINVALID || !strings.Contains(err.Error(), "--token") {
		t.Fatalf("service without a token: %v", err)
	}
	// A local server that has run but is not running now says so.
	home := t.TempDir()
	dir := filepath.Join(home, ".local", "state", "keyturn")
	os.MkdirAll(dir, 0o700)
	os.WriteFile(filepath.Join(dir, "keyturn.db"), nil, 0o600)
	e2, _, _ := fakeEnv(context.Background(), map[string]string{"HOME": home}, "")
	_, _, err = (&remote{}).service(e2)
	if keyturn.ErrorCode(err) != keyturn.EINVALID || !strings.Contains(err.Error(), "not running") {
		t.Fatalf("service with a stopped local server: %v", err)
	}
	// An explicit --data without a running server says so.
	_, _, err = (&remote{data: t.TempDir()}).service(e)
	if keyturn.ErrorCode(err) != keyturn.EINVALID || !strings.Contains(err.Error(), "keyturn serve --data") {
		t.Fatalf("service with an empty --data: %v", err)
	}
}

func TestRemoteBrokenLoginFile(t *testing.T) {
	home := t.TempDir()
	writeLogin(t, home, "{not json")
	e, _, _ := fakeEnv(context.Background(), map[string]string{"HOME": home}, "")
	if _, _, err := (&remote{}).resolve(e); err == nil || !strings.Contains(err.Error(), "keyturn login") {
		t.Fatalf("a broken login file in use: %v", err)
	}
	// Not needed, it is not read.
	if _, _, err := (&remote{url: "http://x.example", token: "kt_x"}).resolve(e); err != nil {
		t.Fatalf("a broken login file not in use: %v", err)
	}
}

func TestRemoteFlags(t *testing.T) {
	var r remote
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	r.flags(fs)
	if err := fs.Parse([]string{"--url", "http://u", "--token", "kt_t", "--data", "/d"}); err != nil {
		t.Fatal(err)
	}
	if r != (remote{url: "http://u", token: "kt_t", data: "/d"}) {
		t.Fatalf("flags set %+v", r)
	}
}

func TestParseInterspersed(t *testing.T) {
	cases := []struct {
		args     []string
		operands []string
		role     string
		json     bool
	}{
		{[]string{"bob", "--role", "approver"}, []string{"bob"}, "approver", false},
		{[]string{"--role", "approver", "bob", "--json"}, []string{"bob"}, "approver", true},
		{[]string{"bob", "--json", "--", "--role", "x"}, []string{"bob", "--role", "x"}, "", true},
		{[]string{"a", "b"}, []string{"a", "b"}, "", false},
		{nil, nil, "", false},
	}
	for _, c := range cases {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		role := fs.String("role", "", "")
		js := fs.Bool("json", false, "")
		ops, _, ok := parseInterspersed(fs, c.args)
		if !ok || !reflect.DeepEqual(ops, c.operands) || *role != c.role || *js != c.json {
			t.Errorf("%q: operands %q role %q json %v ok %v", c.args, ops, *role, *js, ok)
		}
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if _, code, ok := parseInterspersed(fs, []string{"bob", "--nope"}); ok || code != exitUsage {
		t.Errorf("a bad flag after an operand: ok %v code %d", ok, code)
	}
}
