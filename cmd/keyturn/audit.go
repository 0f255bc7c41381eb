package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"keyturn"
	"keyturn/sqlite"
)

const auditUsage = `audit verify [--data DIR | --url URL --token TOKEN] [--key audit.pub] [--checkpoint FILE] [--json]
       keyturn audit checkpoint [--url URL --token TOKEN]
       keyturn audit export [--after SEQ] [--data DIR | --url URL --token TOKEN]
       keyturn audit tail [--after SEQ] [--interval 1s] [--data DIR | --url URL --token TOKEN]

The audit log is a hash chain: each event's hash covers the one before it, and
checkpoints of the head are signed with the server's Ed25519 key.

verify  recomputes every hash from the first event and checks every signed
        checkpoint. Exit 0 and "ok: …" when all holds; exit 1 and the first bad
        sequence number when not. With --data it reads the database file of a
        server on this machine (it may be running) and its stored checkpoints,
        checked against DIR/audit.pub; through the API it checks the chain and
        a checkpoint the server signs now, against --key or the key the server
        reports. Keep a copy of audit.pub somewhere else and pass it with --key:
        a key that comes with the log proves less than one you kept.
        --checkpoint FILE also checks checkpoints saved earlier (JSON lines from
        keyturn audit checkpoint): events dropped from the end of the log, with
        the checkpoints stored beside them, still show against a copy kept
        elsewhere.
checkpoint  asks the server to sign its head now and prints that checkpoint as
        one JSON line: append it to a file kept away from the server.
export  writes the events after SEQ as JSON Lines (one event per line) for a SIEM.
tail    prints events as they are written until interrupted; it starts at the
        head unless --after is given.

Without --data or --url, the server is found as for every other command
(KEYTURN_URL/KEYTURN_TOKEN, the login file, the local server's data dir).

Examples:
  keyturn audit verify --data ~/.local/state/keyturn --key ~/backup/audit.pub
  keyturn audit verify --url https://keyturn.example.com --key audit.pub
  keyturn audit export --after 0 > audit.jsonl
  keyturn audit tail`

func runAudit(e *env, args []string) int {
	return e.dispatch("audit", auditUsage, args, map[string]func(*env, []string) int{
		"verify": runAuditVerify, "export": runAuditExport, "tail": runAuditTail, "checkpoint": runAuditCheckpoint,
	})
}

// auditSource is where the audit commands read from: --data (the database
// file itself, read-only) or the API.
type auditSource struct {
	url, token, data string
}

func (s *auditSource) flags(fs *flag.FlagSet) {
	fs.StringVar(&s.data, "data", "", "read the database in this server data `dir` directly, read-only")
	fs.StringVar(&s.url, "url", "", "read through the API of the server at `URL` (default: found as for other commands)")
	fs.StringVar(&s.token, "token", "", "your `token` for --url (default: $KEYTURN_TOKEN, the login file, …)")
}

func (s *auditSource) check() error {
	if s.data != "" && (s.url != "" || s.token != "") {
		return keyturn.Errorf(keyturn.EINVALID, "give either --data DIR (read the file) or --url/--token (ask the server), not both")
	}
	return nil
}

// auditLog is the log as the audit commands read it: the database file of
// a server on this machine (--data, read-only) or the API.
type auditLog interface {
	// view runs fn over one consistent snapshot, where the source has one.
	view(ctx context.Context, fn func(auditReader) error) error
	// publicKey returns the key that signs the checkpoints, and how to name
	// it, for when the user gave none.
	publicKey(ctx context.Context) (ed25519.PublicKey, string, error)
	Close() error
}

type auditReader interface {
	events(after int64, limit int) ([]*keyturn.Event, error)
	// checkpoints returns the signed checkpoints to hold the chain to.
	checkpoints() ([]keyturn.Checkpoint, error)
	// head returns the sequence number of the last event.
	head() (int64, error)
	// file reports whether events are read from the file itself, where an
	// event that cannot be read is a damaged one.
	file() bool
}

func (s *auditSource) open(e *env) (auditLog, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if s.data != "" {
		return openAuditDB(s.data)
	}
	svc, _, err := (&remote{url: s.url, token: s.token}).service(e)
	if err != nil {
		return nil, err
	}
	return apiLog{svc}, nil
}

