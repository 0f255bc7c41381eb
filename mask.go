package keyturn

import (
	"regexp"
	"strings"
	"sync"
)

// Secrets are masked before anything is stored or shown: the audit log is
// read by many people and exported to other systems, and a command line is
// where agents most often paste credentials.

// Mask replaces what a secret was with.
const Mask = "****"

// secretPatterns find secrets in free text, compiled when first needed (a
// hook process that masks nothing should not pay for them). Each has one
// group: the secret itself, which is replaced; the rest of the match stays
// for context. None crosses a quote or a backslash, so masking JSON text
// keeps it valid.
var secretPatterns = sync.OnceValue(func() []*regexp.Regexp {
	return []*regexp.Regexp{
		// AWS access key ids and session keys.
		regexp.MustCompile(`\b((?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16})\b`),
		// Options named after a credential, with their value attached or in the
		// next word: --password x, --token=x, --client-secret x.
		regexp.MustCompile(`(?i)(?:^|\s)--?[a-z0-9-]*(?:password|passwd|secret|token|api-?key|access-key|private-key|credentials?)[a-z0-9-]*(?:=|\s+)["']?([^\s"'\\]+)`),
		// Assignments and fields named after a credential: DB_PASSWORD=x,
		// aws_secret_access_key = x, "api_key": "x".
		regexp.MustCompile(`(?i)[a-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?)["']?\s*[=:]\s*["']?([^\s"'\\&;|,}]{3,})`),
		// Authorization and similar headers.
		regexp.MustCompile(`(?i)\b(?:authorization|proxy-authorization|x-api-key|x-auth-token|cookie)\s*:\s*(?:(?:bearer|basic|token|digest)\s+)?([^\s"'\\]+)`),
		// Bearer tokens anywhere.
		regexp.MustCompile(`(?i)\bbearer\s+([A-Za-z0-9._~+/=-]{8,})`),
		// Passwords in URLs: scheme://user:password@host.
		regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@"'\\]*:([^\s@/"'\\]+)@`),
		// mysql-style -pSECRET (attached; a separate -p word is another meaning),
		// also quoted: -p'SECRET', -p"SECRET".
		regexp.MustCompile(`(?:^|\s)-p([^\s"'\\]{3,})`),
		regexp.MustCompile(`(?:^|\s)-p'([^'"\\]+)'`),
		regexp.MustCompile(`(?:^|\s)-p"([^"\\]+)"`),
		// SQL: ALTER USER x WITH PASSWORD 'SECRET', IDENTIFIED BY 'SECRET'.
		regexp.MustCompile(`(?i)\b(?:password|identified\s+by)\s+'([^'"\\]+)'`),
		regexp.MustCompile(`(?i)\b(?:password|identified\s+by)\s+"([^"\\]+)"`),
		// curl -u USER:SECRET, --user=USER:SECRET (a user with a letter in it:
		// docker run -u 1000:1000 is no secret).
		regexp.MustCompile(`(?:^|\s)(?:-u|--user|--proxy-user)(?:\s+|=)?["']?[^\s:"'\\]*[A-Za-z_][^\s:"'\\]*:([^\s"'\\]+)`),
		// Tools whose argument is a secret by definition: redis-cli -a PASS,
		// kubectl create secret --from-literal=KEY=VALUE, aws configure set
		// aws_secret_access_key VALUE, gh secret set --body VALUE.
		regexp.MustCompile(`\bredis-cli\b[^|;&\n]*?\s(?:-a|--pass)\s+["']?([^\s"'\\]+)`),
		regexp.MustCompile(`\bsecret\b[^|;&\n]*?\s--from-literal[=\s]["']?[^\s="'\\]+=([^\s"'\\]+)`),
		regexp.MustCompile(`(?i)\baws\s+configure\s+set\s+\S*(?:secret|token)\S*\s+["']?([^\s"'\\]+)`),
		regexp.MustCompile(`\bgh\s+secret\s+set\b[^|;&\n]*?\s(?:-b|--body)[=\s]["']?([^\s"'\\]+)`),
		// A password given as a separate -p word where it always is one.
		regexp.MustCompile(`\b(?:sshpass|(?:docker|podman|nerdctl|buildah|skopeo|oras|helm\s+registry)\s+login)\b[^|;&\n]*?\s-p\s+["']?([^\s"'\\]+)`),
		// Well-known token shapes: GitHub, GitLab, Slack, keyturn, JWTs.
		regexp.MustCompile(`\b((?:ghp|gho|ghu|ghs|ghr|github_pat|glpat)_[A-Za-z0-9_]{16,})`),
		regexp.MustCompile(`\b(xox[abposr]-[A-Za-z0-9-]{10,})`),
		regexp.MustCompile(`\b(kt_[A-Za-z0-9_-]{20,})`),
		regexp.MustCompile(`\b(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})`),
		// PEM private keys.
		regexp.MustCompile(`(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----(.+?)-----END [A-Z ]*PRIVATE KEY-----`),
	}
})

