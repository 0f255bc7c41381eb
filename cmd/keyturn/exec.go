package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"keyturn"
)

const execUsage = `exec [--reason TEXT] [--no-wait] [--timeout 1h] [-v] [--url U] [--token T] -- CMD…

Runs a command through the gateway, as an agent: submits it (with the
current directory and the environment variables that change its meaning),
and runs it only once it is allowed — at once, after its operator confirms,
or after peers approve. While it waits, a status line on stderr says what is
still needed; Ctrl-C cancels the request. The command runs without a shell,
exactly the words given, with stdin, stdout and stderr passed through; its
result is reported to the server.

If the server cannot be reached, keyturn decides locally (--config,
--policy) and runs the command only if it only reads.

Exit status: the command's own (128+N when killed by signal N); 11 with
--no-wait while approval is pending; 12 denied; 13 expired or cancelled;
127 the program was not found; 2 usage error; 1 any other error.`

type execOptions struct {
	remote         remote
	reason         string
	noWait         bool
	timeout        time.Duration
	verbose        bool
	config, policy string
}

// execution is one `keyturn exec`: what is asked, and how it runs.
type execution struct {
	e       *env
	o       execOptions
	argv    []string
	path    string // argv[0] found in PATH
	cwd     string
	environ []string
	action  *keyturn.Action
	tty     bool // stderr is a terminal: the status line is redrawn in place
}

// runIt is decide's answer when the command may run.
const runIt = -1

// exitNotFound is the shell's status for a program that is not there.
const exitNotFound = 127

func runExec(e *env, args []string) int {
	var o execOptions
	fs := newFlags(e, "exec", execUsage)
	o.remote.flags(fs)
	fs.StringVar(&o.reason, "reason", "", "why the command is needed, shown to the approvers")
	fs.BoolVar(&o.noWait, "no-wait", false, "do not wait for approval: print the request id and exit 11")
	fs.DurationVar(&o.timeout, "timeout", time.Hour, "how long to wait for a decision before cancelling the request (0: no limit)")
	fs.BoolVar(&o.verbose, "v", false, "say so when the command is allowed at once")
	fs.StringVar(&o.config, "config", "", "environments configuration `file` for a local decision when the server is unreachable")
	fs.StringVar(&o.policy, "policy", "", "policy `dir`ectory for a local decision when the server is unreachable")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	argv := fs.Args()
	if len(argv) == 0 {
		fmt.Fprintln(e.stderr, "keyturn exec: no command given\n\nUsage: keyturn "+execUsage)
		return exitUsage
	}
	cwd, err := e.getwd()
	if err != nil {
		return e.fail(keyturn.Errorf(keyturn.EINTERNAL, "current directory: %v", err))
	}
	environ := e.environ()
	a, err := argvAction(argv, cwd, environ)
	if err != nil {
		return e.fail(err)
	}
	a.Reason = o.reason
	path, err := lookPath(argv[0], cwd, environ)
	if err != nil {
		fmt.Fprintf(e.stderr, "keyturn exec: %s\n", keyturn.ErrorMessage(err))
		return exitNotFound
	}
	x := &execution{e: e, o: o, argv: argv, path: path, cwd: cwd, environ: environ, action: a, tty: isTerminal(e.stderr)}
	return x.main()
}

func (x *execution) main() int {
	// Ctrl-C while waiting withdraws the request instead of killing keyturn
	// and leaving a request that could still be approved for nobody.
	ctx, stop := signal.NotifyContext(x.e.ctx, os.Interrupt, syscall.SIGTERM)
	reqID, code := x.decide(ctx)
	stop()
	if code != runIt {
		return code
	}
	status, took := x.runCommand()
	if reqID != "" {
		ctx, cancel := withTimeout(10 * time.Second)
		defer cancel()
		svc, _, err := x.o.remote.service(x.e)
		if err == nil {
			_, err = svc.Report(ctx, reqID, keyturn.Result{ExitCode: status, DurationMs: took.Milliseconds()})
		}
		if err != nil {
			fmt.Fprintf(x.e.stderr, "keyturn exec: the command ran, but its result could not be reported for %s: %s\n", reqID, keyturn.ErrorMessage(err))
		}
	}
	return status
}

