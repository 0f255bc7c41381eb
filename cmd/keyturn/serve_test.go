package main

// `keyturn serve` run in-process: the real gateway, SQLite file and HTTP
// server on 127.0.0.1:0, stopped by cancelling its env's context.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"io"
	"net"
	nethttp "net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a buffer a server goroutine writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fakeEnv is an env whose process environment is vars alone; its working
// directory is vars["HOME"], so no config of the real user leaks in.
func fakeEnv(ctx context.Context, vars map[string]string, stdin string) (*env, *syncBuffer, *syncBuffer) {
	out, errb := &syncBuffer{}, &syncBuffer{}
	e := &env{ctx: ctx, stdin: strings.NewReader(stdin), stdout: out, stderr: errb,
		getenv: func(k string) string { return vars[k] },
		environ: func() []string {
			var kv []string
			for k, v := range vars {
				kv = append(kv, k+"="+v)
			}
			sort.Strings(kv)
			return kv
		},
		getwd: func() (string, error) { return vars["HOME"], nil },
	}
	return e, out, errb
}

// kt runs one keyturn command in-process with the environment vars.
func kt(t *testing.T, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	e, out, errb := fakeEnv(context.Background(), vars, "")
	code = e.main(args)
	return code, out.String(), errb.String()
}

// liveServer is `keyturn serve` running in a goroutine.
type liveServer struct {
	dir, url, home string
	out, errs      *syncBuffer
	cancel         context.CancelFunc
	done           chan int
	code           int
}

