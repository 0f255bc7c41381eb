package http

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"keyturn"
)

// The one place keyturn's error codes meet HTTP statuses, both ways.

// statuses maps each keyturn code to its HTTP status.
var statuses = map[string]int{
	keyturn.EINVALID:      http.StatusBadRequest,
	keyturn.EUNAUTHORIZED: http.StatusUnauthorized,
	keyturn.EFORBIDDEN:    http.StatusForbidden,
	keyturn.ENOTFOUND:     http.StatusNotFound,
	keyturn.ECONFLICT:     http.StatusConflict,
	keyturn.EEXPIRED:      http.StatusGone,
	keyturn.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	keyturn.EUNAVAILABLE:  http.StatusServiceUnavailable,
	keyturn.EINTERNAL:     http.StatusInternalServerError,
}

// codeForStatus is the reverse of statuses, for an answer without a usable
// error body (a proxy's page, an empty 404).
func codeForStatus(status int) string {
	for code, s := range statuses {
		if s == status {
			return code
		}
	}
	switch {
	case status == http.StatusBadGateway || status == http.StatusGatewayTimeout:
		return keyturn.EUNAVAILABLE // a proxy in front could not reach keyturn
	case status >= 400 && status < 500:
		return keyturn.EINVALID
	}
	return keyturn.EINTERNAL
}

// errorResponse is the body of every error: {"error":{"code","message"}}.
type errorResponse struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError answers err with its code's status. An internal error, or a
// code outside the closed set, is logged with its detail and shown to the
// client only as "internal error": its text may name files, queries or
// keys.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := keyturn.ErrorCode(err), keyturn.ErrorMessage(err)
	status, known := statuses[code]
	if !known || code == keyturn.EINTERNAL {
		level := slog.LevelError
		if r.Context().Err() != nil {
			level = slog.LevelInfo // the caller hung up: no fault of the server
		}
		s.log.Log(r.Context(), level, "internal error", "method", r.Method, "path", r.URL.Path, "err", err.Error())
		code, msg, status = keyturn.EINTERNAL, "internal error", http.StatusInternalServerError
	}
	s.writeJSON(w, r, status, errorResponse{errorDetail{Code: code, Message: msg}})
}

// writeNoRoute answers a request the mux has no route for: 405 with Allow
// when the path exists under another method, 404 otherwise.
func (s *Server) writeNoRoute(w http.ResponseWriter, r *http.Request, code int, allow string) {
	if code == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", allow)
		s.writeJSON(w, r, http.StatusMethodNotAllowed, errorResponse{errorDetail{Code: keyturn.EINVALID,
			Message: r.Method + " is not allowed on " + r.URL.Path + "; allowed: " + allow}})
		return
	}
	s.writeError(w, r, keyturn.Errorf(keyturn.ENOTFOUND, "no such endpoint: %s %s", r.Method, r.URL.Path))
}

// responseError turns an error answer back into the *keyturn.Error the
// server sent. A body that is not the API's error shape, or a code outside
// the closed set, becomes the code of the status.
func responseError(status int, body []byte, where string) *keyturn.Error {
	var er errorResponse
	if json.Unmarshal(body, &er) == nil && er.Error.Code != "" {
		if _, ok := statuses[er.Error.Code]; ok {
			if er.Error.Message == "" {
				er.Error.Message = http.StatusText(status)
			}
			return &keyturn.Error{Code: er.Error.Code, Message: er.Error.Message}
		}
	}
	return keyturn.Errorf(codeForStatus(status), "keyturn at %s answered %d %s", where, status, http.StatusText(status))
}
