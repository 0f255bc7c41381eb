package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"keyturn"
)

// Proxy is a transparent MCP proxy: downstream an MCP server the agent talks
// to, upstream a client session to the real server. It mirrors the
// upstream's tools (same name, description, schemas and annotations),
// resources, resource templates and prompts, and passes list-changed,
// resource-updated and log notifications on. Every tools/call is submitted
// to keyturn as a keyturn.Action of kind mcp_tool and forwarded only when
// keyturn answers "allowed"; any other answer, and any error, is a tool
// error and the upstream never sees the call.
//
// Tools whose call keyturn denies outright are not listed at all. That is
// decided per tool with Service.Check on the call with empty arguments
// (`{}`) when the tools are listed: a tool that arguments could make
// acceptable stays listed, and one that only some arguments make
// deniable stays listed too — its calls are still judged one by one.
//
// Fields are read by Start and must not change afterwards.
type Proxy struct {
	// Service judges the calls. The proxy calls it with the ctx of the
	// agent's request: the principal is the service's business (the HTTP
	// client sends the agent's token).
	Service keyturn.Service
	// Name is the MCP server's name in every action (Action.Server): what
	// the policy and the approvers see.
	Name string
	// Wait is how long a call waits for a held request to be decided
	// before it answers with a tool error; zero means DefaultWait.
	Wait time.Duration
	// Cwd and Env go into every action: where the upstream runs and the
	// variables that change what it does (AWS_PROFILE, PGHOST, …).
	Cwd string
	Env map[string]string
	// Logger, if set, hears about tools that could not be mirrored and
	// notifications that could not be passed on.
	Logger *slog.Logger

	mu      sync.Mutex
	session *sdk.ClientSession
	server  *sdk.Server
	tools   map[string]*sdk.Tool // upstream definitions, by name, of the listed tools
	res     map[string]bool      // mirrored resource URIs
	tmpls   map[string]bool      // mirrored resource template URIs
	prompts map[string]bool      // mirrored prompt names
	syncMu  sync.Mutex           // one mirroring pass at a time
}

