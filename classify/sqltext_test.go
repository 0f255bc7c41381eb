package classify

import (
	"bufio"
	"os"
	"sort"
	"strings"
	"testing"

	"keyturn"
)

// sqlCorpusExpect is the class a corpus label stands for. The corpus labels
// statements by their leading keyword only: it does not mark an UPDATE or
// DELETE without WHERE, so a stricter answer there is not a disagreement
// in the unsafe direction.
func sqlCorpusExpect(label, kind string) (keyturn.Class, bool) {
	switch label {
	case "read", "session", "executes:read", "other:fetch", "other:move", "other:close", "other:declare",
		"other:deallocate", "other:prepare", "other:unlisten", "other:cache", "other:uncache":
		return keyturn.Read, true
	case "DDL":
		if strings.HasPrefix(kind, "DROP") {
			return keyturn.Destructive, true
		}
		return keyturn.Write, true
	case "DML", "DCL", "TCL", "executes:DML", "other:analyze", "other:vacuum", "other:lock", "other:reassign",
		"other:checkpoint", "other:notify", "other:kill":
		return keyturn.Write, true
	case "DDL/DML-destructive":
		return keyturn.Destructive, true
	case "other:execute", "other:do", "other:call":
		return keyturn.Unknown, true
	}
	return "", false
}

