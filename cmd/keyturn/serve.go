package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	nethttp "net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"keyturn"
	"keyturn/classify"
	"keyturn/gateway"
	khttp "keyturn/http"
	"keyturn/policy"
	"keyturn/sqlite"
)

const serveUsage = `serve [--data DIR] [--addr 127.0.0.1:7878] [--config F] [--policy DIR]
             [--log-format text|json] [--log-level info] [--allow-remote]

Runs the keyturn server: the gateway that agents ask and humans approve, its
JSON API (/v1), /healthz, /metrics, and the tamper-evident audit log.

Everything lives in DIR (default: $KEYTURN_DATA, else $XDG_STATE_HOME/keyturn,
else ~/.local/state/keyturn):
  keyturn.db    the database (SQLite): principals, requests, the audit log
  audit.key     the Ed25519 key that signs audit checkpoints (mode 0600)
  audit.pub     its public key, for 'keyturn audit verify --key'
  admin-token   the bootstrap admin token, written on first start (mode 0600)
  url           the address the server listens on, for the CLI on this machine

The first start creates them and prints what to do next; later starts reuse
them. Stop with Ctrl-C (SIGINT) or SIGTERM.

Examples:
  keyturn serve
  keyturn serve --addr 127.0.0.1:0 --data /tmp/kt      # any free port
  keyturn serve --config keyturn.yaml --policy ./policy --log-format json`

type serveOptions struct {
	data, addr, config, policy string
	logFormat, logLevel        string
	allowRemote                bool
}

// Server timeouts. WriteTimeout must outlast the longest ?wait= the API
// allows, or long polls would be cut off mid-answer.
const (
	maxWait         = 60 * time.Second
	shutdownTimeout = 10 * time.Second
)

// serverGCPercent is the garbage collector's target while serving. The
// server's live heap is small (tens of MB) and each decision allocates a
// lot (JSON, Cedar records, SQLite's transpiled C): collecting every time
// the heap doubles took a fifth of the CPU under load. Letting it grow to
// five times the live heap costs little memory and raised the decisions
// per second of BenchmarkDecisionsHTTP by about a quarter.
const serverGCPercent = 400

// serverGC sets the collector's target for serving, unless the operator set
// GOGC; restore puts the previous one back.
func serverGC(e *env) (restore func()) {
	if e.getenv("GOGC") != "" {
		return func() {}
	}
	prev := debug.SetGCPercent(serverGCPercent)
	return func() { debug.SetGCPercent(prev) }
}

func runServe(e *env, args []string) int {
	var o serveOptions
	fs := newFlags(e, "serve", serveUsage)
	fs.StringVar(&o.data, "data", "", "data `dir`ectory (default: $KEYTURN_DATA, else the user's state dir)")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:7878", "`host:port` to listen on (port 0: any free port)")
	fs.StringVar(&o.config, "config", "", "environments configuration `file` (default: keyturn.yaml in the workspace, then in the user config dir)")
	fs.StringVar(&o.policy, "policy", "", "policy `dir`ectory of .cedar files (default: the approved pushed set, else the built-in pack)")
	fs.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.BoolVar(&o.allowRemote, "allow-remote", false, "listen on a non-loopback address (plain HTTP: put a TLS proxy in front)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	defer serverGC(e)()
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "keyturn serve: unexpected argument %q\n\nUsage: keyturn %s\n", fs.Arg(0), serveUsage)
		return exitUsage
	}
	if err := serve(e, o); err != nil {
		return e.fail(err)
	}
	return exitOK
}