// Run starts the proxy on upstream, serves the agent on downstream until
// either side ends or ctx is done, and closes the upstream session.
func (p *Proxy) Run(ctx context.Context, upstream, downstream sdk.Transport) error {
	srv, err := p.Start(ctx, upstream)
	if err != nil {
		return err
	}
	defer p.Close()
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	gone := make(chan struct{})
	go func() {
		// The upstream going away ends the proxy: an agent must not keep
		// calling tools that nothing answers.
		p.session.Wait()
		close(gone)
		cancel()
	}()
	err = srv.Run(ctx, downstream)
	select {
	case <-gone:
		if parent.Err() == nil {
			return keyturn.Errorf(keyturn.EUNAVAILABLE, "the upstream MCP server %s ended: restart the agent's MCP server to start it again", p.Name)
		}
	default:
	}
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Start connects to the upstream server, mirrors what it offers and
// returns the downstream server, ready for Run or Connect on the agent's
// transport. Close ends the upstream session.
func (p *Proxy) Start(ctx context.Context, upstream sdk.Transport) (*sdk.Server, error) {
	if p.Service == nil {
		return nil, keyturn.Errorf(keyturn.EINVALID, "the MCP proxy has no keyturn service")
	}
	if p.Name == "" {
		return nil, keyturn.Errorf(keyturn.EINVALID, "the MCP proxy needs a server name (--name)")
	}
	client := sdk.NewClient(&sdk.Implementation{Name: "keyturn-mcp-proxy", Version: "1"}, &sdk.ClientOptions{
		// The upstream's notifications are handled off its read loop:
		// mirroring lists the upstream again, which needs that loop.
		ToolListChangedHandler: func(context.Context, *sdk.ToolListChangedRequest) {
			go p.resync(context.Background(), p.syncTools)
		},
		ResourceListChangedHandler: func(context.Context, *sdk.ResourceListChangedRequest) {
			go p.resync(context.Background(), p.syncResources)
		},
		PromptListChangedHandler: func(context.Context, *sdk.PromptListChangedRequest) {
			go p.resync(context.Background(), p.syncPrompts)
		},
		ResourceUpdatedHandler: func(ctx context.Context, req *sdk.ResourceUpdatedNotificationRequest) {
			if srv := p.downstream(); srv != nil && req.Params != nil {
				go func() { p.warn(srv.ResourceUpdated(context.Background(), req.Params), "pass on resource update") }()
			}
		},
		LoggingMessageHandler: func(ctx context.Context, req *sdk.LoggingMessageRequest) {
			if srv := p.downstream(); srv != nil && req.Params != nil {
				go func() {
					for ss := range srv.Sessions() {
						p.warn(ss.Log(context.Background(), req.Params), "pass on a log message")
					}
				}()
			}
		},
	})
	cs, err := client.Connect(ctx, upstream, nil)
	if err != nil {
		return nil, keyturn.Errorf(keyturn.EUNAVAILABLE, "connect to the upstream MCP server %s: %v", p.Name, err)
	}
	ir := cs.InitializeResult()
	impl := &sdk.Implementation{Name: p.Name, Version: "keyturn-proxy"}
	opts := &sdk.ServerOptions{Logger: p.Logger}
	var caps *sdk.ServerCapabilities
	if ir != nil {
		if ir.ServerInfo != nil {
			// Transparent: the agent sees the upstream's name and version.
			impl = &sdk.Implementation{Name: ir.ServerInfo.Name, Title: ir.ServerInfo.Title, Version: ir.ServerInfo.Version}
		}
		opts.Instructions = ir.Instructions
		caps = ir.Capabilities
	}
	if caps != nil && caps.Resources != nil && caps.Resources.Subscribe {
		opts.SubscribeHandler = func(ctx context.Context, req *sdk.SubscribeRequest) error {
			return cs.Subscribe(ctx, req.Params)
		}
		opts.UnsubscribeHandler = func(ctx context.Context, req *sdk.UnsubscribeRequest) error {
			return cs.Unsubscribe(ctx, req.Params)
		}
	}
	if caps != nil && caps.Completions != nil {
		opts.CompletionHandler = func(ctx context.Context, req *sdk.CompleteRequest) (*sdk.CompleteResult, error) {
			return cs.Complete(ctx, req.Params)
		}
	}
	srv := sdk.NewServer(impl, opts)

	p.mu.Lock()
	p.session, p.server = cs, srv
	p.tools, p.res, p.tmpls, p.prompts = map[string]*sdk.Tool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	p.mu.Unlock()

	if caps == nil || caps.Tools != nil {
		if err := p.resync(ctx, p.syncTools); err != nil {
			cs.Close()
			return nil, err
		}
	}
	if caps != nil && caps.Resources != nil {
		if err := p.resync(ctx, p.syncResources); err != nil {
			p.warn(err, "mirror resources")
		}
	}
	if caps != nil && caps.Prompts != nil {
		if err := p.resync(ctx, p.syncPrompts); err != nil {
			p.warn(err, "mirror prompts")
		}
	}
	return srv, nil
}

// Close ends the upstream session (and, for a command, the process).
func (p *Proxy) Close() error {
	p.mu.Lock()
	cs := p.session
	p.mu.Unlock()
	if cs == nil {
		return nil
	}
	return cs.Close()
}

func (p *Proxy) downstream() *sdk.Server {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.server
}

func (p *Proxy) warn(err error, what string) {
	if err != nil && p.Logger != nil {
		p.Logger.Warn("keyturn mcp proxy: "+what, "server", p.Name, "err", err)
	}
}

// resync runs one mirroring pass at a time.
func (p *Proxy) resync(ctx context.Context, pass func(context.Context) error) error {
	p.syncMu.Lock()
	defer p.syncMu.Unlock()
	if p.downstream() == nil {
		return nil // a notification before Start finished: Start lists anyway
	}
	err := pass(ctx)
	p.warn(err, "mirror the upstream")
	return err
}

// syncTools lists the upstream's tools and makes the downstream list the
// same, less the tools keyturn denies outright.
func (p *Proxy) syncTools(ctx context.Context) error {
	var upstream []*sdk.Tool
	for t, err := range p.session.Tools(ctx, nil) {
		if err != nil {
			return keyturn.Errorf(keyturn.EUNAVAILABLE, "list the tools of the upstream MCP server %s: %v", p.Name, err)
		}
		upstream = append(upstream, t)
	}
	listed := map[string]*sdk.Tool{}
	for _, t := range upstream {
		if t == nil || t.Name == "" {
			continue
		}
		hide, err := p.deniedOutright(ctx, t)
		if err != nil {
			switch keyturn.ErrorCode(err) {
			case keyturn.EUNAUTHORIZED, keyturn.EFORBIDDEN:
				// A credential problem: every call would fail; say so now.
				return keyturn.Errorf(keyturn.ErrorCode(err), "keyturn refused the proxy's token (%s): run the proxy with an agent's token "+
					"(KEYTURN_TOKEN; `keyturn agent enroll` creates one)", keyturn.ErrorMessage(err))
			}
			// Unreachable or failing: keep the tool listed; its calls are
			// judged one by one and fail closed while keyturn is away.
			p.warn(err, "check tool "+t.Name)
		}
		if hide {
			continue
		}
		mirror := *t
		if !p.addTool(&mirror) {
			continue
		}
		listed[t.Name] = t
	}
	p.mu.Lock()
	var gone []string
	for name := range p.tools {
		if listed[name] == nil {
			gone = append(gone, name)
		}
	}
	p.tools = listed
	p.mu.Unlock()
	if len(gone) > 0 {
		p.server.RemoveTools(gone...)
	}
	return nil
}

// addTool registers a mirrored tool; the SDK panics on a schema it does not
// accept (not an object), and such a tool is hidden rather than let through
// unguarded.
func (p *Proxy) addTool(t *sdk.Tool) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			p.warn(fmt.Errorf("%v", r), "mirror tool "+t.Name)
			p.server.RemoveTools(t.Name)
			ok = false
		}
	}()
	p.server.AddTool(t, p.callTool)
	return true
}

