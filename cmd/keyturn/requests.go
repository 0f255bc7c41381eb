package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"keyturn"
)

const (
	pendingUsage = `pending [--url U] [--token T] [--json]

Lists the requests waiting for a decision: who asked, what is needed, the
command and when it expires. 'keyturn show ID' tells everything about one.`
	showUsage = `show [--url U] [--token T] [--json] ID

Shows everything a reviewer needs: the exact command (secrets masked), where
it runs, what it would do, why it needs approval, which agent asked for which
operator, the votes so far and who may still approve.`
	approveUsage = `approve [--url U] [--token T] [-m COMMENT] [--digest D] [--json] ID

Approves a request. Only approvers other than the requesting agent's operator
count. The approval is bound to the request's digest: give --digest (from
'keyturn show') to approve exactly what you reviewed.`
	denyUsage = `deny [--url U] [--token T] -m REASON [--digest D] [--json] ID

Denies a request; one eligible denial denies it at once. A reason is required.`
	confirmUsage = `confirm [--url U] [--token T] [-m COMMENT] [--digest D] [--json] ID

Confirms your own agent's request that asks its operator.`
	cancelUsage = `cancel [--url U] [--token T] [--json] ID

Withdraws a pending request (its agent or the agent's operator).`
)

// requestOptions are the options the request commands share.
type requestOptions struct {
	remote  remote
	json    bool
	comment string
	digest  string
}

// requestCommand parses the flags of a command that acts on one request
// and returns its id. withComment registers -m and --digest.
func requestCommand(e *env, name, usage string, args []string, withComment bool) (o requestOptions, id string, code int, ok bool) {
	fs := newFlags(e, name, usage)
	o.remote.flags(fs)
	fs.BoolVar(&o.json, "json", false, "print the request as JSON")
	if withComment {
		fs.StringVar(&o.comment, "m", "", "a `comment` for the record")
		fs.StringVar(&o.digest, "digest", "", "the `digest` you reviewed (default: the request's current digest)")
	}
	operands, code, ok := parseInterspersed(fs, args)
	if !ok {
		return o, "", code, false
	}
	if len(operands) != 1 || strings.TrimSpace(operands[0]) == "" {
		fmt.Fprintf(e.stderr, "keyturn %s: give exactly one request ID\n\nUsage: keyturn %s\n", name, usage)
		return o, "", exitUsage, false
	}
	return o, strings.TrimSpace(operands[0]), 0, true
}

// failRemote prints the server's message, which says what to do next, and
// returns 1: the command line was fine, the server said no.
func (e *env) failRemote(err error) int {
	e.fail(err)
	return exitInternal
}

func runPending(e *env, args []string) int {
	var o requestOptions
	fs := newFlags(e, "pending", pendingUsage)
	o.remote.flags(fs)
	fs.BoolVar(&o.json, "json", false, "print the requests as JSON")
	operands, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(operands) > 0 {
		fmt.Fprintf(e.stderr, "keyturn pending: unexpected %q\n\nUsage: keyturn %s\n", operands[0], pendingUsage)
		return exitUsage
	}
	svc, _, err := o.remote.service(e)
	if err != nil {
		return e.fail(err)
	}
	reqs, err := svc.Requests(e.ctx, keyturn.RequestFilter{State: keyturn.StatePending})
	if err != nil {
		return e.failRemote(err)
	}
	if o.json {
		if reqs == nil {
			reqs = []*keyturn.Request{}
		}
		return e.printJSON(map[string]any{"requests": reqs})
	}
	if len(reqs) == 0 {
		fmt.Fprintln(e.stdout, "no pending requests")
		return exitOK
	}
	printPending(e.stdout, reqs, time.Now(), terminalWidth(e))
	return exitOK
}