func serve(e *env, o serveOptions) error {
	log, err := newLogger(e.stderr, o.logFormat, o.logLevel)
	if err != nil {
		return err
	}
	if err := checkLoopback(o.addr, o.allowRemote); err != nil {
		return err
	}
	// Listen before anything is created, so that a busy port fails the
	// first start before it hands out the admin token.
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return keyturn.Errorf(keyturn.EUNAVAILABLE, "cannot listen on %s: %v (is another keyturn serve running? try --addr 127.0.0.1:0)", o.addr, err)
	}
	defer ln.Close()

	dir := o.data
	if dir == "" {
		dir = defaultDataDir(e)
	}
	if dir == "" {
		return keyturn.Errorf(keyturn.EINVALID, "no data directory: give --data DIR or set KEYTURN_DATA")
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return keyturn.Errorf(keyturn.EINVALID, "cannot create the data directory: %v", err)
	}
	dbPath := filepath.Join(dir, "keyturn.db")
	_, statErr := os.Stat(dbPath)
	existing := statErr == nil

	key, err := loadOrCreateKey(dir, existing)
	if err != nil {
		return err
	}

	cwd, err := e.getwd()
	if err != nil {
		return keyturn.Errorf(keyturn.EINTERNAL, "current directory: %v", err)
	}
	cfg, cfgPath, err := loadConfig(e, o.config, cwd)
	if err != nil {
		return err
	}
	// Agents must never change what keyturn runs on: its data, its policy,
	// its configuration. Nor may they read its data: the admin token, the
	// audit key and the log are there.
	if err := cfg.ProtectSecret(dir); err != nil {
		return err
	}
	var protect []string
	if o.policy != "" {
		protect = append(protect, o.policy)
	}
	if cfgPath != "built-in defaults" {
		protect = append(protect, cfgPath)
	}
	for _, p := range protect {
		if abs, err := filepath.Abs(p); err == nil {
			if err := cfg.ProtectPath(abs); err != nil {
				return err
			}
		}
	}
	var set *policy.Set
	if o.policy != "" {
		if set, err = policy.Load(o.policy); err != nil {
			return err
		}
	}

	store, err := sqlite.Open(dbPath)
	if err != nil {
		return err
	}
	// The store closes last, after every request and the sweeper are done.
	defer func() {
		if err := store.Close(); err != nil {
			log.Error("closing the database", "err", err)
		}
	}()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ctx, stop := signal.NotifyContext(e.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	gw, err := gateway.New(ctx, gateway.Config{Store: store, Classifier: classify.New(cfg), Policy: set,
		Key: key, Logger: log, Registerer: reg})
	if err != nil {
		return err
	}
	token, err := gw.Bootstrap(ctx)
	if err != nil {
		return err
	}
	tokenPath := filepath.Join(dir, "admin-token")
	if token != "" {
		if err := writeFileAtomic(tokenPath, []byte(token+"\n"), 0o600); err != nil {
			return keyturn.Errorf(keyturn.EINTERNAL, "saving the admin token: %v", err)
		}
	}

	url := "http://" + ln.Addr().String()

	api := khttp.NewServer(gw, gw, khttp.Options{
		MaxBody: 1 << 20,
		Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}),
		Logger:  log,
		MaxWait: maxWait,
	})
	// Long polls (?wait=) would hold a shutdown for their whole wait: they
	// run under base, which is cancelled shortly after shutdown begins.
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	srv := &nethttp.Server{
		Handler:           api.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      maxWait + 15*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(func() { time.AfterFunc(time.Second, cancelBase) })

	// Anyone who can read the data dir can read the log and take the admin
	// token: say so, every start, until it is fixed.
	for _, p := range []string{dir, tokenPath} {
		if st, err := os.Stat(p); err == nil && st.Mode().Perm()&0o077 != 0 {
			log.Warn("readable by other users: run chmod go-rwx on it", "path", p, "mode", fmt.Sprintf("%04o", st.Mode().Perm()))
		}
	}
	if token != "" {
		printFirstStart(e.stdout, url, dir, tokenPath)
	} else {
		fmt.Fprintf(e.stdout, "keyturn: reusing %s (database, audit key and admin token from its first start)\n", dir)
		if _, err := os.Stat(tokenPath); err != nil {
			fmt.Fprintf(e.stdout, "keyturn: %s is gone; use your own token (keyturn login) to manage users and agents\n", tokenPath)
		}
	}
	fmt.Fprintf(e.stderr, "keyturn: listening on %s\n", url)
	log.Info("serving", "url", url, "data", dir, "config", cfgPath, "audit_key", keyturn.KeyID(key.Public().(ed25519.PublicKey)))

	// DIR/url tells the CLI on this machine where the server is; it is
	// written last, when everything above is done.
	urlPath := filepath.Join(dir, "url")
	if err := writeFileAtomic(urlPath, []byte(url+"\n"), 0o600); err != nil {
		return keyturn.Errorf(keyturn.EINTERNAL, "saving the server URL: %v", err)
	}
	defer removeIfContains(urlPath, url)

	runCtx, cancelRun := context.WithCancel(ctx)
	swept := make(chan struct{})
	go func() {
		defer close(swept)
		gw.Run(runCtx)
	}()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	var serveErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down", "cause", context.Cause(ctx))
	case err := <-served:
		serveErr = err
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("requests still running at the shutdown deadline were cut off", "err", err)
		srv.Close()
	}
	cancelRun()
	<-swept
	if err := signHead(store, key); err != nil {
		log.Warn("signing a checkpoint of the audit head at shutdown", "err", err)
	}
	if serveErr != nil && !errors.Is(serveErr, nethttp.ErrServerClosed) {
		return keyturn.Errorf(keyturn.EUNAVAILABLE, "serving on %s: %v", url, serveErr)
	}
	log.Info("stopped")
	return nil
}

func printFirstStart(w io.Writer, url, dir, tokenPath string) {
	fmt.Fprintf(w, `keyturn is running at %s. It created %s:
the database, the audit signing key and a bootstrap admin token.

The admin token is in %s (readable only by you).
Commands on this machine find the server and that token by themselves;
elsewhere, set KEYTURN_URL=%s and KEYTURN_TOKEN, or run 'keyturn login'.

Next steps:
  1. Add approvers: people who approve risky actions. An agent's operator
     never approves their own agent's requests, so add at least two.
       keyturn user add alice --role approver
       keyturn user add bob --role approver
  2. Add the operator who runs the agent (each command prints a token once):
       keyturn user add carol --role operator
  3. Enroll an agent for its operator:
       keyturn agent enroll carol-laptop --operator carol --kind claude-code
  4. Run commands through the gateway with the agent's token:
       KEYTURN_TOKEN=kt_... keyturn exec -- kubectl get pods
`, url, dir, tokenPath, url)
}

