package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"keyturn"
)

// CreateRequest stores a new request with its votes. ECONFLICT if the id
// exists. Approvers are the gateway's answer, not state: they are not kept.
func (t *tx) CreateRequest(r *keyturn.Request) error {
	if err := t.writable("open a request"); err != nil {
		return err
	}
	action, err := toJSON(r.Action, "request's action")
	if err != nil {
		return err
	}
	effects, err := toJSON(r.Effects, "request's effects")
	if err != nil {
		return err
	}
	decision, err := toJSON(r.Decision, "request's decision")
	if err != nil {
		return err
	}
	res := resultArgs(r.Result)
	_, err = t.exec(`INSERT INTO requests (id, type, action, digest, effects, decision, group_name, state,
			agent, operator, created_at, expires_at, decided_at, decided_by, breakglass,
			result_exit_code, result_duration_ms, result_output, result_at, policy_version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Type, action, r.Digest, effects, decision, r.Group, string(r.State),
		r.Agent, r.Operator, micros(r.CreatedAt), micros(r.ExpiresAt), nullMicros(r.DecidedAt), r.DecidedBy, boolInt(r.BreakGlass),
		res[0], res[1], res[2], res[3], r.PolicyVersion)
	switch {
	case isUnique(err):
		return keyturn.Errorf(keyturn.ECONFLICT, "a request with id %q exists already", r.ID)
	case err != nil:
		return fmt.Errorf("sqlite: create request: %w", err)
	}
	for _, v := range r.Votes {
		if err := t.addVote(r.ID, v); err != nil {
			return err
		}
	}
	return nil
}

// resultArgs returns the four result columns: all NULL when no result was
// reported.
func resultArgs(r *keyturn.Result) [4]any {
	if r == nil {
		return [4]any{}
	}
	return [4]any{r.ExitCode, r.DurationMs, r.Output, micros(r.At)}
}

// requestSelect reads a request with its grant; votes come separately.
const requestSelect = `SELECT r.id, r.type, r.action, r.digest, r.effects, r.decision, r.group_name, r.state,
		r.agent, r.operator, r.created_at, r.expires_at, r.decided_at, r.decided_by, r.breakglass,
		r.result_exit_code, r.result_duration_ms, r.result_output, r.result_at, r.policy_version,
		g.request, g.digest, g.agent, g.expires_at, g.used_at
	FROM requests r LEFT JOIN grants g ON g.request = r.id`

func scanRequest(s scanner) (*keyturn.Request, error) {
	var (
		r                         keyturn.Request
		action, effects, decision string
		state                     string
		created, expires          int64
		decided                   sql.NullInt64
		breakglass                int
		exitCode, durationMs      sql.NullInt64
		output                    sql.NullString
		resultAt                  sql.NullInt64
		gRequest, gDigest, gAgent sql.NullString
		gExpires, gUsed           sql.NullInt64
	)
	err := s.Scan(&r.ID, &r.Type, &action, &r.Digest, &effects, &decision, &r.Group, &state,
		&r.Agent, &r.Operator, &created, &expires, &decided, &r.DecidedBy, &breakglass,
		&exitCode, &durationMs, &output, &resultAt, &r.PolicyVersion,
		&gRequest, &gDigest, &gAgent, &gExpires, &gUsed)
	if err != nil {
		return nil, err
	}
	if err := fromJSON(action, &r.Action, "request's action"); err != nil {
		return nil, err
	}
	if err := fromJSON(effects, &r.Effects, "request's effects"); err != nil {
		return nil, err
	}
	if err := fromJSON(decision, &r.Decision, "request's decision"); err != nil {
		return nil, err
	}
	r.State = keyturn.State(state)
	r.CreatedAt = fromMicros(created)
	r.ExpiresAt = fromMicros(expires)
	r.DecidedAt = fromNullMicros(decided)
	r.BreakGlass = breakglass != 0
	if exitCode.Valid {
		r.Result = &keyturn.Result{ExitCode: int(exitCode.Int64), DurationMs: durationMs.Int64,
			Output: output.String, At: fromNullMicros(resultAt)}
	}
	if gRequest.Valid {
		r.Grant = &keyturn.Grant{Request: gRequest.String, Digest: gDigest.String, Agent: gAgent.String,
			ExpiresAt: fromNullMicros(gExpires), UsedAt: fromNullMicros(gUsed)}
	}
	r.Votes = []keyturn.Vote{}
	return &r, nil
}

// Request returns a request with its votes and grant. ENOTFOUND if there is
// none.
func (t *tx) Request(id string) (*keyturn.Request, error) {
	if err := t.readable(); err != nil {
		return nil, err
	}
	return t.oneRequest(requestSelect+` WHERE r.id = ?`, []any{id},
		keyturn.Errorf(keyturn.ENOTFOUND, "there is no request %q: check the id", id))
}

// OpenRequest returns the newest request of this agent for this digest that
// is pending, or approved with a grant not yet used. Whether that grant is
// still in time is the gateway's rule. ENOTFOUND if there is none.
func (t *tx) OpenRequest(agent, digest string) (*keyturn.Request, error) {
	if err := t.readable(); err != nil {
		return nil, err
	}
	return t.oneRequest(requestSelect+` WHERE r.agent = ? AND r.digest = ?
			AND (r.state = ? OR (r.state = ? AND g.request IS NOT NULL AND g.used_at IS NULL))
		ORDER BY r.created_at DESC, r.id DESC LIMIT 1`,
		[]any{agent, digest, string(keyturn.StatePending), string(keyturn.StateApproved)},
		keyturn.Errorf(keyturn.ENOTFOUND, "agent %q has no open request for this action", agent))
}

func (t *tx) oneRequest(query string, args []any, notFound error) (*keyturn.Request, error) {
	r, err := scanRequest(t.queryRow(query, args...))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, notFound
	case err != nil:
		return nil, fmt.Errorf("sqlite: read request: %w", err)
	}
	if err := t.loadVotes([]*keyturn.Request{r}); err != nil {
		return nil, err
	}
	return r, nil
}

// Requests returns requests matching f, newest first. Limit 0 means all.
func (t *tx) Requests(f keyturn.RequestFilter) ([]*keyturn.Request, error) {
	if err := t.readable(); err != nil {
		return nil, err
	}
	var (
		where []string
		args  []any
	)
	if f.State != "" {
		where, args = append(where, "r.state = ?"), append(args, string(f.State))
	}
	if f.Agent != "" {
		where, args = append(where, "r.agent = ?"), append(args, f.Agent)
	}
	q := requestSelect
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY r.created_at DESC, r.id DESC"
	if f.Limit > 0 {
		q, args = q+" LIMIT ?", append(args, f.Limit)
	}
	out, err := queryAll(t, "list requests", q, args, scanRequest)
	if err != nil {
		return nil, err
	}
	if err := t.loadVotes(out); err != nil {
		return nil, err
	}
	return out, nil
}

// votesChunk keeps the IN list well under SQLite's (and PostgreSQL's) limit
// on bound parameters.
const votesChunk = 500

// loadVotes fills the votes of rs, in the order they were given.
func (t *tx) loadVotes(rs []*keyturn.Request) error {
	byID := make(map[string]*keyturn.Request, len(rs))
	for _, r := range rs {
		byID[r.ID] = r
	}
	for start := 0; start < len(rs); start += votesChunk {
		chunk := rs[start:min(start+votesChunk, len(rs))]
		args := make([]any, len(chunk))
		for i, r := range chunk {
			args[i] = r.ID
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")
		rows, err := t.query(`SELECT request, user_name, verdict, digest, comment, at FROM votes
			WHERE request IN (`+marks+`) ORDER BY request, position`, args...)
		if err != nil {
			return fmt.Errorf("sqlite: read votes: %w", err)
		}
		for rows.Next() {
			var (
				id string
				v  keyturn.Vote
				at int64
			)
			if err := rows.Scan(&id, &v.User, &v.Verdict, &v.Digest, &v.Comment, &at); err != nil {
				rows.Close()
				return fmt.Errorf("sqlite: read votes: %w", err)
			}
			v.At = fromMicros(at)
			if r := byID[id]; r != nil {
				r.Votes = append(r.Votes, v)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("sqlite: read votes: %w", err)
		}
	}
	return nil
}

// UpdateRequest saves a request's state, decision time, decider,
// break-glass flag and result. What the request asked for never changes.
// ENOTFOUND if there is none.
func (t *tx) UpdateRequest(r *keyturn.Request) error {
	if err := t.writable("change a request"); err != nil {
		return err
	}
	res := resultArgs(r.Result)
	out, err := t.exec(`UPDATE requests SET state = ?, decided_at = ?, decided_by = ?, breakglass = ?,
			result_exit_code = ?, result_duration_ms = ?, result_output = ?, result_at = ?
		WHERE id = ?`,
		string(r.State), nullMicros(r.DecidedAt), r.DecidedBy, boolInt(r.BreakGlass),
		res[0], res[1], res[2], res[3], r.ID)
	if err != nil {
		return fmt.Errorf("sqlite: update request: %w", err)
	}
	if n, err := affected(out, "update request"); err != nil {
		return err
	} else if n == 0 {
		return keyturn.Errorf(keyturn.ENOTFOUND, "there is no request %q: check the id", r.ID)
	}
	return nil
}

// AddVote records a vote on a request. ECONFLICT if this user already gave
// this verdict on it; ENOTFOUND if there is no such request.
func (t *tx) AddVote(request string, v keyturn.Vote) error {
	if err := t.writable("record a vote"); err != nil {
		return err
	}
	return t.addVote(request, v)
}

func (t *tx) addVote(request string, v keyturn.Vote) error {
	// The position is computed in the same statement, so votes keep the
	// order they were given in without relying on a database's row ids.
	_, err := t.exec(`INSERT INTO votes (request, position, user_name, verdict, digest, comment, at)
		SELECT ?, COALESCE(MAX(position), 0) + 1, ?, ?, ?, ?, ? FROM votes WHERE request = ?`,
		request, v.User, v.Verdict, v.Digest, v.Comment, micros(v.At), request)
	switch {
	case isUnique(err):
		return keyturn.Errorf(keyturn.ECONFLICT, "%s has already given the verdict %q on request %s", v.User, v.Verdict, request)
	case isForeignKey(err):
		return keyturn.Errorf(keyturn.ENOTFOUND, "there is no request %q: check the id", request)
	case err != nil:
		return fmt.Errorf("sqlite: add vote: %w", err)
	}
	return nil
}

// CreateGrant stores the grant of an approved request. ECONFLICT if the
// request already has one; ENOTFOUND if there is no such request.
func (t *tx) CreateGrant(g *keyturn.Grant) error {
	if err := t.writable("grant a request"); err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO grants (request, digest, agent, expires_at, used_at) VALUES (?, ?, ?, ?, ?)`,
		g.Request, g.Digest, g.Agent, micros(g.ExpiresAt), nullMicros(g.UsedAt))
	switch {
	case isUnique(err):
		return keyturn.Errorf(keyturn.ECONFLICT, "request %s has a grant already", g.Request)
	case isForeignKey(err):
		return keyturn.Errorf(keyturn.ENOTFOUND, "there is no request %q to grant", g.Request)
	case err != nil:
		return fmt.Errorf("sqlite: create grant: %w", err)
	}
	return nil
}

