// Package hook speaks the hook protocols of AI coding agents: it turns the
// JSON an agent's PreToolUse hook receives on stdin into a keyturn.Action,
// and a decision into the bytes and exit status that agent honours.
//
// Every byte from an agent is hostile: input over MaxInput, input that is not
// one JSON object of the documented shape, or an event other than the
// pre-tool-use one is refused with a *keyturn.Error. A refusal is never an
// answer: the caller blocks (cmd/keyturn's `keyturn hook`).
//
// It also installs keyturn into each agent's hook settings (install.go):
// the one part that reads and writes files, editing JSON and TOML without
// clobbering what else is there. Nothing here knows of the server; cmd
// wires the protocols to it.
package hook

import (
	"bytes"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"unicode"

	"keyturn"
)

// The agents this package speaks to are named by ClaudeCode, Codex and Kiro
// (declared with the installer, install.go).

// MaxInput bounds a hook payload. A Write of a large file can be big, but a
// megabyte is far beyond what an agent sends for one tool call; more is
// refused (and so blocked), not truncated.
const MaxInput = 1 << 20

// Input is one parsed hook call.
type Input struct {
	Agent string // ClaudeCode, Codex or Kiro
	Event string // hook_event_name as the agent sent it
	Tool  string // tool_name as the agent sent it
	// Action is what the tool call would do, for the gateway to judge. It is
	// nil when Local is true.
	Action *keyturn.Action
	// Local is true for tools that change nothing: they read files, or act
	// only inside the agent's own session (a to-do list, a sub-agent whose
	// own tool calls meet this hook again). The caller may decide them
	// without the server, which keeps every file read off the network.
	Local bool
	// ReadCommand, for a Local tool that reads files, is a shell line that
	// reads the same paths. The caller classifies it: reading keyturn's own
	// credential files is not a harmless read, and the classifier knows
	// which they are. "" when the tool reads no file.
	ReadCommand string
}

// Decision is what a hook answers.
type Decision string

const (
	Allow Decision = "allow"
	Ask   Decision = "ask" // only Claude Code can ask its operator
	Deny  Decision = "deny"
)

// Response is what the hook process writes and how it exits.
type Response struct {
	Stdout []byte
	Stderr []byte
	Code   int
}

// Respond returns the response for agent. Ask is only honoured by Claude
// Code; for the others it is Deny (Codex fails open on an unsupported
// decision, Kiro has no such answer). An unknown agent gets exit 2 with the
// reason on stderr, which every supported agent treats as a block.
func Respond(agent string, d Decision, reason string) Response {
	switch agent {
	case ClaudeCode:
		return RespondClaude(d, reason)
	case Codex:
		return RespondCodex(d, reason)
	case Kiro:
		return RespondKiro(d, reason)
	}
	return block(reason)
}

// block is exit 2 with a non-empty reason on stderr: the one answer all three
// agents read as "do not run this".
func block(reason string) Response {
	return Response{Stderr: []byte(nonEmpty(reason) + "\n"), Code: 2}
}

func nonEmpty(reason string) string {
	reason = strings.TrimSpace(clean(reason))
	if reason == "" {
		return "keyturn blocked this action"
	}
	return reason
}

// clean drops control characters other than newline and tab from text meant
// for the agent and its operator: a command's own bytes must not rewrite the
// operator's terminal.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// payload is the part of a pre-tool-use payload the three agents share.
type payload struct {
	Event     string          `json:"hook_event_name"`
	Cwd       string          `json:"cwd"`
	Tool      string          `json:"tool_name"`
	ToolInput json.RawMessage `json:"tool_input"`
}

// decode reads exactly one JSON object from input into v: nothing before or
// after it, and no value of the wrong type.
func decode(input []byte, v any) error {
	if len(input) > MaxInput {
		return keyturn.Errorf(keyturn.ETOOLARGE, "the hook input is %d bytes; keyturn reads at most %d", len(input), MaxInput)
	}
	trimmed := bytes.TrimSpace(input)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return keyturn.Errorf(keyturn.EINVALID, "the hook input is not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return keyturn.Errorf(keyturn.EINVALID, "the hook input is not valid JSON of the expected shape: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return keyturn.Errorf(keyturn.EINVALID, "the hook input has data after its JSON object")
	}
	return nil
}

