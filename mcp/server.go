package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"keyturn"
)

// ServerConfig configures the MCP server of `keyturn mcp serve`.
type ServerConfig struct {
	// Service answers the tools; its principal is the agent.
	Service keyturn.Service
	// Cwd and Env are used for an action that names neither.
	Cwd string
	Env map[string]string
	// MaxWait bounds keyturn_status's wait; zero means DefaultWait.
	MaxWait time.Duration
	// Version is keyturn's version, shown to the client.
	Version string
}

// ActionInput describes an action as an agent gives it to keyturn_check and
// keyturn_request.
type ActionInput struct {
	Kind      string            `json:"kind,omitempty" jsonschema:"shell, file_write, mcp_tool, http or plan; shell when only command is given"`
	Command   string            `json:"command,omitempty" jsonschema:"the shell command line, exactly as it would run"`
	Path      string            `json:"path,omitempty" jsonschema:"the file to write, for file_write"`
	Content   string            `json:"content,omitempty" jsonschema:"the new content of the file, for file_write"`
	Server    string            `json:"server,omitempty" jsonschema:"the MCP server, for mcp_tool"`
	Tool      string            `json:"tool,omitempty" jsonschema:"the MCP tool, for mcp_tool"`
	Arguments map[string]any    `json:"arguments,omitempty" jsonschema:"the MCP tool's arguments, for mcp_tool"`
	Cwd       string            `json:"cwd,omitempty" jsonschema:"the absolute directory the action runs in (default: the server's)"`
	Env       map[string]string `json:"env,omitempty" jsonschema:"variables that change what the action means, such as AWS_PROFILE or KUBECONFIG"`
}

// RequestInput is keyturn_request's input: an action and why.
type RequestInput struct {
	ActionInput
	Reason string `json:"reason" jsonschema:"why the action is needed, in a sentence the approvers read"`
}

// StatusInput is keyturn_status's input.
type StatusInput struct {
	ID          string `json:"id" jsonschema:"the request id, such as r_abc…"`
	WaitSeconds int    `json:"wait_seconds,omitempty" jsonschema:"wait up to this many seconds for a pending request to change (at most 50)"`
}

// EffectView is one thing an action would do.
type EffectView struct {
	Tool        string   `json:"tool"`
	Operation   string   `json:"operation"`
	Class       string   `json:"class"`
	Environment string   `json:"environment"`
	Targets     []string `json:"targets,omitempty"`
	Note        string   `json:"note,omitempty"`
}

// ReasonView is one policy's reason.
type ReasonView struct {
	Policy  string `json:"policy"`
	Message string `json:"message"`
}

// VoteView is one person's vote.
type VoteView struct {
	User    string `json:"user"`
	Verdict string `json:"verdict"`
	Comment string `json:"comment,omitempty"`
	At      string `json:"at"`
}

// RequestView is a request as an agent sees it.
type RequestView struct {
	ID        string       `json:"id"`
	State     string       `json:"state"`
	Decision  string       `json:"decision"`
	Approvals int          `json:"approvals_needed,omitempty"`
	Group     string       `json:"group,omitempty"`
	Reasons   []ReasonView `json:"reasons,omitempty"`
	Votes     []VoteView   `json:"votes,omitempty"`
	Approvers []string     `json:"approvers,omitempty"`
	Operator  string       `json:"operator,omitempty"`
	ExpiresAt string       `json:"expires_at,omitempty"`
	Next      string       `json:"next"`
}

// Judgement is what keyturn_check and keyturn_request answer.
type Judgement struct {
	// Status is "allowed", "pending" or "denied" (what Submit answers, or
	// for a check what it would answer now).
	Status    string       `json:"status"`
	Decision  string       `json:"decision"`
	Approvals int          `json:"approvals_needed,omitempty"`
	Group     string       `json:"group,omitempty"`
	Effects   []EffectView `json:"effects"`
	Reasons   []ReasonView `json:"reasons,omitempty"`
	Digest    string       `json:"digest,omitempty"`
	Request   *RequestView `json:"request,omitempty"`
	Next      string       `json:"next"`
}

