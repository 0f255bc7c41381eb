package keyturn_test

import (
	"encoding/json"
	"strings"
	"testing"

	"keyturn"
)

func TestMaskSecrets(t *testing.T) {
	for _, tc := range []struct{ in, secret string }{
		{"aws s3 ls AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"},
		{"export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY && aws s3 ls", "wJalrXUtnFEMI"},
		{"curl -H 'Authorization: Bearer abcdefghijklmnop' https://api", "abcdefghijklmnop"},
		{`curl -H "Authorization: token ghp_abcdefghijklmnopqrstuvwxyz1234" x`, "ghp_abcdefghij"},
		{"psql postgres://admin:hunter22@db.prod:5432/app", "hunter22"},
		{"mysql -uroot -phunter22 -h db", "hunter22"},
		{"vault login --token=s.abcdef123", "s.abcdef123"},
		{"deploy --password hunter22 --region eu", "hunter22"},
		{"deploy --db-password=hunter22", "hunter22"},
		{"DB_PASSWORD=hunter22 ./migrate.sh", "hunter22"},
		{`{"password":"hunter22","query":"select 1"}`, "hunter22"},
		{"curl -u x -H 'X-Api-Key: 0123456789abcdef' u", "0123456789abcdef"},
		{"echo kt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "kt_AAAAAAAAAAAA"},
		{"slack xoxb-1234567890-abcdefghij", "xoxb-1234567890"},
	} {
		got := keyturn.MaskSecrets(tc.in)
		if strings.Contains(got, tc.secret) || !strings.Contains(got, keyturn.Mask) {
			t.Errorf("MaskSecrets(%q) = %q: the secret is still there", tc.in, got)
		}
	}
	// What is not a secret stays as it is: a person must still read the command.
	for _, s := range []string{
		"kubectl --context prod-eu delete ns payments",
		"docker run -p 8080:80 nginx",
		"git commit -m 'fix token refresh'",
		"ls -la src/",
		"gh auth login",
	} {
		if got := keyturn.MaskSecrets(s); got != s {
			t.Errorf("MaskSecrets(%q) = %q: nothing there is a secret", s, got)
		}
	}
}

func TestMaskedAction(t *testing.T) {
	a := keyturn.Action{Kind: keyturn.KindShell, Command: "mysql -phunter22 -h db.prod",
		Env:       map[string]string{"GITHUB_TOKEN": "ghp_x", "AWS_PROFILE": "prod"},
		Arguments: json.RawMessage(`{"sql":"select 1","api_key":"sk-12345678"}`)}
	digest := a.Digest()
	m := a.Masked()
	if strings.Contains(m.Command, "hunter22") || m.Env["GITHUB_TOKEN"] != keyturn.Mask || m.Env["AWS_PROFILE"] != "prod" {
		t.Errorf("masked action: %+v", m)
	}
	if strings.Contains(string(m.Arguments), "sk-12345678") || !json.Valid(m.Arguments) {
		t.Errorf("masked arguments: %s", m.Arguments)
	}
	if a.Digest() != digest || a.Command != "mysql -phunter22 -h db.prod" {
		t.Error("Masked must not change the action it copies")
	}
}
