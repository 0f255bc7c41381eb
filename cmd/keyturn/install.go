package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"keyturn"
	"keyturn/classify"
	"keyturn/hook"
)

const installUsage = `install claude-code|codex|kiro [--scope project|user] [--dry-run] [--command PATH] [--agent NAME]
       keyturn uninstall claude-code|codex|kiro [--scope project|user] [--dry-run] [--agent NAME]

install puts keyturn in front of an agent: it adds keyturn's PreToolUse hook
("keyturn hook AGENT", with a 60 s timeout) to the agent's own settings, and
keeps everything else in them. Running it again changes nothing. A settings
file that does not parse is refused and left as it is. uninstall removes
keyturn's hook and nothing else.

Files (project: the git top-level of the current directory; user: HOME):
  claude-code  .claude/settings.json  (--scope local: .claude/settings.local.json;
               --scope managed: the machine's managed-settings.json, as root)
  codex        .codex/hooks.json if it exists, else .codex/config.toml
  kiro         .kiro/agents/NAME.json (--agent, default keyturn)

Examples:
  keyturn install claude-code
  keyturn install codex --scope user --dry-run
  keyturn install kiro --agent backend
  sudo keyturn install claude-code --scope managed --command /usr/local/bin/keyturn
  keyturn uninstall claude-code`

type installOptions struct {
	scope, command, kiroAgent string
	dryRun                    bool
}

func runInstall(e *env, args []string) int   { return runInstallHook(e, args, true) }
func runUninstall(e *env, args []string) int { return runInstallHook(e, args, false) }

func runInstallHook(e *env, args []string, install bool) int {
	verb := map[bool]string{true: "install", false: "uninstall"}[install]
	var o installOptions
	fs := newFlags(e, verb, installUsage)
	fs.StringVar(&o.scope, "scope", hook.ScopeProject, "whose settings: project or user (claude-code also: local, managed)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "show what would change and write nothing")
	fs.StringVar(&o.kiroAgent, "agent", "", "kiro: the agent configuration to put the hook in (default "+hook.KiroDefaultAgent+")")
	if install {
		fs.StringVar(&o.command, "command", "", "`path` of the keyturn binary the agent runs (default: this one)")
	}
	operands, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(operands) != 1 || !slices.Contains(hook.Agents, operands[0]) {
		return e.fail(keyturn.Errorf(keyturn.EINVALID, "name one agent: keyturn %s %s", verb, strings.Join(hook.Agents, "|")))
	}
	agent := operands[0]
	if o.kiroAgent != "" && agent != hook.Kiro {
		return e.fail(keyturn.Errorf(keyturn.EINVALID, "--agent names a Kiro agent configuration; %s has none", agent))
	}
	opts := &hook.InstallOptions{Agent: agent, Scope: o.scope, Home: e.getenv("HOME"), KiroAgent: o.kiroAgent}
	if o.scope == hook.ScopeProject || o.scope == hook.ScopeLocal {
		cwd, err := e.getwd()
		if err != nil {
			return e.fail(keyturn.Errorf(keyturn.EINVALID, "cannot read the current directory (%v): run keyturn %s in the project, or use --scope user", err, verb))
		}
		opts.Root = classify.Workspace(cwd)
	}
	// uninstall recognises any keyturn binary run as "hook AGENT"; only install needs this one.
	binary, err := keyturnBinary(o.command)
	if err != nil && install {
		return e.fail(err)
	}
	if err == nil {
		opts.Command = hook.HookCommand(binary, agent)
	}

	var plan *hook.Plan
	if install {
		plan, err = hook.PlanInstall(opts)
	} else {
		plan, err = hook.PlanUninstall(opts)
	}
	if err != nil {
		return e.fail(err)
	}
	for _, c := range plan.Changes {
		switch {
		case !c.Changed() && install:
			fmt.Fprintf(e.stdout, "%s: keyturn's hook is already there; nothing changed\n", c.Path)
		case !c.Changed():
			fmt.Fprintf(e.stdout, "%s: no keyturn hook there; nothing changed\n", c.Path)
		default:
			what := "edit"
			switch {
			case c.Before == nil:
				what = "create"
			case c.After == nil:
				what = "remove (nothing else was in it)"
			}
			fmt.Fprintf(e.stdout, "%s: %s\n", c.Path, what)
			for _, d := range c.Diff {
				fmt.Fprintf(e.stdout, "  %s\n", d)
			}
		}
	}
	if o.dryRun {
		if plan.Changed() {
			fmt.Fprintln(e.stdout, "dry run: nothing written")
		}
		return exitOK
	}
	if err := plan.Apply(); err != nil {
		return e.fail(err)
	}
	if install {
		fmt.Fprint(e.stdout, "\n"+installNext(agent, opts, binary))
	}
	return exitOK
}

// keyturnBinary returns the absolute path of the keyturn the agent will run.
func keyturnBinary(flagPath string) (string, error) {
	if flagPath != "" {
		abs, err := filepath.Abs(flagPath)
		if err != nil {
			return "", keyturn.Errorf(keyturn.EINVALID, "--command %s: %v", flagPath, err)
		}
		return abs, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", keyturn.Errorf(keyturn.EINVALID, "cannot tell where keyturn is (%v): give --command PATH", err)
	}
	// A binary of go run lives in a temporary directory that is gone once it exits.
	if strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return "", keyturn.Errorf(keyturn.EINVALID, "keyturn is running from a temporary build (go run): build it (go build -o keyturn ./cmd/keyturn) and give --command PATH")
	}
	return exe, nil
}

