package gateway

import (
	"context"

	"keyturn"
)

// Pages of the audit log: one page is small enough to answer quickly and
// large enough that an export does not take a million calls.
const (
	defaultEventPage = 100
	maxEventPage     = 1000
)

// Events returns up to limit events after sequence after (humans only): the
// log names every agent, operator and command, so agents never read it.
func (g *Gateway) Events(ctx context.Context, after int64, limit int) ([]*keyturn.Event, error) {
	if _, err := human(ctx, "read the audit log"); err != nil {
		return nil, err
	}
	if after < 0 {
		return nil, keyturn.Errorf(keyturn.EINVALID, "after %d: give a sequence number, 0 for the start", after)
	}
	switch {
	case limit <= 0:
		limit = defaultEventPage
	case limit > maxEventPage:
		limit = maxEventPage
	}
	var out []*keyturn.Event
	err := g.store.View(ctx, func(tx keyturn.Tx) error {
		var err error
		out, err = tx.Events(after, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []*keyturn.Event{}
	}
	return out, nil
}

// Checkpoint signs the current head and keeps the checkpoint beside the
// chain (humans only). Asked twice with no event in between, it returns the
// checkpoint already there: one head has one signed statement.
func (g *Gateway) Checkpoint(ctx context.Context) (*keyturn.Checkpoint, error) {
	if _, err := human(ctx, "sign an audit checkpoint"); err != nil {
		return nil, err
	}
	now := g.now()
	var out keyturn.Checkpoint
	err := g.store.Update(ctx, func(tx keyturn.Tx) error {
		seq, head, err := tx.Head()
		if err != nil {
			return err
		}
		// Look before inserting: a failed insert would spoil the
		// transaction on some databases.
		cps, err := tx.Checkpoints()
		if err != nil {
			return err
		}
		for i := len(cps) - 1; i >= 0 && cps[i].Seq >= seq; i-- {
			if cps[i].Seq == seq {
				out = cps[i]
				return nil
			}
		}
		out = keyturn.SignCheckpoint(g.key, seq, head, now)
		return tx.AddCheckpoint(&out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
