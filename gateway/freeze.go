package gateway

import (
	"context"
	"encoding/json"
	"strings"

	"keyturn"
)

// maxHumanReason bounds the free text a human gives for a freeze or a
// break-glass: enough for a paragraph, not a place to paste a log.
const maxHumanReason = 4096

// currentFreeze returns the freeze as tx sees it. A setting that cannot be
// read is an error, never "no freeze": a freeze that silently lifts itself
// would fail open.
func currentFreeze(tx keyturn.Tx) (keyturn.Freeze, error) {
	s, err := tx.Setting(keyturn.SettingFreeze)
	if err != nil || s == "" {
		return keyturn.Freeze{}, err
	}
	var f keyturn.Freeze
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		return keyturn.Freeze{}, keyturn.Errorf(keyturn.EINTERNAL, "the stored freeze setting is unreadable (%v): set it again with keyturn freeze on|off", err)
	}
	return f, nil
}

// SetFreeze turns the change freeze on or off. While it is on the policy
// sees freeze=true and denies every non-read action; grants are checked
// against it when used, so approving during a freeze lets nothing through
// until it ends (break-glass aside).
func (g *Gateway) SetFreeze(ctx context.Context, on bool, reason string) (*keyturn.Freeze, error) {
	by, err := admin(ctx, "turn a change freeze on or off")
	if err != nil {
		return nil, err
	}
	reason, err = humanReason(reason, "keyturn freeze on|off -m REASON")
	if err != nil {
		return nil, err
	}
	now := g.now()
	var out keyturn.Freeze
	err = g.update(ctx, func(tx keyturn.Tx, c *afterCommit) error {
		raw, err := tx.Setting(keyturn.SettingFreeze)
		if err != nil {
			return err
		}
		// An unreadable setting is simply overwritten: the admin is saying
		// what the freeze is now.
		var cur keyturn.Freeze
		_ = json.Unmarshal([]byte(raw), &cur)
		out = keyturn.Freeze{On: on, Reason: reason, By: by.Name, Since: now}
		value := ""
		if on {
			if cur.On {
				out.Since = cur.Since // still the same freeze, with a new reason
			}
			b, err := json.Marshal(out)
			if err != nil {
				return err
			}
			value = string(b)
		}
		if err := tx.SetSetting(keyturn.SettingFreeze, value); err != nil {
			return err
		}
		e := event(keyturn.EventFreeze, keyturn.Principal{User: by}, "freeze", humanDecider(by),
			map[string]any{"on": on, "reason": reason})
		if err := c.log(tx, e); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	g.log.Info("change freeze", "on", on, "by", by.Name, "reason", reason)
	return &out, nil
}

// humanReason checks and masks the reason a human gives: required, since
// the log must say why, and bounded.
func humanReason(reason, hint string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", keyturn.Errorf(keyturn.EINVALID, "a reason is required: %s", hint)
	}
	if len(reason) > maxHumanReason {
		return "", keyturn.Errorf(keyturn.EINVALID, "the reason is %d bytes; keep it under %d", len(reason), maxHumanReason)
	}
	return keyturn.MaskSecrets(reason), nil
}