// printPending writes a table of the requests, each with its command on
// the line below, cut to the width: the command is what a reviewer reads
// first and it rarely fits beside the rest.
func printPending(w io.Writer, reqs []*keyturn.Request, now time.Time, width int) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAGE\tAGENT → OPERATOR\tNEEDS\tEXPIRES IN")
	for _, r := range reqs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, shortDuration(now.Sub(r.CreatedAt)), requester(r), needs(r),
			shortDuration(r.ExpiresAt.Sub(now)))
		// A tab-free line passes through tabwriter as one cell.
		fmt.Fprintf(tw, "  $ %s\n", cut(oneLine(subject(r)), max(width-4, 20)))
	}
	tw.Flush()
}

func runShow(e *env, args []string) int {
	o, id, code, ok := requestCommand(e, "show", showUsage, args, false)
	if !ok {
		return code
	}
	svc, _, err := o.remote.service(e)
	if err != nil {
		return e.fail(err)
	}
	r, err := svc.Request(e.ctx, id, 0)
	if err != nil {
		return e.failRemote(err)
	}
	if o.json {
		return e.printJSON(r)
	}
	printRequest(e.stdout, r, time.Now())
	return exitOK
}

// printRequest writes everything a reviewer needs to decide, in the order
// they need it: what runs, what it does, why it is held, who asked, and
// where the decision stands.
func printRequest(w io.Writer, r *keyturn.Request, now time.Time) {
	fmt.Fprintf(w, "request %s  %s\n\n", r.ID, strings.ToUpper(string(r.State)))
	if r.Type == keyturn.RequestPolicy {
		fmt.Fprintf(w, "  policy change:  version %s, pushed by %s\n", r.PolicyVersion, r.Operator)
	} else {
		a := r.Action
		fmt.Fprintf(w, "  command:  %s\n", strings.ReplaceAll(visible(actionText(a), true), "\n", "\n            "))
		if a.Cwd != "" {
			fmt.Fprintf(w, "  cwd:      %s\n", oneLine(a.Cwd))
		}
		names := make([]string, 0, len(a.Env))
		for k := range a.Env {
			if keyturn.MeaningfulEnv(k) {
				names = append(names, k)
			}
		}
		slices.Sort(names)
		for i, k := range names {
			label := "            "
			if i == 0 {
				label = "  env:      "
			}
			fmt.Fprintf(w, "%s%s=%s\n", label, k, oneLine(a.Env[k]))
		}
		fmt.Fprintf(w, "  asked by: agent %s, for operator %s\n", oneLine(r.Agent), oneLine(r.Operator))
		if a.Reason != "" {
			fmt.Fprintf(w, "  agent's reason (its own words, not verified): %s\n", oneLine(a.Reason))
		}
	}
	if len(r.Effects) > 0 {
		fmt.Fprintln(w)
		printEffects(w, r.Effects)
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "  why it is held:")
	for _, rs := range r.Decision.Reasons {
		fmt.Fprintf(w, "    %s [%s]\n", oneLine(rs.Message), rs.Policy)
	}
	fmt.Fprintf(w, "    %s\n", requirement(r))
	if r.Decision.PolicyVersion != "" {
		fmt.Fprintf(w, "    (policy version %s)\n", r.Decision.PolicyVersion)
	}

	fmt.Fprintln(w)
	if len(r.Votes) == 0 {
		fmt.Fprintln(w, "  votes:    none yet")
	} else {
		fmt.Fprintln(w, "  votes:")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, v := range r.Votes {
			comment := ""
			if v.Comment != "" {
				comment = `"` + oneLine(v.Comment) + `"`
			}
			fmt.Fprintf(tw, "    %s\t%s\t%s (%s ago)\t%s\n", v.User, v.Verdict, v.At.Local().Format(time.DateTime), shortDuration(now.Sub(v.At)), comment)
		}
		tw.Flush()
	}
	if r.State == keyturn.StatePending && r.Decision.Outcome == keyturn.Ask && r.Type != keyturn.RequestPolicy {
		fmt.Fprintf(w, "  may confirm: %s (the operator)\n", oneLine(r.Operator))
	} else if r.State == keyturn.StatePending {
		if len(r.Approvers) > 0 {
			fmt.Fprintf(w, "  may still approve: %s\n", strings.Join(r.Approvers, ", "))
		} else {
			fmt.Fprintln(w, "  may still approve: nobody eligible (add an approver with `keyturn user add NAME --role approver`)")
		}
	}

	fmt.Fprintln(w)
	fmt.Fprintf(w, "  state:    %s\n", stateLine(r, now))
	fmt.Fprintf(w, "  created:  %s\n", r.CreatedAt.Local().Format(time.DateTime))
	if r.Result != nil {
		fmt.Fprintf(w, "  result:   exit %d after %s\n", r.Result.ExitCode, time.Duration(r.Result.DurationMs)*time.Millisecond)
	}
	if r.BreakGlass {
		fmt.Fprintln(w, "  BREAK-GLASS: let through by an admin; flagged for review")
	}
	fmt.Fprintf(w, "  digest:   %s\n", r.Digest)
	if r.State == keyturn.StatePending {
		fmt.Fprintln(w)
		if r.Decision.Outcome == keyturn.Ask {
			fmt.Fprintf(w, "  confirm:  keyturn confirm %s\n", r.ID)
		} else {
			fmt.Fprintf(w, "  approve:  keyturn approve %s --digest %s\n", r.ID, r.Digest)
		}
		fmt.Fprintf(w, "  deny:     keyturn deny %s -m REASON\n", r.ID)
	}
}