// UseGrant marks the request's grant used at time at. The UPDATE only
// matches an unused grant, so of two racing uses exactly one changes a row:
// the other gets ECONFLICT. ENOTFOUND if the request has no grant.
func (t *tx) UseGrant(request string, at time.Time) error {
	if err := t.writable("use a grant"); err != nil {
		return err
	}
	res, err := t.exec(`UPDATE grants SET used_at = ? WHERE request = ? AND used_at IS NULL`, micros(at), request)
	if err != nil {
		return fmt.Errorf("sqlite: use grant: %w", err)
	}
	n, err := affected(res, "use grant")
	if err != nil || n == 1 {
		return err
	}
	var exists int
	if err := t.queryRow(`SELECT COUNT(*) FROM grants WHERE request = ?`, request).Scan(&exists); err != nil {
		return fmt.Errorf("sqlite: use grant: %w", err)
	}
	if exists > 0 {
		return keyturn.Errorf(keyturn.ECONFLICT, "the grant of request %s was used already: it allows one run; submit the action again to ask anew", request)
	}
	return keyturn.Errorf(keyturn.ENOTFOUND, "request %s has no grant: it is not approved", request)
}

// ExpiredRequests returns the ids of pending requests whose expiry is before
// now, the longest overdue first. limit 0 means all.
func (t *tx) ExpiredRequests(now time.Time, limit int) ([]string, error) {
	if err := t.readable(); err != nil {
		return nil, err
	}
	q := `SELECT id FROM requests WHERE state = ? AND expires_at < ? ORDER BY expires_at, id`
	args := []any{string(keyturn.StatePending), micros(now)}
	if limit > 0 {
		q, args = q+" LIMIT ?", append(args, limit)
	}
	return queryAll(t, "expired requests", q, args, func(s scanner) (string, error) {
		var id string
		err := s.Scan(&id)
		return id, err
	})
}
