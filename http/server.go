// Package http serves keyturn's JSON API v1 over a keyturn.Service, and is
// its client: Client implements keyturn.Service over the API, so a command
// works the same against a local gateway or a remote server. Each noun has
// one file holding its routes, its wire types and its client methods.
package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"keyturn"
)

// Defaults of Options.
const (
	// DefaultMaxBody bounds a request body: an action, a policy set or a
	// result tail fits with room to spare, and a hostile agent cannot make
	// the server buffer more.
	DefaultMaxBody = 1 << 20
	// DefaultMaxWait caps ?wait=: long enough for a person to approve while
	// the agent waits, short enough to stay under agents' own hook timeouts
	// and proxies' idle timeouts. The http.Server's WriteTimeout must be
	// longer.
	DefaultMaxWait = 60 * time.Second
	// DefaultMaxWaits bounds the long polls one caller holds at once: each
	// holds a goroutine and reads the store every second, and an agent
	// needs one or two.
	DefaultMaxWaits = 16
)

// Options tune a Server. Zero values take the defaults.
type Options struct {
	// MaxBody is the largest request body accepted (413 over it).
	MaxBody int64
	// Metrics, when set, is served without authentication at GET /metrics.
	Metrics http.Handler
	// Logger gets one line per request and the detail of internal errors;
	// nil discards them.
	Logger *slog.Logger
	// MaxWait is the longest ?wait= accepted (400 over it).
	MaxWait time.Duration
	// MaxWaits is how many ?wait= calls one principal may hold at once
	// (503 over it).
	MaxWaits int
}

// Server serves the API v1 over a Service. Every route but /healthz and
// /metrics needs a bearer token, which auth turns into the Principal the
// Service sees in its context: the identity comes from the token alone,
// never from anything in the body.
type Server struct {
	svc     keyturn.Service
	auth    keyturn.Authenticator
	maxBody int64
	maxWait time.Duration
	log     *slog.Logger
	mux     *http.ServeMux

	waitsMu  sync.Mutex
	waits    map[string]int // principal → ?wait= calls in progress
	maxWaits int
}

// NewServer returns a server of svc that authenticates callers with auth.
func NewServer(svc keyturn.Service, auth keyturn.Authenticator, opts Options) *Server {
	s := &Server{svc: svc, auth: auth, maxBody: opts.MaxBody, maxWait: opts.MaxWait,
		log: opts.Logger, mux: http.NewServeMux(), waits: map[string]int{}, maxWaits: opts.MaxWaits}
	if s.maxWaits <= 0 {
		s.maxWaits = DefaultMaxWaits
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBody
	}
	if s.maxWait <= 0 {
		s.maxWait = DefaultMaxWait
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}

	// Open routes: a load balancer and Prometheus hold no token.
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		s.writeJSON(w, r, http.StatusOK, healthResponse{Status: "ok"})
	})
	if opts.Metrics != nil {
		s.mux.Handle("GET /metrics", opts.Metrics)
	}

	s.registerActionRoutes()
	s.registerRequestRoutes()
	s.registerPrincipalRoutes()
	s.registerFreezeRoutes()
	s.registerPolicyRoutes()
	s.registerAuditRoutes()
	return s
}

type healthResponse struct {
	Status string `json:"status"`
}

// Handler returns the server's http.Handler: security headers, panic
// recovery and a log line around every request.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	entry := &logEntry{}
	r = r.WithContext(context.WithValue(r.Context(), logKey{}, entry))
	h := sw.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")

	defer func() {
		// Only what identifies the call: never the Authorization header,
		// the query (it can name agents) or a body (it can hold secrets).
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		}
		attrs := []slog.Attr{slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.status), slog.Duration("duration", time.Since(start))}
		if entry.who != "" {
			attrs = append(attrs, slog.String("principal", entry.who))
		}
		s.log.LogAttrs(r.Context(), level, "http request", attrs...)
	}()
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			panic(v)
		}
		s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path,
			"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		if sw.status != 0 {
			// The status line is out: dropping the connection is the only
			// way left to tell the client the answer is not a success.
			panic(http.ErrAbortHandler)
		}
		s.writeError(sw, r, errors.New("panic"))
	}()
	s.route(sw, r)
}

// route dispatches to the mux, and answers the mux's own 404 and 405 in the
// API's JSON error shape instead of its plain text.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	rec := &headerRecorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
	s.writeNoRoute(w, r, rec.code, rec.header.Get("Allow"))
}

// handle registers an authenticated route. h returns the value to answer
// with 200, or an error; nothing is written before h returns, so a failure
// anywhere in it can still become an error status.
func (s *Server) handle(pattern string, h func(*http.Request) (any, error)) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			if keyturn.ErrorCode(err) == keyturn.EUNAUTHORIZED {
				w.Header().Set("WWW-Authenticate", `Bearer realm="keyturn"`)
			}
			s.writeError(w, r, err)
			return
		}
		if e, ok := r.Context().Value(logKey{}).(*logEntry); ok {
			e.who = p.String()
		}
		r = r.WithContext(keyturn.NewContext(r.Context(), p))
		r.Body = http.MaxBytesReader(w, r.Body, s.maxBody)
		v, err := h(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.writeJSON(w, r, http.StatusOK, v)
	})
}