// TestSQLCorpus measures the statement classifier on PostgreSQL's
// regression statements and sqlglot's fixtures. Per label it reports the
// share classified the same, stricter (unknown counts as stricter) and
// laxer. Laxer is the dangerous direction: a change read as a read.
func TestSQLCorpus(t *testing.T) {
	f, err := os.Open("../../shared/corpora/sql/sql_statements.tsv")
	if err != nil {
		t.Skip("corpus not present:", err)
	}
	defer f.Close()
	type tally struct{ n, same, stricter, laxer int }
	byLabel := map[string]*tally{}
	laxExamples := map[string][]string{}
	var total tally
	changeLax, changeN := 0, 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	first := true
	for sc.Scan() {
		if first {
			first = false // header
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 5 {
			continue
		}
		want, ok := sqlCorpusExpect(cols[3], cols[2])
		if !ok {
			continue
		}
		src := strings.NewReplacer(`\n`, "\n", `\t`, "\t").Replace(strings.Join(cols[4:], "\t"))
		got, _ := sqlStatementClass(src, sqlPostgres)
		tl := byLabel[cols[3]]
		if tl == nil {
			tl = &tally{}
			byLabel[cols[3]] = tl
		}
		tl.n++
		total.n++
		switch {
		case got == want:
			tl.same++
			total.same++
		case got.Stricter(want):
			tl.stricter++
			total.stricter++
		default:
			tl.laxer++
			total.laxer++
			if len(laxExamples[cols[3]]) < 3 {
				laxExamples[cols[3]] = append(laxExamples[cols[3]], string(got)+": "+src)
			}
		}
		if want != keyturn.Read {
			changeN++
			if got == keyturn.Read {
				changeLax++
			}
		}
	}
	labels := make([]string, 0, len(byLabel))
	for l := range byLabel {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	pct := func(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }
	for _, l := range labels {
		tl := byLabel[l]
		t.Logf("%-22s %6d  same %5.1f%%  stricter %5.1f%%  laxer %5.1f%%", l, tl.n, pct(tl.same, tl.n), pct(tl.stricter, tl.n), pct(tl.laxer, tl.n))
		for _, ex := range laxExamples[l] {
			t.Logf("    laxer: %.160q", ex)
		}
	}
	t.Logf("%-22s %6d  same %5.1f%%  stricter %5.1f%%  laxer %5.1f%%", "all", total.n, pct(total.same, total.n), pct(total.stricter, total.n), pct(total.laxer, total.n))
	t.Logf("statements that change something, read as a read: %d of %d", changeLax, changeN)

	// Floors set from the measured figures, with a little room: agreement
	// on the whole corpus, and almost no change ever read as a read.
	if s := pct(total.same, total.n); s < 90 {
		t.Errorf("agreement %.1f%% fell below 90%%", s)
	}
	if l := pct(changeLax, changeN); l > 0.1 {
		t.Errorf("%.2f%% of changing statements were classified read (floor 0.1%%)", l)
	}
}

func TestSQLStatements(t *testing.T) {
	cases := []struct {
		d    *sqlDialect
		src  string
		want keyturn.Class
		op   string
	}{
		{sqlPostgres, "SELECT 'DROP TABLE x'", keyturn.Read, "SELECT"},
		{sqlPostgres, "SELECT 1; DROP TABLE x", keyturn.Destructive, "DROP TABLE"},
		{sqlPostgres, "SELECT $$; DROP TABLE x; $$", keyturn.Read, "SELECT"},
		{sqlPostgres, "SELECT $tag$ $$; DROP TABLE x; $$ $tag$", keyturn.Read, "SELECT"},
		{sqlPostgres, "SELECT 1 -- ; DROP TABLE x", keyturn.Read, "SELECT"},
		{sqlPostgres, "SELECT 1 /* ; DROP /* nested */ TABLE x; */", keyturn.Read, "SELECT"},
		{sqlPostgres, "SELECT \"a;b\" FROM t", keyturn.Read, "SELECT"},
		{sqlPostgres, "DELETE FROM orders", keyturn.Destructive, "DELETE without WHERE"},
		{sqlPostgres, "DELETE FROM orders WHERE id = 5", keyturn.Write, "DELETE"},
		{sqlPostgres, "DELETE FROM orders WHERE 1=1", keyturn.Destructive, "DELETE without WHERE"},
		{sqlPostgres, "DELETE FROM orders WHERE id = 5 OR true", keyturn.Destructive, "DELETE without WHERE"},
		{sqlPostgres, "DELETE FROM orders WHERE id IN (SELECT id FROM x WHERE y)", keyturn.Write, "DELETE"},
		{sqlPostgres, "DELETE FROM orders USING (SELECT 1 WHERE true) s", keyturn.Destructive, "DELETE without WHERE"},
		{sqlPostgres, "UPDATE t SET a = (SELECT b FROM u WHERE u.id = 1)", keyturn.Destructive, "UPDATE without WHERE"},
		{sqlPostgres, "UPDATE t SET a = 1 WHERE id = 2", keyturn.Write, "UPDATE"},
		{sqlPostgres, "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", keyturn.Destructive, "DELETE without WHERE"},
		{sqlPostgres, "WITH x AS (SELECT 1) SELECT * FROM x", keyturn.Read, "SELECT"},
		{sqlPostgres, "EXPLAIN DELETE FROM t", keyturn.Read, "EXPLAIN"},
		{sqlPostgres, "EXPLAIN ANALYZE DELETE FROM t", keyturn.Destructive, "DELETE without WHERE"},
		{sqlPostgres, "EXPLAIN (ANALYZE, COSTS OFF) SELECT 1", keyturn.Read, "EXPLAIN ANALYZE"},
		{sqlPostgres, "ALTER TABLE t DROP COLUMN c", keyturn.Destructive, "ALTER TABLE … DROP"},
		{sqlPostgres, "ALTER TABLE t ADD COLUMN c int", keyturn.Write, "ALTER TABLE"},
		{sqlPostgres, "SELECT pg_terminate_backend(123)", keyturn.Destructive, "call pg_terminate_backend"},
		{sqlPostgres, "SELECT my_cleanup()", keyturn.Unknown, "SELECT"},
		{sqlPostgres, "SELECT count(*), lower(name) FROM users", keyturn.Read, "SELECT"},
		{sqlPostgres, "COPY t FROM STDIN", keyturn.Write, "COPY FROM"},
		{sqlPostgres, "COPY t TO PROGRAM 'rm -rf /'", keyturn.Unknown, "COPY TO PROGRAM"},
		{sqlPostgres, "COPY (SELECT * FROM t) TO STDOUT", keyturn.Read, "SELECT"},
		{sqlPostgres, "DO $$ BEGIN DROP TABLE t; END $$", keyturn.Unknown, "DO"},
		{sqlPostgres, "PREPARE p AS DELETE FROM t; EXECUTE p", keyturn.Destructive, "DELETE without WHERE"},
		{sqlPostgres, "EXECUTE q", keyturn.Unknown, "EXECUTE q"},
		{sqlPostgres, "SELECT 'unterminated", keyturn.Unknown, "SQL"},
		{sqlPostgres, "TRUNCATE a, b", keyturn.Destructive, "TRUNCATE"},
		{sqlPostgres, "frobnicate the database", keyturn.Unknown, "FROBNICATE"},
		{sqlPostgres, "SELECT 'a\\'; DROP TABLE x; --'", keyturn.Destructive, "DROP TABLE"},
		{sqlPostgres, "SELECT E'a\\'; DROP TABLE x; --'", keyturn.Read, "SELECT"},
		{sqlMySQL, "SELECT 'a\\'; DROP TABLE x; --'", keyturn.Destructive, "DROP TABLE"},
		{sqlMySQL, "SELECT 1 # ; DROP TABLE x", keyturn.Read, "SELECT"},
		{sqlMySQL, "SELECT 1 /*! ; DROP TABLE x */", keyturn.Destructive, "DROP TABLE"},
		{sqlMySQL, "SELECT 1 --1; DROP TABLE x", keyturn.Destructive, "DROP TABLE"},
		{sqlMySQL, "SELECT * FROM t INTO OUTFILE '/tmp/x'", keyturn.Write, "SELECT INTO OUTFILE"},
		{sqlMySQL, "PREPARE s FROM 'DROP TABLE t'; EXECUTE s", keyturn.Destructive, "DROP TABLE"},
		{sqlTSQL, "SELECT 1 DROP TABLE t", keyturn.Destructive, "DROP TABLE"},
		{sqlTSQL, "SELECT 1\nGO\nDELETE FROM t WHERE id = 1\nGO", keyturn.Write, "DELETE"},
		{sqlTSQL, "IF EXISTS (SELECT 1 FROM t) DROP TABLE t", keyturn.Destructive, "DROP TABLE"},
		{sqlTSQL, "UPDATE t SET x = 1 WHERE id = 2", keyturn.Write, "UPDATE"},
		{sqlTSQL, "SELECT [a;b] FROM t", keyturn.Read, "SELECT"},
		{sqlTSQL, "EXEC sp_help 'orders'", keyturn.Read, "EXEC sp_help"},
		{sqlSQLite, "PRAGMA table_info(users)", keyturn.Read, "PRAGMA"},
		{sqlSQLite, "PRAGMA journal_mode = WAL", keyturn.Write, "PRAGMA JOURNAL_MODE"},
		{sqlClickHouse, "ALTER TABLE t DELETE WHERE 1", keyturn.Destructive, "ALTER TABLE … DELETE without WHERE"},
		{sqlClickHouse, "ALTER TABLE t DELETE WHERE d < '2020-01-01'", keyturn.Write, "ALTER TABLE … DELETE"},
		{sqlDuckDB, "CREATE OR REPLACE TABLE t AS SELECT 1", keyturn.Destructive, "CREATE OR REPLACE TABLE"},
		{sqlDuckDB, "SELECT * FROM read_csv('x.csv')", keyturn.Read, "SELECT"},
	}
	for _, tc := range cases {
		got, verdicts := sqlStatementClass(tc.src, tc.d)
		if got != tc.want {
			t.Errorf("%s %q: class %s, want %s (%+v)", tc.d.name, tc.src, got, tc.want, verdicts)
			continue
		}
		found := false
		for _, v := range verdicts {
			if v.class == got && v.op == tc.op {
				found = true
			}
		}
		if !found {
			t.Errorf("%s %q: no %s verdict %q in %+v", tc.d.name, tc.src, got, tc.op, verdicts)
		}
	}
}