func openAuditDB(dir string) (*dbLog, error) {
	path := filepath.Join(dir, "keyturn.db")
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, keyturn.Errorf(keyturn.EINVALID, "no database at %s: is %s the --data directory of a keyturn server?", path, dir)
		}
		return nil, keyturn.Errorf(keyturn.EINVALID, "%s: %v", path, err)
	}
	db, err := sqlite.OpenReadOnly(path)
	if err != nil {
		return nil, err
	}
	return &dbLog{dir: dir, db: db}, nil
}

type dbLog struct {
	dir string
	db  *sqlite.DB
}

func (l *dbLog) view(ctx context.Context, fn func(auditReader) error) error {
	return l.db.View(ctx, func(tx keyturn.Tx) error { return fn(txReader{tx}) })
}

func (l *dbLog) publicKey(context.Context) (ed25519.PublicKey, string, error) {
	path := filepath.Join(l.dir, "audit.pub")
	pub, err := readPublicKey(path)
	return pub, path, err
}

func (l *dbLog) Close() error { return l.db.Close() }

// txReader reads one store transaction: the events and the checkpoints
// come from the same snapshot.
type txReader struct{ tx keyturn.Tx }

func (r txReader) events(after int64, limit int) ([]*keyturn.Event, error) {
	return r.tx.Events(after, limit)
}

func (r txReader) checkpoints() ([]keyturn.Checkpoint, error) { return r.tx.Checkpoints() }

func (r txReader) head() (int64, error) {
	seq, _, err := r.tx.Head()
	return seq, err
}

func (r txReader) file() bool { return true }

type apiLog struct{ svc keyturn.Service }

func (l apiLog) view(ctx context.Context, fn func(auditReader) error) error {
	return fn(apiReader{ctx, l.svc})
}

// publicKey is the key the server reports: it proves the chain matches
// what the server signs, not that the server is the one you trust.
func (l apiLog) publicKey(ctx context.Context) (ed25519.PublicKey, string, error) {
	st, err := l.svc.Status(ctx)
	if err != nil {
		return nil, "", err
	}
	b, err := base64.StdEncoding.DecodeString(st.PublicKey)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, "", keyturn.Errorf(keyturn.EINVALID, "the server reports no usable public key: pass --key audit.pub")
	}
	return b, "the key the server reports (" + keyturn.KeyID(b) + "; pass --key to check against your own copy)", nil
}

func (l apiLog) Close() error { return nil }

type apiReader struct {
	ctx context.Context
	svc keyturn.Service
}

func (r apiReader) events(after int64, limit int) ([]*keyturn.Event, error) {
	return r.svc.Events(r.ctx, after, limit)
}

// checkpoints is one checkpoint the server signs now: the API lists no
// stored ones, and a fresh one taken before the events are read vouches
// for every event up to now.
func (r apiReader) checkpoints() ([]keyturn.Checkpoint, error) {
	c, err := r.svc.Checkpoint(r.ctx)
	if err != nil {
		return nil, err
	}
	return []keyturn.Checkpoint{*c}, nil
}

func (r apiReader) head() (int64, error) {
	st, err := r.svc.Status(r.ctx)
	if err != nil {
		return 0, err
	}
	return st.AuditSeq, nil
}

func (r apiReader) file() bool { return false }

// auditPage is how many events one read asks for (the API's maximum).
const auditPage = 1000

// verifyReport is audit verify's answer; its JSON is the --json output.
type verifyReport struct {
	OK          bool   `json:"ok"`
	Events      int64  `json:"events"`
	Checkpoints int    `json:"checkpoints"`
	Head        string `json:"head"`
	BadSeq      int64  `json:"bad_seq,omitempty"`
	Problem     string `json:"problem,omitempty"`
	// Key says which public key the signatures were checked against.
	Key string `json:"key"`
}