// decide asks the server until the action is allowed (runIt, with the id of
// the request whose grant it used, if any) or the answer is final (an exit
// status).
func (x *execution) decide(ctx context.Context) (string, int) {
	svc, _, err := x.o.remote.service(x.e)
	if err != nil {
		return "", x.e.fail(err)
	}
	// The submission is not cut short by Ctrl-C: the server may already
	// have opened a request, which must then be withdrawn, not left to be
	// approved for the agent's next identical run. It is short (no wait).
	sctx, scancel := withTimeout(30 * time.Second)
	v, err := svc.Submit(sctx, x.action, 0)
	scancel()
	if ctx.Err() != nil {
		if err == nil && v.Status == keyturn.StatusPending && v.Request != nil {
			return "", x.giveUp(svc, v.Request.ID)
		}
		fmt.Fprintln(x.e.stderr, "keyturn exec: interrupted; nothing ran")
		return "", exitExpired
	}
	if err != nil {
		if keyturn.ErrorCode(err) == keyturn.EUNAVAILABLE {
			return "", x.local(err)
		}
		return "", x.e.failRemote(err)
	}
	waitCtx, cancel := ctx, context.CancelFunc(func() {})
	if x.o.timeout > 0 {
		waitCtx, cancel = context.WithTimeout(ctx, x.o.timeout)
	}
	defer cancel()
	announced := map[string]bool{}
	var held string // the request the action was held in
	for resubmits := 0; ; {
		if v.Request != nil {
			held = v.Request.ID
		}
		switch v.Status {
		case keyturn.StatusAllowed:
			if x.o.verbose {
				fmt.Fprintf(x.e.stderr, "keyturn: allowed (policy version %s)\n", v.Decision.PolicyVersion)
			}
			return held, runIt
		case keyturn.StatusDenied:
			x.denied(v.Decision, v.Request)
			return "", exitDeny
		case keyturn.StatusExpired, keyturn.StatusCancelled:
			fmt.Fprintf(x.e.stderr, "keyturn exec: %s is %s; nothing ran\n", held, v.Status)
			return "", exitExpired
		case keyturn.StatusPending:
		default:
			fmt.Fprintf(x.e.stderr, "keyturn exec: the server answered %q, which this keyturn does not know; nothing ran\n", v.Status)
			return "", exitInternal
		}
		r := v.Request
		if r == nil {
			fmt.Fprintln(x.e.stderr, "keyturn exec: the server said pending but named no request; nothing ran")
			return "", exitInternal
		}
		if !announced[r.ID] {
			announced[r.ID] = true
			x.announce(r)
		}
		if x.o.noWait {
			fmt.Fprintf(x.e.stderr, "keyturn exec: not waiting (--no-wait); run the same command again once %s is decided\n", r.ID)
			fmt.Fprintln(x.e.stdout, r.ID)
			return "", exitApprove
		}
		r, code := x.wait(waitCtx, ctx, svc, r)
		if code != runIt {
			return "", code
		}
		switch r.State {
		case keyturn.StateDenied:
			x.denied(r.Decision, r)
			return "", exitDeny
		case keyturn.StateExpired, keyturn.StateCancelled:
			fmt.Fprintf(x.e.stderr, "keyturn exec: %s %s before it was approved; nothing ran\n", r.ID, r.State)
			return "", exitExpired
		}
		if r.State == keyturn.StateApproved {
			fmt.Fprintf(x.e.stderr, "keyturn: %s %s\n", r.ID, approvedBy(r))
		}
		// Approved (or its grant already used): submitting the same action
		// again consumes the grant, or opens a new request.
		if resubmits++; resubmits > 5 {
			fmt.Fprintf(x.e.stderr, "keyturn exec: %s is %s but the server does not allow the command; nothing ran\n", r.ID, r.State)
			return "", exitInternal
		}
		if v, err = svc.Submit(ctx, x.action, 0); err != nil {
			if ctx.Err() != nil {
				return "", x.giveUp(svc, r.ID)
			}
			return "", x.e.failRemote(err)
		}
	}
}

