package hook

import (
	"encoding/json"
	"strings"

	"keyturn"
)

// Claude Code's PreToolUse hook, as documented in the hooks reference
// (https://code.claude.com/docs/en/hooks, PreToolUse input and decision
// control; read 2026-05): stdin carries session_id, transcript_path, cwd,
// permission_mode, hook_event_name "PreToolUse", tool_name, tool_input and
// tool_use_id; file paths in tool_input are absolute. The hook answers on
// stdout with exit 0 and
// {"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":
// "allow"|"ask"|"deny","permissionDecisionReason":"…"}}. Exit 2 with stderr
// also blocks; any other exit status, a timeout or unreadable output lets the
// call through, which is why keyturn never ends in one of those.

// claudeReadTools read files and change nothing: Read, Glob, Grep, LS and
// NotebookRead. claudeSessionTools act only inside the agent's session.
var (
	claudeReadTools    = map[string]bool{"Read": true, "Glob": true, "Grep": true, "LS": true, "NotebookRead": true}
	claudeSessionTools = map[string]bool{"TodoWrite": true, "Task": true, "Agent": true, "ExitPlanMode": true,
		"BashOutput": true, "TaskOutput": true}
)

// ParseClaude reads a Claude Code PreToolUse payload.
func ParseClaude(input []byte) (*Input, error) {
	var p payload
	if err := decode(input, &p); err != nil {
		return nil, err
	}
	if err := p.check("Claude Code", "PreToolUse"); err != nil {
		return nil, err
	}
	in := &Input{Agent: ClaudeCode, Event: p.Event, Tool: p.Tool}
	var err error
	switch {
	case p.Tool == "Bash":
		var t struct {
			Command     string `json:"command"`
			Description string `json:"description"`
		}
		if err = toolInput(p.ToolInput, p.Tool, &t); err == nil && strings.TrimSpace(t.Command) == "" {
			err = keyturn.Errorf(keyturn.EINVALID, "Bash tool_input has no command")
		}
		in.Action = &keyturn.Action{Kind: keyturn.KindShell, Command: t.Command, Cwd: p.Cwd, Reason: t.Description}
	case p.Tool == "Write":
		var t struct {
			FilePath string `json:"file_path"`
			Content  string `json:"content"`
		}
		err = toolInput(p.ToolInput, p.Tool, &t)
		in.Action = fileWrite(t.FilePath, t.Content, nil, p.Cwd)
	case p.Tool == "Edit":
		var t struct {
			FilePath  string `json:"file_path"`
			NewString string `json:"new_string"`
		}
		err = toolInput(p.ToolInput, p.Tool, &t)
		// The whole tool_input goes into Arguments so that an approval is
		// bound to the exact edit (old_string, replace_all), not only to
		// the new text.
		in.Action = fileWrite(t.FilePath, t.NewString, p.ToolInput, p.Cwd)
	case p.Tool == "MultiEdit":
		var t struct {
			FilePath string `json:"file_path"`
			Edits    []struct {
				NewString string `json:"new_string"`
			} `json:"edits"`
		}
		err = toolInput(p.ToolInput, p.Tool, &t)
		news := make([]string, len(t.Edits))
		for i, e := range t.Edits {
			news[i] = e.NewString
		}
		in.Action = fileWrite(t.FilePath, strings.Join(news, "\n"), p.ToolInput, p.Cwd)
	case p.Tool == "NotebookEdit":
		var t struct {
			NotebookPath string `json:"notebook_path"`
			NewSource    string `json:"new_source"`
		}
		err = toolInput(p.ToolInput, p.Tool, &t)
		in.Action = fileWrite(t.NotebookPath, t.NewSource, p.ToolInput, p.Cwd)
	case claudeReadTools[p.Tool]:
		var t struct {
			FilePath     string `json:"file_path"`
			Path         string `json:"path"`
			NotebookPath string `json:"notebook_path"`
		}
		err = toolInput(p.ToolInput, p.Tool, &t)
		in.Local = true
		path := t.FilePath + t.NotebookPath
		if path == "" {
			path = t.Path
		}
		if path == "" && (p.Tool == "Glob" || p.Tool == "Grep" || p.Tool == "LS") {
			path = p.Cwd // they search the working directory by default
		}
		in.ReadCommand = readLine("cat", abs(path, p.Cwd))
	case claudeSessionTools[p.Tool]:
		err = toolInput(p.ToolInput, p.Tool, nil)
		in.Local = true
	default:
		err = toolInput(p.ToolInput, p.Tool, nil)
		if server, tool, ok := mcpTool(p.Tool); ok {
			in.Action = &keyturn.Action{Kind: keyturn.KindMCPTool, Server: server, Tool: tool, Arguments: p.ToolInput, Cwd: p.Cwd}
		} else {
			// WebFetch, WebSearch and tools of later versions: judged by
			// the gateway, never allowed blindly.
			in.Action = unknownTool(ClaudeCode, p.Tool, p.ToolInput, p.Cwd)
		}
	}
	if err == nil && in.Action != nil && in.Action.Kind == keyturn.KindFileWrite && in.Action.Path == "" {
		err = keyturn.Errorf(keyturn.EINVALID, "%s tool_input names no file", p.Tool)
	}
	if err != nil {
		return nil, err
	}
	return in, nil
}

// fileWrite is a file_write action; a write with no path is refused.
func fileWrite(path, content string, args json.RawMessage, cwd string) *keyturn.Action {
	return &keyturn.Action{Kind: keyturn.KindFileWrite, Path: abs(path, cwd), Content: content, Arguments: args, Cwd: cwd}
}

// claudeOutput is Claude Code's PreToolUse decision.
type claudeOutput struct {
	HookSpecificOutput struct {
		HookEventName            string `json:"hookEventName"`
		PermissionDecision       string `json:"permissionDecision"`
		PermissionDecisionReason string `json:"permissionDecisionReason"`
	} `json:"hookSpecificOutput"`
}

// RespondClaude answers Claude Code: JSON on stdout, exit 0. An unknown
// decision is deny.
func RespondClaude(d Decision, reason string) Response {
	var o claudeOutput
	o.HookSpecificOutput.HookEventName = "PreToolUse"
	switch d {
	case Allow, Ask:
		o.HookSpecificOutput.PermissionDecision = string(d)
	default:
		o.HookSpecificOutput.PermissionDecision = string(Deny)
	}
	o.HookSpecificOutput.PermissionDecisionReason = nonEmpty(reason)
	b, err := json.Marshal(o)
	if err != nil {
		return block(reason)
	}
	return Response{Stdout: append(b, '\n'), Code: 0}
}
