package hook

// Install and uninstall keyturn's PreToolUse hook in an agent's own settings.
//
// The formats, as documented when this was written (2026):
//
//   - Claude Code (hooks reference, code.claude.com/docs/en/hooks and /settings, Claude Code 2.1):
//     settings files ~/.claude/settings.json (user), <project>/.claude/settings.json (project,
//     committed), <project>/.claude/settings.local.json (local), and managed-settings.json
//     (/etc/claude-code on Linux and WSL, /Library/Application Support/ClaudeCode on macOS,
//     C:\Program Files\ClaudeCode on Windows). Shape: {"hooks": {"PreToolUse": [{"matcher": "*",
//     "hooks": [{"type": "command", "command": "…", "timeout": seconds}]}]}}. A managed file may
//     set "allowManagedHooksOnly": true so that only managed hooks run; non-managed settings
//     cannot disable managed hooks.
//   - Codex (developers.openai.com/codex/hooks and /codex/config-advanced, Codex 0.124+, where
//     hooks are on by default): hooks.json or inline [hooks] tables in config.toml, next to each
//     config layer: ~/.codex/ (user) and <repo>/.codex/ (project, loaded only when the project is
//     trusted). Same event → matcher group → handler shape as Claude Code; in TOML
//     [[hooks.PreToolUse]] then [[hooks.PreToolUse.hooks]] with type, command, timeout (seconds),
//     statusMessage. A matcher is a regular expression; none matches every tool. Non-managed
//     hooks run only once the user has reviewed and trusted them (/hooks). Managed hooks come
//     from requirements.toml (/etc/codex/requirements.toml, MDM or cloud), and
//     allow_managed_hooks_only = true there ignores user and project hooks (openai/codex
//     docs/config.md, PR #18893).
//   - Kiro CLI 2.x (kiro.dev/docs/cli/custom-agents/configuration-reference and /docs/cli/hooks):
//     hooks live in an agent's configuration, <project>/.kiro/agents/NAME.json or
//     ~/.kiro/agents/NAME.json: {"hooks": {"preToolUse": [{"matcher": "*", "command": "…",
//     "timeout_ms": N}]}} (default timeout 30 s), and run only for that agent. Kiro CLI 3.0 keeps
//     these embedded hooks working "during the transition" to standalone .kiro/hooks/*.json
//     files. Kiro documents no managed, unremovable hook.
//
// Whatever the format, an edit keeps every other key (JSON: in its order; TOML: byte for byte,
// comments included, since keyturn only appends or removes its own marked block), refuses a
// file it cannot parse, verifies the result means exactly "the old file plus or minus keyturn's
// hook", and replaces the file atomically.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"keyturn"
)

// The agents whose hooks keyturn speaks and installs.
const (
	ClaudeCode = "claude-code"
	Codex      = "codex"
	Kiro       = "kiro"
)

// Agents lists them in the order help shows them.
var Agents = []string{ClaudeCode, Codex, Kiro}

// Scopes of a settings file.
const (
	ScopeProject = "project" // the repository's settings, shared through git
	ScopeUser    = "user"    // the user's settings under HOME
	ScopeLocal   = "local"   // Claude Code's uncommitted .claude/settings.local.json
	ScopeManaged = "managed" // Claude Code's machine-wide managed-settings.json (needs root)
)

// HookTimeout is the agent-side timeout written with the hook, in seconds. It is above keyturn's
// own deadline (the hook waits at most 50 s for approvers), so the agent never kills keyturn
// first: an agent that times a hook out lets the action through.
const HookTimeout = 60

// KiroDefaultAgent is the Kiro agent keyturn writes to when none is named.
const KiroDefaultAgent = "keyturn"

// kiroDescription marks an agent file that keyturn created, so uninstall can remove it whole.
const kiroDescription = "Kiro's tools, each call judged by keyturn first (created by keyturn install kiro)"

// InstallOptions say where and what to install.
type InstallOptions struct {
	Agent string // ClaudeCode, Codex or Kiro
	Scope string // ScopeProject (default), ScopeUser, ScopeLocal, ScopeManaged
	Root  string // the project's top-level directory, for project and local scope
	Home  string // the user's home directory, for user scope
	// Command is the hook's command line (see HookCommand). Uninstall recognises keyturn's
	// entries by it, or by any "…/keyturn hook AGENT" command.
	Command string
	// KiroAgent names the Kiro agent configuration (KiroDefaultAgent if empty).
	KiroAgent string
}

