package hook

import (
	"bytes"
	"encoding/json"
	"strings"

	"keyturn"
)

// Codex's PreToolUse hook, as documented at
// https://developers.openai.com/codex/hooks (read as of its 2026-05-18
// revision) and implemented in openai/codex codex-rs/hooks
// (src/events/pre_tool_use.rs, schema/generated/pre-tool-use.command.input
// .schema.json): stdin carries session_id, turn_id, transcript_path, cwd,
// hook_event_name "PreToolUse", model, permission_mode, tool_name (Bash,
// apply_patch, mcp__server__tool), tool_use_id and tool_input, whose
// command is the shell line for Bash and the patch for apply_patch.
//
// Codex blocks on exit 2 with a non-empty stderr (the reason), or on a JSON
// permissionDecision "deny". It fails open on everything else: an exit 2
// with an empty stderr, "allow" or "ask" (unsupported), a deny carrying
// additionalContext, a timeout. keyturn therefore blocks with exit 2 and a
// reason that is never empty, and allows with exit 0 and no output.

// codexShellTools are the names Codex gives its shell tool in hooks.
var codexShellTools = map[string]bool{"Bash": true, "shell": true, "exec_command": true, "local_shell": true}

// ParseCodex reads a Codex PreToolUse payload.
func ParseCodex(input []byte) (*Input, error) {
	var p payload
	if err := decode(input, &p); err != nil {
		return nil, err
	}
	if err := p.check("Codex", "PreToolUse"); err != nil {
		return nil, err
	}
	in := &Input{Agent: Codex, Event: p.Event, Tool: p.Tool}
	switch {
	case codexShellTools[p.Tool]:
		var t struct {
			Command json.RawMessage `json:"command"`
			Workdir string          `json:"workdir"`
		}
		if err := toolInput(p.ToolInput, p.Tool, &t); err != nil {
			return nil, err
		}
		line, err := codexCommand(t.Command)
		if err != nil {
			return nil, err
		}
		cwd := p.Cwd
		if t.Workdir != "" {
			d, err := workDir(t.Workdir, p.Cwd)
			if err != nil {
				return nil, err
			}
			cwd = d
		}
		in.Action = &keyturn.Action{Kind: keyturn.KindShell, Command: line, Cwd: cwd}
	case p.Tool == "apply_patch":
		var t struct {
			Command json.RawMessage `json:"command"`
		}
		if err := toolInput(p.ToolInput, p.Tool, &t); err != nil {
			return nil, err
		}
		patch, err := codexCommand(t.Command)
		if err != nil {
			return nil, err
		}
		// The patch envelope names its files; classify reads them.
		in.Action = &keyturn.Action{Kind: keyturn.KindFileWrite, Content: patch, Cwd: p.Cwd}
	default:
		if err := toolInput(p.ToolInput, p.Tool, nil); err != nil {
			return nil, err
		}
		if server, tool, ok := mcpTool(p.Tool); ok {
			in.Action = &keyturn.Action{Kind: keyturn.KindMCPTool, Server: server, Tool: tool, Arguments: p.ToolInput, Cwd: p.Cwd}
		} else {
			in.Action = unknownTool(Codex, p.Tool, p.ToolInput, p.Cwd)
		}
	}
	return in, nil
}

// codexCommand reads tool_input.command: a string, or an argv array (the
// shape of Codex's exec tools), quoted back into one shell line.
func codexCommand(raw json.RawMessage) (string, error) {
	t := bytes.TrimSpace(raw)
	var line string
	switch {
	case len(t) > 0 && t[0] == '"':
		if err := json.Unmarshal(t, &line); err != nil {
			return "", keyturn.Errorf(keyturn.EINVALID, "tool_input.command is not a string: %v", err)
		}
	case len(t) > 0 && t[0] == '[':
		var argv []string
		if err := json.Unmarshal(t, &argv); err != nil || len(argv) == 0 {
			return "", keyturn.Errorf(keyturn.EINVALID, "tool_input.command is not a list of words")
		}
		words := make([]string, len(argv))
		for i, w := range argv {
			words[i] = quoteWord(w)
		}
		line = strings.Join(words, " ")
	default:
		return "", keyturn.Errorf(keyturn.EINVALID, "tool_input.command is missing, or neither a string nor a list of words")
	}
	if strings.TrimSpace(line) == "" {
		return "", keyturn.Errorf(keyturn.EINVALID, "tool_input.command is empty")
	}
	return line, nil
}

// RespondCodex answers Codex: allow is exit 0 with nothing on stdout;
// anything else blocks with exit 2 and the reason on stderr.
func RespondCodex(d Decision, reason string) Response {
	if d == Allow {
		return Response{Code: 0}
	}
	return block(reason)
}
