package http

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"keyturn"
)

// Page sizes of GET /v1/audit: a reader pages with ?after= the last
// sequence it got, so a cap only costs it another call.
const (
	defaultEventLimit = 100
	maxEventLimit     = 1000
)

func (s *Server) registerAuditRoutes() {
	s.handle("GET /v1/audit", humans("read the audit log", s.handleEvents))
	s.handle("GET /v1/audit/checkpoint", humans("sign audit checkpoints", s.handleCheckpoint))
}

type eventsResponse struct {
	Events []*keyturn.Event `json:"events"`
}

// handleEvents returns events: GET /v1/audit?after=SEQ&limit=N. A limit
// over the maximum returns the maximum.
func (s *Server) handleEvents(r *http.Request) (any, error) {
	q := r.URL.Query()
	var after int64
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, keyturn.Errorf(keyturn.EINVALID, "after=%q is not an audit sequence number", v)
		}
		after = n
	}
	limit := defaultEventLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, keyturn.Errorf(keyturn.EINVALID, "limit=%q is not a count of events from 1 to %d", v, maxEventLimit)
		}
		limit = min(n, maxEventLimit)
	}
	es, err := s.svc.Events(r.Context(), after, limit)
	if err != nil {
		return nil, err
	}
	if es == nil {
		es = []*keyturn.Event{}
	}
	return eventsResponse{Events: es}, nil
}

func (s *Server) handleCheckpoint(r *http.Request) (any, error) {
	return s.svc.Checkpoint(r.Context())
}

// Events returns up to limit audit events after sequence after. A limit of
// 0 or less takes the server's default page.
func (c *Client) Events(ctx context.Context, after int64, limit int) ([]*keyturn.Event, error) {
	q := url.Values{}
	if after != 0 {
		q.Set("after", strconv.FormatInt(after, 10))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var res eventsResponse
	if err := c.do(ctx, http.MethodGet, "/v1/audit", q, nil, &res); err != nil {
		return nil, err
	}
	return res.Events, nil
}

// Checkpoint has the server sign a checkpoint of the audit log's head.
func (c *Client) Checkpoint(ctx context.Context) (*keyturn.Checkpoint, error) {
	var cp keyturn.Checkpoint
	if err := c.do(ctx, http.MethodGet, "/v1/audit/checkpoint", nil, nil, &cp); err != nil {
		return nil, err
	}
	return &cp, nil
}