// deniedOutright reports whether keyturn denies a call of t with empty
// arguments: then the tool is not listed.
func (p *Proxy) deniedOutright(ctx context.Context, t *sdk.Tool) (bool, error) {
	v, err := p.Service.Check(ctx, p.action(t.Name, json.RawMessage(`{}`), annotations(t)))
	if err != nil {
		return false, err
	}
	return v.Status == keyturn.StatusDenied || v.Decision.Outcome == keyturn.Deny, nil
}

// action builds the keyturn action for a call.
func (p *Proxy) action(tool string, args json.RawMessage, ann map[string]bool) *keyturn.Action {
	return &keyturn.Action{Kind: keyturn.KindMCPTool, Server: p.Name, Tool: tool, Arguments: args,
		Annotations: ann, Cwd: p.Cwd, Env: p.Env}
}

// annotations returns the hints the upstream set on t: the two pointer
// hints when present, the two plain booleans when true (false is their
// default and the SDK cannot tell it from absent).
func annotations(t *sdk.Tool) map[string]bool {
	a := t.Annotations
	if a == nil {
		return nil
	}
	out := map[string]bool{}
	if a.ReadOnlyHint {
		out["readOnlyHint"] = true
	}
	if a.IdempotentHint {
		out["idempotentHint"] = true
	}
	if a.DestructiveHint != nil {
		out["destructiveHint"] = *a.DestructiveHint
	}
	if a.OpenWorldHint != nil {
		out["openWorldHint"] = *a.OpenWorldHint
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// toolError is a tools/call answer the agent reads: an error result, not a
// protocol error, so that the model sees why and what to do next.
func toolError(format string, args ...any) *sdk.CallToolResult {
	return &sdk.CallToolResult{IsError: true, Content: []sdk.Content{&sdk.TextContent{Text: fmt.Sprintf(format, args...)}}}
}

// normalizeArguments decodes the agent's arguments and encodes them again,
// so that keyturn judges and the upstream receives the same bytes: JSON with
// duplicate keys (which parsers resolve differently), invalid UTF-8 or
// trailing data would let the judged call and the run call differ.
func normalizeArguments(raw json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return json.RawMessage(`{}`), nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("data after the arguments object")
	}
	if v == nil {
		return json.RawMessage(`{}`), nil
	}
	if dupKeys(raw) {
		return nil, errors.New("an object has the same key twice")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// dupKeys reports whether any object in raw (valid JSON) repeats a key.
func dupKeys(raw json.RawMessage) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var walk func() bool
	walk = func() bool {
		tok, err := dec.Token()
		if err != nil {
			return true
		}
		d, ok := tok.(json.Delim)
		if !ok {
			return false
		}
		switch d {
		case '{':
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return true
				}
				ks, _ := k.(string)
				if seen[ks] {
					return true
				}
				seen[ks] = true
				if walk() {
					return true
				}
			}
		case '[':
			for dec.More() {
				if walk() {
					return true
				}
			}
		}
		_, err = dec.Token() // the closing delimiter
		return err != nil
	}
	return walk()
}