// wait follows a pending request until its state changes. It returns runIt
// and the request once decided, or an exit status when the wait ends
// (Ctrl-C or --timeout: the request is cancelled) or the server errs.
func (x *execution) wait(waitCtx, ctx context.Context, svc keyturn.Service, r *keyturn.Request) (*keyturn.Request, int) {
	line := &statusLine{w: x.e.stderr, tty: x.tty}
	poll := 30 * time.Second
	if x.tty {
		poll = 10 * time.Second // the countdown moves
	}
	line.show(waitingText(r), " — expires in "+shortDuration(time.Until(r.ExpiresAt)))
	for {
		next, err := svc.Request(waitCtx, r.ID, poll)
		if waitCtx.Err() != nil {
			line.done()
			if ctx.Err() == nil {
				fmt.Fprintf(x.e.stderr, "keyturn exec: no decision within %s\n", x.o.timeout)
			}
			return nil, x.giveUp(svc, r.ID)
		}
		if err != nil {
			if keyturn.ErrorCode(err) != keyturn.EUNAVAILABLE {
				line.done()
				return nil, x.e.failRemote(err)
			}
			line.show("the server is unreachable, retrying", " — "+r.ID+" is still pending there")
			select {
			case <-waitCtx.Done():
			case <-time.After(2 * time.Second):
			}
			continue
		}
		r = next
		if r.State != keyturn.StatePending {
			line.done()
			return r, runIt
		}
		line.show(waitingText(r), " — expires in "+shortDuration(time.Until(r.ExpiresAt)))
	}
}

// giveUp cancels the request on the way out: nobody is left to run it, so
// an approval must not turn it into a grant.
func (x *execution) giveUp(svc keyturn.Service, id string) int {
	cctx, cancel := withTimeout(10 * time.Second)
	defer cancel()
	r, err := svc.Cancel(cctx, id)
	switch {
	case err != nil:
		fmt.Fprintf(x.e.stderr, "keyturn exec: could not cancel %s (%s); nothing ran\n", id, keyturn.ErrorMessage(err))
	default:
		fmt.Fprintf(x.e.stderr, "keyturn exec: %s %s; nothing ran\n", id, r.State)
	}
	return exitExpired
}

// announce tells the person at the terminal what the request needs and who
// can give it.
func (x *execution) announce(r *keyturn.Request) {
	w := x.e.stderr
	fmt.Fprintf(w, "keyturn: %s is waiting: %s\n", r.ID, requirement(r))
	for _, rs := range r.Decision.Reasons {
		fmt.Fprintf(w, "  why:          %s [%s]\n", oneLine(rs.Message), rs.Policy)
	}
	if r.Decision.Outcome == keyturn.Ask {
		fmt.Fprintf(w, "  may confirm:  %s (the operator)\n", r.Operator)
	} else if len(r.Approvers) > 0 {
		fmt.Fprintf(w, "  may approve:  %s\n", strings.Join(r.Approvers, ", "))
	} else {
		fmt.Fprintln(w, "  may approve:  nobody eligible yet (an admin adds approvers with `keyturn user add NAME --role approver`)")
	}
	if r.Decision.Outcome == keyturn.Ask {
		fmt.Fprintf(w, "  confirm with: keyturn confirm %s   (by %s)\n", r.ID, r.Operator)
	} else {
		fmt.Fprintf(w, "  approve with: keyturn approve %s\n", r.ID)
	}
}

// approvedBy says who let the request through.
func approvedBy(r *keyturn.Request) string {
	var who []string
	for _, v := range r.Votes {
		if v.Verdict == keyturn.VoteApprove || v.Verdict == keyturn.VoteConfirm {
			who = append(who, v.User)
		}
	}
	switch {
	case r.BreakGlass:
		return "let through by break-glass (" + r.DecidedBy + ")"
	case len(who) > 0:
		return "approved by " + strings.Join(who, ", ")
	}
	return "approved"
}

