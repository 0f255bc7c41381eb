package classify

import (
	"maps"

	"keyturn"
)

// Action returns the effects of an action of any kind, at least one. A kind
// keyturn cannot read yet (http, plan, or one it has never heard of) is one
// unknown effect in an unknown environment, which the policy treats as
// production: what is not understood is not let through.
func (c *Classifier) Action(a *keyturn.Action) []keyturn.Effect {
	if a == nil {
		return []keyturn.Effect{unreadable("action", "no action")}
	}
	switch a.Kind {
	case keyturn.KindShell:
		return c.Shell(a.Command, Context{Cwd: a.Cwd, Env: a.Env})
	case keyturn.KindFileWrite:
		return c.fileAction(a)
	case keyturn.KindMCPTool:
		return c.tool(a)
	}
	kind := string(a.Kind)
	if kind == "" {
		kind = "action"
	}
	return []keyturn.Effect{unreadable(kind, "keyturn does not read "+kind+" actions yet")}
}

func unreadable(kind, note string) keyturn.Effect {
	return keyturn.Effect{Tool: kind, Operation: kind, Class: keyturn.Unknown, Environment: keyturn.EnvUnknown, Note: note}
}

// fileAction classifies a file write by its path, and an apply_patch
// envelope in its content by the paths it names. Both count when both are
// there: a file whose content is a patch is still written.
func (c *Classifier) fileAction(a *keyturn.Action) []keyturn.Effect {
	var out []keyturn.Effect
	s := c.newState(Context{Cwd: a.Cwd, Env: maps.Clone(a.Env)}, &out)
	if a.Path != "" {
		out = append(out, s.fileWrite("fs", "file write", a.Path))
	}
	if patchEnvelope(a.Content) {
		out = append(out, s.patchEffects(a.Content)...)
	}
	if len(out) == 0 {
		out = append(out, unknownEffect("fs", "file write", "a file write that names no file"))
	}
	return c.finish(out)
}