// printEffects writes the same table check prints.
func printEffects(w io.Writer, effects []keyturn.Effect) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  TOOL\tOPERATION\tCLASS\tENVIRONMENT\tTARGETS")
	for _, e := range shownEffects(effects) {
		flags := ""
		if e.Protected {
			flags += " [protected]"
		}
		if e.SelfModify {
			flags += " [keyturn's own files]"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s%s\n", e.Tool, e.Operation, e.Class, e.Environment, cut(oneLine(strings.Join(e.Targets, ", ")), 80), flags)
	}
	tw.Flush()
}

func runApprove(e *env, args []string) int {
	return vote(e, "approve", approveUsage, args, func(svc keyturn.Service, id, digest, comment string) (*keyturn.Request, error) {
		return svc.Approve(e.ctx, id, digest, comment)
	})
}

func runDeny(e *env, args []string) int {
	return vote(e, "deny", denyUsage, args, func(svc keyturn.Service, id, digest, comment string) (*keyturn.Request, error) {
		return svc.Deny(e.ctx, id, digest, comment)
	})
}

func runConfirm(e *env, args []string) int {
	return vote(e, "confirm", confirmUsage, args, func(svc keyturn.Service, id, digest, comment string) (*keyturn.Request, error) {
		return svc.Confirm(e.ctx, id, digest, comment)
	})
}

// vote fetches the request first and sends the digest it shows (or the one
// the reviewer gives), so that a vote is always bound to what was seen.
func vote(e *env, name, usage string, args []string, cast func(svc keyturn.Service, id, digest, comment string) (*keyturn.Request, error)) int {
	o, id, code, ok := requestCommand(e, name, usage, args, true)
	if !ok {
		return code
	}
	if name == "deny" && strings.TrimSpace(o.comment) == "" {
		fmt.Fprintf(e.stderr, "keyturn deny: say why with -m REASON: the agent and its operator read it\n\nUsage: keyturn %s\n", usage)
		return exitUsage
	}
	svc, _, err := o.remote.service(e)
	if err != nil {
		return e.fail(err)
	}
	seen, err := svc.Request(e.ctx, id, 0)
	if err != nil {
		return e.failRemote(err)
	}
	digest := seen.Digest
	if o.digest != "" {
		if o.digest != seen.Digest {
			fmt.Fprintf(e.stderr, "keyturn %s: %s's digest is now %s, not the %s you gave: review it again with `keyturn show %s`\n",
				name, id, seen.Digest, o.digest, id)
			return exitInternal
		}
		digest = o.digest
	}
	r, err := cast(svc, id, digest, strings.TrimSpace(o.comment))
	if err != nil {
		return e.failRemote(err)
	}
	if o.json {
		return e.printJSON(r)
	}
	fmt.Fprintf(e.stdout, "%s  %s\n", r.ID, oneLine(subject(r)))
	fmt.Fprintln(e.stdout, outcomeLine(r, time.Now()))
	return exitOK
}

