package http

import (
	"context"
	"net/http"

	"keyturn"
)

func (s *Server) registerFreezeRoutes() {
	s.handle("POST /v1/freeze", humans("start a freeze", s.handleFreeze(true)))
	s.handle("DELETE /v1/freeze", humans("lift a freeze", s.handleFreeze(false)))
	s.handle("POST /v1/breakglass", humans("break the glass", s.handleBreakGlass))
}

// freezeRequest is the body of POST and DELETE /v1/freeze.
type freezeRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) handleFreeze(on bool) func(*http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		var req freezeRequest
		if err := s.decode(r, &req, true); err != nil {
			return nil, err
		}
		return s.svc.SetFreeze(r.Context(), on, req.Reason)
	}
}

func (s *Server) handleBreakGlass(r *http.Request) (any, error) {
	var b keyturn.BreakGlass
	if err := s.decode(r, &b, true); err != nil {
		return nil, err
	}
	return s.svc.BreakGlass(r.Context(), b)
}

// SetFreeze starts (on) or lifts a change freeze.
func (c *Client) SetFreeze(ctx context.Context, on bool, reason string) (*keyturn.Freeze, error) {
	method := http.MethodPost
	if !on {
		method = http.MethodDelete
	}
	var f keyturn.Freeze
	if err := c.do(ctx, method, "/v1/freeze", nil, freezeRequest{Reason: reason}, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// BreakGlass lets one action through now, alone.
func (c *Client) BreakGlass(ctx context.Context, b keyturn.BreakGlass) (*keyturn.Request, error) {
	var req keyturn.Request
	if err := c.do(ctx, http.MethodPost, "/v1/breakglass", nil, b, &req); err != nil {
		return nil, err
	}
	return &req, nil
}
