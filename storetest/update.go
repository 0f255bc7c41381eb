package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"

	"keyturn"
)

// ghostWrites makes one write of each kind under name, so that a test can
// check that none of them was kept.
func ghostWrites(tx keyturn.Tx, name string) error {
	if err := tx.CreateUser(&keyturn.User{Name: name, Roles: []keyturn.Role{keyturn.RoleAdmin}, CreatedAt: at(0)}); err != nil {
		return err
	}
	if err := tx.SetSetting("ghost", name); err != nil {
		return err
	}
	if err := tx.CreateRequest(pending("r_"+name, "a", "d", 0)); err != nil {
		return err
	}
	return tx.Append(event(keyturn.EventUser, name))
}

// wantNoGhost fails if any of ghostWrites' writes under name was kept.
func wantNoGhost(t *testing.T, s keyturn.Store, name string) {
	t.Helper()
	view(t, s, func(tx keyturn.Tx) error {
		if _, err := tx.User(name); keyturn.ErrorCode(err) != keyturn.ENOTFOUND {
			t.Errorf("user %s of a failed Update: %v, want not found", name, err)
		}
		if _, err := tx.Request("r_" + name); keyturn.ErrorCode(err) != keyturn.ENOTFOUND {
			t.Errorf("request r_%s of a failed Update: %v, want not found", name, err)
		}
		if v, err := tx.Setting("ghost"); err != nil || v == name {
			t.Errorf("setting of a failed Update: %q, %v", v, err)
		}
		return nil
	})
	for _, e := range allEvents(t, s) {
		if e.Subject == name {
			t.Errorf("event %d of a failed Update was kept", e.Seq)
		}
	}
}

func testUpdateError(t *testing.T, s keyturn.Store) {
	err := s.Update(t.Context(), func(tx keyturn.Tx) error {
		if err := ghostWrites(tx, "ghost"); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	wantNoGhost(t, s, "ghost")
	view(t, s, func(tx keyturn.Tx) error {
		if seq, hash, err := tx.Head(); err != nil || seq != 0 || hash != "" {
			t.Errorf("Head after a failed Update = (%d, %q, %v), want the empty log", seq, hash, err)
		}
		return nil
	})

	err = s.Update(t.Context(), func(tx keyturn.Tx) error {
		return keyturn.Errorf(keyturn.EFORBIDDEN, "you are this agent's operator: another approver must approve")
	})
	wantCode(t, err, keyturn.EFORBIDDEN, "an Update whose function returns a keyturn error")

	// The store goes on, and the failed Update left no hole in the chain.
	update(t, s, func(tx keyturn.Tx) error { return tx.Append(event(keyturn.EventUser, "after")) })
	verifyChain(t, allEvents(t, s), nil, nil)
}

// testUpdateErrorBatched runs 100 Updates at once, every other one failing
// after it wrote: exactly the successful ones' writes and events are kept,
// however the store batched them.
func testUpdateErrorBatched(t *testing.T, s keyturn.Store) {
	const n = 100
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = s.Update(t.Context(), func(tx keyturn.Tx) error {
				if err := ghostWrites(tx, fmt.Sprintf("u%03d", i)); err != nil {
					return err
				}
				if i%2 == 1 {
					return errRollback
				}
				return nil
			})
		})
	}
	close(start)
	wg.Wait()
	var want []string
	for i, err := range errs {
		if i%2 == 0 {
			want = append(want, fmt.Sprintf("u%03d", i))
			if err != nil {
				t.Errorf("Update %d: %v", i, err)
			}
		} else if !errors.Is(err, errRollback) {
			t.Errorf("Update %d returned %v, want its function's error", i, err)
		}
	}
	var users []string
	view(t, s, func(tx keyturn.Tx) error {
		us, err := tx.Users()
		for _, u := range us {
			users = append(users, u.Name)
		}
		if err != nil {
			return err
		}
		rs, err := tx.Requests(keyturn.RequestFilter{})
		if err == nil && len(rs) != len(want) {
			t.Errorf("%d requests kept, want %d", len(rs), len(want))
		}
		return err
	})
	if !slices.Equal(users, want) {
		t.Errorf("users kept = %v\nwant %v", users, want)
	}
	events := allEvents(t, s)
	var subjects []string
	for _, e := range events {
		subjects = append(subjects, e.Subject)
	}
	slices.Sort(subjects)
	if !slices.Equal(subjects, want) {
		t.Errorf("events kept = %v\nwant %v", subjects, want)
	}
	verifyChain(t, events, nil, nil)
}

