package http_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"keyturn"
	keyturnhttp "keyturn/http"
)

// The transport failures below are ones a real keyturn server does not give
// (a proxy's page, a dead port, an endless answer), so small fake servers
// stand in for it.

func TestClientUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close()
	_, err = keyturnhttp.NewClient(url, "kt_x").Whoami(context.Background())
	wantCode(t, "dead port", err, keyturn.EUNAVAILABLE)
	if err == nil || !strings.Contains(err.Error(), "cannot reach keyturn at "+url) || !strings.Contains(err.Error(), "keyturn serve") {
		t.Errorf("message %v: want the URL and what to do", err)
	}
	err = keyturnhttp.NewClient(url, "").Healthz(context.Background())
	wantCode(t, "healthz of a dead port", err, keyturn.EUNAVAILABLE)

	// A password in the URL is not repeated in messages.
	_, err = keyturnhttp.NewClient("http://user:s3cret@"+l.Addr().String(), "kt_x").Whoami(context.Background())
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("message %v shows the URL's password", err)
	}
}

func TestClientErrorAnswers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		code   string
		msg    string
	}{
		{"api error", 409, `{"error":{"code":"conflict","message":"request r_1 is already approved"}}`, keyturn.ECONFLICT, "request r_1 is already approved"},
		{"api error, other status", 400, `{"error":{"code":"expired","message":"gone"}}`, keyturn.EEXPIRED, "gone"},
		{"proxy page", 502, `<html><body>Bad Gateway</body></html>`, keyturn.EUNAVAILABLE, "502"},
		{"empty 404", 404, ``, keyturn.ENOTFOUND, "404"},
		{"empty 401", 401, ``, keyturn.EUNAUTHORIZED, "401"},
		{"empty 403", 403, ``, keyturn.EFORBIDDEN, "403"},
		{"empty 410", 410, ``, keyturn.EEXPIRED, "410"},
		{"empty 413", 413, ``, keyturn.ETOOLARGE, "413"},
		{"empty 503", 503, ``, keyturn.EUNAVAILABLE, "503"},
		{"teapot", 418, `I'm a teapot`, keyturn.EINVALID, "418"},
		{"plain 500", 500, `oops`, keyturn.EINTERNAL, "500"},
		{"unknown code", 409, `{"error":{"code":"weird","message":"x"}}`, keyturn.ECONFLICT, "409"},
		{"no code", 403, `{"error":{"message":"x"}}`, keyturn.EFORBIDDEN, "403"},
		{"redirect", 302, ``, keyturn.EUNAVAILABLE, "redirects"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.status == 302 {
					w.Header().Set("Location", "http://elsewhere.example/")
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			_, err := keyturnhttp.NewClient(srv.URL, "kt_x").Request(context.Background(), "r_1", 0)
			wantCode(t, tc.name, err, tc.code)
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("message %v, want %q in it", err, tc.msg)
			}
		})
	}
}

func TestClientBadAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/whoami":
			// An endless answer: the client stops at its limit.
			chunk := []byte(`"` + strings.Repeat("a", 1<<20))
			for range 20 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		case "/v1/status":
			io.WriteString(w, `{"policy_version": 12`)
		}
	}))
	defer srv.Close()
	c := keyturnhttp.NewClient(srv.URL, "kt_x")
	_, err := c.Whoami(context.Background())
	wantCode(t, "a 20 MiB answer", err, keyturn.ETOOLARGE)
	_, err = c.Status(context.Background())
	wantCode(t, "a broken answer", err, keyturn.EINTERNAL)
}

// The token goes to the server and nowhere else, and the context ends a
// call.
func TestClientTokenAndContext(t *testing.T) {
	auth := make(chan string, 2)
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth <- r.Header.Get("Authorization")
		if r.URL.Path == "/v1/requests/r_slow" {
			<-block
		}
		io.WriteString(w, `{"user":{"name":"zed","roles":[],"groups":[]}}`)
	}))
	defer srv.Close()
	defer close(block)
	c := keyturnhttp.NewClient(srv.URL+"/", "kt_secret")
	p, err := c.Whoami(context.Background())
	if err != nil || p.User == nil || p.User.Name != "zed" {
		t.Fatalf("whoami %+v, %v", p, err)
	}
	if got := <-auth; got != "Bearer kt_secret" {
		t.Errorf("Authorization %q", got)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() { cancel() }()
	_, err = c.Request(ctx, "r_slow", 0)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled call: %v", err)
	}
}