// Change is one settings file before and after. A nil Before means the file does not exist; a
// nil After means the file is to be removed (it held nothing but keyturn's hook).
type Change struct {
	Path          string
	Before, After []byte
	// Diff lists, one per line, what was removed ("- …") and added ("+ …").
	Diff []string
}

// Changed reports whether applying c would touch the file.
func (c *Change) Changed() bool {
	return (c.Before == nil) != (c.After == nil) || !bytes.Equal(c.Before, c.After)
}

// Plan is what install or uninstall would do.
type Plan struct {
	Changes []*Change
}

// Changed reports whether any file would change.
func (p *Plan) Changed() bool {
	for _, c := range p.Changes {
		if c.Changed() {
			return true
		}
	}
	return false
}

// HookCommand returns the command line an agent runs: the keyturn binary, quoted for the shell
// the agents run hooks with when it needs to be, then "hook AGENT".
func HookCommand(binary, agent string) string {
	return quoteBinary(binary) + " hook " + agent
}

// quoteBinary single-quotes a path for the POSIX shell the agents run hooks with, when it has
// anything but plain path characters.
func quoteBinary(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@=,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// SettingsPaths returns the files install and uninstall look at for o, the preferred one first.
func SettingsPaths(o *InstallOptions) ([]string, error) {
	base := ""
	switch o.Scope {
	case "", ScopeProject, ScopeLocal:
		if o.Scope == ScopeLocal && o.Agent != ClaudeCode {
			return nil, keyturn.Errorf(keyturn.EINVALID, "--scope local is Claude Code's settings.local.json; %s has project and user scopes", o.Agent)
		}
		if o.Root == "" {
			return nil, keyturn.Errorf(keyturn.EINVALID, "no project directory: run keyturn install in the project, or use --scope user")
		}
		base = o.Root
	case ScopeUser:
		if o.Home == "" {
			return nil, keyturn.Errorf(keyturn.EINVALID, "HOME is not set: set it, or install with --scope project")
		}
		base = o.Home
	case ScopeManaged:
		if o.Agent != ClaudeCode {
			return nil, keyturn.Errorf(keyturn.EINVALID, "--scope managed writes Claude Code's managed-settings.json; for %s see the managed setup that keyturn install %s prints", o.Agent, o.Agent)
		}
		return []string{claudeManagedPath(runtime.GOOS)}, nil
	default:
		return nil, keyturn.Errorf(keyturn.EINVALID, "unknown --scope %q: use project or user", o.Scope)
	}
	switch o.Agent {
	case ClaudeCode:
		if o.Scope == ScopeLocal {
			return []string{filepath.Join(base, ".claude", "settings.local.json")}, nil
		}
		return []string{filepath.Join(base, ".claude", "settings.json")}, nil
	case Codex:
		return []string{filepath.Join(base, ".codex", "hooks.json"), filepath.Join(base, ".codex", "config.toml")}, nil
	case Kiro:
		name := o.KiroAgent
		if name == "" {
			name = KiroDefaultAgent
		}
		if name != filepath.Base(name) || strings.HasPrefix(name, ".") || strings.ContainsAny(name, `/\`) {
			return nil, keyturn.Errorf(keyturn.EINVALID, "--agent %q: give the name of a Kiro agent, not a path", name)
		}
		return []string{filepath.Join(base, ".kiro", "agents", name+".json")}, nil
	}
	return nil, keyturn.Errorf(keyturn.EINVALID, "unknown agent %q: use one of %s", o.Agent, strings.Join(Agents, ", "))
}

func claudeManagedPath(goos string) string {
	switch goos {
	case "darwin":
		return "/Library/Application Support/ClaudeCode/managed-settings.json"
	case "windows":
		return `C:\Program Files\ClaudeCode\managed-settings.json`
	}
	return "/etc/claude-code/managed-settings.json"
}

// PlanInstall reads the agent's settings and returns what installing keyturn's hook changes.
// Returns EINVALID when a file does not parse or has a shape keyturn will not edit: nothing is
// then to be written.
func PlanInstall(o *InstallOptions) (*Plan, error) { return planSettings(o, true) }

// PlanUninstall reads the agent's settings and returns what removing keyturn's hook changes:
// keyturn's entries and nothing else.
func PlanUninstall(o *InstallOptions) (*Plan, error) { return planSettings(o, false) }

func planSettings(o *InstallOptions, install bool) (*Plan, error) {
	if install && strings.TrimSpace(o.Command) == "" {
		return nil, keyturn.Errorf(keyturn.EINVALID, "no hook command: give --command PATH to the keyturn binary")
	}
	paths, err := SettingsPaths(o)
	if err != nil {
		return nil, err
	}
	befores := make([][]byte, len(paths))
	for i, p := range paths {
		if befores[i], err = readSettings(p); err != nil {
			return nil, err
		}
	}
	p := &Plan{}
	if o.Agent == Codex {
		// hooks.json or config.toml: Codex loads both and warns when a layer has both, so
		// keyturn writes where keyturn's hook already is, else into an existing hooks.json,
		// else into config.toml.
		target := 1
		if befores[0] != nil {
			target = 0
		}
		for i := range paths {
			has, err := hasKeyturn(o, paths[i], befores[i])
			if err != nil {
				return nil, err
			}
			if has {
				target = i
				break
			}
		}
		for i, path := range paths {
			c, err := editSettings(o, path, befores[i], install && i == target)
			if err != nil {
				return nil, err
			}
			if c.Before != nil || c.Changed() {
				p.Changes = append(p.Changes, c)
			}
		}
		if len(p.Changes) == 0 && !install {
			p.Changes = append(p.Changes, &Change{Path: paths[target]})
		}
		return p, nil
	}
	c, err := editSettings(o, paths[0], befores[0], install)
	if err != nil {
		return nil, err
	}
	p.Changes = append(p.Changes, c)
	return p, nil
}

// maxSettings bounds what keyturn reads: settings files are small.
const maxSettings = 4 << 20

func readSettings(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, keyturn.Errorf(keyturn.EINVALID, "%s: %v", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, keyturn.Errorf(keyturn.EINVALID, "%s is not a regular file: keyturn will not edit it", path)
	}
	if fi.Size() > maxSettings {
		return nil, keyturn.Errorf(keyturn.EINVALID, "%s is %d bytes: too large for a settings file; keyturn will not edit it", path, fi.Size())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, keyturn.Errorf(keyturn.EINVALID, "%s: %v", path, err)
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

func isTOML(path string) bool { return strings.HasSuffix(path, ".toml") }

func hasKeyturn(o *InstallOptions, path string, before []byte) (bool, error) {
	if before == nil {
		return false, nil
	}
	if isTOML(path) {
		m, err := parseTOML(path, before)
		if err != nil {
			return false, err
		}
		return len(tomlOurs(o, m)) > 0, nil
	}
	_, removed, err := editJSON(o, path, before, false)
	return len(removed) > 0, err
}

func editSettings(o *InstallOptions, path string, before []byte, install bool) (*Change, error) {
	if isTOML(path) {
		return editTOML(o, path, before, install)
	}
	after, diff, err := editJSON(o, path, before, install)
	if err != nil {
		return nil, err
	}
	return &Change{Path: path, Before: before, After: after, Diff: diff}, nil
}

// ours reports whether a hook command is keyturn's hook for o.Agent: the command install
// writes, or any keyturn binary run as "hook AGENT" (a binary that moved is still keyturn's).
func ours(o *InstallOptions, command string) bool {
	command = strings.TrimSpace(command)
	if command == "" {
		return false
	}
	if o.Command != "" && command == strings.TrimSpace(o.Command) {
		return true
	}
	var prog, rest string
	switch command[0] {
	case '\'', '"':
		end := strings.IndexByte(command[1:], command[0])
		if end < 0 {
			return false
		}
		prog, rest = command[1:1+end], command[2+end:]
	default:
		prog, rest, _ = strings.Cut(command, " ")
	}
	base := strings.ToLower(prog[strings.LastIndexAny(prog, `/\`)+1:])
	f := strings.Fields(rest)
	return (base == "keyturn" || base == "keyturn.exe") && len(f) == 2 && f[0] == "hook" && f[1] == o.Agent
}

// ---- JSON: Claude Code settings, Codex hooks.json, Kiro agent configuration

// jsonObject is a JSON object that keeps its keys in order and its values as written.
type jsonObject struct {
	keys []string
	vals map[string]json.RawMessage
}

func parseJSONObject(data []byte) (*jsonObject, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	o := &jsonObject{vals: map[string]json.RawMessage{}}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, ok := tok.(string)
		if !ok {
			return nil, errors.New("not a JSON object")
		}
		if _, dup := o.vals[k]; dup {
			// Which one the agent uses is the agent's business; keyturn will not guess.
			return nil, fmt.Errorf("key %q appears twice", k)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		o.keys = append(o.keys, k)
		o.vals[k] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("more data after the JSON object")
	}
	if dec.InputOffset() != int64(len(bytes.TrimRight(data, " \t\r\n"))) {
		return nil, errors.New("more data after the JSON object")
	}
	return o, nil
}

func (o *jsonObject) get(k string) (json.RawMessage, bool) {
	v, ok := o.vals[k]
	return v, ok
}

func (o *jsonObject) set(k string, v json.RawMessage) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *jsonObject) del(k string) {
	if _, ok := o.vals[k]; ok {
		delete(o.vals, k)
		o.keys = slices.DeleteFunc(o.keys, func(s string) bool { return s == k })
	}
}

// compact returns o as compact JSON, keys in order.
func (o *jsonObject) compact() json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(marshalJSON(k))
		b.WriteByte(':')
		if err := json.Compact(&b, o.vals[k]); err != nil {
			panic(err) // values came from a decoder or from marshal: always valid
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// marshal encodes v without HTML escaping, so commands with && stay readable.
func marshalJSON(v any) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSpace(b.Bytes())
}

func marshalArray(items []json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// indentOf guesses the file's indentation from its first indented line; two spaces otherwise.
func indentOf(data []byte) string {
	for _, line := range bytes.Split(data, []byte("\n"))[1:] {
		trimmed := bytes.TrimLeft(line, " \t")
		if len(trimmed) > 0 && len(trimmed) < len(line) {
			return string(line[:len(line)-len(trimmed)])
		}
	}
	return "  "
}

// jsonShape is where an agent keeps its PreToolUse hooks in JSON.
type jsonShape struct {
	event   string
	grouped bool // {matcher, hooks: [handler]} (Claude Code, Codex) or flat handlers (Kiro)
}

func shapeOf(agent string) jsonShape {
	if agent == Kiro {
		return jsonShape{event: "preToolUse"}
	}
	return jsonShape{event: "PreToolUse", grouped: true}
}

// wantEntry is keyturn's entry in the agent's PreToolUse list.
func wantEntry(o *InstallOptions) json.RawMessage {
	switch o.Agent {
	case Kiro:
		return (&jsonObject{keys: []string{"matcher", "command", "timeout_ms"}, vals: map[string]json.RawMessage{
			"matcher": marshalJSON("*"), "command": marshalJSON(o.Command), "timeout_ms": marshalJSON(HookTimeout * 1000),
		}}).compact()
	case Codex:
		// No matcher: Codex matchers are regular expressions, and none matches every tool.
		h := &jsonObject{keys: []string{"type", "command", "timeout", "statusMessage"}, vals: map[string]json.RawMessage{
			"type": marshalJSON("command"), "command": marshalJSON(o.Command), "timeout": marshalJSON(HookTimeout), "statusMessage": marshalJSON(codexStatus),
		}}
		return (&jsonObject{keys: []string{"hooks"}, vals: map[string]json.RawMessage{"hooks": marshalArray([]json.RawMessage{h.compact()})}}).compact()
	}
	h := &jsonObject{keys: []string{"type", "command", "timeout"}, vals: map[string]json.RawMessage{
		"type": marshalJSON("command"), "command": marshalJSON(o.Command), "timeout": marshalJSON(HookTimeout),
	}}
	return (&jsonObject{keys: []string{"matcher", "hooks"}, vals: map[string]json.RawMessage{
		"matcher": marshalJSON("*"), "hooks": marshalArray([]json.RawMessage{h.compact()}),
	}}).compact()
}

const codexStatus = "keyturn: checking"

func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

func refuseEdit(path, format string, args ...any) error {
	return keyturn.Errorf(keyturn.EINVALID, "%s: %s; keyturn changed nothing. Fix the file (or move it aside) and run again",
		path, fmt.Sprintf(format, args...))
}

// editJSON returns the file with keyturn's hook removed and, when install, added back once;
// the diff says what went and what came. An unchanged file comes back byte for byte.
func editJSON(o *InstallOptions, path string, before []byte, install bool) ([]byte, []string, error) {
	shape := shapeOf(o.Agent)
	src := before
	if len(bytes.TrimSpace(src)) == 0 {
		src = []byte("{}")
	}
	root, err := parseJSONObject(src)
	if err != nil {
		return nil, nil, refuseEdit(path, "not valid JSON settings (%v)", err)
	}
	created := before == nil && install && o.Agent == Kiro
	if created {
		// A new Kiro agent: all of Kiro's tools (an agent without "tools" has none), each still
		// confirmed as Kiro's default agent does, and judged by keyturn first.
		name := o.KiroAgent
		if name == "" {
			name = KiroDefaultAgent
		}
		root.set("name", marshalJSON(name))
		root.set("description", marshalJSON(kiroDescription))
		root.set("tools", marshalJSON([]string{"*"}))
	}
	hooks := &jsonObject{vals: map[string]json.RawMessage{}}
	if raw, ok := root.get("hooks"); ok && string(raw) != "null" {
		if hooks, err = parseJSONObject(raw); err != nil {
			return nil, nil, refuseEdit(path, `"hooks" is not an object (%v)`, err)
		}
	}
	var entries []json.RawMessage
	if raw, ok := hooks.get(shape.event); ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &entries); err != nil {
			return nil, nil, refuseEdit(path, `"hooks.%s" is not a list`, shape.event)
		}
	}
	want := wantEntry(o)
	var kept []json.RawMessage
	var diff []string
	var found []json.RawMessage // keyturn's entries as they were
	for i, e := range entries {
		where := fmt.Sprintf("hooks.%s[%d]", shape.event, i)
		var cmd struct {
			Command string `json:"command"`
		}
		if !shape.grouped {
			if json.Unmarshal(e, &cmd) == nil && ours(o, cmd.Command) {
				found = append(found, e)
				diff = append(diff, "- "+where+" "+string(compactJSON(e)))
				continue
			}
			kept = append(kept, e)
			continue
		}
		g, err := parseJSONObject(e)
		if err != nil {
			kept = append(kept, e) // not a matcher group: not keyturn's, left alone
			continue
		}
		var handlers []json.RawMessage
		if raw, ok := g.get("hooks"); !ok || json.Unmarshal(raw, &handlers) != nil {
			kept = append(kept, e)
			continue
		}
		var rest []json.RawMessage
		for j, h := range handlers {
			if json.Unmarshal(h, &cmd) == nil && ours(o, cmd.Command) {
				diff = append(diff, fmt.Sprintf("- %s.hooks[%d] %s", where, j, compactJSON(h)))
				m, _ := g.get("matcher")
				only := &jsonObject{vals: map[string]json.RawMessage{}}
				if m != nil {
					only.set("matcher", m)
				}
				only.set("hooks", marshalArray([]json.RawMessage{h}))
				found = append(found, only.compact())
				continue
			}
			rest = append(rest, h)
		}
		switch {
		case len(rest) == len(handlers):
			kept = append(kept, e)
		case len(rest) > 0:
			g.set("hooks", marshalArray(rest))
			kept = append(kept, g.compact())
		}
		// A group left with no handler was keyturn's alone: it goes with them.
	}
	if install && len(found) == 1 && sameJSON(found[0], want) {
		return before, nil, nil // already installed: not one byte changes
	}
	if !install && len(found) == 0 {
		return before, nil, nil
	}
	if install {
		kept = append(kept, want)
		diff = append(diff, fmt.Sprintf("+ hooks.%s[%d] %s", shape.event, len(kept)-1, want))
	}
	if len(kept) > 0 {
		hooks.set(shape.event, marshalArray(kept))
	} else {
		hooks.del(shape.event)
	}
	if len(hooks.keys) > 0 {
		root.set("hooks", hooks.compact())
	} else {
		root.del("hooks")
	}
	if !install && isEmptyAfterUninstall(o, root) {
		return nil, diff, nil
	}
	var out bytes.Buffer
	if err := json.Indent(&out, root.compact(), "", indentOf(before)); err != nil {
		return nil, nil, keyturn.Errorf(keyturn.EINTERNAL, "re-encoding %s: %v", path, err)
	}
	out.WriteByte('\n')
	return out.Bytes(), diff, nil
}

func compactJSON(b []byte) []byte {
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return b
	}
	return out.Bytes()
}

// isEmptyAfterUninstall: once keyturn's hook is gone, a file that holds nothing (or, for Kiro,
// only the agent keyturn created) is removed rather than left behind.
func isEmptyAfterUninstall(o *InstallOptions, root *jsonObject) bool {
	if len(root.keys) == 0 {
		return true
	}
	if o.Agent != Kiro || len(root.keys) != 3 {
		return false
	}
	d, _ := root.get("description")
	t, _ := root.get("tools")
	_, hasName := root.get("name")
	return hasName && sameJSON(d, marshalJSON(kiroDescription)) && sameJSON(t, marshalJSON([]string{"*"}))
}

// ---- TOML: Codex config.toml

// keyturn's block in config.toml is delimited by these lines, so that it can be found and taken
// out again without re-encoding (and so losing the comments and layout of) the user's file.
const (
	tomlBegin = "# >>> keyturn: every tool call is judged by keyturn first; remove with: keyturn uninstall codex"
	tomlEnd   = "# <<< keyturn"
)

// CodexTOML returns keyturn's hook for a Codex config.toml or requirements.toml, between the
// lines that mark it as keyturn's.
func CodexTOML(command string) string {
	return tomlBegin + "\n[[hooks.PreToolUse]]\n\n[[hooks.PreToolUse.hooks]]\n" +
		"type = \"command\"\n" +
		"command = " + string(marshalJSON(command)) + "\n" + // a JSON string is a TOML basic string
		fmt.Sprintf("timeout = %d\n", HookTimeout) +
		"statusMessage = " + string(marshalJSON(codexStatus)) + "\n" +
		tomlEnd + "\n"
}

func parseTOML(path string, data []byte) (map[string]any, error) {
	m := map[string]any{}
	if err := toml.Unmarshal(data, &m); err != nil {
		return nil, refuseEdit(path, "not valid TOML (%v)", err)
	}
	return m, nil
}

// tomlOurs returns keyturn's handlers in a decoded config.toml.
func tomlOurs(o *InstallOptions, m map[string]any) []map[string]any {
	var out []map[string]any
	hooks, _ := m["hooks"].(map[string]any)
	groups, _ := hooks["PreToolUse"].([]any)
	for _, g := range groups {
		gm, _ := g.(map[string]any)
		hs, _ := gm["hooks"].([]any)
		for _, h := range hs {
			hm, _ := h.(map[string]any)
			if c, _ := hm["command"].(string); ours(o, c) {
				out = append(out, hm)
			}
		}
	}
	return out
}

// withoutOurs returns a copy of m without keyturn's handlers, groups they leave empty, and a
// PreToolUse list or hooks table they leave empty: the meaning of the file without keyturn.
func withoutOurs(o *InstallOptions, m map[string]any) map[string]any {
	out := maps.Clone(m)
	hooks, ok := m["hooks"].(map[string]any)
	if !ok {
		return out
	}
	hooks = maps.Clone(hooks)
	out["hooks"] = hooks
	groups, ok := hooks["PreToolUse"].([]any)
	if !ok {
		return out
	}
	var kept []any
	for _, g := range groups {
		gm, ok := g.(map[string]any)
		hs, ok2 := gm["hooks"].([]any)
		if !ok || !ok2 {
			kept = append(kept, g)
			continue
		}
		var rest []any
		for _, h := range hs {
			hm, _ := h.(map[string]any)
			if c, _ := hm["command"].(string); ours(o, c) {
				continue
			}
			rest = append(rest, h)
		}
		switch {
		case len(rest) == len(hs):
			kept = append(kept, g)
		case len(rest) > 0:
			gm = maps.Clone(gm)
			gm["hooks"] = rest
			kept = append(kept, gm)
		}
	}
	if len(kept) > 0 {
		hooks["PreToolUse"] = kept
	} else {
		delete(hooks, "PreToolUse")
	}
	if len(hooks) == 0 {
		delete(out, "hooks")
	}
	return out
}

func editTOML(o *InstallOptions, path string, before []byte, install bool) (*Change, error) {
	c := &Change{Path: path, Before: before, After: before}
	old, err := parseTOML(path, before)
	if err != nil {
		return nil, err
	}
	found := tomlOurs(o, old)
	if install && len(found) == 1 && tomlIsWanted(o, old, found[0]) {
		return c, nil
	}
	if !install && len(found) == 0 {
		return c, nil
	}
	text := string(before)
	if len(found) > 0 {
		var n int
		text, n = cutBlocks(text)
		if n == 0 {
			return nil, refuseEdit(path, "keyturn's hook is there but not inside the block keyturn writes (%q … %q): edit it by hand", tomlBegin, tomlEnd)
		}
		for _, h := range found {
			c.Diff = append(c.Diff, "- [[hooks.PreToolUse.hooks]] command = "+string(marshalJSON(h["command"])))
		}
	}
	if install {
		if text != "" && !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		if text != "" {
			text += "\n"
		}
		text += CodexTOML(o.Command)
		c.Diff = append(c.Diff, fmt.Sprintf("+ [[hooks.PreToolUse.hooks]] type = \"command\", command = %s, timeout = %d, statusMessage = %s",
			marshalJSON(o.Command), HookTimeout, marshalJSON(codexStatus)))
	}
	// The edit was made on text; check it means what it should before anything is written.
	now, err := parseTOML(path, []byte(text))
	if err != nil || !reflect.DeepEqual(withoutOurs(o, now), withoutOurs(o, old)) || len(tomlOurs(o, now)) != map[bool]int{true: 1, false: 0}[install] {
		return nil, refuseEdit(path, "keyturn cannot add its hook to this file's layout without changing something else (for example, hooks written as an inline table); add this by hand:\n\n%s", CodexTOML(o.Command))
	}
	c.After = []byte(text)
	if !install && len(strings.TrimSpace(text)) == 0 {
		c.After = nil
	}
	return c, nil
}

func tomlIsWanted(o *InstallOptions, m map[string]any, h map[string]any) bool {
	want := map[string]any{"type": "command", "command": o.Command, "timeout": int64(HookTimeout), "statusMessage": codexStatus}
	if !reflect.DeepEqual(h, want) {
		return false
	}
	// and its group matches every tool
	groups := m["hooks"].(map[string]any)["PreToolUse"].([]any)
	for _, g := range groups {
		gm, _ := g.(map[string]any)
		hs, _ := gm["hooks"].([]any)
		for _, x := range hs {
			if reflect.DeepEqual(x, h) {
				_, hasMatcher := gm["matcher"]
				return !hasMatcher && len(gm) == 1 && len(hs) == 1
			}
		}
	}
	return false
}

// cutBlocks removes keyturn's marked blocks (and the blank line before each) from text.
func cutBlocks(text string) (string, int) {
	n := 0
	for {
		i := strings.Index(text, tomlBegin)
		if i < 0 || (i > 0 && text[i-1] != '\n') {
			return text, n
		}
		j := strings.Index(text[i:], "\n"+tomlEnd)
		if j < 0 {
			return text, n
		}
		end := i + j + 1 + len(tomlEnd)
		if end < len(text) && text[end] == '\n' {
			end++
		}
		start := i
		if strings.HasSuffix(text[:start], "\n\n") {
			start--
		}
		text = text[:start] + text[end:]
		n++
	}
}

// ---- writing

// Apply writes every changed file: into a temporary file in the same directory, then renamed
// over the old one, keeping its mode; a settings file that is a symbolic link is written where
// the link points. It stops at the first file that changed on disk since it was read.
func (p *Plan) Apply() error {
	for _, c := range p.Changes {
		if !c.Changed() {
			continue
		}
		if err := c.apply(); err != nil {
			return err
		}
	}
	return nil
}

func (c *Change) apply() error {
	path := c.Path
	if c.Before != nil {
		if real, err := filepath.EvalSymlinks(path); err == nil {
			path = real
		}
	}
	now, err := readSettings(path)
	if err != nil {
		return err
	}
	if (now == nil) != (c.Before == nil) || !bytes.Equal(now, c.Before) {
		return keyturn.Errorf(keyturn.ECONFLICT, "%s changed while keyturn was editing it: run the command again", c.Path)
	}
	if c.After == nil {
		if err := os.Remove(path); err != nil {
			return keyturn.Errorf(keyturn.EINTERNAL, "removing %s: %v", c.Path, err)
		}
		return nil
	}
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return keyturn.Errorf(keyturn.EINTERNAL, "creating %s: %v", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".keyturn-*")
	if err != nil {
		return keyturn.Errorf(keyturn.EINTERNAL, "writing %s: %v", c.Path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename there is nothing left to remove
	_, err = f.Write(c.After)
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return keyturn.Errorf(keyturn.EINTERNAL, "writing %s: %v", c.Path, err)
	}
	return nil
}