func testUpdatePanic(t *testing.T, s keyturn.Store) {
	err := s.Update(t.Context(), func(tx keyturn.Tx) error {
		if err := ghostWrites(tx, "ghost"); err != nil {
			return err
		}
		panic("storetest: a bug in the caller")
	})
	wantCode(t, err, keyturn.EINTERNAL, "an Update whose function panics")
	wantNoGhost(t, s, "ghost")

	// Panics among concurrent Updates fail only themselves.
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Update(t.Context(), func(tx keyturn.Tx) error {
				if err := ghostWrites(tx, fmt.Sprintf("p%02d", i)); err != nil {
					return err
				}
				if i%2 == 1 {
					panic("storetest: a bug in the caller")
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if i%2 == 0 && err != nil {
			t.Errorf("Update %d beside panicking ones: %v", i, err)
		}
		if i%2 == 1 {
			wantCode(t, err, keyturn.EINTERNAL, fmt.Sprintf("panicking Update %d", i))
			wantNoGhost(t, s, fmt.Sprintf("p%02d", i))
		}
	}
	update(t, s, func(tx keyturn.Tx) error { return tx.SetSetting("after", "ok") })
	view(t, s, func(tx keyturn.Tx) error {
		for i := 0; i < n; i += 2 {
			if _, err := tx.User(fmt.Sprintf("p%02d", i)); err != nil {
				t.Errorf("user of successful Update %d: %v", i, err)
			}
		}
		return nil
	})
	verifyChain(t, allEvents(t, s), nil, nil)
}

// testUpdatesSerialize has concurrent Updates each read a counter and write
// it back plus one: each fn must see the writes of those before it.
func testUpdatesSerialize(t *testing.T, s keyturn.Store) {
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			errs <- s.Update(t.Context(), func(tx keyturn.Tx) error {
				v, err := tx.Setting("counter")
				if err != nil {
					return err
				}
				c, _ := strconv.Atoi(v)
				return tx.SetSetting("counter", strconv.Itoa(c+1))
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
	}
	view(t, s, func(tx keyturn.Tx) error {
		v, err := tx.Setting("counter")
		if err == nil && v != strconv.Itoa(n) {
			t.Errorf("counter = %s after %d increments: an Update missed another's write", v, n)
		}
		return err
	})
}

func testUpdateContext(t *testing.T, s keyturn.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ran := false
	err := s.Update(ctx, func(tx keyturn.Tx) error {
		ran = true
		return tx.SetSetting("cancelled", "yes")
	})
	if !errors.Is(err, context.Canceled) || ran {
		t.Errorf("Update with a done context: %v, ran %v; want context.Canceled and fn not run", err, ran)
	}
	err = s.View(ctx, func(tx keyturn.Tx) error {
		ran = true
		return nil
	})
	if !errors.Is(err, context.Canceled) || ran {
		t.Errorf("View with a done context: %v, ran %v; want context.Canceled and fn not run", err, ran)
	}
	view(t, s, func(tx keyturn.Tx) error {
		if v, err := tx.Setting("cancelled"); err != nil || v != "" {
			t.Errorf("setting of a cancelled Update = %q, %v", v, err)
		}
		return nil
	})
}

func testViewCannotWrite(t *testing.T, s keyturn.Store) {
	createRequests(t, s, pending("r_1", "a", "d", 0))
	update(t, s, func(tx keyturn.Tx) error {
		if err := tx.CreateUser(&keyturn.User{Name: "adam", CreatedAt: at(0)}); err != nil {
			return err
		}
		if err := tx.CreateAgent(&keyturn.Agent{Name: "ci-bot", ExpiresAt: at(60)}); err != nil {
			return err
		}
		return tx.CreateGrant(&keyturn.Grant{Request: "r_1", Digest: "d", Agent: "a", ExpiresAt: at(60)})
	})
	_, hash := keyturn.NewToken()
	cp := keyturn.Checkpoint{Seq: 1, Head: "x", Time: at(0)}
	writes := map[string]func(keyturn.Tx) error{
		"CreateUser": func(tx keyturn.Tx) error { return tx.CreateUser(&keyturn.User{Name: "eve"}) },
		"UpdateUser": func(tx keyturn.Tx) error {
			return tx.UpdateUser(&keyturn.User{Name: "adam", Roles: []keyturn.Role{keyturn.RoleAdmin}})
		},
		"CreateAgent":   func(tx keyturn.Tx) error { return tx.CreateAgent(&keyturn.Agent{Name: "evil"}) },
		"UpdateAgent":   func(tx keyturn.Tx) error { return tx.UpdateAgent(&keyturn.Agent{Name: "ci-bot", ExpiresAt: at(1e6)}) },
		"CreateToken":   func(tx keyturn.Tx) error { return tx.CreateToken(&keyturn.Token{Hash: hash, User: "adam"}) },
		"CreateRequest": func(tx keyturn.Tx) error { return tx.CreateRequest(pending("r_2", "a", "d", 0)) },
		"UpdateRequest": func(tx keyturn.Tx) error {
			r := pending("r_1", "a", "d", 0)
			r.State = keyturn.StateApproved
			return tx.UpdateRequest(r)
		},
		"AddVote": func(tx keyturn.Tx) error {
			return tx.AddVote("r_1", keyturn.Vote{User: "adam", Verdict: keyturn.VoteApprove})
		},
		"CreateGrant":     func(tx keyturn.Tx) error { return tx.CreateGrant(&keyturn.Grant{Request: "r_1"}) },
		"UseGrant":        func(tx keyturn.Tx) error { return tx.UseGrant("r_1", at(1)) },
		"SetSetting":      func(tx keyturn.Tx) error { return tx.SetSetting(keyturn.SettingFreeze, "on") },
		"CreatePolicySet": func(tx keyturn.Tx) error { return tx.CreatePolicySet(&keyturn.PolicySet{Version: "v1"}) },
		"Append":          func(tx keyturn.Tx) error { return tx.Append(event(keyturn.EventUser, "eve")) },
		"AddCheckpoint":   func(tx keyturn.Tx) error { return tx.AddCheckpoint(&cp) },
	}
	view(t, s, func(tx keyturn.Tx) error {
		for name, w := range writes {
			wantCode(t, w(tx), keyturn.EINVALID, name+" inside View")
		}
		return nil
	})
	// Nothing was written: the grant is still unused, the log still empty.
	update(t, s, func(tx keyturn.Tx) error { return tx.UseGrant("r_1", at(2)) })
	view(t, s, func(tx keyturn.Tx) error {
		if _, err := tx.User("eve"); keyturn.ErrorCode(err) != keyturn.ENOTFOUND {
			t.Errorf("user written inside View: %v", err)
		}
		if r, err := tx.Request("r_1"); err != nil || r.State != keyturn.StatePending || len(r.Votes) != 0 {
			t.Errorf("request changed inside View: %+v, %v", r, err)
		}
		if seq, _, err := tx.Head(); err != nil || seq != 0 {
			t.Errorf("Head after View = %d, %v; want 0", seq, err)
		}
		return nil
	})
}

// testViewSnapshot commits an Update in the middle of a View: the View must
// go on seeing the state it started with.
func testViewSnapshot(t *testing.T, s keyturn.Store) {
	update(t, s, func(tx keyturn.Tx) error { return tx.Append(event(keyturn.EventUser, "1")) })
	view(t, s, func(tx keyturn.Tx) error {
		before, _, err := tx.Head()
		if err != nil {
			return err
		}
		if err := s.Update(t.Context(), func(tx keyturn.Tx) error {
			if err := tx.SetSetting("k", "v"); err != nil {
				return err
			}
			return tx.Append(event(keyturn.EventUser, "2"))
		}); err != nil {
			return err
		}
		after, _, err := tx.Head()
		if err != nil {
			return err
		}
		v, err := tx.Setting("k")
		if err != nil {
			return err
		}
		if before != 1 || after != 1 || v != "" {
			t.Errorf("inside one View: head %d then %d, setting %q; want 1, 1 and \"\" (one snapshot)", before, after, v)
		}
		return nil
	})
	view(t, s, func(tx keyturn.Tx) error {
		if seq, _, err := tx.Head(); err != nil || seq != 2 {
			t.Errorf("Head after the View = %d, %v; want 2", seq, err)
		}
		return nil
	})
}

func testTxAfterReturn(t *testing.T, s keyturn.Store) {
	var kept keyturn.Tx
	update(t, s, func(tx keyturn.Tx) error {
		kept = tx
		return nil
	})
	if err := kept.SetSetting("late", "yes"); err == nil {
		t.Errorf("SetSetting on an Update's Tx after its function returned: no error")
	}
	if _, err := kept.Setting("late"); err == nil {
		t.Errorf("Setting on an Update's Tx after its function returned: no error")
	}
	view(t, s, func(tx keyturn.Tx) error {
		kept = tx
		return nil
	})
	if _, _, err := kept.Head(); err == nil {
		t.Errorf("Head on a View's Tx after its function returned: no error")
	}
	update(t, s, func(tx keyturn.Tx) error { return nil }) // the store goes on
	view(t, s, func(tx keyturn.Tx) error {
		if v, err := tx.Setting("late"); err != nil || v != "" {
			t.Errorf("setting written through a retired Tx: %q, %v", v, err)
		}
		return nil
	})
}