// callTool judges a tools/call and forwards it only when keyturn allows it.
func (p *Proxy) callTool(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	if req == nil || req.Params == nil {
		return toolError("keyturn: the call has no parameters; it was not forwarded"), nil
	}
	name := req.Params.Name
	p.mu.Lock()
	t := p.tools[name]
	cs := p.session
	p.mu.Unlock()
	if t == nil {
		return toolError("keyturn: %s has no tool %q any more; list the tools again", p.Name, name), nil
	}
	args, err := normalizeArguments(req.Params.Arguments)
	if err != nil {
		return toolError("keyturn: the arguments of %s are not one JSON object (%v); the call was not forwarded. "+
			"Send the arguments as a single JSON object.", name, err), nil
	}
	a := p.action(name, args, annotations(t))
	wait := p.Wait
	if wait <= 0 {
		wait = DefaultWait
	}
	v, err := p.Service.Submit(ctx, a, wait)
	if err != nil {
		// Fail closed: never forward a call keyturn did not allow.
		return toolError("keyturn could not judge this call of %s (%s), so it was not forwarded. "+
			"Check that the keyturn server is running and reachable, then call the tool again.", name, keyturn.ErrorMessage(err)), nil
	}
	if v == nil {
		return toolError("keyturn gave no answer for this call of %s; it was not forwarded", name), nil
	}
	switch v.Status {
	case keyturn.StatusAllowed:
		return p.forward(ctx, cs, name, args, v)
	case keyturn.StatusPending:
		if v.Request == nil {
			return toolError("keyturn holds this call of %s for %s, but named no request; it was not forwarded", name, v.Decision), nil
		}
		r := v.Request
		return toolError("keyturn is holding this call of %s: request %s needs %s. Why: %s. Who may approve: %s. "+
			"The call was not forwarded. Once the request is approved, call %s again with exactly the same arguments "+
			"and it will pass (once); `keyturn show %s` shows it, and the tool keyturn_status follows it.",
			name, r.ID, needed(r), reasons(r.Decision), approvers(r), name, r.ID), nil
	case keyturn.StatusDenied:
		id := ""
		if v.Request != nil {
			id = " (request " + v.Request.ID + ")"
		}
		return toolError("keyturn denied this call of %s%s: %s. It was not forwarded; do not retry it as it is.",
			name, id, reasons(v.Decision)), nil
	case keyturn.StatusExpired, keyturn.StatusCancelled:
		id := ""
		if v.Request != nil {
			id = " " + v.Request.ID
		}
		return toolError("keyturn's request%s for this call of %s was %s; the call was not forwarded. "+
			"Calling it again opens a new request.", id, name, v.Status), nil
	default:
		return toolError("keyturn answered %q for this call of %s, which the proxy does not understand; it was not forwarded", v.Status, name), nil
	}
}

