package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"keyturn"
	khttp "keyturn/http"
)

const loginUsage = `login --url URL --token TOKEN
       keyturn login --url URL --token - < token-file

Checks that the server knows the token, then saves the URL and the token to
$XDG_CONFIG_HOME/keyturn/login.json (else ~/.config/keyturn/login.json),
readable only by you. Later commands use them when neither --url/--token
nor KEYTURN_URL/KEYTURN_TOKEN are given. --token - reads the token from
stdin, which keeps it out of your shell history.

Examples:
  keyturn login --url http://127.0.0.1:7878 --token kt_...
  keyturn login --url https://keyturn.example.com --token - < ~/keyturn-token`

type loginOptions struct{ url, token string }

func runLogin(e *env, args []string) int {
	var o loginOptions
	fs := newFlags(e, "login", loginUsage)
	fs.StringVar(&o.url, "url", "", "the server `URL` (default: $KEYTURN_URL)")
	fs.StringVar(&o.token, "token", "", "your `token`, or - to read it from stdin (default: $KEYTURN_TOKEN)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "keyturn login: unexpected argument %q\n\nUsage: keyturn %s\n", fs.Arg(0), loginUsage)
		return exitUsage
	}
	if o.url == "" {
		o.url = e.getenv("KEYTURN_URL")
	}
	if o.token == "" {
		o.token = e.getenv("KEYTURN_TOKEN")
	}
	if o.token == "-" {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return e.fail(keyturn.Errorf(keyturn.EINVALID, "--token -: no token on stdin"))
		}
		o.token = line
	}
	o.token = strings.TrimSpace(o.token)
	if o.url == "" || o.token == "" {
		return e.fail(keyturn.Errorf(keyturn.EINVALID, "give the server and your token: keyturn login --url URL --token TOKEN "+
			"(an admin creates tokens with 'keyturn user add')"))
	}
	u, err := normalizeURL(o.url)
	if err != nil {
		return e.fail(err)
	}
	path := loginPath(e)
	if path == "" {
		return e.fail(keyturn.Errorf(keyturn.EINVALID, "no place for the login file: set HOME or XDG_CONFIG_HOME"))
	}
	who, err := khttp.NewClient(u, o.token).Whoami(e.ctx)
	if err != nil {
		return e.fail(err)
	}
	b, err := json.MarshalIndent(loginFile{URL: u, Token: o.token}, "", "  ")
	if err != nil {
		return e.fail(keyturn.Errorf(keyturn.EINTERNAL, "encoding the login file: %v", err))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return e.fail(keyturn.Errorf(keyturn.EINVALID, "cannot create %s: %v", filepath.Dir(path), err))
	}
	if err := writeFileAtomic(path, append(b, '\n'), 0o600); err != nil {
		return e.fail(keyturn.Errorf(keyturn.EINVALID, "cannot save %s: %v", path, err))
	}
	fmt.Fprintf(e.stdout, "logged in to %s as %s; saved to %s\n", u, who, path)
	return exitOK
}
