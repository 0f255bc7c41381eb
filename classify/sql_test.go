package classify

import (
	"testing"

	"keyturn"
)

func TestParseDSN(t *testing.T) {
	cases := []struct{ in, host, db string }{
		{"postgres://u:p@db.prod.example.com:5432/orders", "db.prod.example.com", "orders"},
		{"postgresql://db.prod.example.com/orders?sslmode=require", "db.prod.example.com", "orders"},
		{"postgresql:///orders?host=/var/run/postgresql", "localhost", "orders"},
		{"postgresql:///orders", "", "orders"},
		{"mongodb+srv://user:pw@cluster0.prod.example.com/shop?retryWrites=true", "cluster0.prod.example.com", "shop"},
		{"mongodb://h1.example.com:27017,h2.example.com:27017/app", "h1.example.com", "app"},
		{"redis://:secret@cache.example.com:6379/2", "cache.example.com", "2"},
		{"sqlserver://sa:pw@sql.example.com:1433?database=sales", "sql.example.com", "sales"},
		{"postgres://[::1]:5432/x", "::1", "x"},
		{"host=db.example.com port=5432 dbname=orders", "db.example.com", "orders"},
	}
	for _, tc := range cases {
		host, db, ok := parseDSN(tc.in)
		if !ok || host != tc.host || db != tc.db {
			t.Errorf("parseDSN(%q) = %q, %q, %v; want %q, %q", tc.in, host, db, ok, tc.host, tc.db)
		}
	}
}

func TestMongoCalls(t *testing.T) {
	cases := []struct {
		src  string
		want keyturn.Class
	}{
		{`db.users.find({}).limit(5).toArray()`, keyturn.Read},
		{`db.users.deleteMany({})`, keyturn.Destructive},
		{`db.users.deleteMany({ age: { $gt: 90 } })`, keyturn.Write},
		{`db.users.remove({})`, keyturn.Destructive},
		{`db.users.updateMany({}, {$set: {a: 1}})`, keyturn.Destructive},
		{`db.users.update({}, {$set: {a: 1}})`, keyturn.Write},
		{`db.users.update({}, {$set: {a: 1}}, {multi: true})`, keyturn.Destructive},
		{`db.getCollection('x').drop()`, keyturn.Destructive},
		{`db.runCommand({ping: 1})`, keyturn.Read},
		{`db.adminCommand({shutdown: 1})`, keyturn.Destructive},
		{`db.runCommand({whatever: 1})`, keyturn.Unknown},
		{`// db.dropDatabase()` + "\n" + `db.c.find()`, keyturn.Read},
		{`print("db.dropDatabase()")`, keyturn.Read},
		{`const f = db.c.drop; f.call(db.c)`, keyturn.Unknown},
		{"db.c.find({a: `${db.dropDatabase()}`})", keyturn.Unknown},
		{`db.c.find({name: /'/})`, keyturn.Read},
		{`function clean() { return 1 } clean()`, keyturn.Read},
		{`require('child_process').execSync('rm -rf /')`, keyturn.Unknown},
		{`(0, db.c.drop)()`, keyturn.Unknown},
	}
	for _, tc := range cases {
		calls, err := mongoCalls(tc.src)
		got := keyturn.Read
		if err != nil {
			got = keyturn.Unknown
		}
		for _, c := range calls {
			if c.use == "" {
				got = keyturn.MaxClass(got, c.class)
			}
		}
		if got != tc.want {
			t.Errorf("%q: %s, want %s (%+v, %v)", tc.src, got, tc.want, calls, err)
		}
	}
}

func TestRedisLines(t *testing.T) {
	got := redisLines("SET a \"x y\"\nFLUSHALL\n")
	if len(got) != 2 || len(got[0]) != 3 || got[0][2].Value != "x y" || got[1][0].Value != "FLUSHALL" {
		t.Errorf("inline: %+v", got)
	}
	got = redisLines("*2\r\n$3\r\nDEL\r\n$1\r\na\r\n*1\r\n$8\r\nFLUSHALL\r\n")
	if len(got) != 2 || got[0][0].Value != "DEL" || got[1][0].Value != "FLUSHALL" {
		t.Errorf("RESP: %+v", got)
	}
}