// newLogger returns the structured logger serve writes to stderr.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, keyturn.Errorf(keyturn.EINVALID, "--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, keyturn.Errorf(keyturn.EINVALID, "--log-format %q: use text or json", format)
}

// checkLoopback refuses to listen beyond this machine unless told to:
// keyturn serves plain HTTP, and tokens would cross the network in clear.
func checkLoopback(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return keyturn.Errorf(keyturn.EINVALID, "--addr %q is not host:port (like 127.0.0.1:7878)", addr)
	}
	if allowRemote {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil && ip.IsLoopback() {
		return nil
	}
	shown := host
	if shown == "" {
		shown = "every interface"
	}
	return keyturn.Errorf(keyturn.EINVALID, "--addr %s listens on %s, beyond this machine, and keyturn serves plain HTTP "+
		"(no TLS yet): tokens would cross the network in clear. Listen on 127.0.0.1, or put a TLS-terminating proxy "+
		"in front and pass --allow-remote", addr, shown)
}

// loadOrCreateKey returns the audit signing key in dir, creating it (and
// audit.pub) on first start.
func loadOrCreateKey(dir string, existingDB bool) (ed25519.PrivateKey, error) {
	keyPath := filepath.Join(dir, "audit.key")
	pubPath := filepath.Join(dir, "audit.pub")
	st, err := os.Stat(keyPath)
	var key ed25519.PrivateKey
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if existingDB {
			// A new key would sign checkpoints that old ones cannot be
			// told apart from: the history would lose its proof.
			return nil, keyturn.Errorf(keyturn.EINVALID, "%s is missing but %s holds a database: restore the key from "+
				"your backup (a new one cannot vouch for the old log), or start with an empty --data directory", keyPath, dir)
		}
		_, key, err = ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, keyturn.Errorf(keyturn.EINTERNAL, "generating the audit key: %v", err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, keyturn.Errorf(keyturn.EINTERNAL, "encoding the audit key: %v", err)
		}
		if err := writeFileAtomic(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return nil, keyturn.Errorf(keyturn.EINTERNAL, "saving the audit key: %v", err)
		}
	case err != nil:
		return nil, keyturn.Errorf(keyturn.EINVALID, "reading %s: %v", keyPath, err)
	default:
		if perm := st.Mode().Perm(); perm&0o077 != 0 {
			return nil, keyturn.Errorf(keyturn.EINVALID, "%s is readable by others (mode %04o): anyone who can read it can "+
				"forge audit checkpoints. Run 'chmod 600 %s' and start again", keyPath, perm, keyPath)
		}
		b, err := os.ReadFile(keyPath)
		if err != nil {
			return nil, keyturn.Errorf(keyturn.EINVALID, "reading %s: %v", keyPath, err)
		}
		if key, err = parsePrivateKey(b); err != nil {
			return nil, keyturn.Errorf(keyturn.EINVALID, "%s: %v", keyPath, err)
		}
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, keyturn.Errorf(keyturn.EINTERNAL, "encoding the audit public key: %v", err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
	if old, err := os.ReadFile(pubPath); err != nil || string(old) != string(pubPEM) {
		// audit.pub is only a copy of what audit.key holds; keep it true.
		if err := writeFileAtomic(pubPath, pubPEM, 0o644); err != nil {
			return nil, keyturn.Errorf(keyturn.EINTERNAL, "saving the audit public key: %v", err)
		}
	}
	return key, nil
}

func parsePrivateKey(b []byte) (ed25519.PrivateKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, errors.New(`not a PEM "PRIVATE KEY"`)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("not an Ed25519 key (%T)", k)
	}
	return key, nil
}

// writeFileAtomic writes a file whole or not at all, with mode perm from
// its first byte: a crash never leaves half a key, and a secret is never
// readable by others even for a moment.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename, there is nothing left to remove
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// removeIfContains removes the url file on shutdown unless a newer server
// on the same data dir has written its own since.
func removeIfContains(path, url string) {
	if b, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(b)) == url {
		os.Remove(path)
	}
}

// signHead signs a checkpoint of the audit head at shutdown, so that events
// dropped from the end of the log while the server was down show up in
// `keyturn audit verify`.
func signHead(store keyturn.Store, key ed25519.PrivateKey) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := store.Update(ctx, func(tx keyturn.Tx) error {
		seq, head, err := tx.Head()
		if err != nil || seq == 0 {
			return err
		}
		c := keyturn.SignCheckpoint(key, seq, head, time.Now())
		return tx.AddCheckpoint(&c)
	})
	if keyturn.ErrorCode(err) == keyturn.ECONFLICT {
		return nil // the head is already signed
	}
	return err
}