// forward sends an allowed call upstream and returns its result unchanged;
// when the call used a grant it reports how it went.
func (p *Proxy) forward(ctx context.Context, cs *sdk.ClientSession, name string, args json.RawMessage, v *keyturn.Verdict) (*sdk.CallToolResult, error) {
	start := time.Now()
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: name, Arguments: args})
	if v.Request != nil {
		code := 0
		if err != nil || res == nil || res.IsError {
			code = 1
		}
		// Best effort: the call has run; a lost report changes nothing.
		_, rerr := p.Service.Report(ctx, v.Request.ID, keyturn.Result{ExitCode: code, DurationMs: time.Since(start).Milliseconds()})
		p.warn(rerr, "report the result of "+v.Request.ID)
	}
	return res, err
}

// syncResources mirrors the upstream's resources and resource templates;
// reading one reads it upstream, unchanged (MCP resources are read-only).
func (p *Proxy) syncResources(ctx context.Context) error {
	cs := p.session
	read := func(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
		return cs.ReadResource(ctx, req.Params)
	}
	seen := map[string]bool{}
	for r, err := range cs.Resources(ctx, nil) {
		if err != nil {
			return err
		}
		if r == nil {
			continue
		}
		c := *r
		if p.guard("resource "+c.URI, func() { p.server.AddResource(&c, read) }) {
			seen[c.URI] = true
		}
	}
	seenT := map[string]bool{}
	for t, err := range cs.ResourceTemplates(ctx, nil) {
		if err != nil {
			// Templates are optional; a server without them may say so
			// with an error.
			p.warn(err, "list resource templates")
			break
		}
		if t == nil {
			continue
		}
		c := *t
		if p.guard("resource template "+c.URITemplate, func() { p.server.AddResourceTemplate(&c, read) }) {
			seenT[c.URITemplate] = true
		}
	}
	p.mu.Lock()
	var gone, goneT []string
	for u := range p.res {
		if !seen[u] {
			gone = append(gone, u)
		}
	}
	for u := range p.tmpls {
		if !seenT[u] {
			goneT = append(goneT, u)
		}
	}
	p.res, p.tmpls = seen, seenT
	p.mu.Unlock()
	p.server.RemoveResources(gone...)
	p.server.RemoveResourceTemplates(goneT...)
	return nil
}

// syncPrompts mirrors the upstream's prompts; getting one gets it upstream.
func (p *Proxy) syncPrompts(ctx context.Context) error {
	cs := p.session
	get := func(ctx context.Context, req *sdk.GetPromptRequest) (*sdk.GetPromptResult, error) {
		return cs.GetPrompt(ctx, req.Params)
	}
	seen := map[string]bool{}
	for pr, err := range cs.Prompts(ctx, nil) {
		if err != nil {
			return err
		}
		if pr == nil {
			continue
		}
		c := *pr
		if p.guard("prompt "+c.Name, func() { p.server.AddPrompt(&c, get) }) {
			seen[c.Name] = true
		}
	}
	p.mu.Lock()
	var gone []string
	for n := range p.prompts {
		if !seen[n] {
			gone = append(gone, n)
		}
	}
	p.prompts = seen
	p.mu.Unlock()
	p.server.RemovePrompts(gone...)
	return nil
}

// guard runs add and reports whether it did not panic: the SDK panics on an
// invalid URI or template, which an upstream must not be able to use to
// stop the proxy.
func (p *Proxy) guard(what string, add func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			p.warn(fmt.Errorf("%v", r), "mirror "+what)
			ok = false
		}
	}()
	add()
	return true
}
