package classify

import (
	"strings"

	"keyturn"
)

// Codex's apply_patch envelope, as described in openai/codex
// codex-rs/apply-patch/apply_patch_tool_instructions.md (read for Codex CLI
// 0.5x, 2025–2026):
//
//	*** Begin Patch
//	*** Add File: PATH      then lines that start with +
//	*** Update File: PATH   then an optional *** Move to: PATH, then hunks:
//	                        @@ [context], lines starting with " ", - or +,
//	                        and *** End of File
//	*** Delete File: PATH
//	*** End Patch
//
// Each file the patch names is one effect: added or updated files are
// writes where they land (fileWrite); a deleted file is a delete where it
// is (fileDelete: a write inside the workspace, as `rm` of one file there,
// since the project's files are recoverable from its history; destructive
// outside); a move deletes its source and writes its destination. A patch
// keyturn cannot read is unknown: Codex's own parser might read more in it.

func init() {
	register(analyzeApplyPatch, "apply_patch", "applypatch")
}

// maxPatchFiles bounds the files one patch may name.
const maxPatchFiles = 1000

type patchOp struct {
	kind string // add, update, delete
	path string
	move string // destination of an update, if any
}

// patchEnvelope reports whether text looks like an apply_patch envelope.
func patchEnvelope(text string) bool {
	return strings.HasPrefix(strings.TrimSpace(text), "*** Begin Patch")
}

// parsePatch reads an envelope. The error says what is wrong with it.
func parsePatch(text string) ([]patchOp, string) {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	if len(lines) < 2 || strings.TrimSpace(lines[0]) != "*** Begin Patch" {
		return nil, "the patch does not start with *** Begin Patch"
	}
	if strings.TrimSpace(lines[len(lines)-1]) != "*** End Patch" {
		return nil, "the patch does not end with *** End Patch"
	}
	var ops []patchOp
	var cur *patchOp
	header := func(l, prefix string) (string, bool) {
		t := strings.TrimSpace(l)
		if !strings.HasPrefix(t, prefix) {
			return "", false
		}
		return strings.TrimSpace(strings.TrimPrefix(t, prefix)), true
	}
	for _, l := range lines[1 : len(lines)-1] {
		if p, ok := header(l, "*** Add File:"); ok {
			ops = append(ops, patchOp{kind: "add", path: p})
		} else if p, ok := header(l, "*** Update File:"); ok {
			ops = append(ops, patchOp{kind: "update", path: p})
		} else if p, ok := header(l, "*** Delete File:"); ok {
			ops = append(ops, patchOp{kind: "delete", path: p})
		} else if p, ok := header(l, "*** Move to:"); ok {
			if cur == nil || cur.kind != "update" || cur.move != "" {
				return nil, "*** Move to: outside an *** Update File:"
			}
			if p == "" {
				return nil, "*** Move to: names no file"
			}
			cur.move = p
			continue
		} else {
			if cur == nil {
				return nil, "a line before the first file header: " + clip(l)
			}
			t := strings.TrimSpace(l)
			switch cur.kind {
			case "add":
				if !strings.HasPrefix(l, "+") {
					return nil, "a line of an added file does not start with +: " + clip(l)
				}
			case "delete":
				if t != "" {
					return nil, "a line after *** Delete File: " + clip(l)
				}
			case "update":
				switch {
				case t == "" || t == "*** End of File" || strings.HasPrefix(l, "@@"):
				case strings.HasPrefix(l, " ") || strings.HasPrefix(l, "-") || strings.HasPrefix(l, "+"):
				default:
					return nil, "a line of a hunk does not start with space, - or +: " + clip(l)
				}
			}
			continue
		}
		cur = &ops[len(ops)-1]
		if cur.path == "" {
			return nil, "a file header names no file"
		}
		if len(ops) > maxPatchFiles {
			return nil, "the patch names more than 1000 files"
		}
	}
	if len(ops) == 0 {
		return nil, "the patch names no file"
	}
	return ops, ""
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// patchEffects returns the effects of applying the envelope text in s.
func (s *state) patchEffects(text string) []keyturn.Effect {
	ops, why := parsePatch(text)
	if why != "" {
		return []keyturn.Effect{unknownEffect("fs", "apply_patch", "keyturn cannot read the patch: "+why)}
	}
	var out []keyturn.Effect
	for _, op := range ops {
		switch op.kind {
		case "add":
			out = append(out, s.fileWrite("fs", "patch add", op.path))
		case "update":
			if op.move == "" {
				out = append(out, s.fileWrite("fs", "patch update", op.path))
				continue
			}
			out = append(out, s.fileDelete("fs", "patch move from", op.path), s.fileWrite("fs", "patch move to", op.move))
		case "delete":
			out = append(out, s.fileDelete("fs", "patch delete", op.path))
		}
	}
	return out
}

// analyzeApplyPatch is apply_patch run as a command, as Codex runs it:
// `apply_patch "*** Begin Patch …"` or with the patch on stdin (a
// here-document).
func analyzeApplyPatch(c *call) []keyturn.Effect {
	switch {
	case len(c.args) == 1 && c.args[0].Known:
		return c.s.patchEffects(c.args[0].Value)
	case len(c.args) == 0 && c.stdin != nil && c.stdin.known:
		return c.s.patchEffects(c.stdin.text)
	}
	return []keyturn.Effect{c.unknown(c.prog, "the patch is only known at run time")}
}