// NewServer returns the MCP server of `keyturn mcp serve` with its three
// tools: keyturn_check, keyturn_request and keyturn_status. Every tool
// calls the Service; errors come back as tool errors that say what to do.
func NewServer(c ServerConfig) *sdk.Server {
	version := c.Version
	if version == "" {
		version = "dev"
	}
	s := sdk.NewServer(&sdk.Implementation{Name: "keyturn", Version: version}, &sdk.ServerOptions{
		Instructions: "keyturn judges the actions of this agent before they run. Call keyturn_check before a command " +
			"or tool call that might change something, keyturn_request to ask for approval with a reason, and " +
			"keyturn_status to follow the request. Do not retry a held action blindly: follow its request.",
	})
	truth := true
	sdk.AddTool(s, &sdk.Tool{
		Name: "keyturn_check",
		Description: "What would keyturn do with this action, and why: the effects it sees, the decision " +
			"(allow, ask, approve or deny), the policies behind it and what it would take to run. Records nothing.",
		Annotations: &sdk.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: new(bool)},
	}, func(ctx context.Context, _ *sdk.CallToolRequest, in ActionInput) (*sdk.CallToolResult, Judgement, error) {
		a, err := c.action(in, "")
		if err != nil {
			return nil, Judgement{}, err
		}
		v, err := c.Service.Check(ctx, a)
		if err != nil {
			return nil, Judgement{}, serviceError("check the action", err)
		}
		return judged(v, true)
	})
	sdk.AddTool(s, &sdk.Tool{
		Name: "keyturn_request",
		Description: "Submit an action to keyturn with a reason, without waiting: an allowed action is allowed at " +
			"once; one that needs the operator or peers opens a request whose id keyturn_status follows. Once it " +
			"is approved, run the same action, unchanged, and it passes once.",
		Annotations: &sdk.ToolAnnotations{DestructiveHint: new(bool), OpenWorldHint: &truth},
	}, func(ctx context.Context, _ *sdk.CallToolRequest, in RequestInput) (*sdk.CallToolResult, Judgement, error) {
		if strings.TrimSpace(in.Reason) == "" {
			return nil, Judgement{}, fmt.Errorf("keyturn_request needs a reason: say in a sentence why the action is needed")
		}
		a, err := c.action(in.ActionInput, in.Reason)
		if err != nil {
			return nil, Judgement{}, err
		}
		v, err := c.Service.Submit(ctx, a, 0)
		if err != nil {
			return nil, Judgement{}, serviceError("submit the action", err)
		}
		return judged(v, false)
	})
	sdk.AddTool(s, &sdk.Tool{
		Name:        "keyturn_status",
		Description: "A keyturn request's state (pending, approved, denied, expired, cancelled, executed, failed), its votes and who may still approve it.",
		Annotations: &sdk.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: new(bool)},
	}, func(ctx context.Context, _ *sdk.CallToolRequest, in StatusInput) (*sdk.CallToolResult, RequestView, error) {
		id := strings.TrimSpace(in.ID)
		if id == "" {
			return nil, RequestView{}, fmt.Errorf("keyturn_status needs the request id (keyturn_request and held calls name it)")
		}
		wait := time.Duration(max(in.WaitSeconds, 0)) * time.Second
		limit := c.MaxWait
		if limit <= 0 {
			limit = DefaultWait
		}
		wait = min(wait, limit)
		r, err := c.Service.Request(ctx, id, wait)
		if err != nil {
			return nil, RequestView{}, serviceError("read request "+id, err)
		}
		rv := requestView(r)
		return text(fmt.Sprintf("request %s is %s: %s", rv.ID, rv.State, rv.Next)), *rv, nil
	})
	return s
}

// Serve runs the server of `keyturn mcp serve` on t until the client leaves
// or ctx is done.
func Serve(ctx context.Context, c ServerConfig, t sdk.Transport) error {
	return NewServer(c).Run(ctx, t)
}

// action builds a keyturn action from an agent's input.
func (c *ServerConfig) action(in ActionInput, reason string) (*keyturn.Action, error) {
	kind := keyturn.Kind(strings.TrimSpace(in.Kind))
	if kind == "" && in.Command != "" {
		kind = keyturn.KindShell
	}
	if kind == "" {
		return nil, fmt.Errorf("give the action: a command (for a shell line), or a kind with its fields")
	}
	a := &keyturn.Action{Kind: kind, Command: in.Command, Path: in.Path, Content: in.Content,
		Server: in.Server, Tool: in.Tool, Cwd: in.Cwd, Env: in.Env, Reason: reason}
	if a.Cwd == "" {
		a.Cwd = c.Cwd
	}
	if a.Env == nil {
		a.Env = c.Env
	}
	if in.Arguments != nil {
		b, err := json.Marshal(in.Arguments)
		if err != nil {
			return nil, fmt.Errorf("the arguments are not JSON: %v", err)
		}
		a.Arguments = b
	}
	return a, nil
}

