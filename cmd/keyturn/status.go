package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"io"

	"keyturn"
)

const statusUsage = `status [--json] [--url URL] [--token TOKEN]

Shows the server this CLI talks to, who you are there, the policy version in
force, whether a change freeze is on, and the head of the audit log. An
agent's token sees only who it is.

Examples:
  keyturn status
  keyturn status --json | jq .freeze`

// statusReport is what status prints; its JSON is the --json output.
type statusReport struct {
	URL    string             `json:"url"`
	Whoami *keyturn.Principal `json:"whoami"`
	// The rest is for humans only; an agent's token leaves it empty.
	PolicyVersion string          `json:"policy_version,omitempty"`
	Freeze        *keyturn.Freeze `json:"freeze,omitempty"`
	AuditSeq      int64           `json:"audit_seq"`
	AuditHead     string          `json:"audit_head,omitempty"`
	PublicKey     string          `json:"public_key,omitempty"`
}

func runStatus(e *env, args []string) int {
	var r remote
	var asJSON bool
	fs := newFlags(e, "status", statusUsage)
	fs.BoolVar(&asJSON, "json", false, "print the status as JSON")
	r.flags(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "keyturn status: unexpected argument %q\n\nUsage: keyturn %s\n", fs.Arg(0), statusUsage)
		return exitUsage
	}
	svc, url, err := r.service(e)
	if err != nil {
		return e.fail(err)
	}
	who, err := svc.Whoami(e.ctx)
	if err != nil {
		return e.fail(err)
	}
	if who == nil {
		return e.fail(keyturn.Errorf(keyturn.EINTERNAL, "the server at %s did not say who you are", url))
	}
	rep := statusReport{URL: url, Whoami: who}
	if who.IsUser() {
		st, err := svc.Status(e.ctx)
		if err != nil {
			return e.fail(err)
		}
		rep.PolicyVersion, rep.Freeze, rep.AuditSeq, rep.PublicKey = st.PolicyVersion, &st.Freeze, st.AuditSeq, st.PublicKey
		if st.AuditSeq > 0 {
			evs, err := svc.Events(e.ctx, st.AuditSeq-1, 1)
			if err != nil {
				return e.fail(err)
			}
			if len(evs) == 1 {
				rep.AuditHead = evs[0].Hash
			}
		}
	}
	if asJSON {
		return writeJSON(e, rep)
	}
	printStatus(e.stdout, rep)
	return exitOK
}

func printStatus(w io.Writer, r statusReport) {
	fmt.Fprintf(w, "server          %s\n", r.URL)
	who := r.Whoami.String()
	switch {
	case r.Whoami.User != nil:
		roles := ""
		for i, ro := range r.Whoami.User.Roles {
			if i > 0 {
				roles += ", "
			}
			roles += string(ro)
		}
		who += " (" + dash(roles) + ")"
	case r.Whoami.Agent != nil:
		a := r.Whoami.Agent
		who += fmt.Sprintf(" (%s for operator %s, expires %s)", a.Kind, a.Operator, shortTime(a.ExpiresAt))
	}
	fmt.Fprintf(w, "you are         %s\n", who)
	if r.Freeze == nil {
		fmt.Fprintln(w, "(an agent's token sees no more: policy, freeze and audit are for humans)")
		return
	}
	fmt.Fprintf(w, "policy version  %s\n", r.PolicyVersion)
	if r.Freeze.On {
		fmt.Fprintf(w, "freeze          ON since %s by %s: %s\n", shortTime(r.Freeze.Since), dash(r.Freeze.By), oneLine(r.Freeze.Reason))
	} else {
		fmt.Fprintln(w, "freeze          off")
	}
	head := r.AuditHead
	if head == "" {
		head = "-"
	}
	fmt.Fprintf(w, "audit log       %d events, head %s\n", r.AuditSeq, head)
	if b, err := base64.StdEncoding.DecodeString(r.PublicKey); err == nil && len(b) == ed25519.PublicKeySize {
		fmt.Fprintf(w, "audit key       %s (Ed25519 %s)\n", keyturn.KeyID(b), r.PublicKey)
	}
}
