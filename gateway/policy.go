package gateway

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"keyturn"
	"keyturn/classify"
	"keyturn/policy"
)

// settingLoadedPolicy is the version of the policy set the audit log last
// recorded as in use (loaded at a start, or activated by approval). It is
// kept apart from keyturn.SettingActivePolicy, which names only an approved
// pushed set: a server started with --policy DIR, or on the default pack,
// is recorded without pretending the store's active set changed.
const settingLoadedPolicy = "loaded_policy"

// Where the policy in use came from, as the "loaded" event says.
const (
	sourceGiven   = "config"  // Config.Policy: --policy DIR
	sourcePushed  = "pushed"  // the approved pushed set the store names
	sourceDefault = "default" // the embedded default pack
)

// Limits of a pushed set: far above any real policy directory, low enough
// that one push cannot fill the store.
const (
	maxPolicyFiles = 100
	maxPolicyBytes = 1 << 20
)

// policyFileRE is a plain file name: no directories, no hidden files.
var policyFileRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// loadPolicy chooses the policy set decisions are made under (see
// Config.Policy) and records a policy event when its version is not the one
// the log last recorded, so every restart that changes the rules shows in
// the log and a plain restart adds nothing.
func (g *Gateway) loadPolicy(ctx context.Context, given *policy.Set) error {
	set, source := given, sourceGiven
	if set == nil {
		var stored *keyturn.PolicySet
		err := g.store.View(ctx, func(tx keyturn.Tx) error {
			v, err := tx.Setting(keyturn.SettingActivePolicy)
			if err != nil || v == "" {
				return err
			}
			stored, err = tx.PolicySet(v)
			if keyturn.ErrorCode(err) == keyturn.ENOTFOUND {
				// Falling back to the default pack could loosen the rules.
				return keyturn.Errorf(keyturn.EINTERNAL, "the active policy %s is missing from the store: start with --policy DIR", v)
			}
			return err
		})
		if err != nil {
			return err
		}
		if stored != nil {
			if set, err = compileStored(stored); err != nil {
				return err
			}
			source = sourcePushed
		} else {
			if set, err = policy.Default(); err != nil {
				return err
			}
			source = sourceDefault
		}
	}
	version := set.Version()
	err := g.update(ctx, func(tx keyturn.Tx, c *afterCommit) error {
		prev, err := tx.Setting(settingLoadedPolicy)
		if err != nil || prev == version {
			return err
		}
		if err := tx.SetSetting(settingLoadedPolicy, version); err != nil {
			return err
		}
		e := event(keyturn.EventPolicy, keyturn.Principal{}, version, &keyturn.Decider{Kind: "system"},
			map[string]any{"action": "loaded", "version": version, "source": source})
		if err := c.log(tx, e); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	g.policy.Store(set)
	g.log.Info("policy loaded", "version", version, "source", source, "policies", set.Len())
	return nil
}

// compileStored compiles a pushed set: its .cedar files in name order, as
// they were compiled when it was pushed. A set that no longer compiles to
// its own version was changed in the store or by an upgrade, and is
// refused rather than run under another name.
func compileStored(ps *keyturn.PolicySet) (*policy.Set, error) {
	set, err := policy.Compile(cedarSources(ps.Files))
	if err != nil {
		return nil, keyturn.Errorf(keyturn.EINTERNAL, "the stored policy %s no longer compiles (%s): start with --policy DIR and push a fixed set", ps.Version, keyturn.ErrorMessage(err))
	}
	if set.Version() != ps.Version {
		return nil, keyturn.Errorf(keyturn.EINTERNAL, "the stored policy %s compiles to version %s: the store was changed; start with --policy DIR", ps.Version, set.Version())
	}
	return set, nil
}

// cedarSources returns the .cedar files, sorted by name.
func cedarSources(files map[string]string) []policy.Source {
	var out []policy.Source
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if path.Ext(name) == ".cedar" {
			out = append(out, policy.Source{Name: name, Text: files[name]})
		}
	}
	return out
}

// activatePolicy makes the stored set version the active policy in tx and
// returns it compiled; the caller swaps g.policy once tx has committed, and
// writes the "activated" event. Recording the version as loaded too keeps
// the next restart from logging it a second time.
func activatePolicy(tx keyturn.Tx, version string) (*policy.Set, error) {
	ps, err := tx.PolicySet(version)
	if err != nil {
		return nil, err
	}
	set, err := compileStored(ps)
	if err != nil {
		return nil, err
	}
	if err := tx.SetSetting(keyturn.SettingActivePolicy, version); err != nil {
		return nil, err
	}
	if err := tx.SetSetting(settingLoadedPolicy, version); err != nil {
		return nil, err
	}
	return set, nil
}

// PushPolicy checks a policy set — it must compile, and pass every test
// case of its own .yaml files — then stores it and opens a policy request
// that an admin other than the pusher must approve. Nothing changes in the
// decisions until then.
func (g *Gateway) PushPolicy(ctx context.Context, files map[string]string) (*keyturn.Request, error) {
	by, err := admin(ctx, "push a policy")
	if err != nil {
		return nil, err
	}
	set, err := g.checkPolicy(files)
	if err != nil {
		return nil, err
	}
	version := set.Version()
	if cur := g.activePolicy(); cur != nil && cur.Version() == version {
		return nil, keyturn.Errorf(keyturn.ECONFLICT, "policy %s is already in use: nothing to change", version)
	}
	names := slices.Sorted(maps.Keys(files))
	return transact(ctx, g, time.Now(), func(tx keyturn.Tx, c *afterCommit) (*keyturn.Request, error) {
		now := g.now()
		// The same set pushed again while its request waits is that request.
		r, err := tx.OpenRequest("", version)
		if err == nil && r.Type == keyturn.RequestPolicy && r.State == keyturn.StatePending && now.Before(r.ExpiresAt) {
			return r, g.fillApprovers(tx, r)
		} else if err != nil && keyturn.ErrorCode(err) != keyturn.ENOTFOUND {
			return nil, err
		}
		// A set pushed before (and perhaps refused) is stored once.
		if _, err := tx.PolicySet(version); keyturn.ErrorCode(err) == keyturn.ENOTFOUND {
			ps := &keyturn.PolicySet{Version: version, Files: maps.Clone(files), PushedBy: by.Name, CreatedAt: now}
			if err := tx.CreatePolicySet(ps); err != nil {
				return nil, err
			}
		} else if err != nil {
			return nil, err
		}
		r = &keyturn.Request{
			ID: keyturn.NewID("r_"), Type: keyturn.RequestPolicy, Digest: version, Effects: []keyturn.Effect{},
			Decision: keyturn.Decision{Outcome: keyturn.Approve, Approvals: 1, Reasons: []keyturn.Reason{{
				Policy: "policy-change", Message: "a policy change needs an admin other than its author",
			}}, PolicyVersion: g.activePolicy().Version()},
			State: keyturn.StatePending, Operator: by.Name, Votes: []keyturn.Vote{},
			CreatedAt: now, ExpiresAt: now.Add(g.requestTTL), PolicyVersion: version,
		}
		if err := tx.CreateRequest(r); err != nil {
			return nil, err
		}
		e := event(keyturn.EventPolicy, keyturn.Principal{User: by}, r.ID, humanDecider(by),
			map[string]any{"action": "pushed", "version": version, "files": names})
		if err := c.log(tx, e); err != nil {
			return nil, err
		}
		c.changed(r.ID)
		return r, g.fillApprovers(tx, r)
	})
}

// checkPolicy compiles the pushed files and runs their test cases.
func (g *Gateway) checkPolicy(files map[string]string) (*policy.Set, error) {
	if len(files) == 0 {
		return nil, keyturn.Errorf(keyturn.EINVALID, "no policy files: push a directory with at least one .cedar file")
	}
	if len(files) > maxPolicyFiles {
		return nil, keyturn.Errorf(keyturn.ETOOLARGE, "%d files: a policy set holds at most %d", len(files), maxPolicyFiles)
	}
	size := 0
	for name, text := range files {
		ext := path.Ext(name)
		if !policyFileRE.MatchString(name) || (ext != ".cedar" && ext != ".yaml" && ext != ".yml") {
			return nil, keyturn.Errorf(keyturn.EINVALID, "file %q: push plain file names ending in .cedar, .yaml or .yml", name)
		}
		size += len(text)
	}
	if size > maxPolicyBytes {
		return nil, keyturn.Errorf(keyturn.ETOOLARGE, "the policy files hold %d bytes; at most %d", size, maxPolicyBytes)
	}
	sources := cedarSources(files)
	if len(sources) == 0 {
		return nil, keyturn.Errorf(keyturn.EINVALID, "no .cedar file: a policy set needs at least one")
	}
	set, err := policy.Compile(sources)
	if err != nil {
		return nil, keyturn.Errorf(keyturn.EINVALID, "the policy does not compile, so it was not pushed: %s", keyturn.ErrorMessage(err))
	}
	shell := func(command, cwd string, env map[string]string) []keyturn.Effect {
		return g.classifier.Shell(command, classify.Context{Cwd: cwd, Env: env})
	}
	var failed []string
	total := 0
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if path.Ext(name) == ".cedar" {
			continue
		}
		suite, err := policy.ParseSuite([]byte(files[name]))
		if err != nil {
			return nil, keyturn.Errorf(keyturn.EINVALID, "%s: %s", name, keyturn.ErrorMessage(err))
		}
		for _, r := range set.Run(suite, shell) {
			total++
			if r.Failure != "" {
				failed = append(failed, name+": "+policy.FormatFailure(r))
			}
		}
	}
	if len(failed) > 0 {
		return nil, keyturn.Errorf(keyturn.EINVALID, "%d of %d policy test cases fail, so the policy was not pushed (run keyturn policy test):\n%s",
			len(failed), total, strings.TrimRight(strings.Join(failed, ""), "\n"))
	}
	return set, nil
}

// Status is the server's state for a human: the policy in use, the freeze,
// the audit head and the key that signs checkpoints.
func (g *Gateway) Status(ctx context.Context) (*keyturn.Status, error) {
	if _, err := human(ctx, "read the server status"); err != nil {
		return nil, err
	}
	st := &keyturn.Status{
		PolicyVersion: g.activePolicy().Version(),
		PublicKey:     base64.StdEncoding.EncodeToString(g.key.Public().(ed25519.PublicKey)),
	}
	err := g.store.View(ctx, func(tx keyturn.Tx) error {
		f, err := currentFreeze(tx)
		if err != nil {
			return err
		}
		st.Freeze = f
		st.AuditSeq, _, err = tx.Head()
		return err
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}