// humans wraps a handler that only a human's token may reach. The Service
// refuses agents too; refusing them here as well means a slip in it cannot
// open an approval, a freeze or the audit log to an agent.
func humans(what string, h func(*http.Request) (any, error)) func(*http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		if p, _ := keyturn.PrincipalFrom(r.Context()); !p.IsUser() {
			return nil, keyturn.Errorf(keyturn.EFORBIDDEN, "agents cannot %s: only a human's token can", what)
		}
		return h(r)
	}
}

// authenticate returns the principal of the request's bearer token.
func (s *Server) authenticate(r *http.Request) (keyturn.Principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return keyturn.Principal{}, keyturn.Errorf(keyturn.EUNAUTHORIZED,
			"no token: send Authorization: Bearer <token> (the CLI reads KEYTURN_TOKEN)")
	}
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return keyturn.Principal{}, keyturn.Errorf(keyturn.EUNAUTHORIZED,
			"the Authorization header must be: Bearer <token>")
	}
	p, err := s.auth.Authenticate(r.Context(), token)
	if err != nil {
		return keyturn.Principal{}, err
	}
	if p.User == nil && p.Agent == nil {
		// An authenticator that answers no one without an error is a bug;
		// it must not become an anonymous caller.
		return keyturn.Principal{}, fmt.Errorf("authenticator returned no principal and no error")
	}
	return p, nil
}

// writeJSON answers v with status. The body is encoded before anything is
// written, so an encoding failure still gets an error status.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("encode response: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// decode reads the request body, one JSON object, into v. Every body of the
// API goes through it: over the limit is ETOOLARGE, anything but exactly one
// object with known fields is EINVALID with the decoder's reason. An empty
// body is EINVALID when required, and leaves v alone otherwise.
func (s *Server) decode(r *http.Request, v any, required bool) error {
	if r.ContentLength > s.maxBody {
		return tooLarge(s.maxBody)
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return tooLarge(s.maxBody)
		}
		return keyturn.Errorf(keyturn.EINVALID, "cannot read the request body: %v", err)
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		if required {
			return keyturn.Errorf(keyturn.EINVALID, "a JSON object is required in the request body")
		}
		return nil
	}
	if b[0] != '{' {
		return keyturn.Errorf(keyturn.EINVALID, "the request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			return keyturn.Errorf(keyturn.EINVALID, "malformed JSON at byte %d: %v", se.Offset, err)
		}
		return keyturn.Errorf(keyturn.EINVALID, "malformed JSON: %v", err)
	}
	if dec.InputOffset() != int64(len(b)) {
		return keyturn.Errorf(keyturn.EINVALID, "malformed JSON: data after the object at byte %d", dec.InputOffset())
	}
	return nil
}

func tooLarge(limit int64) error {
	return keyturn.Errorf(keyturn.ETOOLARGE, "the request body is over the limit of %d bytes", limit)
}

// wait returns the request's ?wait= duration: 0 when absent, EINVALID when
// it is not a Go duration, negative or over the server's maximum.
func (s *Server) wait(r *http.Request) (time.Duration, error) {
	v := r.URL.Query().Get("wait")
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		return 0, keyturn.Errorf(keyturn.EINVALID, "wait=%q is not a duration such as 30s", v)
	case d < 0:
		return 0, keyturn.Errorf(keyturn.EINVALID, "wait=%s is negative", v)
	case d > s.maxWait:
		return 0, keyturn.Errorf(keyturn.EINVALID, "wait=%s is over the maximum of %s: wait again after it ends", v, s.maxWait)
	}
	return d, nil
}

// holdWait takes one of the caller's ?wait= slots for a wait of d; call
// release when the wait is over. Over the limit it is EUNAVAILABLE, so a
// caller cannot tie up the server with thousands of long polls.
func (s *Server) holdWait(r *http.Request, d time.Duration) (release func(), err error) {
	if d <= 0 {
		return func() {}, nil
	}
	p, _ := keyturn.PrincipalFrom(r.Context())
	who := p.String()
	s.waitsMu.Lock()
	defer s.waitsMu.Unlock()
	if s.waits[who] >= s.maxWaits {
		return nil, keyturn.Errorf(keyturn.EUNAVAILABLE, "%s already holds %d waiting calls: wait for one to end", who, s.maxWaits)
	}
	s.waits[who]++
	return func() {
		s.waitsMu.Lock()
		defer s.waitsMu.Unlock()
		if s.waits[who]--; s.waits[who] <= 0 {
			delete(s.waits, who)
		}
	}, nil
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// headerRecorder catches the mux's own 404 and 405 answers.
type headerRecorder struct {
	header http.Header
	code   int
}

func (r *headerRecorder) Header() http.Header         { return r.header }
func (r *headerRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *headerRecorder) WriteHeader(code int)        { r.code = code }

// logEntry carries what the request line logs from the inner handlers out.
type logEntry struct{ who string }

type logKey struct{}
