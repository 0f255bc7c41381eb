package http

import (
	"context"
	"net/http"
	"time"

	"keyturn"
)

func (s *Server) registerActionRoutes() {
	s.handle("POST /v1/actions", s.handleSubmit)
	s.handle("POST /v1/check", s.handleCheck)
}

// handleCheck judges an action without recording anything: POST /v1/check.
func (s *Server) handleCheck(r *http.Request) (any, error) {
	var a keyturn.Action
	if err := s.decode(r, &a, true); err != nil {
		return nil, err
	}
	return s.svc.Check(r.Context(), &a)
}

// Check asks the server what it would decide on an action, recording nothing.
func (c *Client) Check(ctx context.Context, a *keyturn.Action) (*keyturn.Verdict, error) {
	if a == nil {
		return nil, keyturn.Errorf(keyturn.EINVALID, "no action to check")
	}
	var v keyturn.Verdict
	if err := c.do(ctx, http.MethodPost, "/v1/check", nil, a, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// handleSubmit judges an agent's action: POST /v1/actions[?wait=30s].
func (s *Server) handleSubmit(r *http.Request) (any, error) {
	wait, err := s.wait(r)
	if err != nil {
		return nil, err
	}
	var a keyturn.Action
	if err := s.decode(r, &a, true); err != nil {
		return nil, err
	}
	release, err := s.holdWait(r, wait)
	if err != nil {
		return nil, err
	}
	defer release()
	return s.svc.Submit(r.Context(), &a, wait)
}

// Submit asks the server to judge an action as the client's agent.
func (c *Client) Submit(ctx context.Context, a *keyturn.Action, wait time.Duration) (*keyturn.Verdict, error) {
	if a == nil {
		return nil, keyturn.Errorf(keyturn.EINVALID, "no action to submit")
	}
	var v keyturn.Verdict
	if err := c.do(ctx, http.MethodPost, "/v1/actions", waitQuery(wait), a, &v); err != nil {
		return nil, err
	}
	return &v, nil
}
