package http

import (
	"context"
	"net/http"

	"keyturn"
)

func (s *Server) registerPolicyRoutes() {
	s.handle("POST /v1/policy", humans("change the policy", s.handlePushPolicy))
	s.handle("GET /v1/status", humans("read the server's status", s.handleStatus))
}

// policyRequest is the body of POST /v1/policy: file name → content.
type policyRequest struct {
	Files map[string]string `json:"files"`
}

func (s *Server) handlePushPolicy(r *http.Request) (any, error) {
	var req policyRequest
	if err := s.decode(r, &req, true); err != nil {
		return nil, err
	}
	return s.svc.PushPolicy(r.Context(), req.Files)
}

func (s *Server) handleStatus(r *http.Request) (any, error) {
	return s.svc.Status(r.Context())
}

// PushPolicy uploads a policy set as a request an admin peer must approve.
func (c *Client) PushPolicy(ctx context.Context, files map[string]string) (*keyturn.Request, error) {
	var req keyturn.Request
	if err := c.do(ctx, http.MethodPost, "/v1/policy", nil, policyRequest{Files: files}, &req); err != nil {
		return nil, err
	}
	return &req, nil
}

// Status returns the active policy version, the freeze and the audit head.
func (c *Client) Status(ctx context.Context) (*keyturn.Status, error) {
	var st keyturn.Status
	if err := c.do(ctx, http.MethodGet, "/v1/status", nil, nil, &st); err != nil {
		return nil, err
	}
	return &st, nil
}
