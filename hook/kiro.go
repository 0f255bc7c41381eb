package hook

import (
	"os"
	"path/filepath"
	"strings"

	"keyturn"
)

// Kiro CLI's preToolUse hook, as documented at https://kiro.dev/docs/cli/hooks
// (read 2026-05; hooks are defined in the agent configuration,
// .kiro/agents/*.json): stdin carries hook_event_name "preToolUse", cwd,
// tool_name and tool_input. Exit 2 blocks the tool and returns stderr to
// the model; exit 0 lets it run; any other status is only a warning, and the
// hook is killed after timeout_ms (default 30 000). Built-in tool inputs
// follow the tool index of the Kiro CLI (aws/amazon-q-developer-cli,
// crates/chat-cli/src/cli/chat/tools/tool_index.json): execute_bash
// {command, working_dir}, fs_write {command, path, file_text, old_str,
// new_str, insert_line}, fs_read {operations: [{mode, path, image_paths}]},
// use_aws {service_name, operation_name, parameters, region, profile_name}.
// MCP tools are named @server/tool, as in the hook matchers. The short names
// an agent configuration uses for built-ins (shell, write, read, aws) are
// read as the same tools.

var (
	kiroShellTools = map[string]bool{"execute_bash": true, "execute_cmd": true, "shell": true}
	kiroWriteTools = map[string]bool{"fs_write": true, "write": true}
	kiroReadTools  = map[string]bool{"fs_read": true, "read": true, "glob": true, "grep": true}
	kiroAWSTools   = map[string]bool{"use_aws": true, "aws": true}
	// kiroSessionTools act only inside the agent's session.
	kiroSessionTools = map[string]bool{"introspect": true, "thinking": true, "todo_list": true}
)

// ParseKiro reads a Kiro CLI preToolUse payload. A path or working_dir that
// starts with ~ is resolved against the user's home ($HOME).
func ParseKiro(input []byte) (*Input, error) {
	var p payload
	if err := decode(input, &p); err != nil {
		return nil, err
	}
	if err := p.check("Kiro CLI", "preToolUse", "PreToolUse"); err != nil {
		return nil, err
	}
	in := &Input{Agent: Kiro, Event: p.Event, Tool: p.Tool}
	switch {
	case kiroShellTools[p.Tool]:
		var t struct {
			Command    string `json:"command"`
			WorkingDir string `json:"working_dir"`
			Summary    string `json:"summary"`
		}
		if err := toolInput(p.ToolInput, p.Tool, &t); err != nil {
			return nil, err
		}
		if strings.TrimSpace(t.Command) == "" {
			return nil, keyturn.Errorf(keyturn.EINVALID, "%s tool_input has no command", p.Tool)
		}
		cwd := p.Cwd
		if t.WorkingDir != "" {
			d, err := kiroPath(t.WorkingDir, p.Cwd)
			if err == nil {
				d, err = workDir(d, p.Cwd)
			}
			if err != nil {
				return nil, err
			}
			cwd = d
		}
		in.Action = &keyturn.Action{Kind: keyturn.KindShell, Command: t.Command, Cwd: cwd, Reason: t.Summary}
	case kiroWriteTools[p.Tool]:
		var t struct {
			Command  string `json:"command"`
			Path     string `json:"path"`
			FileText string `json:"file_text"`
			NewStr   string `json:"new_str"`
			Summary  string `json:"summary"`
		}
		if err := toolInput(p.ToolInput, p.Tool, &t); err != nil {
			return nil, err
		}
		if t.Path == "" {
			return nil, keyturn.Errorf(keyturn.EINVALID, "%s tool_input names no path", p.Tool)
		}
		path, err := kiroPath(t.Path, p.Cwd)
		if err != nil {
			return nil, err
		}
		content := t.NewStr
		if t.Command == "create" {
			content = t.FileText
		}
		// Arguments bind the approval to the exact edit (command,
		// old_str, insert_line), not only to the new text.
		a := fileWrite(path, content, p.ToolInput, p.Cwd)
		a.Reason = t.Summary
		in.Action = a
	case kiroReadTools[p.Tool]:
		var t struct {
			Path       string `json:"path"`
			Operations []struct {
				Path       string   `json:"path"`
				ImagePaths []string `json:"image_paths"`
			} `json:"operations"`
		}
		if err := toolInput(p.ToolInput, p.Tool, &t); err != nil {
			return nil, err
		}
		paths := []string{t.Path}
		for _, op := range t.Operations {
			paths = append(paths, op.Path)
			paths = append(paths, op.ImagePaths...)
		}
		if (p.Tool == "glob" || p.Tool == "grep") && t.Path == "" {
			paths = append(paths, p.Cwd)
		}
		for i, q := range paths {
			if q == "" {
				continue
			}
			r, err := kiroPath(q, p.Cwd)
			if err != nil {
				return nil, err
			}
			paths[i] = r
		}
		in.Local = true
		in.ReadCommand = readLine("cat", paths...)
		if in.ReadCommand == "" {
			return nil, keyturn.Errorf(keyturn.EINVALID, "%s tool_input names no path to read", p.Tool)
		}
	case kiroAWSTools[p.Tool]:
		if err := toolInput(p.ToolInput, p.Tool, nil); err != nil {
			return nil, err
		}
		// An AWS API call: classify reads service_name and operation_name
		// like the aws analyzer reads `aws SERVICE OPERATION`.
		in.Action = &keyturn.Action{Kind: keyturn.KindMCPTool, Server: "kiro", Tool: "use_aws", Arguments: p.ToolInput, Cwd: p.Cwd}
	case kiroSessionTools[p.Tool]:
		if err := toolInput(p.ToolInput, p.Tool, nil); err != nil {
			return nil, err
		}
		in.Local = true
	default:
		if err := toolInput(p.ToolInput, p.Tool, nil); err != nil {
			return nil, err
		}
		if rest, ok := strings.CutPrefix(p.Tool, "@"); ok {
			server, tool, ok := strings.Cut(rest, "/")
			if ok && server != "" && tool != "" {
				in.Action = &keyturn.Action{Kind: keyturn.KindMCPTool, Server: server, Tool: tool, Arguments: p.ToolInput, Cwd: p.Cwd}
				break
			}
		}
		in.Action = unknownTool(Kiro, p.Tool, p.ToolInput, p.Cwd)
	}
	return in, nil
}

// kiroPath resolves a path Kiro gave: ~ against $HOME, a relative path
// against cwd.
func kiroPath(p, cwd string) (string, error) {
	if p == "~" || strings.HasPrefix(p, "~/") {
		home, err := os.UserHomeDir()
		if err != nil || !filepath.IsAbs(home) {
			return "", keyturn.Errorf(keyturn.EINVALID, "the path %q starts with ~ but the home directory is unknown", cut(p))
		}
		// Not cleaned (see abs): ~/link/../x lands next to link's target.
		return strings.TrimSuffix(home, "/") + "/" + strings.TrimPrefix(strings.TrimPrefix(p, "~"), "/"), nil
	}
	if strings.HasPrefix(p, "~") {
		return "", keyturn.Errorf(keyturn.EINVALID, "the path %q names another user's home, which keyturn does not resolve", cut(p))
	}
	return abs(p, cwd), nil
}

// RespondKiro answers Kiro CLI: exit 0 to allow; anything else blocks with
// exit 2 and the reason on stderr, which Kiro returns to the model.
func RespondKiro(d Decision, reason string) Response {
	if d == Allow {
		return Response{Code: 0}
	}
	return block(reason)
}
