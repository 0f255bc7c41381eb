// Package mcp puts keyturn into the Model Context Protocol: Proxy stands
// between an agent and a real MCP server and sends every tools/call through
// keyturn before it reaches the server; NewServer is an MCP server whose
// tools let an agent ask keyturn what would happen to an action, submit one,
// and follow its request, so that it plans around approvals instead of
// retrying blindly.
//
// Both speak MCP through github.com/modelcontextprotocol/go-sdk v1.8.0 (the
// mcp package: Server, Client, CommandTransport, StreamableClientTransport)
// and call keyturn only through a keyturn.Service: the HTTP client in
// production, anything that implements it in tests. Neither shells out to
// the keyturn CLI.
package mcp

import (
	"fmt"
	"strings"
	"time"

	"keyturn"
)

// DefaultWait is how long a tools/call waits for peers to approve before it
// answers with a tool error that names the request. It stays under the
// minute that MCP clients commonly allow a call.
const DefaultWait = 50 * time.Second

// needed says in words what it takes for a held request to pass.
func needed(r *keyturn.Request) string {
	switch r.Decision.Outcome {
	case keyturn.Ask:
		op := r.Operator
		if op == "" {
			op = "the agent's operator"
		}
		return fmt.Sprintf("its operator %s to confirm it (`keyturn confirm %s`)", op, r.ID)
	case keyturn.Approve:
		n := r.Decision.Approvals - approvals(r)
		if n < 1 {
			n = 1
		}
		what := fmt.Sprintf("%d more approval", n)
		if n > 1 {
			what += "s"
		}
		what += " from peers other than the operator"
		if r.Operator != "" {
			what += " (" + r.Operator + ")"
		}
		if r.Decision.Group != "" {
			what += " in group " + r.Decision.Group
		}
		return what + fmt.Sprintf(" (`keyturn approve %s`)", r.ID)
	default:
		return "a decision by a person"
	}
}

// approvals counts the approve votes a request has.
func approvals(r *keyturn.Request) int {
	n := 0
	for _, v := range r.Votes {
		if v.Verdict == keyturn.VoteApprove {
			n++
		}
	}
	return n
}

// reasons joins a decision's reasons for a person.
func reasons(d keyturn.Decision) string {
	if len(d.Reasons) == 0 {
		return "no reason given"
	}
	parts := make([]string, 0, len(d.Reasons))
	for _, r := range d.Reasons {
		parts = append(parts, r.Policy+": "+r.Message)
	}
	return strings.Join(parts, "; ")
}

// approvers names who may still approve, or says nobody is listed.
func approvers(r *keyturn.Request) string {
	if len(r.Approvers) == 0 {
		return "no eligible approver is listed: ask a keyturn admin"
	}
	return strings.Join(r.Approvers, ", ")
}