func runCancel(e *env, args []string) int {
	o, id, code, ok := requestCommand(e, "cancel", cancelUsage, args, false)
	if !ok {
		return code
	}
	svc, _, err := o.remote.service(e)
	if err != nil {
		return e.fail(err)
	}
	r, err := svc.Cancel(e.ctx, id)
	if err != nil {
		return e.failRemote(err)
	}
	if o.json {
		return e.printJSON(r)
	}
	fmt.Fprintf(e.stdout, "%s  %s\n", r.ID, oneLine(subject(r)))
	fmt.Fprintln(e.stdout, outcomeLine(r, time.Now()))
	return exitOK
}

// outcomeLine says where a request stands after a vote and what remains.
func outcomeLine(r *keyturn.Request, now time.Time) string {
	if r.Type == keyturn.RequestPolicy && (r.State == keyturn.StateApproved || r.State == keyturn.StateExecuted) {
		return fmt.Sprintf("approved: policy version %s is now active", r.PolicyVersion)
	}
	switch r.State {
	case keyturn.StatePending:
		return "pending: " + remaining(r)
	case keyturn.StateApproved:
		within := "within " + shortDuration(keyturn.DefaultGrantTTL)
		if r.Grant != nil && !r.Grant.ExpiresAt.IsZero() {
			within = "within " + shortDuration(r.Grant.ExpiresAt.Sub(now))
		}
		return fmt.Sprintf("approved: the agent's next run of this command will pass once, %s", within)
	case keyturn.StateDenied:
		return "denied: the command will not run; the agent sees the reason"
	case keyturn.StateCancelled:
		return "cancelled: the request is withdrawn"
	case keyturn.StateExpired:
		return "expired: nothing can approve it now; the agent must ask again"
	case keyturn.StateExecuted:
		return "executed: the approved run happened"
	case keyturn.StateFailed:
		return "failed: the approved run happened and failed"
	}
	return string(r.State)
}

// remaining says what a pending request still needs and who may give it.
func remaining(r *keyturn.Request) string {
	who := "nobody eligible may approve yet (an admin adds approvers with `keyturn user add NAME --role approver`)"
	if len(r.Approvers) > 0 {
		who = strings.Join(r.Approvers, ", ") + " may approve"
	}
	if r.Decision.Outcome == keyturn.Ask {
		return fmt.Sprintf("waiting for the operator %s to confirm (keyturn confirm %s)", r.Operator, r.ID)
	}
	n := missingApprovals(r)
	return fmt.Sprintf("%d more %s needed: %s", n, plural(n, "approval", "approvals"), who)
}

// missingApprovals is how many approvals a pending request still needs:
// the votes the server recorded count, since it refuses ineligible ones.
func missingApprovals(r *keyturn.Request) int {
	need := max(r.Decision.Approvals, 1)
	for _, v := range r.Votes {
		if v.Verdict == keyturn.VoteApprove {
			need--
		}
	}
	return max(need, 1)
}

// requirement says in words what lifts the hold.
func requirement(r *keyturn.Request) string {
	switch {
	case r.Type == keyturn.RequestPolicy:
		return fmt.Sprintf("needs an admin other than %s to approve", r.Operator)
	case r.Decision.Outcome == keyturn.Ask:
		return fmt.Sprintf("needs its operator's confirmation (%s)", r.Operator)
	}
	n := max(r.Decision.Approvals, 1)
	s := fmt.Sprintf("needs %d %s from peers other than the operator (%s)", n, plural(n, "approval", "approvals"), r.Operator)
	if g := r.Group; g != "" {
		s += ", in group " + g
	} else if g := r.Decision.Group; g != "" {
		s += ", in group " + g
	}
	return s
}