// waitingText is the status line: what is still missing and who gave what.
func waitingText(r *keyturn.Request) string {
	if r.Decision.Outcome == keyturn.Ask {
		return fmt.Sprintf("waiting for %s to confirm", r.Operator)
	}
	n := missingApprovals(r)
	s := fmt.Sprintf("waiting for %d more %s", n, plural(n, "approval", "approvals"))
	var approved []string
	for _, v := range r.Votes {
		if v.Verdict == keyturn.VoteApprove {
			approved = append(approved, v.User)
		}
	}
	if len(approved) > 0 {
		s += " (" + strings.Join(approved, ", ") + " approved)"
	}
	return s
}

// denied prints why, from the policy or from the human who denied.
func (x *execution) denied(d keyturn.Decision, r *keyturn.Request) {
	w := x.e.stderr
	if r != nil {
		for _, v := range r.Votes {
			if v.Verdict == keyturn.VoteDeny {
				fmt.Fprintf(w, "keyturn exec: %s denied by %s: %s\n", r.ID, v.User, oneLine(v.Comment))
				return
			}
		}
		if r.DecidedBy != "" && len(d.Reasons) == 0 {
			fmt.Fprintf(w, "keyturn exec: %s denied by %s\n", r.ID, r.DecidedBy)
			return
		}
	}
	fmt.Fprintln(w, "keyturn exec: denied; nothing ran")
	for _, rs := range d.Reasons {
		fmt.Fprintf(w, "  why: %s [%s]\n", oneLine(rs.Message), rs.Policy)
	}
}

// local decides without the server, as DESIGN.md's "Failing closed" says:
// only a command that only reads, and that the local policy allows, runs.
func (x *execution) local(cause error) int {
	w := x.e.stderr
	ck, err := newChecker(x.e, x.o.config, x.o.policy, x.cwd)
	if err != nil {
		fmt.Fprintf(w, "keyturn exec: the keyturn server is unreachable (%s) and the command cannot be judged locally (%s); nothing ran\n",
			keyturn.ErrorMessage(cause), keyturn.ErrorMessage(err))
		return exitDeny
	}
	res := ck.check(x.action.Command, x.cwd, processEnv(x.environ))
	if len(res.Effects) > 0 && keyturn.StrictestClass(res.Effects) == keyturn.Read && res.Decision == keyturn.Allow {
		fmt.Fprintf(w, "keyturn exec: the keyturn server is unreachable (%s); running this read-only command without it\n", keyturn.ErrorMessage(cause))
		return runIt
	}
	var ops []string
	for _, e := range shownEffects(res.Effects) {
		if e.Class != keyturn.Read {
			ops = append(ops, fmt.Sprintf("%s (%s)", e.Operation, e.Class))
		}
	}
	what := "the local policy says " + string(res.Decision)
	if len(ops) > 0 {
		what = strings.Join(dedupe(ops), ", ")
	}
	fmt.Fprintf(w, "keyturn exec: the keyturn server is unreachable (%s), and without it only read-only commands run; this one is not: %s. Nothing ran; try again when the server is back.\n",
		keyturn.ErrorMessage(cause), oneLine(what))
	return exitDeny
}

// runCommand runs exactly the argv that was judged, without a shell, and
// returns its exit status the way a shell reports it.
func (x *execution) runCommand() (int, time.Duration) {
	cmd := &exec.Cmd{Path: x.path, Args: x.argv, Env: x.environ, Dir: x.cwd,
		Stdin: x.e.stdin, Stdout: x.e.stdout, Stderr: x.e.stderr}
	// keyturn catches both signals so that it outlives the child and reports
	// its result. At a terminal, Ctrl-C already reaches the child (same
	// foreground process group); sending it again would make a program such
	// as terraform abort hard instead of stopping cleanly.
	forwardInterrupt := !x.tty && !isTerminal(x.e.stdin)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(x.e.stderr, "keyturn exec: could not start %s: %v\n", x.argv[0], err)
		if errors.Is(err, os.ErrPermission) {
			return 126, time.Since(start)
		}
		return exitNotFound, time.Since(start)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				if s != os.Interrupt || forwardInterrupt {
					cmd.Process.Signal(s)
				}
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	took := time.Since(start)
	if cmd.ProcessState == nil {
		fmt.Fprintf(x.e.stderr, "keyturn exec: %s: %v\n", x.argv[0], err)
		return exitInternal, took
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), took
	}
	return cmd.ProcessState.ExitCode(), took
}

