package storetest

import (
	"reflect"
	"testing"

	"keyturn"
)

func testSettings(t *testing.T, s keyturn.Store) {
	view(t, s, func(tx keyturn.Tx) error {
		v, err := tx.Setting(keyturn.SettingFreeze)
		if err != nil || v != "" {
			t.Errorf("Setting of an unset key = %q, %v; want \"\", nil", v, err)
		}
		return nil
	})
	freeze := `{"on":true,"reason":"release week","by":"adam"}`
	update(t, s, func(tx keyturn.Tx) error {
		if err := tx.SetSetting(keyturn.SettingFreeze, freeze); err != nil {
			return err
		}
		return tx.SetSetting(keyturn.SettingActivePolicy, "v1")
	})
	update(t, s, func(tx keyturn.Tx) error { return tx.SetSetting(keyturn.SettingActivePolicy, "v2") })
	view(t, s, func(tx keyturn.Tx) error {
		for key, want := range map[string]string{keyturn.SettingFreeze: freeze, keyturn.SettingActivePolicy: "v2"} {
			got, err := tx.Setting(key)
			if err != nil {
				return err
			}
			if got != want {
				t.Errorf("Setting(%s) = %q, want %q", key, got, want)
			}
		}
		return nil
	})
	update(t, s, func(tx keyturn.Tx) error { return tx.SetSetting(keyturn.SettingFreeze, "") })
	view(t, s, func(tx keyturn.Tx) error {
		if got, err := tx.Setting(keyturn.SettingFreeze); err != nil || got != "" {
			t.Errorf("Setting after setting \"\" = %q, %v; want \"\"", got, err)
		}
		return nil
	})
}

func testPolicySets(t *testing.T, s keyturn.Store) {
	p := &keyturn.PolicySet{Version: "v8", PushedBy: "adam", CreatedAt: at(0), Files: map[string]string{
		"prod.cedar": "@id(\"prod-destructive\")\nforbid (principal, action, resource);\n",
		"cases.yaml": "- name: delete ns\n  decision: approve\n",
	}}
	update(t, s, func(tx keyturn.Tx) error { return tx.CreatePolicySet(p) })
	wantCode(t, txErr(s, func(tx keyturn.Tx) error {
		return tx.CreatePolicySet(&keyturn.PolicySet{Version: "v8", PushedBy: "mallory", Files: map[string]string{}, CreatedAt: at(1)})
	}), keyturn.ECONFLICT, "CreatePolicySet of an existing version")
	view(t, s, func(tx keyturn.Tx) error {
		got, err := tx.PolicySet("v8")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("PolicySet(v8) = %+v, want %+v", got, p)
		}
		_, err = tx.PolicySet("v9")
		wantCode(t, err, keyturn.ENOTFOUND, "PolicySet of a missing version")
		return nil
	})
}