// installNext says what the operator still has to do, and how an admin makes the hook
// managed: out of reach of the agent and of its user.
func installNext(agent string, o *hook.InstallOptions, binary string) string {
	var b strings.Builder
	b.WriteString("Next:\n  Start the agent from a shell where KEYTURN_URL and KEYTURN_TOKEN hold the agent's\n  enrollment (keyturn agent enroll NAME --operator USER --kind " + agent + ").\n")
	switch agent {
	case hook.ClaudeCode:
		b.WriteString("  In Claude Code, /hooks lists the hook.\n\n")
		if o.Scope == hook.ScopeManaged {
			b.WriteString("Managed: add \"allowManagedHooksOnly\": true to the same file so that only managed hooks run;\n  user and project settings cannot disable a managed hook.\n")
			break
		}
		fmt.Fprintf(&b, "Managed (unremovable by the agent or its user), as an admin:\n  sudo keyturn install claude-code --scope managed --command %s\n", binary)
		b.WriteString("  then add \"allowManagedHooksOnly\": true to that managed-settings.json (/etc/claude-code on Linux,\n  /Library/Application Support/ClaudeCode on macOS): user and project settings cannot disable it.\n")
	case hook.Codex:
		b.WriteString("  Codex runs a new hook only once it is trusted: open /hooks in Codex and trust keyturn's\n  (until then Codex skips it). Project hooks load only in a trusted project.\n\n")
		b.WriteString("Managed (unremovable, trusted by policy), as an admin: put this in /etc/codex/requirements.toml\n(or the MDM or cloud requirements); allow_managed_hooks_only makes Codex ignore user and project hooks:\n\n")
		b.WriteString("allow_managed_hooks_only = true\n\n" + hook.CodexTOML(o.Command))
	case hook.Kiro:
		name := o.KiroAgent
		if name == "" {
			name = hook.KiroDefaultAgent
		}
		fmt.Fprintf(&b, "  Kiro runs an agent's hooks only for that agent: kiro-cli chat --agent %s,\n  or make it the default: kiro-cli settings chat.defaultAgent %s\n\n", name, name)
		b.WriteString("Managed: Kiro CLI documents no managed hooks. keyturn's policy denies the agent's own writes\n  under .kiro/, but the user can still change the file.\n")
	}
	return b.String()
}