// argvAction turns argv into the shell action the gateway judges: its
// words quoted so that the shell line means exactly this argv and nothing
// more. What cannot be written so is refused: the line judged and the argv
// run must never differ.
func argvAction(argv []string, cwd string, environ []string) (*keyturn.Action, error) {
	words := make([]string, len(argv))
	for i, a := range argv {
		q, err := syntax.Quote(a, syntax.LangBash)
		if err != nil {
			return nil, keyturn.Errorf(keyturn.EINVALID, "word %d of the command (%s) cannot be written as a shell word: %v", i+1, oneLine(cut(a, 40)), err)
		}
		words[i] = q
	}
	line := strings.Join(words, " ")
	if err := sameArgv(line, argv); err != nil {
		return nil, err
	}
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && keyturn.MeaningfulEnv(k) {
			env[k] = v
		}
	}
	return &keyturn.Action{Kind: keyturn.KindShell, Command: line, Cwd: cwd, Env: env}, nil
}

// sameArgv parses line back and checks it is one plain command whose words
// are exactly argv, with nothing the shell would expand.
func sameArgv(line string, argv []string) error {
	refuse := func(why string) error {
		return keyturn.Errorf(keyturn.EINVALID, "the command cannot be submitted as a plain command (%s); run it through `env` or `bash -c` instead", why)
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(line), "")
	if err != nil {
		return refuse(err.Error())
	}
	if len(f.Stmts) != 1 {
		return refuse("it is more than one command")
	}
	st := f.Stmts[0]
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || st.Negated || st.Background || st.Coprocess || len(st.Redirs) > 0 || len(call.Assigns) > 0 || len(call.Args) != len(argv) {
		return refuse("its first word would be read as shell syntax")
	}
	for i, w := range call.Args {
		for _, p := range w.Parts {
			switch p := p.(type) {
			case *syntax.SglQuoted:
			case *syntax.DblQuoted:
				for _, q := range p.Parts {
					if _, ok := q.(*syntax.Lit); !ok {
						return refuse(fmt.Sprintf("word %d would be expanded", i+1))
					}
				}
			case *syntax.Lit:
				if strings.ContainsAny(p.Value, "*?[]{}~$`\\") {
					return refuse(fmt.Sprintf("word %d would be expanded", i+1))
				}
			default:
				return refuse(fmt.Sprintf("word %d would be expanded", i+1))
			}
		}
		s, err := expand.Literal(nil, w)
		if err != nil || s != argv[i] {
			return refuse(fmt.Sprintf("word %d would change", i+1))
		}
	}
	return nil
}

// lookPath finds argv[0] the way the child's PATH would: in the caller's
// PATH (from environ), never in a relative directory of it.
func lookPath(name, cwd string, environ []string) (string, error) {
	if strings.Contains(name, "/") {
		p := name
		if !filepath.IsAbs(p) {
			p = filepath.Join(cwd, p)
		}
		if err := executable(p); err != nil {
			return "", keyturn.Errorf(keyturn.ENOTFOUND, "%s: %v", name, err)
		}
		return p, nil
	}
	path := ""
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == "PATH" {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		if !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, name)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", keyturn.Errorf(keyturn.ENOTFOUND, "%s: command not found", name)
}

func executable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return os.ErrPermission
	}
	return nil
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// statusLine is the live line on stderr: redrawn in place at a terminal,
// else a plain line each time what it says changes (not the countdown).
type statusLine struct {
	w     io.Writer
	tty   bool
	last  string
	shown bool
}

func (s *statusLine) show(text, suffix string) {
	if s.tty {
		fmt.Fprintf(s.w, "\r\x1b[K%s%s", text, suffix)
		s.shown = true
		return
	}
	if text != s.last {
		fmt.Fprintf(s.w, "keyturn: %s%s\n", text, suffix)
		s.last = text
	}
}

func (s *statusLine) done() {
	if s.tty && s.shown {
		fmt.Fprint(s.w, "\r\x1b[K")
		s.shown = false
	}
}