// secretHints are substrings, lower-cased, that every pattern above needs
// at least one of. Most strings hold none, and looking for them costs far
// less than running the patterns.
var secretHints = []string{
	"pass", "pwd", "secret", "token", "key", "credential", "auth", "cookie", "bearer",
	"://", "-p", "-u", "identified", "redis", "gh", "glpat", "xox", "kt_", "eyj", "private", "akia", "asia", "abia", "acca",
}

func mayHoldSecret(s string) bool {
	l := strings.ToLower(s)
	for _, h := range secretHints {
		if strings.Contains(l, h) {
			return true
		}
	}
	return false
}

// MaskSecrets returns s with every secret it recognises replaced by Mask.
func MaskSecrets(s string) string {
	if !mayHoldSecret(s) {
		return s
	}
	for _, re := range secretPatterns() {
		if !re.MatchString(s) {
			continue
		}
		s = re.ReplaceAllStringFunc(s, func(m string) string {
			loc := re.FindStringSubmatchIndex(m)
			if len(loc) < 4 || loc[2] < 0 || m[loc[2]:loc[3]] == Mask {
				return m
			}
			return m[:loc[2]] + Mask + m[loc[3]:]
		})
	}
	return s
}

// sensitiveEnv matches the names of environment variables whose values are
// secrets.
var sensitiveEnv = regexp.MustCompile(`(?i)(pass|pwd|secret|token|key|credential|auth|session|cookie|private)`)

// SensitiveEnv reports whether the environment variable name holds a secret.
// AWS_ACCESS_KEY_ID is one too: it names whose key is used. MYSQL_PWD is;
// the shell's PWD and OLDPWD are not.
func SensitiveEnv(name string) bool {
	return name != "PWD" && name != "OLDPWD" && sensitiveEnv.MatchString(name)
}

// MaskEnv returns a copy of env with the values of sensitive variables masked
// and the rest passed through MaskSecrets.
func MaskEnv(env map[string]string) map[string]string {
	if env == nil {
		return nil
	}
	out := make(map[string]string, len(env))
	for k, v := range env {
		if SensitiveEnv(k) {
			out[k] = Mask
		} else {
			out[k] = MaskSecrets(v)
		}
	}
	return out
}

// Masked returns a copy of the action safe to store and show.
func (a Action) Masked() Action {
	a.Command = MaskSecrets(a.Command)
	a.Path = MaskSecrets(a.Path)
	a.Content = MaskSecrets(a.Content)
	a.Reason = MaskSecrets(a.Reason)
	a.Env = MaskEnv(a.Env)
	if len(a.Arguments) > 0 {
		a.Arguments = []byte(MaskSecrets(string(a.Arguments)))
	}
	if len(a.Plan) > 0 {
		a.Plan = []byte(MaskSecrets(string(a.Plan)))
	}
	return a
}

// MaskEffects returns copies of the effects with secrets in their targets
// and hints masked.
func MaskEffects(effects []Effect) []Effect {
	out := make([]Effect, len(effects))
	for i, e := range effects {
		if len(e.Targets) > 0 {
			ts := make([]string, len(e.Targets))
			for j, t := range e.Targets {
				ts[j] = MaskSecrets(t)
			}
			e.Targets = ts
		}
		if len(e.Hints) > 0 {
			hs := make(map[string]string, len(e.Hints))
			for k, v := range e.Hints {
				hs[k] = MaskSecrets(v)
			}
			e.Hints = hs
		}
		e.Note = MaskSecrets(e.Note)
		out[i] = e
	}
	return out
}
