package keyturn

import (
	"errors"
	"fmt"
)

// Error codes: a closed set, mapped to HTTP statuses, MCP tool errors and CLI
// exit codes in one place each.
const (
	EINVALID      = "invalid"      // the input is malformed or breaks a rule
	ENOTFOUND     = "not_found"    // the thing named does not exist
	ECONFLICT     = "conflict"     // the state changed under the caller
	EFORBIDDEN    = "forbidden"    // the caller may not do this
	EUNAUTHORIZED = "unauthorized" // the caller is not who it claims
	ETOOLARGE     = "too_large"    // the input is over a limit
	EEXPIRED      = "expired"      // a request or grant is past its time
	EUNAVAILABLE  = "unavailable"  // a dependency could not be reached
	EINTERNAL     = "internal"     // a bug or a failure the caller cannot fix
)

// Error is keyturn's error. Message is safe to show to a user.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err: its own for an *Error in its chain,
// EINTERNAL for any other error, "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err. Other errors are hidden
// behind a generic message because they may carry internal detail.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