// needs is requirement in a few words, for the pending table.
func needs(r *keyturn.Request) string {
	switch {
	case r.Type == keyturn.RequestPolicy:
		return "admin"
	case r.Decision.Outcome == keyturn.Ask:
		return "operator"
	}
	n := max(r.Decision.Approvals, 1)
	have := n - missingApprovals(r)
	if have > 0 {
		return fmt.Sprintf("%d of %d approvals", have, n)
	}
	return fmt.Sprintf("%d %s", n, plural(n, "approval", "approvals"))
}

func stateLine(r *keyturn.Request, now time.Time) string {
	switch r.State {
	case keyturn.StatePending:
		return fmt.Sprintf("pending, expires in %s (%s)", shortDuration(r.ExpiresAt.Sub(now)), r.ExpiresAt.Local().Format(time.DateTime))
	default:
		s := string(r.State)
		if !r.DecidedAt.IsZero() {
			s += " " + r.DecidedAt.Local().Format(time.DateTime)
		}
		if r.DecidedBy != "" {
			s += " by " + r.DecidedBy
		}
		return s
	}
}

func requester(r *keyturn.Request) string {
	if r.Type == keyturn.RequestPolicy {
		return r.Operator + " (policy)"
	}
	return oneLine(r.Agent) + " → " + oneLine(r.Operator)
}

// subject is what the request would do, in one line.
func subject(r *keyturn.Request) string {
	if r.Type == keyturn.RequestPolicy {
		return "policy push, version " + r.PolicyVersion
	}
	return actionText(r.Action)
}

// actionText shows an action (already masked by the server) as text.
func actionText(a keyturn.Action) string {
	switch a.Kind {
	case keyturn.KindShell, "":
		return a.Command
	case keyturn.KindFileWrite:
		return "write " + a.Path
	case keyturn.KindMCPTool:
		return fmt.Sprintf("mcp %s/%s %s", a.Server, a.Tool, string(a.Arguments))
	case keyturn.KindPlan:
		return "terraform plan"
	}
	return string(a.Kind)
}

func (e *env) printJSON(v any) int {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return e.fail(err)
	}
	return exitOK
}

// terminalWidth is $COLUMNS when set, else 80.
func terminalWidth(e *env) int {
	if n, err := strconv.Atoi(e.getenv("COLUMNS")); err == nil && n >= 40 {
		return n
	}
	return 80
}

// shortDuration is a duration for people: 45s, 12m, 1h5m, 3d.
func shortDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Round(time.Minute).Minutes()))
	case d < 48*time.Hour:
		d = d.Round(time.Minute)
		h, m := int(d.Hours()), int(d.Minutes())%60
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// oneLine keeps a value from an agent on one line and shows what it hides:
// an agent's text may hold newlines, terminal escapes or bidi controls meant
// to make a reviewer read something other than what runs.
func oneLine(s string) string { return visible(s, false) }

// visible escapes control characters, invisible and bidi-reordering runes
// as \xNN / \u{NNNN}; with keepNewlines, newlines stay (a script's lines).
func visible(s string, keepNewlines bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' && keepNewlines:
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r == utf8.RuneError, r >= 0x80 && r < 0xa0, r >= 0x200b && r <= 0x200f, r >= 0x2028 && r <= 0x202e,
			r >= 0x2060 && r <= 0x206f, r == 0xfeff:
			fmt.Fprintf(&b, `\u{%04x}`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cut shortens s to n runes, marking the cut.
func cut(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	if n <= 1 {
		return string(rs[:n])
	}
	return string(rs[:n-1]) + "…"
}

// withTimeout is a short context for a call that must happen even after
// the command's own context ended (cancelling on Ctrl-C, reporting).
func withTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
