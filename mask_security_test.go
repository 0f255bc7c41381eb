package keyturn_test

import (
	"encoding/json"
	"strings"
	"testing"

	"keyturn"
)

// Secrets that were stored in the clear before: quoted -p passwords, SQL
// passwords, curl's user:password, registry logins, MySQL's MYSQL_PWD.
func TestMaskMoreSecrets(t *testing.T) {
	for _, tc := range []struct{ in, secret string }{
		{"mysql -u root -p'QuotedPw111' -h db.prod -e 'drop table x'", "QuotedPw111"},
		{`mysql -u root -p"QuotedPw222" -h db.prod`, "QuotedPw222"},
		{`psql -h db.prod -c "ALTER USER bob WITH PASSWORD 'AlterPw333'"`, "AlterPw333"},
		{`mysql -e "CREATE USER 'app'@'%' IDENTIFIED BY 'IdentPw444'"`, "IdentPw444"},
		{"curl -u admin:CurlPw555 -X DELETE https://api.prod.example.com/x", "CurlPw555"},
		{"curl --user=admin:CurlPw666 https://api", "CurlPw666"},
		{"docker login -u ci -p DockerPw777 registry.example.com", "DockerPw777"},
		{"sshpass -p SshPw888 ssh prod uptime", "SshPw888"},
		{"redis-cli -h cache.prod -a RedisPw1 flushall", "RedisPw1"},
		{"kubectl create secret generic x --from-literal=pw=KubePw2", "KubePw2"},
		{"aws configure set aws_secret_access_key AwsPw3", "AwsPw3"},
		{"gh secret set FOO --body GhPw4", "GhPw4"},
	} {
		got := keyturn.MaskSecrets(tc.in)
		if strings.Contains(got, tc.secret) || !strings.Contains(got, keyturn.Mask) {
			t.Errorf("MaskSecrets(%q) = %q: the secret is still there", tc.in, got)
		}
	}
	for _, s := range []string{
		"docker run -u 1000:1000 -p 8080:80 nginx",
		"git push -u origin main",
		"sort -u names.txt",
		"ssh -p 2222 deploy@host",
		"mkdir -p 'build dir'",
		"kubectl create configmap x --from-literal=mode=fast",
		"aws configure set region eu-west-1",
	} {
		if got := keyturn.MaskSecrets(s); got != s {
			t.Errorf("MaskSecrets(%q) = %q: nothing there is a secret", s, got)
		}
	}
	// Masking JSON text keeps it JSON.
	raw := `{"cmd":"mysql -p'QuotedPw111' -e \"ALTER USER x PASSWORD 'AlterPw333'\"","u":"curl -u a:CurlPw555"}`
	if got := keyturn.MaskSecrets(raw); !json.Valid([]byte(got)) || strings.Contains(got, "Pw") {
		t.Errorf("MaskSecrets(%s) = %s", raw, got)
	}
	env := keyturn.MaskEnv(map[string]string{"MYSQL_PWD": "EnvPw999", "PWD": "/home/o/project"})
	if env["MYSQL_PWD"] != keyturn.Mask || env["PWD"] != "/home/o/project" {
		t.Errorf("MaskEnv: %v", env)
	}
}
