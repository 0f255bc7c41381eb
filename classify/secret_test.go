package classify_test

import (
	"testing"

	"keyturn/classify"
)

// An agent must not read keyturn's credentials: the data directory holds the
// admin token, the audit key and the database, and the login file a human's
// token. A plain `cat` of them was a read, and reads are allowed.
func TestReadingKeyturnSecretsIsRefused(t *testing.T) {
	cfg, err := classify.ParseConfig([]byte(""))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.ProtectSecret("/srv/ktdata"); err != nil {
		t.Fatal(err)
	}
	c := classify.New(cfg)
	ctx := classify.Context{Cwd: "/home/o/project", Env: map[string]string{"HOME": "/home/o"}}
	for _, cmd := range []string{
		"cat /srv/ktdata/admin-token",
		"cat ~/.local/state/keyturn/admin-token",
		"cat /home/o/.config/keyturn/login.json",
		"base64 /srv/ktdata/audit.key",
		"sqlite3 /srv/ktdata/keyturn.db .dump",
		"grep -r kt_ /srv/ktdata",
		"cat < /srv/ktdata/admin-token",
		"echo $(cat /srv/ktdata/admin-token)",
		"cat /srv/ktdata/../ktdata/admin-token",
		"cd /srv/ktdata && cat admin-token",
		"keyturn audit export --data=/srv/ktdata",
		"dd if=/srv/ktdata/audit.key",
		"bash -c 'head /srv/ktdata/admin-token'",
	} {
		self := false
		for _, e := range c.Shell(cmd, ctx) {
			self = self || e.SelfModify
		}
		if !self {
			t.Errorf("%s: not marked as touching keyturn's own files", cmd)
		}
	}
	for _, cmd := range []string{"ls", "cat README.md", "cat /srv/ktdatax/y", "git status"} {
		for _, e := range c.Shell(cmd, ctx) {
			if e.SelfModify {
				t.Errorf("%s: marked SelfModify (%s)", cmd, e.Operation)
			}
		}
	}
}
