package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"keyturn"
)

// MaxResponse bounds an answer the client reads: the largest list of the API
// is far below it, and a server (or something posing as one) cannot make
// the client hold more.
const MaxResponse = 16 << 20

// DefaultClientTimeout is longer than the longest ?wait= a server allows,
// so a waiting call ends on the server's answer, not on the client's clock.
const DefaultClientTimeout = DefaultMaxWait + 30*time.Second

// Client calls a keyturn server. It implements keyturn.Service: the caller
// is whoever Token belongs to, whatever principal ctx carries. Every error
// the server answers comes back as a *keyturn.Error with the same code and
// message.
type Client struct {
	// URL is the server's base URL, such as http://127.0.0.1:7878.
	URL string
	// Token is the bearer token sent with every call.
	Token string
	// HTTPClient makes the calls; nil means one that times out after
	// DefaultClientTimeout and does not follow redirects (a redirect would
	// carry the token somewhere else).
	HTTPClient *http.Client
}

var _ keyturn.Service = (*Client)(nil)

// NewClient returns a client of the server at baseURL that calls as token.
func NewClient(baseURL, token string) *Client {
	return &Client{URL: strings.TrimRight(baseURL, "/"), Token: token, HTTPClient: defaultHTTPClient}
}

var defaultHTTPClient = &http.Client{
	Timeout:   DefaultClientTimeout,
	Transport: transport(),
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// transport keeps enough idle connections for many callers of one server
// (the default keeps two per host, so a busy caller would open a new
// connection for nearly every request).
func transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	return t
}

// Healthz reports whether the server answers and is healthy.
func (c *Client) Healthz(ctx context.Context) error {
	var h healthResponse
	if err := c.do(ctx, http.MethodGet, "/healthz", nil, nil, &h); err != nil {
		return err
	}
	if h.Status != "ok" {
		return keyturn.Errorf(keyturn.EUNAVAILABLE, "keyturn at %s is not healthy: %q", c.where(), h.Status)
	}
	return nil
}

// do sends in (if not nil) as JSON and decodes a 200 answer into out (if
// not nil). An error answer becomes the server's *keyturn.Error.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return keyturn.Errorf(keyturn.EINVALID, "cannot encode the request: %v", err)
		}
		body = bytes.NewReader(b)
	}
	u := strings.TrimRight(c.URL, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err // without the URL, which may hold a password
		}
		return keyturn.Errorf(keyturn.EINVALID, "the keyturn URL is not valid (%v): give it as http://HOST:PORT", err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = defaultHTTPClient
	}

	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return c.unreachable(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse+1))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return c.unreachable(err)
	}
	if len(b) > MaxResponse {
		return keyturn.Errorf(keyturn.ETOOLARGE, "keyturn at %s answered more than %d bytes", c.where(), MaxResponse)
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return keyturn.Errorf(keyturn.EUNAVAILABLE, "keyturn at %s redirects to %q: set the URL to the server itself",
			c.where(), resp.Header.Get("Location"))
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		return responseError(resp.StatusCode, b, c.where())
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return keyturn.Errorf(keyturn.EINTERNAL, "keyturn at %s answered JSON this client cannot read: %v", c.where(), err)
		}
	}
	return nil
}

// unreachable is the error of a call that got no answer.
func (c *Client) unreachable(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		if ue.Timeout() {
			return keyturn.Errorf(keyturn.EUNAVAILABLE, "keyturn at %s did not answer in time: is it overloaded?", c.where())
		}
		err = ue.Err
	}
	return keyturn.Errorf(keyturn.EUNAVAILABLE, "cannot reach keyturn at %s: is keyturn serve running? (%v)", c.where(), err)
}

// where names the server in messages, without any password in its URL.
func (c *Client) where() string {
	u, err := url.Parse(c.URL)
	if err != nil {
		return "the configured URL"
	}
	return u.Redacted()
}

// waitQuery is the ?wait= of a call; no wait sends none.
func waitQuery(wait time.Duration) url.Values {
	if wait <= 0 {
		return nil
	}
	return url.Values{"wait": {wait.String()}}
}

// pathID escapes one path segment. An empty one, "." or ".." would name
// another route once the path is cleaned, so they are refused here.
func pathID(what, id string) (string, error) {
	switch id {
	case "":
		return "", keyturn.Errorf(keyturn.EINVALID, "no %s given", what)
	case ".", "..":
		return "", keyturn.Errorf(keyturn.EINVALID, "%q is not a valid %s", id, what)
	}
	return url.PathEscape(id), nil
}
