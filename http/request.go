package http

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"keyturn"
)

func (s *Server) registerRequestRoutes() {
	s.handle("GET /v1/requests", s.handleRequests)
	s.handle("GET /v1/requests/{id}", s.handleRequest)
	s.handle("POST /v1/requests/{id}/approve", humans("approve requests", s.handleVote(keyturn.Service.Approve)))
	s.handle("POST /v1/requests/{id}/deny", humans("deny requests", s.handleVote(keyturn.Service.Deny)))
	s.handle("POST /v1/requests/{id}/confirm", humans("confirm requests", s.handleVote(keyturn.Service.Confirm)))
	s.handle("POST /v1/requests/{id}/cancel", s.handleCancel)
	s.handle("POST /v1/requests/{id}/result", s.handleResult)
}

// requestsResponse is the answer of GET /v1/requests.
type requestsResponse struct {
	Requests []*keyturn.Request `json:"requests"`
}

// voteRequest is the body of approve, deny and confirm: the digest the
// human saw, so that a changed action cannot borrow their vote.
type voteRequest struct {
	Digest  string `json:"digest"`
	Comment string `json:"comment,omitempty"`
}

// resultRequest is the body of POST /v1/requests/{id}/result. The time is
// the server's, not the reporter's.
type resultRequest struct {
	ExitCode   int    `json:"exit_code"`
	DurationMs int64  `json:"duration_ms"`
	Output     string `json:"output,omitempty"`
}

// emptyRequest is the body of a call that takes none: {} or nothing.
type emptyRequest struct{}

// handleRequests lists requests: GET /v1/requests?state=&agent=&limit=.
func (s *Server) handleRequests(r *http.Request) (any, error) {
	q := r.URL.Query()
	f := keyturn.RequestFilter{State: keyturn.State(q.Get("state")), Agent: q.Get("agent")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, keyturn.Errorf(keyturn.EINVALID, "limit=%q is not a count of requests", v)
		}
		f.Limit = n
	}
	rs, err := s.svc.Requests(r.Context(), f)
	if err != nil {
		return nil, err
	}
	if rs == nil {
		rs = []*keyturn.Request{}
	}
	return requestsResponse{Requests: rs}, nil
}

// handleRequest returns one request: GET /v1/requests/{id}[?wait=30s].
func (s *Server) handleRequest(r *http.Request) (any, error) {
	wait, err := s.wait(r)
	if err != nil {
		return nil, err
	}
	release, err := s.holdWait(r, wait)
	if err != nil {
		return nil, err
	}
	defer release()
	return s.svc.Request(r.Context(), r.PathValue("id"), wait)
}

// handleVote serves approve, deny and confirm, which differ only in the
// Service method they call.
func (s *Server) handleVote(vote func(keyturn.Service, context.Context, string, string, string) (*keyturn.Request, error)) func(*http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		var v voteRequest
		if err := s.decode(r, &v, true); err != nil {
			return nil, err
		}
		return vote(s.svc, r.Context(), r.PathValue("id"), v.Digest, v.Comment)
	}
}

// handleCancel withdraws a pending request: POST /v1/requests/{id}/cancel.
func (s *Server) handleCancel(r *http.Request) (any, error) {
	if err := s.decode(r, &emptyRequest{}, false); err != nil {
		return nil, err
	}
	return s.svc.Cancel(r.Context(), r.PathValue("id"))
}

// handleResult records how a granted run went: POST /v1/requests/{id}/result.
func (s *Server) handleResult(r *http.Request) (any, error) {
	var res resultRequest
	if err := s.decode(r, &res, true); err != nil {
		return nil, err
	}
	return s.svc.Report(r.Context(), r.PathValue("id"),
		keyturn.Result{ExitCode: res.ExitCode, DurationMs: res.DurationMs, Output: res.Output})
}

// Request returns a request, waiting up to wait while it is pending.
func (c *Client) Request(ctx context.Context, id string, wait time.Duration) (*keyturn.Request, error) {
	p, err := pathID("request id", id)
	if err != nil {
		return nil, err
	}
	var req keyturn.Request
	if err := c.do(ctx, http.MethodGet, "/v1/requests/"+p, waitQuery(wait), nil, &req); err != nil {
		return nil, err
	}
	return &req, nil
}

// Requests lists the requests f selects.
func (c *Client) Requests(ctx context.Context, f keyturn.RequestFilter) ([]*keyturn.Request, error) {
	q := url.Values{}
	if f.State != "" {
		q.Set("state", string(f.State))
	}
	if f.Agent != "" {
		q.Set("agent", f.Agent)
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	var res requestsResponse
	if err := c.do(ctx, http.MethodGet, "/v1/requests", q, nil, &res); err != nil {
		return nil, err
	}
	return res.Requests, nil
}

// Approve approves a request as the client's human.
func (c *Client) Approve(ctx context.Context, id, digest, comment string) (*keyturn.Request, error) {
	return c.requestCall(ctx, id, "approve", voteRequest{Digest: digest, Comment: comment})
}

// Deny denies a request as the client's human.
func (c *Client) Deny(ctx context.Context, id, digest, comment string) (*keyturn.Request, error) {
	return c.requestCall(ctx, id, "deny", voteRequest{Digest: digest, Comment: comment})
}

// Confirm confirms an `ask` request as its agent's operator.
func (c *Client) Confirm(ctx context.Context, id, digest, comment string) (*keyturn.Request, error) {
	return c.requestCall(ctx, id, "confirm", voteRequest{Digest: digest, Comment: comment})
}

// Cancel withdraws a pending request.
func (c *Client) Cancel(ctx context.Context, id string) (*keyturn.Request, error) {
	return c.requestCall(ctx, id, "cancel", emptyRequest{})
}

// Report records how a granted run went.
func (c *Client) Report(ctx context.Context, id string, r keyturn.Result) (*keyturn.Request, error) {
	return c.requestCall(ctx, id, "result", resultRequest{ExitCode: r.ExitCode, DurationMs: r.DurationMs, Output: r.Output})
}

// requestCall posts body to POST /v1/requests/{id}/{verb}.
func (c *Client) requestCall(ctx context.Context, id, verb string, body any) (*keyturn.Request, error) {
	p, err := pathID("request id", id)
	if err != nil {
		return nil, err
	}
	var req keyturn.Request
	if err := c.do(ctx, http.MethodPost, "/v1/requests/"+p+"/"+verb, nil, body, &req); err != nil {
		return nil, err
	}
	return &req, nil
}
