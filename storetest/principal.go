package storetest

import (
	"reflect"
	"testing"

	"keyturn"
)

func testUsers(t *testing.T, s keyturn.Store) {
	olivia := &keyturn.User{Name: "olivia", Roles: []keyturn.Role{keyturn.RoleOperator}, Groups: []string{"platform"}, CreatedAt: at(1)}
	adam := &keyturn.User{Name: "adam", Roles: []keyturn.Role{keyturn.RoleApprover, keyturn.RoleAdmin},
		Groups: []string{"sre", "dba"}, Disabled: true, CreatedAt: at(2)}
	update(t, s, func(tx keyturn.Tx) error {
		if err := tx.CreateUser(olivia); err != nil {
			return err
		}
		return tx.CreateUser(adam)
	})

	wantCode(t, txErr(s, func(tx keyturn.Tx) error {
		return tx.CreateUser(&keyturn.User{Name: "olivia", Roles: []keyturn.Role{keyturn.RoleAdmin}, CreatedAt: at(3)})
	}), keyturn.ECONFLICT, "CreateUser of a taken name")

	view(t, s, func(tx keyturn.Tx) error {
		got, err := tx.User("olivia")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, olivia) {
			t.Errorf("User(olivia) = %+v, want %+v (the duplicate must not have changed it)", got, olivia)
		}
		_, err = tx.User("nobody")
		wantCode(t, err, keyturn.ENOTFOUND, "User of a missing name")
		users, err := tx.Users()
		if err != nil {
			return err
		}
		if want := []*keyturn.User{adam, olivia}; !reflect.DeepEqual(users, want) {
			t.Errorf("Users() = %s, want %s (by name)", show(users), show(want))
		}
		return nil
	})

	changed := &keyturn.User{Name: "olivia", Roles: []keyturn.Role{keyturn.RoleOperator, keyturn.RoleApprover},
		Groups: []string{"platform", "sre"}, Disabled: true, CreatedAt: at(99)}
	update(t, s, func(tx keyturn.Tx) error { return tx.UpdateUser(changed) })
	wantCode(t, txErr(s, func(tx keyturn.Tx) error {
		return tx.UpdateUser(&keyturn.User{Name: "nobody", Roles: []keyturn.Role{keyturn.RoleAdmin}})
	}), keyturn.ENOTFOUND, "UpdateUser of a missing user")
	view(t, s, func(tx keyturn.Tx) error {
		got, err := tx.User("olivia")
		if err != nil {
			return err
		}
		want := *changed
		want.CreatedAt = olivia.CreatedAt // not one of the fields UpdateUser saves
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("after UpdateUser: %+v, want %+v", got, &want)
		}
		return nil
	})
}

func testAgents(t *testing.T, s keyturn.Store) {
	bot := &keyturn.Agent{Name: "ci-bot", Kind: "claude-code", Operator: "olivia", Profile: "ci",
		ExpiresAt: at(3600), CreatedAt: at(0)}
	dev := &keyturn.Agent{Name: "dev-1", Kind: "codex", Operator: "adam", ExpiresAt: at(7200), Revoked: true, CreatedAt: at(1)}
	update(t, s, func(tx keyturn.Tx) error {
		if err := tx.CreateAgent(dev); err != nil {
			return err
		}
		return tx.CreateAgent(bot)
	})
	wantCode(t, txErr(s, func(tx keyturn.Tx) error {
		return tx.CreateAgent(&keyturn.Agent{Name: "ci-bot", Kind: "shell", Operator: "mallory", ExpiresAt: at(1)})
	}), keyturn.ECONFLICT, "CreateAgent of a taken name")

	view(t, s, func(tx keyturn.Tx) error {
		got, err := tx.Agent("ci-bot")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, bot) {
			t.Errorf("Agent(ci-bot) = %+v, want %+v", got, bot)
		}
		_, err = tx.Agent("nobody")
		wantCode(t, err, keyturn.ENOTFOUND, "Agent of a missing name")
		agents, err := tx.Agents()
		if err != nil {
			return err
		}
		if want := []*keyturn.Agent{bot, dev}; !reflect.DeepEqual(agents, want) {
			t.Errorf("Agents() = %s, want %s (by name)", show(agents), show(want))
		}
		return nil
	})

	changed := *bot
	changed.ExpiresAt, changed.Revoked = at(60), true
	changed.Kind, changed.Operator = "shell", "mallory" // not saved: an agent's identity never changes
	update(t, s, func(tx keyturn.Tx) error { return tx.UpdateAgent(&changed) })
	wantCode(t, txErr(s, func(tx keyturn.Tx) error {
		return tx.UpdateAgent(&keyturn.Agent{Name: "nobody", Revoked: true})
	}), keyturn.ENOTFOUND, "UpdateAgent of a missing agent")
	view(t, s, func(tx keyturn.Tx) error {
		got, err := tx.Agent("ci-bot")
		if err != nil {
			return err
		}
		want := *bot
		want.ExpiresAt, want.Revoked = at(60), true
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("after UpdateAgent: %+v, want %+v", got, &want)
		}
		return nil
	})
}

func testTokens(t *testing.T, s keyturn.Store) {
	_, h1 := keyturn.NewToken()
	_, h2 := keyturn.NewToken()
	human := &keyturn.Token{Hash: h1, User: "olivia", CreatedAt: at(0)}
	agent := &keyturn.Token{Hash: h2, Agent: "ci-bot", CreatedAt: at(1), ExpiresAt: at(43200)}
	update(t, s, func(tx keyturn.Tx) error {
		if err := tx.CreateToken(human); err != nil {
			return err
		}
		return tx.CreateToken(agent)
	})
	wantCode(t, txErr(s, func(tx keyturn.Tx) error {
		return tx.CreateToken(&keyturn.Token{Hash: h1, User: "mallory", CreatedAt: at(2)})
	}), keyturn.ECONFLICT, "CreateToken of an existing hash")
	view(t, s, func(tx keyturn.Tx) error {
		for _, want := range []*keyturn.Token{human, agent} {
			got, err := tx.Token(want.Hash)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Token = %+v, want %+v", got, want)
			}
		}
		_, err := tx.Token(keyturn.HashToken("kt_not-a-token"))
		wantCode(t, err, keyturn.ENOTFOUND, "Token of an unknown hash")
		return nil
	})
}