// serviceError is a tool error that says what failed and what to do.
func serviceError(what string, err error) error {
	msg := keyturn.ErrorMessage(err)
	if keyturn.ErrorCode(err) == keyturn.EUNAVAILABLE {
		msg += " (is the keyturn server running? nothing was allowed meanwhile)"
	}
	return fmt.Errorf("keyturn could not %s: %s", what, msg)
}

func text(s string) *sdk.CallToolResult {
	return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: s}}}
}

// judged turns a verdict into the tools' answer.
func judged(v *keyturn.Verdict, check bool) (*sdk.CallToolResult, Judgement, error) {
	if v == nil {
		return nil, Judgement{}, fmt.Errorf("keyturn gave no answer")
	}
	j := Judgement{Status: v.Status, Decision: string(v.Decision.Outcome), Group: v.Decision.Group,
		Digest: v.Digest, Reasons: reasonViews(v.Decision.Reasons), Effects: []EffectView{}}
	if v.Decision.Outcome == keyturn.Approve {
		j.Approvals = v.Decision.Approvals
	}
	for _, e := range v.Effects {
		j.Effects = append(j.Effects, EffectView{Tool: e.Tool, Operation: e.Operation, Class: string(e.Class),
			Environment: string(e.Environment), Targets: e.Targets, Note: e.Note})
	}
	if v.Request != nil {
		j.Request = requestView(v.Request)
	}
	switch {
	case v.Status == keyturn.StatusAllowed:
		j.Next = "it may run now"
		if v.Request != nil {
			j.Next = "it may run now: request " + v.Request.ID + " is approved"
		}
	case v.Status == keyturn.StatusDenied:
		j.Next = "it will not run: " + reasons(v.Decision) + ". Do not retry it as it is"
	case v.Request != nil && v.Status == keyturn.StatusPending:
		j.Next = j.Request.Next
	case v.Decision.Outcome == keyturn.Ask:
		j.Next = "it needs the operator's confirmation: submit it with keyturn_request and a reason"
	case v.Decision.Outcome == keyturn.Approve:
		j.Next = fmt.Sprintf("it needs %d approval(s) from peers other than the operator: submit it with keyturn_request and a reason", v.Decision.Approvals)
	default:
		j.Next = "status " + v.Status
	}
	verb := "keyturn would answer"
	if !check {
		verb = "keyturn answered"
	}
	msg := fmt.Sprintf("%s %s (decision %s): %s.", verb, j.Status, v.Decision, j.Next)
	if len(j.Reasons) > 0 {
		msg += " Why: " + reasons(v.Decision) + "."
	}
	return text(msg), j, nil
}

func reasonViews(rs []keyturn.Reason) []ReasonView {
	var out []ReasonView
	for _, r := range rs {
		out = append(out, ReasonView{Policy: r.Policy, Message: r.Message})
	}
	return out
}

func requestView(r *keyturn.Request) *RequestView {
	rv := &RequestView{ID: r.ID, State: string(r.State), Decision: string(r.Decision.Outcome), Group: r.Decision.Group,
		Reasons: reasonViews(r.Decision.Reasons), Approvers: r.Approvers, Operator: r.Operator}
	if r.Decision.Outcome == keyturn.Approve {
		rv.Approvals = r.Decision.Approvals
	}
	if !r.ExpiresAt.IsZero() {
		rv.ExpiresAt = r.ExpiresAt.UTC().Format(time.RFC3339)
	}
	for _, v := range r.Votes {
		rv.Votes = append(rv.Votes, VoteView{User: v.User, Verdict: v.Verdict, Comment: v.Comment, At: v.At.UTC().Format(time.RFC3339)})
	}
	switch r.State {
	case keyturn.StatePending:
		rv.Next = fmt.Sprintf("it needs %s; who may approve: %s. Run the same action again, unchanged, once it is approved", needed(r), approvers(r))
	case keyturn.StateApproved:
		rv.Next = "approved: run the same action again, unchanged, and it passes once"
	case keyturn.StateDenied:
		rv.Next = "denied: do not run it; ask the people who denied it (see votes)"
	case keyturn.StateExpired, keyturn.StateCancelled:
		rv.Next = string(r.State) + ": submitting the action again opens a new request"
	case keyturn.StateExecuted, keyturn.StateFailed:
		rv.Next = "its one approved run is used (" + string(r.State) + "); another run needs a new request"
	default:
		rv.Next = "state " + string(r.State)
	}
	return rv
}