// startLive starts `keyturn serve --data dir --addr 127.0.0.1:0` and waits
// until it has written DIR/url.
func startLive(t *testing.T, dir string, extra ...string) *liveServer {
	t.Helper()
	os.Remove(filepath.Join(dir, "url"))
	ctx, cancel := context.WithCancel(context.Background())
	s := &liveServer{dir: dir, home: t.TempDir(), cancel: cancel, done: make(chan int, 1)}
	e, out, errb := fakeEnv(ctx, map[string]string{"HOME": s.home}, "")
	s.out, s.errs = out, errb
	args := append([]string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, extra...)
	go func() { s.done <- e.main(args) }()
	t.Cleanup(func() { s.stop(t) })
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case code := <-s.done:
			s.done <- code
			t.Fatalf("keyturn serve exited with %d:\n%s%s", code, out, errb)
		default:
		}
		if b, err := os.ReadFile(filepath.Join(dir, "url")); err == nil && len(bytes.TrimSpace(b)) > 0 {
			s.url = strings.TrimSpace(string(b))
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("keyturn serve did not start:\n%s%s", out, errb)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop cancels the server's context and returns its exit status.
func (s *liveServer) stop(t *testing.T) int {
	t.Helper()
	if s.done == nil {
		return s.code
	}
	s.cancel()
	select {
	case s.code = <-s.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("keyturn serve did not stop when its context ended:\n%s%s", s.out, s.errs)
	}
	s.done = nil
	return s.code
}

func (s *liveServer) adminToken(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.dir, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// as is the environment of someone holding token on this server.
func (s *liveServer) as(token string) map[string]string {
	return map[string]string{"HOME": s.home, "KEYTURN_URL": s.url, "KEYTURN_TOKEN": token}
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func TestServeFirstStartThenReuse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s := startLive(t, dir)

	for _, want := range []string{s.url, filepath.Join(dir, "admin-token"), "keyturn user add", "--role approver",
		"--role operator", "keyturn agent enroll", "--operator", "--kind claude-code", "KEYTURN_TOKEN=", "keyturn exec -- "} {
		if !strings.Contains(s.out.String(), want) {
			t.Errorf("first start does not say %q:\n%s", want, s.out)
		}
	}
	if !strings.HasPrefix(s.url, "http://127.0.0.1:") || strings.HasSuffix(s.url, ":0") {
		t.Fatalf("url file holds %q, want the chosen port on 127.0.0.1", s.url)
	}
	if !strings.Contains(s.errs.String(), "keyturn: listening on "+s.url+"\n") {
		t.Errorf("stderr does not say where it listens:\n%s", s.errs)
	}
	for name, want := range map[string]os.FileMode{"admin-token": 0o600, "audit.key": 0o600, "audit.pub": 0o644, ".": 0o700} {
		if got := fileMode(t, filepath.Join(dir, name)); got != want {
			t.Errorf("%s has mode %04o, want %04o", name, got, want)
		}
	}
	key, err := os.ReadFile(filepath.Join(dir, "audit.key"))
	if err != nil {
		t.Fatal(err)
	}
	priv, err := parsePrivateKey(key)
	if err != nil {
		t.Fatalf("audit.key: %v", err)
	}
	pub, err := readPublicKey(filepath.Join(dir, "audit.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if !pub.Equal(priv.Public().(ed25519.PublicKey)) {
		t.Fatal("audit.pub is not audit.key's public key")
	}

	// /healthz and /metrics need no token.
	for path, want := range map[string]string{"/healthz": `"ok"`, "/metrics": "keyturn_audit_sequence"} {
		resp, err := nethttp.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d, want 200 with %q:\n%.500s", path, resp.StatusCode, want, body)
		}
		if path == "/metrics" && !strings.Contains(string(body), "go_goroutines") {
			t.Errorf("/metrics has no Go runtime metrics")
		}
	}

	admin := s.adminToken(t)
	if code, out, errs := kt(t, s.as(admin), "status"); code != 0 || !strings.Contains(out, "user:admin") {
		t.Fatalf("status as the bootstrap admin: exit %d\n%s%s", code, out, errs)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("serve exited with %d after its context ended:\n%s", code, s.errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "url")); err == nil {
		t.Error("the url file outlives the server")
	}

	// A second start reuses the token, the key and the data.
	s2 := startLive(t, dir)
	if !strings.Contains(s2.out.String(), "reusing "+dir) || strings.Contains(s2.out.String(), "keyturn user add") {
		t.Errorf("second start does not say it reuses %s:\n%s", dir, s2.out)
	}
	if got := s2.adminToken(t); got != admin {
		t.Error("the second start replaced the admin token")
	}
	key2, _ := os.ReadFile(filepath.Join(dir, "audit.key"))
	if !bytes.Equal(key, key2) {
		t.Error("the second start replaced the audit key")
	}
	if code, out, errs := kt(t, s2.as(admin), "status", "--json"); code != 0 || !strings.Contains(out, `"user"`) {
		t.Fatalf("status after a restart: exit %d\n%s%s", code, out, errs)
	}
}

func TestServeRefusesRemoteAddress(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:7878", "[::]:0"} {
		code, _, errs := kt(t, map[string]string{"HOME": t.TempDir()}, "serve", "--data", dir, "--addr", addr)
		if code != exitUsage || !strings.Contains(errs, "--allow-remote") || !strings.Contains(errs, "TLS") {
			t.Errorf("serve --addr %s: exit %d, want 2 and advice:\n%s", addr, code, errs)
		}
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("a refused start created the data directory")
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0", "[::1]:0"} {
		if err := checkLoopback(addr, false); err != nil {
			t.Errorf("%s is refused: %v", addr, err)
		}
	}
	if err := checkLoopback("0.0.0.0:0", true); err != nil {
		t.Errorf("--allow-remote does not allow 0.0.0.0: %v", err)
	}
}

func TestServeRefusesUnsafeKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s := startLive(t, dir)
	s.stop(t)
	keyPath := filepath.Join(dir, "audit.key")
	home := map[string]string{"HOME": t.TempDir()}

	if err := os.Chmod(keyPath, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := kt(t, home, "serve", "--data", dir, "--addr", "127.0.0.1:0")
	if code != exitUsage || !strings.Contains(errs, "readable by others") || !strings.Contains(errs, "chmod 600") {
		t.Errorf("serve with a world-readable key: exit %d\n%s", code, errs)
	}

	// Without its key, an existing log could not be vouched for: refuse
	// rather than sign with a new one.
	os.Remove(keyPath)
	code, _, errs = kt(t, home, "serve", "--data", dir, "--addr", "127.0.0.1:0")
	if code != exitUsage || !strings.Contains(errs, "audit.key is missing") {
		t.Errorf("serve without the key of an existing database: exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(keyPath); err == nil {
		t.Error("serve made a new key for an existing log")
	}
}

func TestServeUsageErrors(t *testing.T) {
	home := map[string]string{"HOME": t.TempDir()}
	dir := filepath.Join(t.TempDir(), "data")
	for _, args := range [][]string{
		{"serve", "--data", dir, "--log-format", "xml"},
		{"serve", "--data", dir, "--log-level", "loud"},
		{"serve", "--data", dir, "--addr", "nonsense"},
		{"serve", "--data", dir, "extra"},
		{"serve", "--no-such-flag"},
	} {
		if code, _, errs := kt(t, home, args...); code != exitUsage {
			t.Errorf("%q: exit %d, want 2\n%s", args, code, errs)
		}
	}
	if code, _, errs := kt(t, home, "serve", "-h"); code != 0 || !strings.Contains(errs, "Examples:") {
		t.Errorf("serve -h: exit %d\n%s", code, errs)
	}
}

func TestServeBusyPortCreatesNothing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := filepath.Join(t.TempDir(), "data")
	code, _, errs := kt(t, map[string]string{"HOME": t.TempDir()}, "serve", "--data", dir, "--addr", ln.Addr().String())
	if code != exitInternal || !strings.Contains(errs, "cannot listen on "+ln.Addr().String()) {
		t.Fatalf("serve on a busy port: exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("a start that could not listen created the data directory")
	}
}
