package http

import (
	"context"
	"net/http"
	"time"

	"keyturn"
)

func (s *Server) registerPrincipalRoutes() {
	s.handle("GET /v1/whoami", s.handleWhoami)
	s.handle("POST /v1/users", humans("add users", s.handleAddUser))
	s.handle("GET /v1/users", humans("list users", s.handleUsers))
	s.handle("POST /v1/users/{name}/disable", humans("disable users", s.handleDisableUser))
	s.handle("POST /v1/agents", humans("enroll agents", s.handleEnrollAgent))
	s.handle("GET /v1/agents", humans("list agents", s.handleAgents))
	s.handle("POST /v1/agents/{name}/revoke", humans("revoke agents", s.handleRevokeAgent))
}

// addUserRequest is the body of POST /v1/users.
type addUserRequest struct {
	Name   string         `json:"name"`
	Roles  []keyturn.Role `json:"roles"`
	Groups []string       `json:"groups"`
}

// enrollAgentRequest is the body of POST /v1/agents. TTL is a Go duration
// such as 12h; none takes the server's default.
type enrollAgentRequest struct {
	Name     string `json:"name"`
	Operator string `json:"operator"`
	Kind     string `json:"kind"`
	Profile  string `json:"profile,omitempty"`
	TTL      string `json:"ttl,omitempty"`
}

// tokenResponse carries a new token, shown this once.
type tokenResponse struct {
	Name      string    `json:"name"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

type usersResponse struct {
	Users []*keyturn.User `json:"users"`
}

type agentsResponse struct {
	Agents []*keyturn.Agent `json:"agents"`
}

func (s *Server) handleWhoami(r *http.Request) (any, error) {
	return s.svc.Whoami(r.Context())
}

func (s *Server) handleAddUser(r *http.Request) (any, error) {
	var req addUserRequest
	if err := s.decode(r, &req, true); err != nil {
		return nil, err
	}
	u := &keyturn.User{Name: req.Name, Roles: req.Roles, Groups: req.Groups}
	token, err := s.svc.AddUser(r.Context(), u)
	if err != nil {
		return nil, err
	}
	return tokenResponse{Name: u.Name, Token: token}, nil
}

func (s *Server) handleUsers(r *http.Request) (any, error) {
	us, err := s.svc.Users(r.Context())
	if err != nil {
		return nil, err
	}
	if us == nil {
		us = []*keyturn.User{}
	}
	return usersResponse{Users: us}, nil
}

func (s *Server) handleDisableUser(r *http.Request) (any, error) {
	if err := s.decode(r, &emptyRequest{}, false); err != nil {
		return nil, err
	}
	if err := s.svc.DisableUser(r.Context(), r.PathValue("name")); err != nil {
		return nil, err
	}
	return emptyRequest{}, nil
}

func (s *Server) handleEnrollAgent(r *http.Request) (any, error) {
	var req enrollAgentRequest
	if err := s.decode(r, &req, true); err != nil {
		return nil, err
	}
	var ttl time.Duration
	if req.TTL != "" {
		d, err := time.ParseDuration(req.TTL)
		if err != nil {
			return nil, keyturn.Errorf(keyturn.EINVALID, "ttl %q is not a duration such as 12h", req.TTL)
		}
		ttl = d
	}
	a := &keyturn.Agent{Name: req.Name, Operator: req.Operator, Kind: req.Kind, Profile: req.Profile}
	token, err := s.svc.EnrollAgent(r.Context(), a, ttl)
	if err != nil {
		return nil, err
	}
	return tokenResponse{Name: a.Name, Token: token, ExpiresAt: a.ExpiresAt}, nil
}

func (s *Server) handleAgents(r *http.Request) (any, error) {
	as, err := s.svc.Agents(r.Context())
	if err != nil {
		return nil, err
	}
	if as == nil {
		as = []*keyturn.Agent{}
	}
	return agentsResponse{Agents: as}, nil
}

func (s *Server) handleRevokeAgent(r *http.Request) (any, error) {
	if err := s.decode(r, &emptyRequest{}, false); err != nil {
		return nil, err
	}
	if err := s.svc.RevokeAgent(r.Context(), r.PathValue("name")); err != nil {
		return nil, err
	}
	return emptyRequest{}, nil
}

// Whoami returns the principal the client's token belongs to.
func (c *Client) Whoami(ctx context.Context) (*keyturn.Principal, error) {
	var p keyturn.Principal
	if err := c.do(ctx, http.MethodGet, "/v1/whoami", nil, nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// AddUser adds a human and returns their token.
func (c *Client) AddUser(ctx context.Context, u *keyturn.User) (string, error) {
	if u == nil {
		return "", keyturn.Errorf(keyturn.EINVALID, "no user to add")
	}
	var res tokenResponse
	err := c.do(ctx, http.MethodPost, "/v1/users", nil,
		addUserRequest{Name: u.Name, Roles: u.Roles, Groups: u.Groups}, &res)
	if err != nil {
		return "", err
	}
	return res.Token, nil
}

// DisableUser disables a human.
func (c *Client) DisableUser(ctx context.Context, name string) error {
	p, err := pathID("user name", name)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, "/v1/users/"+p+"/disable", nil, emptyRequest{}, nil)
}

// EnrollAgent enrolls an agent and returns its token; a.ExpiresAt is set to
// the expiry the server gave it.
func (c *Client) EnrollAgent(ctx context.Context, a *keyturn.Agent, ttl time.Duration) (string, error) {
	if a == nil {
		return "", keyturn.Errorf(keyturn.EINVALID, "no agent to enroll")
	}
	req := enrollAgentRequest{Name: a.Name, Operator: a.Operator, Kind: a.Kind, Profile: a.Profile}
	if ttl != 0 {
		req.TTL = ttl.String()
	}
	var res tokenResponse
	if err := c.do(ctx, http.MethodPost, "/v1/agents", nil, req, &res); err != nil {
		return "", err
	}
	a.ExpiresAt = res.ExpiresAt
	return res.Token, nil
}

// RevokeAgent revokes an agent.
func (c *Client) RevokeAgent(ctx context.Context, name string) error {
	p, err := pathID("agent name", name)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, "/v1/agents/"+p+"/revoke", nil, emptyRequest{}, nil)
}

// Users lists the humans.
func (c *Client) Users(ctx context.Context) ([]*keyturn.User, error) {
	var res usersResponse
	if err := c.do(ctx, http.MethodGet, "/v1/users", nil, nil, &res); err != nil {
		return nil, err
	}
	return res.Users, nil
}

// Agents lists the agents.
func (c *Client) Agents(ctx context.Context) ([]*keyturn.Agent, error) {
	var res agentsResponse
	if err := c.do(ctx, http.MethodGet, "/v1/agents", nil, nil, &res); err != nil {
		return nil, err
	}
	return res.Agents, nil
}