// toolInput decodes a tool_input object into v. It must be an object.
func toolInput(raw json.RawMessage, tool string, v any) error {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || t[0] != '{' {
		return keyturn.Errorf(keyturn.EINVALID, "tool_input of %s is not a JSON object", tool)
	}
	if v == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return keyturn.Errorf(keyturn.EINVALID, "tool_input of %s is not of the expected shape: %v", tool, err)
	}
	return nil
}

// check validates the shared fields: the event, an absolute cwd, a tool.
func (p *payload) check(agent string, events ...string) error {
	ok := false
	for _, e := range events {
		if p.Event == e {
			ok = true
		}
	}
	if !ok {
		return keyturn.Errorf(keyturn.EINVALID, "hook_event_name %q is not a pre-tool-use event of %s (%s): install keyturn as its %s hook",
			cut(p.Event), agent, events[0], events[0])
	}
	if p.Cwd == "" || !filepath.IsAbs(p.Cwd) {
		return keyturn.Errorf(keyturn.EINVALID, "cwd %q is not an absolute path", cut(p.Cwd))
	}
	if strings.TrimSpace(p.Tool) == "" {
		return keyturn.Errorf(keyturn.EINVALID, "the hook input names no tool_name")
	}
	if len(p.ToolInput) == 0 || string(bytes.TrimSpace(p.ToolInput)) == "null" {
		return keyturn.Errorf(keyturn.EINVALID, "the hook input of %s has no tool_input", cut(p.Tool))
	}
	return nil
}

// abs makes a path the agent gave absolute against cwd. Paths are kept as
// given otherwise, and never cleaned: the classifier judges where they land,
// following links component by component as the kernel does. Cleaning
// here would turn link/../settings.json into cwd/settings.json while the
// kernel writes next to the link's target (say ~/.claude/settings.json).
func abs(p, cwd string) string {
	if p == "" || filepath.IsAbs(p) || strings.HasPrefix(p, "~") {
		return p
	}
	return strings.TrimSuffix(cwd, "/") + "/" + p
}

// workDir makes a working directory the agent gave absolute and, when it
// climbs with .., resolves it as the kernel's chdir does (links first):
// the classifier takes a cwd as written and joins paths to it lexically.
// A directory that cannot be resolved is refused.
func workDir(p, cwd string) (string, error) {
	d := abs(p, cwd)
	if !strings.Contains("/"+filepath.ToSlash(d)+"/", "/../") {
		return filepath.Clean(d), nil
	}
	real, err := filepath.EvalSymlinks(d)
	if err != nil || !filepath.IsAbs(real) {
		return "", keyturn.Errorf(keyturn.EINVALID, "the working directory %q cannot be resolved", cut(p))
	}
	return real, nil
}

// mcpTool splits Claude Code's and Codex's MCP tool names,
// mcp__<server>__<tool>.
func mcpTool(name string) (server, tool string, ok bool) {
	rest, ok := strings.CutPrefix(name, "mcp__")
	if !ok {
		return "", "", false
	}
	server, tool, ok = strings.Cut(rest, "__")
	if !ok || server == "" || tool == "" {
		return "", "", false
	}
	return server, tool, true
}

// unknownTool is a tool this package does not know: the gateway judges it
// as a tool call of the agent's own pseudo-server, which nothing allows by
// default. It is never let through blindly.
func unknownTool(agent, name string, raw json.RawMessage, cwd string) *keyturn.Action {
	return &keyturn.Action{Kind: keyturn.KindMCPTool, Server: agent, Tool: name, Arguments: raw, Cwd: cwd}
}

// readLine is a shell line that reads paths, for the local classifier.
func readLine(cmd string, paths ...string) string {
	words := []string{cmd, "--"}
	n := 0
	for _, p := range paths {
		if p != "" {
			words = append(words, quoteWord(p))
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return strings.Join(words, " ")
}

// quoteWord quotes a word for a POSIX shell: in single quotes, each
// single quote written as '\”.
func quoteWord(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == '=' || r == ':' || r == ',' || r == '@' || r == '+' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// cut keeps an agent's value short in an error message.
func cut(s string) string {
	s = clean(s)
	if r := []rune(s); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return s
}
