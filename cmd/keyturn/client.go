package main

import (
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"keyturn"
	khttp "keyturn/http"
)

// remote holds how a command finds the server and who it is.
type remote struct{ url, token, data string }

// flags registers --url, --token and --data on fs.
func (r *remote) flags(fs *flag.FlagSet) {
	fs.StringVar(&r.url, "url", "", "server `URL` (default: $KEYTURN_URL, the login file, then the local server's data dir)")
	fs.StringVar(&r.token, "token", "", "your `token` (default: $KEYTURN_TOKEN, the login file, then the local server's admin token)")
	fs.StringVar(&r.data, "data", "", "a local server's data `dir`: use its URL and admin token (default: $KEYTURN_DATA, else the user's state dir)")
}

// service returns the client (keyturn/http.NewClient) and the resolved URL;
// EINVALID-coded error with advice when no server or no token can be found.
func (r *remote) service(e *env) (keyturn.Service, string, error) {
	u, token, err := r.resolve(e)
	if err != nil {
		return nil, "", err
	}
	return khttp.NewClient(u, token), u, nil
}

// source is a file a URL and a token may come from.
type source struct{ url, token string }

// resolve finds the server and the token, each from the first of --url
// (--token), --data given explicitly, $KEYTURN_URL ($KEYTURN_TOKEN), the
// login file, and the default data dir that has one. A token given by flag
// or environment goes with any URL; a token kept in a file (the login file,
// a data dir's admin-token) is only sent to the server it was saved for, so
// that `--url https://elsewhere` never leaks a stored credential.
func (r *remote) resolve(e *env) (string, string, error) {
	var stored []source // file sources, in order
	if r.data != "" {
		stored = append(stored, readDataDir(r.data))
	}
	var login source
	if p := loginPath(e); p != "" {
		l, err := readLogin(p)
		// A broken login file matters only when it is needed.
		given := r.url != "" || e.getenv("KEYTURN_URL") != ""
		given = given && (r.token != "" || e.getenv("KEYTURN_TOKEN") != "")
		if err != nil && !given {
			return "", "", err
		}
		login = source{url: l.URL, token: l.Token}
	}
	if r.data == "" {
		stored = append(stored, login)
		if dir := defaultDataDir(e); dir != "" {
			stored = append(stored, readDataDir(dir))
		}
	} else {
		// An explicit --data outranks the environment and the login file.
		stored = append(stored, login)
	}

	u := strings.TrimSpace(r.url)
	if u == "" && r.data != "" {
		u = stored[0].url
	}
	if u == "" {
		u = strings.TrimSpace(e.getenv("KEYTURN_URL"))
	}
	if u == "" {
		for _, s := range stored {
			if s.url != "" {
				u = s.url
				break
			}
		}
	}
	if u == "" {
		if r.data != "" {
			return "", "", keyturn.Errorf(keyturn.EINVALID, "no server URL in %s: is `keyturn serve --data %s` running?", r.data, r.data)
		}
		if dir := defaultDataDir(e); dir != "" {
			if _, err := os.Stat(filepath.Join(dir, "keyturn.db")); err == nil {
				return "", "", keyturn.Errorf(keyturn.EINVALID, "the keyturn server of %s is not running: start it with `keyturn serve`, "+
					"or give --url (or KEYTURN_URL, or `keyturn login`) for another one", dir)
			}
		}
		return "", "", keyturn.Errorf(keyturn.EINVALID, "no keyturn server found: give --url, set KEYTURN_URL, "+
			"run `keyturn login --url URL --token TOKEN`, or start `keyturn serve` on this machine")
	}
	u, err := normalizeURL(u)
	if err != nil {
		return "", "", err
	}

	savedFor := func(s source) bool {
		su, err := normalizeURL(s.url)
		return s.token != "" && err == nil && su == u
	}
	token := strings.TrimSpace(r.token)
	if token == "" && r.data != "" && savedFor(stored[0]) {
		token = stored[0].token
	}
	if token == "" {
		token = strings.TrimSpace(e.getenv("KEYTURN_TOKEN"))
	}
	for _, s := range stored {
		if token == "" && savedFor(s) {
			token = s.token
		}
	}
	if token == "" {
		return "", "", keyturn.Errorf(keyturn.EINVALID, "no token for %s: give --token, set KEYTURN_TOKEN, "+
			"or run `keyturn login --url %s --token TOKEN` (an admin creates tokens with `keyturn user add` and `keyturn agent enroll`)", u, u)
	}
	return u, token, nil
}

// normalizeURL checks that u is an http(s) URL and drops a trailing slash.
func normalizeURL(raw string) (string, error) {
	p, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return "", keyturn.Errorf(keyturn.EINVALID, "server URL %q is not an http:// or https:// URL (like http://127.0.0.1:7878)", raw)
	}
	return strings.TrimRight(p.String(), "/"), nil
}

// readDataDir reads a local server's DIR/url and DIR/admin-token; missing
// files leave their fields empty.
func readDataDir(dir string) source {
	var s source
	if b, err := os.ReadFile(filepath.Join(dir, "url")); err == nil {
		s.url = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile(filepath.Join(dir, "admin-token")); err == nil {
		s.token = strings.TrimSpace(string(b))
	}
	return s
}

// defaultDataDir is where `keyturn serve` keeps its state unless told
// otherwise: $KEYTURN_DATA, else $XDG_STATE_HOME/keyturn, else
// ~/.local/state/keyturn. "" when none can be found.
func defaultDataDir(e *env) string {
	if d := e.getenv("KEYTURN_DATA"); d != "" {
		return d
	}
	if d := e.getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "keyturn")
	}
	if h := e.getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "state", "keyturn")
	}
	return ""
}

// loginFile is what `keyturn login` saves.
type loginFile struct {
	URL   string `json:"url"`
	Token string `json:"token"`
}

// loginPath is $XDG_CONFIG_HOME/keyturn/login.json, else
// ~/.config/keyturn/login.json; "" when neither can be found.
func loginPath(e *env) string {
	if d := configDir(e); d != "" {
		return filepath.Join(d, "login.json")
	}
	return ""
}

// readLogin reads the login file; a missing file is an empty login.
func readLogin(path string) (loginFile, error) {
	var l loginFile
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return l, keyturn.Errorf(keyturn.EINVALID, "reading %s: %v", path, err)
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return l, keyturn.Errorf(keyturn.EINVALID, "%s is not a keyturn login file (%v): run `keyturn login --url URL --token TOKEN` again", path, err)
	}
	return l, nil
}

// parseInterspersed parses flags that may follow operands, as in
// `keyturn user add bob --role approver` (the flag package alone stops at
// "bob"). A "--" ends the flags: everything after it is an operand. It
// returns the operands; ok false means exit with code (help or bad flag).
func parseInterspersed(fs *flag.FlagSet, args []string) (operands []string, code int, ok bool) {
	for {
		if code, ok := parseFlags(fs, args); !ok {
			return nil, code, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return operands, 0, true
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(operands, rest...), 0, true
		}
		operands = append(operands, rest[0])
		args = rest[1:]
	}
}