func runAuditVerify(e *env, args []string) int {
	var src auditSource
	var keyPath string
	var asJSON bool
	fs := newFlags(e, "audit verify", auditUsage)
	src.flags(fs)
	fs.StringVar(&keyPath, "key", "", "the audit public key `file` (PEM) to check signatures with (default: DIR/audit.pub, or the key the server reports)")
	fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
	var cpFile string
	fs.StringVar(&cpFile, "checkpoint", "", "a `file` of checkpoints saved earlier (JSON lines from keyturn audit checkpoint)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "keyturn audit verify: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	var saved []keyturn.Checkpoint
	if cpFile != "" {
		var err error
		if saved, err = readCheckpoints(cpFile); err != nil {
			return e.fail(err)
		}
	}
	rep, err := verifyAudit(e, src, keyPath, saved)
	if err != nil {
		return e.fail(err)
	}
	if asJSON {
		if code := writeJSON(e, rep); code != exitOK {
			return code
		}
	} else if rep.OK {
		fmt.Fprintf(e.stdout, "ok: %d %s, %d %s, head %s\n", rep.Events, plural(int(rep.Events), "event", "events"),
			rep.Checkpoints, plural(rep.Checkpoints, "checkpoint", "checkpoints"), rep.Head)
		fmt.Fprintf(e.stdout, "  signatures checked against %s\n", rep.Key)
	} else {
		fmt.Fprintf(e.stdout, "audit log broken at event %d: %s\n", rep.BadSeq, rep.Problem)
	}
	if !rep.OK {
		return exitInternal
	}
	return exitOK
}

func verifyAudit(e *env, src auditSource, keyPath string, saved []keyturn.Checkpoint) (*verifyReport, error) {
	if err := src.check(); err != nil {
		return nil, err
	}
	var (
		pub     ed25519.PublicKey
		keyName = keyPath
		err     error
	)
	if keyPath != "" {
		if pub, err = readPublicKey(keyPath); err != nil {
			return nil, err
		}
	}
	log, err := src.open(e)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	if pub == nil {
		if pub, keyName, err = log.publicKey(e.ctx); err != nil {
			return nil, err
		}
	}
	rep := &verifyReport{Head: keyturn.GenesisHash, Key: keyName}
	err = log.view(e.ctx, func(r auditReader) error {
		checkpoints, err := r.checkpoints()
		if err != nil {
			return err
		}
		// Checkpoints kept elsewhere count as much as those in the log: more,
		// since whoever edits the log can edit what is stored beside it.
		checkpoints = append(checkpoints, saved...)
		rep.Checkpoints = len(checkpoints)
		v := keyturn.NewChainVerifier(checkpoints)
		var after int64
	read:
		for {
			evs, err := r.events(after, auditPage)
			if err != nil {
				// In the file, a row the store cannot even read is where
				// the log broke.
				if r.file() {
					if _, err1 := r.events(after, 1); err1 != nil {
						rep.BadSeq, rep.Problem = after+1, fmt.Sprintf("event %d cannot be read: %v", after+1, err1)
						return nil
					}
				}
				return err
			}
			if len(evs) == 0 {
				break
			}
			for _, ev := range evs {
				if !v.Add(ev) {
					break read
				}
				rep.Head, after = ev.Hash, ev.Seq
			}
		}
		rep.Events = v.Finish(checkpoints, pub)
		rep.BadSeq, rep.Problem = v.Bad, v.Problem
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep.OK = rep.BadSeq == 0
	return rep, nil
}

// readPublicKey reads a PEM "PUBLIC KEY" (PKIX) Ed25519 key, as serve
// writes to DIR/audit.pub.
func readPublicKey(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, keyturn.Errorf(keyturn.EINVALID, "reading the audit public key: %v (pass --key FILE)", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, keyturn.Errorf(keyturn.EINVALID, `%s is not a PEM "PUBLIC KEY" (keyturn serve writes one to DIR/audit.pub)`, path)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, keyturn.Errorf(keyturn.EINVALID, "%s: %v", path, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, keyturn.Errorf(keyturn.EINVALID, "%s holds a %T key, not Ed25519", path, k)
	}
	return pub, nil
}

func runAuditExport(e *env, args []string) int {
	var src auditSource
	var after int64
	fs := newFlags(e, "audit export", auditUsage)
	src.flags(fs)
	fs.Int64Var(&after, "after", 0, "export the events after this sequence `number`")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 || after < 0 {
		fmt.Fprintln(e.stderr, "keyturn audit export: takes no arguments, and --after is 0 or more")
		return exitUsage
	}
	log, err := src.open(e)
	if err != nil {
		return e.fail(err)
	}
	defer log.Close()
	w := bufio.NewWriterSize(e.stdout, 64<<10)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	err = log.view(e.ctx, func(r auditReader) error {
		for {
			evs, err := r.events(after, auditPage)
			if err != nil {
				return err
			}
			if len(evs) == 0 {
				return nil
			}
			for _, ev := range evs {
				if err := enc.Encode(ev); err != nil {
					return keyturn.Errorf(keyturn.EINTERNAL, "writing stdout: %v", err)
				}
			}
			after = evs[len(evs)-1].Seq
		}
	})
	if ferr := w.Flush(); err == nil && ferr != nil {
		err = keyturn.Errorf(keyturn.EINTERNAL, "writing stdout: %v", ferr)
	}
	if err != nil {
		return e.fail(err)
	}
	return exitOK
}

func runAuditTail(e *env, args []string) int {
	var src auditSource
	var after int64
	var interval time.Duration
	fs := newFlags(e, "audit tail", auditUsage)
	src.flags(fs)
	fs.Int64Var(&after, "after", -1, "start after this sequence `number` (default: the current head)")
	fs.DurationVar(&interval, "interval", time.Second, "how often to look for new events")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 || interval <= 0 {
		fmt.Fprintln(e.stderr, "keyturn audit tail: takes no arguments, and --interval is above 0")
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(e.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	log, err := src.open(e)
	if err != nil {
		return e.fail(err)
	}
	defer log.Close()
	if after < 0 {
		if after, err = auditHead(ctx, log); err != nil {
			return e.fail(err)
		}
	}
	w := bufio.NewWriter(e.stdout)
	t := time.NewTicker(interval)
	defer t.Stop()
	down := false
	for {
		err := log.view(ctx, func(r auditReader) error {
			for {
				evs, err := r.events(after, auditPage)
				if err != nil {
					return err
				}
				for _, ev := range evs {
					fmt.Fprintln(w, eventLine(ev))
					after = ev.Seq
				}
				if len(evs) < auditPage {
					return nil
				}
			}
		})
		if ferr := w.Flush(); ferr != nil {
			return e.fail(keyturn.Errorf(keyturn.EINTERNAL, "writing stdout: %v", ferr))
		}
		switch {
		case ctx.Err() != nil:
			return exitOK
		case keyturn.ErrorCode(err) == keyturn.EUNAVAILABLE:
			// A server restarting is no reason to stop following it.
			if !down {
				fmt.Fprintf(e.stderr, "keyturn: %s; retrying every %s\n", keyturn.ErrorMessage(err), interval)
			}
			down = true
		case err != nil:
			return e.fail(err)
		default:
			down = false
		}
		select {
		case <-ctx.Done():
			return exitOK
		case <-t.C:
		}
	}
}

// auditHead returns the sequence number of the last event.
func auditHead(ctx context.Context, log auditLog) (int64, error) {
	var seq int64
	err := log.view(ctx, func(r auditReader) error {
		var err error
		seq, err = r.head()
		return err
	})
	return seq, err
}

// eventLine is one event for a person: sequence, time, type, actor,
// subject and who decided.
func eventLine(ev *keyturn.Event) string {
	return fmt.Sprintf("%7d  %s  %-12s  %-22s  %-26s  %s", ev.Seq, ev.Time.Local().Format("2006-01-02 15:04:05"),
		oneLine(ev.Type), oneLine(ev.Actor), oneLine(ev.Subject), decider(ev.DecidedBy))
}

func decider(d *keyturn.Decider) string {
	if d == nil {
		return "-"
	}
	switch d.Kind {
	case "policy":
		if len(d.Policies) == 0 {
			return "policy"
		}
		return "policy " + oneLine(strings.Join(d.Policies, ","))
	case "human", "breakglass":
		return d.Kind + ":" + oneLine(d.Who)
	}
	return oneLine(d.Kind)
}

// readCheckpoints reads a file of checkpoints, one JSON object a line.
func readCheckpoints(path string) ([]keyturn.Checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, keyturn.Errorf(keyturn.EINVALID, "checkpoints: %v", err)
	}
	var out []keyturn.Checkpoint
	for i, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var c keyturn.Checkpoint
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil || c.Seq <= 0 || c.Signature == "" {
			return nil, keyturn.Errorf(keyturn.EINVALID, "%s:%d: not a checkpoint from keyturn audit checkpoint", path, i+1)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, keyturn.Errorf(keyturn.EINVALID, "%s holds no checkpoint", path)
	}
	return out, nil
}

// runAuditCheckpoint prints a checkpoint of the head, signed now, as one
// JSON line.
func runAuditCheckpoint(e *env, args []string) int {
	var r remote
	fs := newFlags(e, "audit checkpoint", auditUsage)
	r.flags(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	svc, _, err := r.service(e)
	if err != nil {
		return e.fail(err)
	}
	c, err := svc.Checkpoint(e.ctx)
	if err != nil {
		return e.fail(err)
	}
	b, err := json.Marshal(c)
	if err != nil {
		return e.fail(err)
	}
	fmt.Fprintf(e.stdout, "%s\n", b)
	return exitOK
}
