package classify

import (
	"net/url"
	"path"
	"strings"

	"keyturn"
)

// Database clients: the statements they send are judged by sqltext.go;
// this file finds the statements (-c, -e, -f FILE, here-documents, pipes of
// literal text) and where they land (host and database hints from options,
// connection URIs and the client's environment variables). A client with
// nothing to run is an interactive session: unknown.

func init() {
	register(analyzePsql, "psql")
	register(analyzeMySQL, "mysql", "mariadb")
	register(analyzeSQLite, "sqlite3", "duckdb")
	register(analyzeSqlcmd, "sqlcmd")
	register(analyzeCockroach, "cockroach")
	register(analyzeMongo, "mongosh", "mongo")
	register(analyzeRedis, "redis-cli")
	register(analyzePgDB, "dropdb", "createdb")
	register(analyzePgDump, "pg_dump", "pg_dumpall", "pg_restore")
	register(analyzeMysqldump, "mysqldump")
	register(analyzeMysqladmin, "mysqladmin")
	register(analyzeClickHouse, "clickhouse-client")
	register(analyzeUsql, "usql")
}

// cliOpt is one option (with its value) or operand, in the order written.
type cliOpt struct {
	name string // "-c", "--command"; "" for an operand
	val  arg
}

// dbArgs splits args in order. valued lists the options that take a value;
// with longSingle, "-init" is one option rather than -i -n -i -t (sqlite3).
// dynamic is set when a word known only at run time could be an option.
func dbArgs(args []arg, valued map[string]bool, longSingle bool) (opts []cliOpt, dynamic bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.Value
		switch {
		case !a.Known && (v == "" || strings.HasPrefix(v, "$") || strings.HasPrefix(v, "-") || strings.HasPrefix(v, "`")):
			dynamic = true
			opts = append(opts, cliOpt{val: a})
		case v == "--":
			for _, r := range args[i+1:] {
				opts = append(opts, cliOpt{val: r})
			}
			return opts, dynamic
		case strings.HasPrefix(v, "--") && len(v) > 2:
			name, val, eq := strings.Cut(v, "=")
			switch {
			case eq:
				opts = append(opts, cliOpt{name: name, val: arg{Value: val, Known: a.Known}})
			case valued[name] && i+1 < len(args):
				i++
				opts = append(opts, cliOpt{name: name, val: args[i]})
			default:
				opts = append(opts, cliOpt{name: name, val: arg{Known: true}})
			}
		case strings.HasPrefix(v, "-") && len(v) > 1:
			if valued[v] || longSingle {
				if name, val, eq := strings.Cut(v, "="); eq && longSingle {
					opts = append(opts, cliOpt{name: name, val: arg{Value: val, Known: a.Known}})
					continue
				}
				val := arg{Known: true}
				if valued[v] && i+1 < len(args) {
					i++
					val = args[i]
				}
				opts = append(opts, cliOpt{name: v, val: val})
				continue
			}
			for j := 1; j < len(v); j++ {
				name := "-" + v[j:j+1]
				if valued[name] {
					val := arg{Value: strings.TrimPrefix(v[j+1:], "="), Known: a.Known}
					if val.Value == "" && i+1 < len(args) {
						i++
						val = args[i]
					}
					opts = append(opts, cliOpt{name: name, val: val})
					break
				}
				opts = append(opts, cliOpt{name: name, val: arg{Known: true}})
			}
		default:
			opts = append(opts, cliOpt{val: a})
		}
	}
	return opts, dynamic
}

func optIs(o cliOpt, names ...string) bool {
	for _, n := range names {
		if o.name == n {
			return true
		}
	}
	return false
}

func lastOpt(opts []cliOpt, names ...string) (arg, bool) {
	var v arg
	found := false
	for _, o := range opts {
		if o.name != "" && optIs(o, names...) {
			v, found = o.val, true
		}
	}
	return v, found
}

func hasOpt(opts []cliOpt, names ...string) bool {
	_, ok := lastOpt(opts, names...)
	return ok
}

func operands(opts []cliOpt) []arg {
	var out []arg
	for _, o := range opts {
		if o.name == "" {
			out = append(out, o.val)
		}
	}
	return out
}

// dbTarget is where a client connects.
type dbTarget struct {
	host, db string
	// hostUnknown: the host was given but is only known at run time, or
	// comes from a file keyturn does not read.
	hostUnknown bool
}

// setHost records a host option's value.
func (t *dbTarget) setHost(a arg) {
	if !a.Known {
		t.host, t.hostUnknown = "", true
		return
	}
	t.host, t.hostUnknown = normalHost(a.Value), false
}

func (t *dbTarget) setDB(a arg) {
	if a.Known {
		t.db = a.Value
	} else {
		t.db = ""
	}
}

// normalHost turns a socket path or loopback spelling into a host name a
// rule can match.
func normalHost(h string) string {
	h = strings.TrimSpace(h)
	if i := strings.IndexByte(h, ','); i >= 0 {
		h = h[:i] // several hosts: the first
	}
	if strings.HasPrefix(h, "/") || h == "." || strings.EqualFold(h, "(local)") || strings.HasPrefix(strings.ToLower(h), "(localdb)") {
		return "localhost"
	}
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i > 0 {
			return h[1:i]
		}
	}
	if strings.Count(h, ":") == 1 {
		h, _, _ = strings.Cut(h, ":")
	}
	return h
}

func orLocalhost(h string) string {
	if h == "" {
		return "localhost"
	}
	return h
}

func isLoopback(h string) bool {
	return h == "localhost" || h == "127.0.0.1" || h == "::1" || strings.HasSuffix(h, ".localhost")
}

// parseDSN reads a connection URI (postgres://u:p@host:5432/db?…,
// mongodb+srv://…, redis://…/0, sqlserver://host?database=db) or a libpq
// key=value string. host is "" when the string names none.
func parseDSN(s string) (host, db string, ok bool) {
	if i := strings.Index(s, "://"); i > 0 {
		rest := s[i+3:]
		query := ""
		if q := strings.IndexByte(rest, '?'); q >= 0 {
			rest, query = rest[:q], rest[q+1:]
		}
		authority, p, _ := strings.Cut(rest, "/")
		if at := strings.LastIndexByte(authority, '@'); at >= 0 {
			authority = authority[at+1:]
		}
		if h, err := url.PathUnescape(authority); err == nil {
			authority = h
		}
		host = authority
		if d, err := url.PathUnescape(strings.Split(p, "/")[0]); err == nil {
			db = d
		}
		if vals, err := url.ParseQuery(query); err == nil {
			if h := vals.Get("host"); h != "" {
				host = h
			}
			for _, k := range []string{"dbname", "database"} {
				if d := vals.Get(k); d != "" {
					db = d
				}
			}
		}
		if host != "" {
			host = normalHost(host)
		}
		return host, db, true
	}
	if strings.Contains(s, "=") {
		for _, f := range strings.Fields(s) {
			k, v, _ := strings.Cut(f, "=")
			v = strings.Trim(v, "'")
			switch k {
			case "host", "hostaddr", "server", "Server", "Data Source":
				host = normalHost(v)
			case "dbname", "database", "Database":
				db = v
			}
		}
		return host, db, true
	}
	return "", "", false
}

func (t *dbTarget) hints() map[string]string {
	h := map[string]string{}
	if t.host != "" && !t.hostUnknown {
		h["host"] = t.host
	}
	if t.db != "" {
		h["database"] = t.db
	}
	return h
}

// sqlSession is one client run: where its statements land and what they do.
type sqlSession struct {
	c       *call
	d       *sqlDialect
	tool    string
	k       *sqlClassifier
	target  dbTarget
	dynamic bool // an option known only at run time: the host may be anything
	// local: an embedded engine whose database is a local file (sqlite3,
	// duckdb); dbFile is that file, "" for an in-memory database.
	local    bool
	dbFile   arg
	attached bool // ATTACH in an in-memory database: its writes persist
	cwdLost  bool // \cd, .cd: relative paths no longer resolve
	depth    int
	fileDir  string // directory of the file being read, for \ir
	// readBytes counts the file text judged, which maxSQLRead bounds.
	readBytes int
	out       []keyturn.Effect
}

// maxSQLRead bounds the SQL read from files for one command.
const maxSQLRead = 1 << 20

func newSQLSession(c *call, d *sqlDialect, tool string) *sqlSession {
	return &sqlSession{c: c, d: d, tool: tool, k: newSQLClassifier(d)}
}

// effect is an effect on the database the session talks to.
func (s *sqlSession) effect(op string, class keyturn.Class, note string, targets ...string) keyturn.Effect {
	var ts []string
	for _, t := range targets {
		if t != "" {
			ts = append(ts, t)
		}
	}
	if s.local {
		p, ok := s.c.s.abs(s.dbFile)
		memory := s.dbFile.Value == "" || s.dbFile.Value == ":memory:"
		if memory {
			if class != keyturn.Read && class != keyturn.Unknown && !s.attached {
				class = keyturn.Read
				note = "an in-memory database: nothing it changes outlives the command"
			}
			return keyturn.Effect{Tool: s.tool, Operation: op, Class: class, Environment: keyturn.EnvLocal, Targets: ts, Note: note}
		}
		if !s.dbFile.Known {
			note = strings.TrimSpace(note + " (the database file is only known at run time)")
		}
		return keyturn.Effect{Tool: s.tool, Operation: op, Class: class, Environment: s.c.s.pathEnv(p, ok),
			Targets: append([]string{p}, ts...), Note: note}
	}
	hints := s.target.hints()
	if s.c.s.remote != nil && isLoopback(hints["host"]) {
		// localhost on another host (ssh, kubectl exec) is that host.
		delete(hints, "host")
	}
	if s.dynamic {
		delete(hints, "host")
		note = strings.TrimSpace(note + " (an option is only known at run time: the server may be any)")
	}
	e := s.c.effect(s.tool, op, class, hints, ts...)
	e.Note = note
	return e
}

func (s *sqlSession) add(e keyturn.Effect) { s.out = append(s.out, e) }

func (s *sqlSession) unknown(op, note string) {
	s.add(s.effect(op, keyturn.Unknown, note))
}

// run judges SQL text that the client sends. what names it for notes.
func (s *sqlSession) run(src, what string) {
	items, err := classifySQL(src, s.d)
	if err != nil {
		s.unknown("SQL", what+" cannot be read: "+err.Error())
		return
	}
	for _, it := range items {
		if it.toks == nil {
			s.clientCommand(it)
			continue
		}
		for _, v := range s.k.statement(it.toks) {
			s.verdict(v)
		}
	}
}

func (s *sqlSession) verdict(v sqlVerdict) {
	if v.use != "" {
		s.target.db = v.use
	}
	if strings.HasPrefix(v.op, "ATTACH") {
		s.attached = true
	}
	if v.file != "" && s.d.localFiles {
		e := s.c.s.writeEffect(s.tool, v.op, arg{Value: v.file, Known: true})
		s.add(e)
		return
	}
	s.add(s.effect(v.op, v.class, v.note, v.targets...))
}

// include judges a file of statements the client reads (-f, \i, source,
// .read, :r). A file keyturn cannot read is unknown.
func (s *sqlSession) include(name, op string) {
	name = strings.Trim(strings.TrimSpace(name), `'"`)
	if name == "" {
		s.unknown(op, "reads statements from a file it does not name")
		return
	}
	if s.depth >= 8 {
		s.unknown(op, "files included more than 8 deep")
		return
	}
	a := arg{Value: name, Known: true}
	if s.fileDir != "" && op == `\ir` && !path.IsAbs(name) {
		a.Value = path.Join(s.fileDir, name)
	}
	p, ok := s.c.s.abs(a)
	if !ok || s.c.s.remote != nil || s.cwdLost && !path.IsAbs(a.Value) {
		s.unknown(op+" "+name, "reads statements from a file keyturn cannot find")
		return
	}
	data, err := readSmall(p)
	if err != nil {
		s.unknown(op+" "+name, "reads statements from "+p+", which keyturn cannot read")
		return
	}
	if s.readBytes += len(data); s.readBytes > maxSQLRead {
		s.unknown(op+" "+name, "reads more SQL from files than keyturn analyses")
		return
	}
	saved := s.fileDir
	s.fileDir = path.Dir(p)
	s.depth++
	s.run(string(data), "the file "+name)
	s.depth--
	s.fileDir = saved
}

// fromFileArg judges -f FILE: "-" is standard input.
func (s *sqlSession) fromFileArg(a arg, op string) {
	if !a.Known {
		s.unknown(op, "reads statements from a file named only at run time")
		return
	}
	if a.Value == "-" {
		s.fromStdin(op)
		return
	}
	s.include(a.Value, op)
}

// fromStdin judges the statements on standard input, or an interactive
// session when there is none.
func (s *sqlSession) fromStdin(op string) {
	in := s.c.stdin
	switch {
	case in == nil:
		s.unknown(op+" session", "an interactive session: what it will run is not known")
	case !in.known:
		s.unknown(op, "runs statements from a "+in.what+" that keyturn cannot read")
	default:
		s.run(in.text, "the "+in.what)
	}
}

// sqlExpr judges one -c/-e value.
func (s *sqlSession) sqlArg(a arg, op string) {
	if !a.Known {
		s.unknown(op, "runs statements built at run time")
		return
	}
	s.run(a.Value, "the "+op+" string")
}

// writeFile records a file the client writes on this machine.
func (s *sqlSession) writeFile(op, name string) {
	name = strings.Trim(strings.TrimSpace(name), `'"`)
	if name == "" || name == "-" || name == "stdout" || name == "stderr" {
		return
	}
	s.add(s.c.writeEffect(op, arg{Value: name, Known: !s.cwdLost || path.IsAbs(name)}))
}

// shellCommand records a command the client hands to the local shell.
func (s *sqlSession) shellCommand(op, src string) {
	src = strings.TrimSpace(src)
	if src == "" {
		s.add(s.c.unknown(op, "opens an interactive shell"))
		return
	}
	s.c.shell(src, op+" command")
}

func (s *sqlSession) effects() []keyturn.Effect {
	if len(s.out) == 0 {
		s.add(s.effect("connect", keyturn.Read, ""))
	}
	return mergeEffects(s.out)
}

// mergeEffects joins effects that differ only in their targets, so that
// ten INSERTs are one INSERT with ten targets.
func mergeEffects(in []keyturn.Effect) []keyturn.Effect {
	var out []keyturn.Effect
	index := map[string]int{}
	seen := map[string]bool{}
	for _, e := range in {
		t := e.Targets
		e.Targets = nil
		key := effectKey(e)
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, e)
		}
		for _, x := range t {
			if k := key + "\x02" + x; !seen[k] {
				seen[k] = true
				out[i].Targets = append(out[i].Targets, x)
			}
		}
	}
	return out
}

// clientCommand judges a command the client runs itself.
func (s *sqlSession) clientCommand(it sqlItem) {
	switch {
	case strings.HasPrefix(it.cmd, `\`):
		if s.d.mysqlClient {
			s.unknown(it.cmd, "a mysql client command keyturn does not know")
			return
		}
		s.psqlMeta(it.cmd, it.arg)
	case strings.HasPrefix(it.cmd, "."):
		s.dotCommand(it.cmd, it.arg)
	case strings.HasPrefix(it.cmd, ":"):
		s.sqlcmdCommand(it.cmd, it.arg)
	default:
		s.mysqlCommand(it.cmd, it.arg)
	}
}

// psqlReadMeta are psql's meta-commands that only describe or format.
var psqlReadMeta = map[string]bool{
	`\a`: true, `\C`: true, `\conninfo`: true, `\encoding`: true, `\errverbose`: true, `\f`: true,
	`\H`: true, `\h`: true, `\help`: true, `\?`: true, `\copyright`: true, `\p`: true, `\print`: true,
	`\r`: true, `\reset`: true, `\set`: true, `\unset`: true, `\pset`: true, `\t`: true, `\T`: true,
	`\x`: true, `\timing`: true, `\echo`: true, `\qecho`: true, `\warn`: true, `\q`: true, `\quit`: true,
	`\prompt`: true, `\getenv`: true, `\setenv`: true, `\if`: true, `\elif`: true, `\else`: true, `\endif`: true,
	`\z`: true, `\gset`: true, `\gdesc`: true, `\crosstabview`: true, `\watch`: true, `\lo_list`: true,
	`\bind`: true, `\bind_named`: true, `\parse`: true, `\close_prepared`: true, `\startpipeline`: true,
	`\endpipeline`: true, `\syncpipeline`: true, `\flush`: true, `\flushrequest`: true, `\getresults`: true,
	`\restrict`: true, `\unrestrict`: true, `\dconfig`: true, `\info`: true, `\show`: true, `\hf`: true,
	`\statement-diag`: true,
}

func (s *sqlSession) psqlMeta(cmd, argText string) {
	name := strings.TrimRight(cmd, "+")
	switch {
	case name == `\i` || name == `\include` || name == `\ir` || name == `\include_relative`:
		op := `\i`
		if name == `\ir` || name == `\include_relative` {
			op = `\ir`
		}
		s.include(argText, op)
	case name == `\!`:
		s.shellCommand(`psql \!`, argText)
	case name == `\|`:
		s.unknown(`\|`, "runs a shell command and sends its output as SQL")
	case name == `\copy`:
		s.psqlCopy(argText)
	case name == `\o` || name == `\out` || name == `\g` || name == `\gx` || name == `\w` || name == `\write` || name == `\s`:
		a := strings.TrimSpace(argText)
		switch {
		case strings.HasPrefix(a, "|"):
			s.shellCommand("psql "+name+" |", a[1:])
		case a != "" && !strings.HasPrefix(a, "("):
			s.writeFile("psql "+name, strings.Fields(a)[0])
		}
	case name == `\lo_export`:
		if f := strings.Fields(argText); len(f) > 1 {
			s.add(s.effect(`\lo_export`, keyturn.Read, "", f[0]))
			s.writeFile(`psql \lo_export`, f[1])
		} else {
			s.unknown(`\lo_export`, "a \\lo_export keyturn cannot read")
		}
	case name == `\lo_import`:
		s.add(s.effect(`\lo_import`, keyturn.Write, ""))
	case name == `\lo_unlink`:
		s.add(s.effect(`\lo_unlink`, keyturn.Destructive, "deletes a large object", strings.TrimSpace(argText)))
	case name == `\password`:
		s.add(s.effect(`\password`, keyturn.Write, "changes a password"))
	case name == `\gexec`:
		s.unknown(`\gexec`, "runs each value the query returns as a statement")
	case name == `\e` || name == `\edit` || name == `\ef` || name == `\ev`:
		s.unknown(name, "opens an editor: what it runs is not known")
	case name == `\c` || name == `\connect`:
		s.reconnect(argText)
	case name == `\cd`:
		s.cwdLost = true
		s.add(s.c.localEffect(s.tool, `\cd`, keyturn.Read))
	case psqlReadMeta[name] || strings.HasPrefix(name, `\d`) || strings.HasPrefix(name, `\l`) ||
		strings.HasPrefix(name, `\sf`) || strings.HasPrefix(name, `\sv`):
		s.add(s.effect(name, keyturn.Read, ""))
	default:
		s.unknown(name, "a meta-command keyturn does not know")
	}
}

// psqlCopy judges \copy: psql itself reads or writes the local file, and
// runs a PROGRAM on this machine.
func (s *sqlSession) psqlCopy(argText string) {
	items, _, err := scanSQL("COPY "+argText, sqlPostgres, false)
	if err != nil || len(items) == 0 || items[0].toks == nil {
		s.unknown(`\copy`, "a \\copy keyturn cannot read")
		return
	}
	toks := items[0].toks
	i := 1
	table := ""
	if sqlIsPunct(sqlAt(toks, 1), "(") {
		j := sqlClosing(toks, 1)
		for _, v := range s.k.one(toks[2:j]) {
			s.verdict(v)
		}
		i = j + 1
	} else {
		table = sqlNameAt(toks, 1)
	}
	dir := sqlFindWord(toks, i, "FROM", "TO")
	if dir < 0 {
		s.unknown(`\copy`, "a \\copy keyturn cannot read")
		return
	}
	end := sqlAt(toks, dir+1)
	switch {
	case sqlIsWord(end, "PROGRAM"):
		if p := sqlAt(toks, dir+2); p.kind == sqlString {
			s.shellCommand(`psql \copy program`, p.text)
		} else {
			s.unknown(`\copy`, "a \\copy program keyturn cannot read")
		}
	case sqlIsWord(end, "STDIN", "STDOUT", "PSTDIN", "PSTDOUT"):
	default:
		if toks[dir].text == "TO" {
			name := end.text
			if end.kind != sqlString {
				name = copyFileWord(argText)
			}
			s.writeFile(`psql \copy to`, name)
		}
	}
	if toks[dir].text == "FROM" {
		s.add(s.effect(`\copy FROM`, keyturn.Write, "", table))
	} else if table != "" {
		s.add(s.effect(`\copy TO`, keyturn.Read, "", table))
	}
}

// copyFileWord returns the unquoted file name of \copy … to FILE: the word
// after the first "to" outside parentheses.
func copyFileWord(argText string) string {
	depth := 0
	f := strings.Fields(argText)
	for i, w := range f {
		if depth == 0 && strings.EqualFold(w, "to") && i+1 < len(f) {
			return f[i+1]
		}
		depth += strings.Count(w, "(") - strings.Count(w, ")")
	}
	return ""
}

// reconnect follows \c [dbname [user] [host] [port]] or \c URI.
func (s *sqlSession) reconnect(argText string) {
	f := strings.Fields(argText)
	if len(f) > 0 {
		if h, db, ok := parseDSN(strings.Trim(f[0], `'"`)); ok {
			if h != "" {
				s.target.host, s.target.hostUnknown = h, false
			}
			if db != "" {
				s.target.db = db
			}
		} else if f[0] != "-" {
			s.target.db = strings.Trim(f[0], `'"`)
		}
	}
	if len(f) > 2 && f[2] != "-" {
		s.target.host, s.target.hostUnknown = normalHost(f[2]), false
	}
	for _, w := range f {
		if strings.HasPrefix(w, ":") {
			s.dynamic = true // a psql variable
		}
	}
	s.add(s.effect("connect", keyturn.Read, ""))
}

// mysqlCommand judges a mysql client command (long or \X form).
func (s *sqlSession) mysqlCommand(name, argText string) {
	switch name {
	case "source":
		s.include(argText, "source")
	case "system":
		s.shellCommand("mysql system", argText)
	case "pager":
		if strings.TrimSpace(argText) != "" {
			s.shellCommand("mysql pager", argText)
		}
	case "tee":
		s.writeFile("mysql tee", argText)
	case "use":
		s.target.db = strings.Trim(strings.TrimSpace(argText), "`'\"")
	case "connect":
		f := strings.Fields(argText)
		if len(f) > 0 {
			s.target.db = f[0]
		}
		if len(f) > 1 {
			s.target.host, s.target.hostUnknown = normalHost(f[1]), false
		}
	case "edit":
		s.unknown("edit", "opens an editor: what it runs is not known")
	case "delimiter", "go", "ego", "clear", "print", "status", "help", "exit", "quit", "rehash", "warnings",
		"nowarning", "charset", "prompt", "notee", "nopager", "resetconnection", "query_attributes", "ssl_session_data_print":
		// the client's own settings and output
	default:
		s.unknown(name, "a client command keyturn does not know")
	}
}

// sqliteReadDot are the sqlite3 and duckdb shell commands that only show or
// format.
var sqliteReadDot = map[string]bool{
	".tables": true, ".schema": true, ".fullschema": true, ".indexes": true, ".indices": true, ".databases": true,
	".dbinfo": true, ".show": true, ".help": true, ".mode": true, ".headers": true, ".header": true, ".timer": true,
	".width": true, ".print": true, ".quit": true, ".exit": true, ".nullvalue": true, ".separator": true,
	".echo": true, ".bail": true, ".changes": true, ".eqp": true, ".explain": true, ".stats": true,
	".prompt": true, ".parameter": true, ".timeout": true, ".lint": true, ".sha3sum": true, ".limit": true,
	".scanstats": true, ".recover": true, ".dump": true, ".expert": true, ".connection": true, ".crnl": true,
	".vfsinfo": true, ".vfslist": true, ".vfsname": true, ".binary": true, ".check": true, ".nonce": true,
	".progress": true, ".maxrows": true, ".maxwidth": true, ".columns": true, ".rows": true, ".highlight": true,
	".edit": false, ".dbtotxt": true, ".testcase": false, ".once": false, ".output": false, ".log": false,
}

func (s *sqlSession) dotCommand(name, argText string) {
	first := ""
	if f := strings.Fields(argText); len(f) > 0 {
		first = strings.Trim(f[0], `'"`)
	}
	switch name {
	case ".read":
		if strings.HasPrefix(strings.TrimSpace(argText), "|") {
			s.unknown(".read |", "runs a command and reads its output as SQL")
			return
		}
		s.include(argText, ".read")
	case ".shell", ".system":
		s.shellCommand("sqlite3 "+name, argText)
	case ".output", ".once", ".log", ".trace", ".iotrace":
		switch {
		case first == "" || first == "stdout" || first == "stderr" || first == "off":
		case strings.HasPrefix(first, "|"):
			s.shellCommand("sqlite3 "+name+" |", strings.TrimPrefix(strings.TrimSpace(argText), "|"))
		case strings.HasPrefix(first, "-"):
			s.unknown(name+" "+first, "opens the output in another program")
		default:
			s.writeFile("sqlite3 "+name, first)
		}
	case ".backup", ".save", ".clone", ".excel":
		f := strings.Fields(argText)
		if name == ".excel" {
			s.unknown(".excel", "opens the output in another program")
			return
		}
		if len(f) > 1 && name == ".backup" {
			first = strings.Trim(f[1], `'"`)
		}
		s.add(s.effect(name, keyturn.Read, ""))
		s.writeFile("sqlite3 "+name, first)
	case ".restore":
		s.add(s.effect(".restore", keyturn.Destructive, "replaces the database with a backup"))
	case ".import":
		f := strings.Fields(argText)
		table := ""
		if len(f) > 0 {
			table = f[len(f)-1]
		}
		// .import '|CMD' TABLE reads the output of a shell command.
		for _, w := range f {
			if src := strings.Trim(w, `'"`); strings.HasPrefix(src, "|") {
				from := strings.TrimSpace(argText)
				from = strings.TrimPrefix(strings.TrimLeft(from[strings.Index(from, "|"):], "|"), " ")
				if end := strings.LastIndexAny(from, `'"`); end > 0 {
					from = from[:end]
				}
				s.shellCommand("sqlite3 .import |", from)
				break
			}
			if !strings.HasPrefix(w, "-") {
				break // the source is the first operand
			}
		}
		s.add(s.effect(".import", keyturn.Write, "", table))
	case ".open":
		a := arg{Value: first, Known: first != "" && !(s.cwdLost && !path.IsAbs(first))}
		s.dbFile = a
		s.attached = false
		s.add(s.effect(".open", keyturn.Read, ""))
	case ".cd":
		s.cwdLost = true
	case ".load", ".archive", ".ar", ".filectrl", ".testctrl", ".session", ".imposter", ".selftest", ".unmodule", ".auth", ".dbconfig":
		s.unknown(name, "a shell command keyturn does not judge: "+name)
	default:
		if sqliteReadDot[name] {
			s.add(s.effect(name, keyturn.Read, ""))
			return
		}
		s.unknown(name, "a shell command keyturn does not know: "+name)
	}
}

func (s *sqlSession) sqlcmdCommand(name, argText string) {
	a := strings.TrimSpace(argText)
	switch name {
	case ":r":
		s.include(a, ":r")
	case ":!!":
		s.shellCommand("sqlcmd !!", a)
	case ":out", ":error", ":perftrace":
		if !strings.EqualFold(a, "stdout") && !strings.EqualFold(a, "stderr") {
			s.writeFile("sqlcmd "+name, a)
		}
	case ":connect":
		if f := strings.Fields(a); len(f) > 0 {
			s.target.host, s.target.hostUnknown = sqlcmdServer(f[0]), false
		}
	case ":exit", ":quit":
		if strings.HasPrefix(a, "(") && strings.HasSuffix(a, ")") {
			s.run(a[1:len(a)-1], "the :exit query")
		}
	case ":setvar", ":on", ":listvar", ":list", ":reset", ":help", ":xml", ":serverlist":
	case ":ed":
		s.unknown(":ed", "opens an editor: what it runs is not known")
	default:
		s.unknown(name, "a sqlcmd command keyturn does not know")
	}
}

// sqlcmdServer reads -S: tcp:host,port, host\instance, np:…, lpc:host.
func sqlcmdServer(v string) string {
	for _, p := range []string{"tcp:", "np:", "lpc:", "admin:"} {
		if len(v) > len(p) && strings.EqualFold(v[:len(p)], p) {
			v = v[len(p):]
		}
	}
	if i := strings.IndexByte(v, '\\'); i >= 0 {
		v = v[:i]
	}
	if strings.HasPrefix(v, `\`) || v == "" {
		return "localhost"
	}
	return normalHost(v)
}

// --- PostgreSQL

var psqlValued = set("-c", "--command", "-d", "--dbname", "-f", "--file", "-h", "--host", "-p", "--port",
	"-U", "--username", "-v", "--set", "--variable", "-o", "--output", "-L", "--log-file", "-P", "--pset",
	"-F", "--field-separator", "-R", "--record-separator", "-T", "--table-attr")

// pgTarget reads the libpq environment and a dbname that may be a URI or
// a key=value string.
func pgTarget(c *call, opts []cliOpt, hostFlags, dbFlags []string, positionalDB bool) dbTarget {
	var t dbTarget
	t.host = normalHost(c.env["PGHOST"])
	if t.host == "" {
		t.host = normalHost(c.env["PGHOSTADDR"])
	}
	t.db = c.env["PGDATABASE"]
	if t.host == "" {
		if c.env["PGSERVICE"] != "" {
			t.hostUnknown = true // from pg_service.conf
		} else {
			t.host = "localhost" // libpq's default: the local socket
		}
	}
	dbArg := func(a arg) {
		if !a.Known {
			t.db, t.host, t.hostUnknown = "", "", true
			return
		}
		if h, db, ok := parseDSN(a.Value); ok {
			if h != "" {
				t.host, t.hostUnknown = h, false
			}
			t.db = db
			return
		}
		t.db = a.Value
	}
	// libpq reads a connection string given as the database last: its
	// host wins over -h.
	for _, o := range opts {
		if optIs(o, hostFlags...) {
			t.setHost(o.val)
		}
	}
	posSeen := false
	for _, o := range opts {
		switch {
		case o.name == "" && positionalDB && !posSeen:
			posSeen = true
			dbArg(o.val)
		case optIs(o, dbFlags...):
			dbArg(o.val)
		}
	}
	return t
}

func analyzePsql(c *call) []keyturn.Effect {
	opts, dynamic := dbArgs(c.args, psqlValued, false)
	s := newSQLSession(c, sqlPostgres, "sql")
	s.target = pgTarget(c, opts, []string{"-h", "--host"}, []string{"-d", "--dbname"}, true)
	s.dynamic = dynamic
	if hasOpt(opts, "-V", "--version", "-?", "--help") {
		return []keyturn.Effect{readEffect(c)}
	}
	for _, o := range opts {
		if optIs(o, "-o", "--output", "-L", "--log-file") {
			s.writeFile("psql "+o.name, o.val.Value)
		}
	}
	ran := false
	for _, o := range opts {
		switch {
		case optIs(o, "-c", "--command"):
			ran = true
			s.sqlArg(o.val, "psql -c")
		case optIs(o, "-f", "--file"):
			ran = true
			s.fromFileArg(o.val, "psql -f")
		}
	}
	switch {
	case ran:
	case hasOpt(opts, "-l", "--list"):
		s.add(s.effect("list databases", keyturn.Read, ""))
	default:
		s.fromStdin("psql")
	}
	return s.effects()
}

var pgDBValued = set("-h", "--host", "-p", "--port", "-U", "--username", "--maintenance-db", "-D", "--tablespace",
	"-E", "--encoding", "-l", "--locale", "--lc-collate", "--lc-ctype", "--icu-locale", "--icu-rules",
	"--locale-provider", "-O", "--owner", "-S", "--strategy", "-T", "--template", "--builtin-locale")

// analyzePgDB: dropdb deletes a database; createdb makes one.
func analyzePgDB(c *call) []keyturn.Effect {
	opts, dynamic := dbArgs(c.args, pgDBValued, false)
	if hasOpt(opts, "-V", "--version", "-?", "--help") {
		return []keyturn.Effect{readEffect(c)}
	}
	s := newSQLSession(c, sqlPostgres, "sql")
	s.target = pgTarget(c, opts, []string{"-h", "--host"}, nil, false)
	s.dynamic = dynamic
	pos := operands(opts)
	name := ""
	if len(pos) > 0 {
		name = pos[0].Value
		if pos[0].Known {
			s.target.db = name
		} else {
			s.target.db = ""
		}
	}
	if c.prog == "dropdb" {
		if len(pos) == 0 {
			return []keyturn.Effect{c.unknown("dropdb", "dropdb without a database name")}
		}
		s.add(s.effect("dropdb", keyturn.Destructive, "deletes a whole database", name))
	} else {
		s.add(s.effect("createdb", keyturn.Write, "", name))
	}
	return s.effects()
}

var pgDumpValued = set("-f", "--file", "-F", "--format", "-j", "--jobs", "-n", "--schema", "-N", "--exclude-schema",
	"-t", "--table", "-T", "--exclude-table", "-d", "--dbname", "-h", "--host", "-p", "--port", "-U", "--username",
	"-E", "--encoding", "-Z", "--compress", "--role", "--lock-wait-timeout", "--exclude-table-data", "--section",
	"--snapshot", "--filter", "--extra-float-digits", "--rows-per-insert", "--exclude-extension", "-e", "--extension",
	"-l", "--database", "--exclude-database", "-I", "--index", "-L", "--use-list", "-P", "--function", "--trigger")

// analyzePgDump: pg_dump and pg_dumpall read a database (and write the dump
// file); pg_restore writes into one, and --clean drops what it replaces.
func analyzePgDump(c *call) []keyturn.Effect {
	valued := pgDumpValued
	if c.prog == "pg_restore" {
		valued = set("-d", "--dbname", "-f", "--file", "-F", "--format", "-I", "--index", "-j", "--jobs",
			"-L", "--use-list", "-n", "--schema", "-N", "--exclude-schema", "-P", "--function", "-t", "--table",
			"-T", "--trigger", "-h", "--host", "-p", "--port", "-U", "--username", "--role", "--section", "--filter",
			"--exclude-database", "-S", "--superuser")
	}
	opts, dynamic := dbArgs(c.args, valued, false)
	if hasOpt(opts, "-V", "--version", "-?", "--help") {
		return []keyturn.Effect{readEffect(c)}
	}
	s := newSQLSession(c, sqlPostgres, "sql")
	s.dynamic = dynamic
	switch c.prog {
	case "pg_dump":
		s.target = pgTarget(c, opts, []string{"-h", "--host"}, []string{"-d", "--dbname"}, true)
		s.add(s.effect("pg_dump", keyturn.Read, "", s.target.db))
	case "pg_dumpall":
		s.target = pgTarget(c, opts, []string{"-h", "--host"}, []string{"-d", "--dbname"}, false)
		s.add(s.effect("pg_dumpall", keyturn.Read, ""))
	case "pg_restore":
		s.target = pgTarget(c, opts, []string{"-h", "--host"}, []string{"-d", "--dbname"}, false)
		archive := ""
		if pos := operands(opts); len(pos) > 0 {
			archive = pos[0].Value
		}
		switch {
		case hasOpt(opts, "-l", "--list"):
			s.add(c.localEffect("sql", "pg_restore --list", keyturn.Read, archive))
		case hasOpt(opts, "-d", "--dbname"):
			if hasOpt(opts, "-c", "--clean") {
				s.add(s.effect("pg_restore --clean", keyturn.Destructive, "drops the objects it restores before recreating them", s.target.db))
			} else {
				s.add(s.effect("pg_restore", keyturn.Write, "", s.target.db))
			}
		default:
			s.add(c.localEffect("sql", "pg_restore to script", keyturn.Read, archive))
		}
	}
	if f, ok := lastOpt(opts, "-f", "--file"); ok {
		if !f.Known {
			s.add(c.writeEffect(c.prog+" -f", f))
		} else {
			s.writeFile(c.prog+" -f", f.Value)
		}
	}
	return s.effects()
}

// --- MySQL and MariaDB

var mysqlValued = set("-e", "--execute", "-h", "--host", "-P", "--port", "-u", "--user", "-D", "--database",
	"-S", "--socket", "--defaults-file", "--defaults-extra-file", "--login-path", "--init-command", "--tee",
	"--default-character-set", "--protocol", "--bind-address", "--plugin-dir", "--ssl-ca", "--ssl-cert",
	"--ssl-key", "--ssl-mode", "--ssl-cipher", "--connect-timeout", "--max-allowed-packet", "--net-buffer-length",
	"--delimiter", "--character-sets-dir", "--default-auth", "--server-public-key-path", "--tls-version",
	"--load-data-local-dir", "--histignore", "--prompt", "--ssl-capath", "--ssl-crl", "--ssl-crlpath",
	"--tls-ciphersuites", "--compression-algorithms", "--zstd-compression-level", "--dns-srv-name",
	"--network-namespace", "--select-limit", "--max-join-size", "--mysqlx-port", "-O", "--set-variable")

// mysqlArgs drops passwords (-pSECRET, --password=…): -p glued to its value
// would otherwise read as -p -S ECRET.
func mysqlArgs(args []arg) []arg {
	out := make([]arg, 0, len(args))
	for _, a := range args {
		if a.Known && strings.HasPrefix(a.Value, "-p") && !strings.HasPrefix(a.Value, "--") {
			continue
		}
		out = append(out, a)
	}
	return out
}

// mysqlTarget reads MYSQL_HOST and the host and database options.
func mysqlTarget(c *call, opts []cliOpt, positionalDB bool) dbTarget {
	t := dbTarget{host: normalHost(c.env["MYSQL_HOST"])}
	if t.host == "" {
		if hasOpt(opts, "--defaults-file", "--defaults-extra-file", "--login-path") {
			t.hostUnknown = true // the host may be in that file
		} else {
			t.host = "localhost"
		}
	}
	for _, o := range opts {
		switch {
		case optIs(o, "-h", "--host"):
			t.setHost(o.val)
		case optIs(o, "-S", "--socket"):
			t.host, t.hostUnknown = "localhost", false
		case optIs(o, "-D", "--database"):
			t.setDB(o.val)
		}
	}
	if pos := operands(opts); positionalDB && len(pos) > 0 {
		t.setDB(pos[0])
	}
	return t
}

func analyzeMySQL(c *call) []keyturn.Effect {
	opts, dynamic := dbArgs(mysqlArgs(c.args), mysqlValued, false)
	if hasOpt(opts, "-V", "--version", "-?", "--help", "-I") {
		return []keyturn.Effect{readEffect(c)}
	}
	s := newSQLSession(c, sqlMySQL, "sql")
	s.target = mysqlTarget(c, opts, true)
	s.dynamic = dynamic
	if t, ok := lastOpt(opts, "--tee"); ok {
		s.writeFile("mysql --tee", t.Value)
	}
	// An option file the agent could have written may hold init-command
	// (SQL run on connect), pager or a host: it is not judged.
	for _, o := range opts {
		if optIs(o, "--defaults-file", "--defaults-extra-file") {
			if p, ok := c.s.abs(o.val); !ok || c.s.written[p] || c.s.inWorkspace(p) || c.s.inTemp(p) {
				s.unknown("mysql "+o.name, "reads options from a file the agent could have written: "+o.val.Value)
			}
		}
	}
	for _, o := range opts {
		if optIs(o, "--init-command") {
			s.sqlArg(o.val, "mysql --init-command")
		}
	}
	ran := false
	for _, o := range opts {
		if optIs(o, "-e", "--execute") {
			ran = true
			s.sqlArg(o.val, "mysql -e")
		}
	}
	if !ran {
		s.fromStdin(c.prog)
	}
	return s.effects()
}

var mysqldumpValued = set("-h", "--host", "-P", "--port", "-u", "--user", "-S", "--socket", "-r", "--result-file",
	"-T", "--tab", "-w", "--where", "--ignore-table", "--default-character-set", "--defaults-file",
	"--defaults-extra-file", "--login-path", "--compatible", "--fields-terminated-by", "--fields-enclosed-by",
	"--fields-optionally-enclosed-by", "--fields-escaped-by", "--lines-terminated-by", "--ssl-mode", "--ssl-ca",
	"--protocol", "--max-allowed-packet", "--net-buffer-length", "--set-gtid-purged", "--master-data",
	"--source-data", "--dump-slave", "--dump-replica", "--log-error", "--plugin-dir", "--default-auth",
	"--ignore-views", "--compression-algorithms", "--tls-version")

func analyzeMysqldump(c *call) []keyturn.Effect {
	opts, dynamic := dbArgs(mysqlArgs(c.args), mysqldumpValued, false)
	if hasOpt(opts, "-V", "--version", "-?", "--help") {
		return []keyturn.Effect{readEffect(c)}
	}
	s := newSQLSession(c, sqlMySQL, "sql")
	s.target = mysqlTarget(c, opts, true)
	s.dynamic = dynamic
	var names []string
	for _, p := range operands(opts) {
		names = append(names, p.Value)
	}
	s.add(s.effect("mysqldump", keyturn.Read, "", names...))
	switch {
	case hasOpt(opts, "--delete-master-logs", "--delete-source-logs"):
		s.add(s.effect("mysqldump --delete-master-logs", keyturn.Destructive, "deletes the server's binary logs"))
	case hasOpt(opts, "-F", "--flush-logs", "--flush-privileges"):
		s.add(s.effect("mysqldump --flush-logs", keyturn.Write, ""))
	}
	if f, ok := lastOpt(opts, "-r", "--result-file"); ok {
		s.add(c.writeEffect("mysqldump --result-file", f))
	}
	if f, ok := lastOpt(opts, "-T", "--tab"); ok {
		s.add(c.writeEffect("mysqldump --tab", f))
	}
	return s.effects()
}

// mysqladminClass is each mysqladmin command; the ones with an argument
// take the next word.
var mysqladminClass = map[string]keyturn.Class{
	"create": keyturn.Write, "drop": keyturn.Destructive, "shutdown": keyturn.Destructive,
	"flush-hosts": keyturn.Write, "flush-logs": keyturn.Write, "flush-privileges": keyturn.Write,
	"flush-status": keyturn.Write, "flush-tables": keyturn.Write, "flush-threads": keyturn.Write,
	"flush-binary-log": keyturn.Write, "flush-engine-log": keyturn.Write, "flush-error-log": keyturn.Write,
	"flush-general-log": keyturn.Write, "flush-relay-log": keyturn.Write, "flush-slow-log": keyturn.Write,
	"flush-user-resources": keyturn.Write, "refresh": keyturn.Write, "reload": keyturn.Write,
	"kill": keyturn.Write, "password": keyturn.Write, "old-password": keyturn.Write, "debug": keyturn.Write,
	"start-replica": keyturn.Write, "start-slave": keyturn.Write, "stop-replica": keyturn.Write, "stop-slave": keyturn.Write,
	"ping": keyturn.Read, "processlist": keyturn.Read, "status": keyturn.Read, "extended-status": keyturn.Read,
	"variables": keyturn.Read, "version": keyturn.Read,
}

func analyzeMysqladmin(c *call) []keyturn.Effect {
	valued := set("-h", "--host", "-P", "--port", "-u", "--user", "-S", "--socket", "-i", "--sleep", "-c", "--count",
		"--defaults-file", "--defaults-extra-file", "--login-path", "--connect-timeout", "--shutdown-timeout",
		"--default-character-set", "--protocol", "--ssl-mode", "--ssl-ca", "--plugin-dir", "-O", "--set-variable")
	opts, dynamic := dbArgs(mysqlArgs(c.args), valued, false)
	if hasOpt(opts, "-V", "--version", "-?", "--help") {
		return []keyturn.Effect{readEffect(c)}
	}
	s := newSQLSession(c, sqlMySQL, "sql")
	s.target = mysqlTarget(c, opts, false)
	s.dynamic = dynamic
	pos := operands(opts)
	if len(pos) == 0 {
		return []keyturn.Effect{readEffect(c)} // prints its help
	}
	for i := 0; i < len(pos); i++ {
		if !pos[i].Known {
			s.unknown("mysqladmin", "a command known only at run time")
			continue
		}
		cmd := strings.ToLower(pos[i].Value)
		class, ok := mysqladminClass[cmd]
		if !ok {
			s.unknown("mysqladmin "+cmd, "a mysqladmin command keyturn does not know")
			continue
		}
		target := ""
		switch cmd {
		case "create", "drop", "kill", "password", "old-password":
			if i+1 < len(pos) {
				i++
				target = pos[i].Value
				if cmd == "password" || cmd == "old-password" {
					target = ""
				}
			}
		}
		s.add(s.effect("mysqladmin "+cmd, class, "", target))
	}
	return s.effects()
}

// --- embedded engines: SQLite and DuckDB

func analyzeSQLite(c *call) []keyturn.Effect {
	d := sqlSQLite
	valued := set("-cmd", "-init", "-separator", "-newline", "-nullvalue", "-mmap", "-lookaside", "-pagecache",
		"-maxsize", "-vfs", "-heap", "-escape", "-A", "--cmd", "--init", "--separator", "--newline", "--nullvalue")
	if c.prog == "duckdb" {
		d = sqlDuckDB
		valued = set("-c", "-s", "-cmd", "-f", "-init", "-separator", "-newline", "-nullvalue", "--cmd", "--init")
	}
	opts, _ := dbArgs(c.args, valued, true)
	if hasOpt(opts, "-version", "--version", "-help", "--help") {
		return []keyturn.Effect{readEffect(c)}
	}
	s := newSQLSession(c, d, "sql")
	s.local = true
	pos := operands(opts)
	if len(pos) > 0 {
		s.dbFile = pos[0]
		pos = pos[1:]
	}
	if hasOpt(opts, "-A", "-archive", "--archive", "-ui") {
		return []keyturn.Effect{c.unknown(c.prog+" archive", "an archive or UI mode keyturn does not judge")}
	}
	if a, ok := lastOpt(opts, "-init", "--init"); ok {
		s.fromFileArg(a, c.prog+" -init")
	}
	for _, o := range opts {
		if optIs(o, "-cmd", "--cmd") {
			s.sqlArg(o.val, c.prog+" -cmd")
		}
	}
	ran := false
	for _, o := range opts {
		switch {
		case optIs(o, "-c", "-s"):
			ran = true
			s.sqlArg(o.val, c.prog+" -c")
		case optIs(o, "-f"):
			ran = true
			s.fromFileArg(o.val, c.prog+" -f")
		}
	}
	for _, p := range pos {
		ran = true
		s.sqlArg(p, c.prog)
	}
	if !ran {
		s.fromStdin(c.prog)
	}
	return s.effects()
}

// --- SQL Server

func analyzeSqlcmd(c *call) []keyturn.Effect {
	valued := set("-S", "-d", "-U", "-P", "-Q", "-q", "-i", "-o", "-v", "-c", "-H", "-l", "-t", "-h", "-s", "-w",
		"-f", "-a", "-m", "-y", "-Y", "-K", "-M", "-z", "-Z", "-V", "-F", "-g",
		"--server", "--database-name", "--user-name", "--password", "--query", "--input-file", "--output-file",
		"--variables", "--batch-terminator", "--authentication-method", "--initial-query", "--packet-size",
		"--login-timeout", "--query-timeout", "--headers", "--column-separator", "--screen-width", "--error-severity-level")
	opts, dynamic := dbArgs(c.args, valued, false)
	if hasOpt(opts, "-?", "--help", "--version") {
		return []keyturn.Effect{readEffect(c)}
	}
	if pos := operands(opts); len(pos) > 0 && pos[0].Value != "query" {
		// go-sqlcmd's subcommands (create, delete, config, open, …)
		return []keyturn.Effect{c.unknown("sqlcmd "+pos[0].Value, "a sqlcmd subcommand keyturn does not judge")}
	}
	d := sqlTSQL
	if term, ok := lastOpt(opts, "-c", "--batch-terminator"); ok && term.Known && term.Value != "" {
		custom := *sqlTSQL
		custom.batchWord = term.Value
		d = &custom
	}
	s := newSQLSession(c, d, "sql")
	s.dynamic = dynamic
	s.target = dbTarget{host: sqlcmdServer(c.env["SQLCMDSERVER"]), db: c.env["SQLCMDDBNAME"]}
	if c.env["SQLCMDSERVER"] == "" {
		s.target.host = "localhost"
	}
	for _, o := range opts {
		switch {
		case optIs(o, "-S", "--server"):
			if o.val.Known {
				s.target.host, s.target.hostUnknown = sqlcmdServer(o.val.Value), false
			} else {
				s.target.setHost(o.val)
			}
		case optIs(o, "-d", "--database-name"):
			s.target.setDB(o.val)
		}
	}
	if f, ok := lastOpt(opts, "-o", "--output-file"); ok {
		s.add(c.writeEffect("sqlcmd -o", f))
	}
	if hasOpt(opts, "-z", "-Z") {
		s.add(s.effect("sqlcmd change password", keyturn.Write, ""))
	}
	ran, interactive := false, false
	for _, o := range opts {
		switch {
		case optIs(o, "-Q", "--query"):
			ran = true
			s.sqlArg(o.val, "sqlcmd -Q")
		case optIs(o, "-q", "--initial-query"):
			s.sqlArg(o.val, "sqlcmd -q")
			interactive = true
		case optIs(o, "-i", "--input-file"):
			ran = true
			if !o.val.Known {
				s.fromFileArg(o.val, "sqlcmd -i")
				continue
			}
			for _, f := range strings.Split(o.val.Value, ",") {
				s.fromFileArg(arg{Value: f, Known: true}, "sqlcmd -i")
			}
		}
	}
	if pos := operands(opts); len(pos) > 1 {
		ran = true
		s.sqlArg(pos[1], "sqlcmd query")
	}
	if !ran || interactive {
		s.fromStdin("sqlcmd")
	}
	return s.effects()
}

// --- CockroachDB

func analyzeCockroach(c *call) []keyturn.Effect {
	valued := set("-e", "--execute", "-f", "--file", "--url", "--host", "--port", "-p", "-d", "--database",
		"-u", "--user", "--certs-dir", "--format", "--set", "--watch", "--cluster-name", "--log", "--log-dir",
		"--store", "-s", "--listen-addr", "--advertise-addr", "--http-addr", "--join", "--locality", "--cache",
		"--max-sql-memory", "--background", "--pid-file", "--insecure-unused")
	opts, dynamic := dbArgs(c.args, valued, false)
	pos := operands(opts)
	if len(pos) == 0 {
		if hasOpt(opts, "--help", "-h", "--version") {
			return []keyturn.Effect{readEffect(c)}
		}
		return []keyturn.Effect{c.unknown("cockroach", "cockroach without a command")}
	}
	if !pos[0].Known {
		return []keyturn.Effect{c.unknown("cockroach", "the command is only known at run time")}
	}
	s := newSQLSession(c, sqlCockroach, "sql")
	s.dynamic = dynamic
	s.target = dbTarget{host: normalHost(c.env["COCKROACH_HOST"]), db: c.env["COCKROACH_DATABASE"]}
	if u := c.env["COCKROACH_URL"]; u != "" {
		s.target.host, s.target.db, _ = parseDSN(u)
		if s.target.host == "" {
			s.target.host = "localhost"
		}
	}
	if s.target.host == "" {
		s.target.host = "localhost"
	}
	for _, o := range opts {
		switch {
		case optIs(o, "--url"):
			if !o.val.Known {
				s.target.setHost(o.val)
			} else if h, db, ok := parseDSN(o.val.Value); ok {
				s.target.host, s.target.hostUnknown, s.target.db = orLocalhost(h), false, db
			}
		case optIs(o, "--host"):
			s.target.setHost(o.val)
		case optIs(o, "-d", "--database"):
			s.target.setDB(o.val)
		}
	}
	sub := pos[0].Value
	switch sub {
	case "sql":
		ran := false
		for _, o := range opts {
			switch {
			case optIs(o, "-e", "--execute"):
				ran = true
				s.sqlArg(o.val, "cockroach sql -e")
			case optIs(o, "-f", "--file"):
				ran = true
				s.fromFileArg(o.val, "cockroach sql -f")
			}
		}
		if !ran {
			s.fromStdin("cockroach sql")
		}
		return s.effects()
	case "demo":
		// A throwaway in-memory cluster: nothing it does outlives it.
		return []keyturn.Effect{c.localEffect("sql", "cockroach demo", keyturn.Read)}
	case "version", "gen", "help":
		return []keyturn.Effect{readEffect(c)}
	case "start", "start-single-node", "init":
		return []keyturn.Effect{c.localEffect("sql", "cockroach "+sub, keyturn.Write)}
	case "cert":
		return []keyturn.Effect{c.localEffect("sql", "cockroach cert", keyturn.Write)}
	case "node":
		verb := ""
		if len(pos) > 1 {
			verb = pos[1].Value
		}
		switch verb {
		case "ls", "status":
			s.add(s.effect("cockroach node "+verb, keyturn.Read, ""))
		case "decommission", "drain":
			s.add(s.effect("cockroach node "+verb, keyturn.Destructive, "takes a node out of the cluster", strs(pos[2:])...))
		case "recommission":
			s.add(s.effect("cockroach node recommission", keyturn.Write, "", strs(pos[2:])...))
		default:
			s.unknown("cockroach node "+verb, "a node command keyturn does not know")
		}
		return s.effects()
	case "quit":
		s.add(s.effect("cockroach quit", keyturn.Destructive, "stops a node"))
		return s.effects()
	}
	return []keyturn.Effect{c.unknown("cockroach "+sub, "a cockroach command keyturn does not judge")}
}

// --- ClickHouse

func analyzeClickHouse(c *call) []keyturn.Effect {
	// clickhouse-client accepts any server setting as --name value, so an
	// option not known to be a switch takes a value.
	switches := set("-m", "--multiline", "-n", "--multiquery", "-s", "--secure", "-t", "--time", "--stacktrace",
		"--echo", "-V", "--version", "--help", "-E", "--vertical", "--progress", "--no-warnings", "--disable_suggestion",
		"-A", "--compression", "--ask-password", "--highlight", "--enable-progress-table-toggle")
	var args []arg
	valued := map[string]bool{"-q": true, "-h": true, "-u": true, "-d": true, "-f": true, "-C": true, "--port": true}
	for _, a := range c.args {
		if a.Known && strings.HasPrefix(a.Value, "--") && !strings.Contains(a.Value, "=") && !switches[a.Value] {
			valued[a.Value] = true
		}
		args = append(args, a)
	}
	opts, dynamic := dbArgs(args, valued, false)
	if hasOpt(opts, "-V", "--version", "--help") {
		return []keyturn.Effect{readEffect(c)}
	}
	s := newSQLSession(c, sqlClickHouse, "sql")
	s.dynamic = dynamic
	s.target = dbTarget{host: normalHost(c.env["CLICKHOUSE_HOST"])}
	if s.target.host == "" {
		if hasOpt(opts, "-C", "--config-file", "--config") {
			s.target.hostUnknown = true
		} else {
			s.target.host = "localhost"
		}
	}
	for _, o := range opts {
		switch {
		case optIs(o, "-h", "--host"):
			s.target.setHost(o.val)
		case optIs(o, "-d", "--database"):
			s.target.setDB(o.val)
		}
	}
	ran := false
	for _, o := range opts {
		switch {
		case optIs(o, "-q", "--query"):
			ran = true
			s.sqlArg(o.val, "clickhouse-client --query")
		case optIs(o, "--queries-file"):
			ran = true
			s.fromFileArg(o.val, "clickhouse-client --queries-file")
		}
	}
	if !ran {
		s.fromStdin("clickhouse-client")
	}
	return s.effects()
}

// --- usql: one client for every database, with psql's meta-commands

// usqlDialects maps a DSN scheme to its SQL dialect.
var usqlDialects = map[string]*sqlDialect{
	"postgres": sqlPostgres, "postgresql": sqlPostgres, "pg": sqlPostgres, "pgsql": sqlPostgres,
	"mysql": sqlMySQL, "my": sqlMySQL, "maria": sqlMySQL, "mariadb": sqlMySQL, "aurora": sqlMySQL, "percona": sqlMySQL,
	"sqlserver": sqlTSQL, "ms": sqlTSQL, "mssql": sqlTSQL, "azuresql": sqlTSQL,
	"sqlite": sqlSQLite, "sqlite3": sqlSQLite, "sq": sqlSQLite, "file": sqlSQLite,
	"cockroach": sqlCockroach, "cockroachdb": sqlCockroach, "cr": sqlCockroach, "crdb": sqlCockroach,
	"clickhouse": sqlClickHouse, "ch": sqlClickHouse, "duckdb": sqlDuckDB, "dk": sqlDuckDB,
}

func analyzeUsql(c *call) []keyturn.Effect {
	valued := set("-c", "--command", "-f", "--file", "-o", "--out", "-v", "--set", "-P", "--pset", "-N", "--cset",
		"-F", "--field-separator", "-R", "--record-separator", "-T", "--table-attr", "--config")
	opts, dynamic := dbArgs(c.args, valued, false)
	if hasOpt(opts, "-V", "--version", "-?", "--help") {
		return []keyturn.Effect{readEffect(c)}
	}
	d := sqlPostgres
	local := false
	var target dbTarget
	var dbFile arg
	pos := operands(opts)
	if len(pos) > 0 {
		dsn := pos[0]
		if !dsn.Known {
			target.hostUnknown = true
		} else {
			scheme, rest, _ := strings.Cut(dsn.Value, ":")
			base := strings.ToLower(strings.SplitN(scheme, "+", 2)[0])
			dd, ok := usqlDialects[base]
			if !ok {
				return []keyturn.Effect{c.unknown("usql", "a database kind keyturn does not know: "+scheme)}
			}
			d = dd
			if dd.localFiles {
				local = true
				dbFile = arg{Value: strings.TrimPrefix(rest, "//"), Known: true}
			} else if h, db, ok := parseDSN(dsn.Value); ok {
				target.host, target.db = orLocalhost(h), db
			}
		}
	} else {
		target.hostUnknown = true // not connected yet: \c decides
	}
	// usql reads psql's meta-commands whatever the database.
	custom := *d
	custom.psqlMeta, custom.mysqlClient, custom.dotCommands, custom.sqlcmd = true, false, false, false
	s := newSQLSession(c, &custom, "sql")
	s.target, s.dynamic, s.local, s.dbFile = target, dynamic, local, dbFile
	if f, ok := lastOpt(opts, "-o", "--out"); ok {
		s.add(c.writeEffect("usql -o", f))
	}
	ran := false
	for _, o := range opts {
		switch {
		case optIs(o, "-c", "--command"):
			ran = true
			s.sqlArg(o.val, "usql -c")
		case optIs(o, "-f", "--file"):
			ran = true
			s.fromFileArg(o.val, "usql -f")
		}
	}
	if !ran {
		s.fromStdin("usql")
	}
	return s.effects()
}

// --- MongoDB

func analyzeMongo(c *call) []keyturn.Effect {
	valued := set("--eval", "-f", "--file", "--host", "--port", "-u", "--username", "-p", "--password",
		"--authenticationDatabase", "--authenticationMechanism", "--apiVersion", "--tlsCAFile", "--tlsCertificateKeyFile",
		"--tlsCertificateKeyFilePassword", "--tlsCRLFile", "--tlsCertificateSelector", "--tlsDisabledProtocols",
		"--gssapiServiceName", "--sspiHostnameCanonicalization", "--awsAccessKeyId", "--awsSecretAccessKey",
		"--awsSessionToken", "--awsIamSessionToken", "--keyVaultNamespace", "--kmsURL", "--csfleLibraryPath",
		"--cryptSharedLibPath", "--oidcFlows", "--oidcRedirectUri", "--browser", "--sslCAFile", "--sslPEMKeyFile",
		"--sslPEMKeyPassword", "--sslCRLFile", "--gssapiHostName", "--deepInspect")
	opts, dynamic := dbArgs(c.args, valued, false)
	if hasOpt(opts, "--version", "--help", "-h", "--build-info") {
		return []keyturn.Effect{readEffect(c)}
	}
	s := newSQLSession(c, sqlPostgres, "mongodb")
	s.dynamic = dynamic
	s.target = dbTarget{host: "localhost"}
	var files []arg
	addressSeen := false
	for _, p := range operands(opts) {
		switch {
		case p.Known && strings.HasSuffix(p.Value, ".js"):
			files = append(files, p)
		case !addressSeen:
			addressSeen = true
			if !p.Known {
				s.target = dbTarget{hostUnknown: true}
				continue
			}
			if h, db, ok := parseDSN(p.Value); ok && strings.Contains(p.Value, "://") {
				s.target.host, s.target.db = orLocalhost(h), db
			} else if hostPart, db, ok := strings.Cut(p.Value, "/"); ok {
				s.target.host, s.target.db = normalHost(hostPart), db
			} else if strings.ContainsAny(p.Value, ".:") {
				s.target.host = normalHost(p.Value)
			} else {
				s.target.db = p.Value
			}
		default:
			files = append(files, p)
		}
	}
	for _, o := range opts {
		if !optIs(o, "--host") {
			continue
		}
		if h, _, ok := parseDSN(o.val.Value); ok && strings.Contains(o.val.Value, "://") {
			s.target.host, s.target.hostUnknown = orLocalhost(h), !o.val.Known
			continue
		}
		// --host replicaSet/host1:port,host2:port
		v := o.val
		if _, hosts, ok := strings.Cut(v.Value, "/"); ok {
			v.Value = hosts
		}
		s.target.setHost(v)
	}
	if hasOpt(opts, "--nodb") {
		s.target = dbTarget{host: "localhost"}
	}
	ran := false
	for _, o := range opts {
		switch {
		case optIs(o, "--eval"):
			ran = true
			if !o.val.Known {
				s.unknown("--eval", "runs code built at run time")
				continue
			}
			s.mongoJS(o.val.Value, "--eval")
		case optIs(o, "-f", "--file"):
			ran = true
			files = append(files, o.val)
		}
	}
	for _, f := range files {
		ran = true
		s.mongoFile(f)
	}
	if !ran || hasOpt(opts, "--shell") {
		in := c.stdin
		switch {
		case in == nil:
			s.unknown(c.prog+" session", "an interactive session: what it will run is not known")
		case !in.known:
			s.unknown(c.prog, "runs code from a "+in.what+" that keyturn cannot read")
		default:
			s.mongoJS(in.text, in.what)
		}
	}
	return s.effects()
}

func (s *sqlSession) mongoFile(f arg) {
	p, ok := s.c.s.abs(f)
	if !ok || s.c.s.remote != nil {
		s.unknown("load "+f.Value, "runs a script keyturn cannot find")
		return
	}
	data, err := readSmall(p)
	if err != nil {
		s.unknown("load "+f.Value, "runs "+p+", which keyturn cannot read")
		return
	}
	if s.readBytes += len(data); s.readBytes > maxSQLRead {
		s.unknown("load "+f.Value, "reads more code from files than keyturn analyses")
		return
	}
	s.mongoJS(string(data), f.Value)
}

// mongoJS judges mongosh JavaScript by the methods it calls.
func (s *sqlSession) mongoJS(src, what string) {
	calls, err := mongoCalls(src)
	if err != nil {
		s.unknown("script", what+": "+err.Error())
		return
	}
	for _, call := range calls {
		if call.use != "" {
			s.target.db = call.use
			continue
		}
		s.add(s.effect(call.op, call.class, call.note, call.target))
	}
}

// --- Redis

func analyzeRedis(c *call) []keyturn.Effect {
	valued := set("-h", "-p", "-s", "-a", "-u", "-n", "-r", "-i", "-d", "-D", "-t", "--user", "--pass", "--sni",
		"--cacert", "--cacertdir", "--cert", "--key", "--tls-ciphers", "--tls-ciphersuites", "--rdb",
		"--functions-rdb", "--pipe-timeout", "--pattern", "--quoted-pattern", "--count", "--eval",
		"--memkeys-samples", "--lru-test", "--intrinsic-latency", "--keystats-samples", "--cursor", "--top")
	// Options end at the first operand: the command.
	var opts []cliOpt
	var cmd []arg
	dynamic := false
	for i := 0; i < len(c.args); i++ {
		a := c.args[i]
		v := a.Value
		if !a.Known && strings.HasPrefix(v, "$") && len(cmd) == 0 {
			dynamic = true
		}
		if len(cmd) > 0 || !strings.HasPrefix(v, "-") || v == "-" || !a.Known {
			if v == "--cluster" {
				continue
			}
			cmd = append(cmd, a)
			continue
		}
		if v == "--cluster" {
			opts = append(opts, cliOpt{name: v})
			cmd = append(cmd, c.args[i+1:]...)
			break
		}
		name, val, eq := strings.Cut(v, "=")
		switch {
		case eq && strings.HasPrefix(v, "--"):
			opts = append(opts, cliOpt{name: name, val: arg{Value: val, Known: a.Known}})
		case valued[v] && i+1 < len(c.args):
			i++
			opts = append(opts, cliOpt{name: v, val: c.args[i]})
		default:
			opts = append(opts, cliOpt{name: v, val: arg{Known: true}})
		}
	}
	if hasOpt(opts, "-v", "--version", "--help") {
		return []keyturn.Effect{readEffect(c)}
	}
	s := newSQLSession(c, sqlPostgres, "redis")
	s.dynamic = dynamic
	s.target = dbTarget{host: "localhost"}
	for _, o := range opts {
		switch {
		case optIs(o, "-h"):
			s.target.setHost(o.val)
		case optIs(o, "-s"):
			s.target.host, s.target.hostUnknown = "localhost", false
		case optIs(o, "-u"):
			if !o.val.Known {
				s.target.setHost(o.val)
			} else if h, db, ok := parseDSN(o.val.Value); ok {
				s.target.host, s.target.hostUnknown, s.target.db = orLocalhost(h), false, db
			}
		case optIs(o, "-n"):
			s.target.setDB(o.val)
		}
	}
	if f, ok := lastOpt(opts, "--rdb", "--functions-rdb"); ok {
		s.add(s.effect("redis --rdb", keyturn.Read, ""))
		s.add(c.writeEffect("redis-cli --rdb", f))
		return s.effects()
	}
	if hasOpt(opts, "--eval") {
		s.unknown("EVAL", "runs a Lua script on the server")
		return s.effects()
	}
	if hasOpt(opts, "--cluster") {
		s.redisCluster(cmd)
		return s.effects()
	}
	for _, o := range opts {
		switch o.name {
		case "--bigkeys", "--memkeys", "--hotkeys", "--keystats", "--scan", "--stat", "--latency", "--latency-history",
			"--latency-dist", "--replica", "--slave", "--intrinsic-latency":
			s.add(s.effect("redis-cli "+o.name, keyturn.Read, ""))
			return s.effects()
		case "--lru-test":
			s.add(s.effect("redis-cli --lru-test", keyturn.Write, "fills the server with test keys"))
			return s.effects()
		}
	}
	if len(cmd) > 0 {
		s.redisCommand(cmd)
		return s.effects()
	}
	in := c.stdin
	switch {
	case in == nil:
		s.unknown("redis-cli session", "an interactive session: what it will run is not known")
	case !in.known:
		s.unknown("redis-cli", "runs commands from a "+in.what+" that keyturn cannot read")
	default:
		for _, line := range redisLines(in.text) {
			s.redisCommand(line)
		}
	}
	return s.effects()
}

func (s *sqlSession) redisCluster(cmd []arg) {
	if len(cmd) == 0 || !cmd[0].Known {
		s.unknown("redis --cluster", "a cluster command keyturn cannot read")
		return
	}
	sub := strings.ToLower(cmd[0].Value)
	if len(cmd) > 1 && cmd[1].Known {
		if h := normalHost(cmd[1].Value); h != "" {
			s.target.host, s.target.hostUnknown = h, false
		}
	}
	switch sub {
	case "check", "info", "help":
		s.add(s.effect("redis --cluster "+sub, keyturn.Read, ""))
	case "create", "add-node", "reshard", "rebalance", "fix", "import", "set-timeout":
		s.add(s.effect("redis --cluster "+sub, keyturn.Write, ""))
	case "del-node":
		s.add(s.effect("redis --cluster del-node", keyturn.Destructive, "removes a node from the cluster"))
	case "backup":
		s.add(s.effect("redis --cluster backup", keyturn.Read, ""))
		if len(cmd) > 2 {
			s.add(s.c.writeEffect("redis-cli --cluster backup", cmd[2]))
		}
	case "call":
		if len(cmd) > 2 {
			s.redisCommand(cmd[2:])
		} else {
			s.unknown("redis --cluster call", "a cluster call without a command")
		}
	default:
		s.unknown("redis --cluster "+sub, "a cluster command keyturn does not know")
	}
}

// redisLines splits redis-cli input into commands: one a line, words
// quoted as redis-cli quotes them, or the RESP protocol that --pipe reads.
func redisLines(text string) [][]arg {
	var out [][]arg
	if strings.HasPrefix(text, "*") {
		lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
		for i := 0; i < len(lines); i++ {
			if !strings.HasPrefix(lines[i], "*") {
				continue
			}
			var cmd []arg
			for j := i + 1; j+1 < len(lines) && strings.HasPrefix(lines[j], "$"); j += 2 {
				cmd = append(cmd, arg{Value: lines[j+1], Known: true})
				i = j + 1
			}
			out = append(out, cmd)
		}
		return out
	}
	for _, line := range strings.Split(text, "\n") {
		var cmd []arg
		for _, w := range redisWords(line) {
			cmd = append(cmd, arg{Value: w, Known: true})
		}
		if len(cmd) > 0 {
			out = append(out, cmd)
		}
	}
	return out
}

func redisWords(line string) []string {
	var out []string
	var b strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case quote != 0:
			if ch == '\\' && quote == '"' && i+1 < len(line) {
				i++
				b.WriteByte(line[i])
			} else if ch == quote {
				quote = 0
			} else {
				b.WriteByte(ch)
			}
		case ch == '"' || ch == '\'':
			quote, inWord = ch, true
		case ch == ' ' || ch == '\t' || ch == '\r':
			if inWord {
				out = append(out, b.String())
				b.Reset()
				inWord = false
			}
		default:
			b.WriteByte(ch)
			inWord = true
		}
	}
	if inWord {
		out = append(out, b.String())
	}
	return out
}

// redisCommand judges one Redis command.
func (s *sqlSession) redisCommand(cmd []arg) {
	if len(cmd) == 0 {
		return
	}
	if !cmd[0].Known {
		s.unknown("redis command", "the command is only known at run time")
		return
	}
	name := strings.ToUpper(cmd[0].Value)
	args := cmd[1:]
	if sub, ok := redisSubcommands[name]; ok {
		subName := ""
		if len(args) > 0 {
			if !args[0].Known {
				s.unknown(name, "the subcommand is only known at run time")
				return
			}
			subName = strings.ToUpper(args[0].Value)
		}
		class, known := sub[subName]
		if !known {
			s.unknown(name+" "+subName, "a Redis command keyturn does not know")
			return
		}
		s.add(s.effect(strings.TrimSpace(name+" "+subName), class, ""))
		return
	}
	class, known := redisClass[name]
	if !known {
		s.unknown(name, "a Redis command keyturn does not know")
		return
	}
	var keys []string
	dynamicKeys := false
	for _, a := range args {
		if !a.Known {
			dynamicKeys = true
		}
	}
	note := ""
	switch name {
	case "DEL", "UNLINK", "GETDEL":
		// Deleting named keys is the Redis form of DELETE … WHERE key = …: a
		// write. Keys only known at run time (KEYS … | xargs redis-cli DEL)
		// may be every key there is.
		if dynamicKeys {
			class, note = keyturn.Destructive, "the keys are only known at run time: they may be all of them"
		}
		for _, a := range args {
			keys = append(keys, a.Value)
		}
	case "REPLICAOF", "SLAVEOF":
		if len(args) == 2 && strings.EqualFold(args[0].Value, "NO") && strings.EqualFold(args[1].Value, "ONE") {
			class = keyturn.Write
		} else {
			note = "makes the server a replica: its own data is replaced"
		}
	case "SORT":
		for _, a := range args {
			if strings.EqualFold(a.Value, "STORE") {
				class = keyturn.Write
			}
		}
	case "SHUTDOWN", "FLUSHALL", "FLUSHDB", "SWAPDB":
		note = "affects every key on the server"
	default:
		if len(args) > 0 && class != keyturn.Read {
			keys = append(keys, args[0].Value)
		}
	}
	s.add(s.effect(name, class, note, keys...))
}

// redisClass classifies Redis commands. FLUSHALL, FLUSHDB and SHUTDOWN lose
// every key; DEL of named keys is a write (see redisCommand).
var redisClass = func() map[string]keyturn.Class {
	m := map[string]keyturn.Class{}
	for _, c := range strings.Fields(`GET MGET EXISTS KEYS SCAN HGET HGETALL HKEYS HVALS HLEN HMGET HEXISTS HSCAN
	HSTRLEN HRANDFIELD LRANGE LLEN LINDEX LPOS SMEMBERS SCARD SISMEMBER SMISMEMBER SRANDMEMBER SSCAN SINTER SUNION
	SDIFF SINTERCARD ZRANGE ZRANGEBYSCORE ZREVRANGE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZSCORE ZMSCORE ZCARD
	ZCOUNT ZLEXCOUNT ZRANK ZREVRANK ZSCAN ZRANDMEMBER ZDIFF ZINTER ZUNION ZINTERCARD TTL PTTL EXPIRETIME PEXPIRETIME
	TYPE STRLEN GETRANGE SUBSTR INFO PING ECHO DBSIZE TIME LASTSAVE ROLE RANDOMKEY DUMP TOUCH XRANGE XREVRANGE XLEN
	XREAD PFCOUNT GETBIT BITCOUNT BITPOS BITFIELD_RO GEOPOS GEODIST GEOHASH GEORADIUS_RO GEORADIUSBYMEMBER_RO
	GEOSEARCH SUBSCRIBE PSUBSCRIBE SSUBSCRIBE UNSUBSCRIBE PUNSUBSCRIBE MONITOR SELECT AUTH HELLO READONLY READWRITE
	QUIT RESET WAIT WAITAOF MULTI EXEC DISCARD WATCH UNWATCH SORT_RO EVAL_RO EVALSHA_RO FCALL_RO LCS ASKING XPENDING`) {
		m[c] = keyturn.Read
	}
	for _, c := range strings.Fields(`SET SETEX PSETEX SETNX MSET MSETNX APPEND INCR INCRBY INCRBYFLOAT DECR DECRBY
	GETSET GETEX HSET HSETNX HMSET HINCRBY HINCRBYFLOAT HDEL HEXPIRE HPEXPIRE HPERSIST LPUSH RPUSH LPUSHX RPUSHX LPOP
	RPOP BLPOP BRPOP LMPOP BLMPOP LMOVE BLMOVE RPOPLPUSH BRPOPLPUSH LSET LINSERT LREM LTRIM SADD SREM SPOP SMOVE
	SINTERSTORE SUNIONSTORE SDIFFSTORE ZADD ZINCRBY ZREM ZREMRANGEBYSCORE ZREMRANGEBYRANK ZREMRANGEBYLEX ZPOPMIN
	ZPOPMAX BZPOPMIN BZPOPMAX ZMPOP BZMPOP ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZRANGESTORE EXPIRE PEXPIRE EXPIREAT
	PEXPIREAT PERSIST RENAME RENAMENX MOVE COPY RESTORE XADD XDEL XTRIM XACK XCLAIM XAUTOCLAIM XSETID PFADD PFMERGE
	SETBIT SETRANGE BITOP BITFIELD GEOADD GEOSEARCHSTORE GEORADIUS GEORADIUSBYMEMBER PUBLISH SPUBLISH SAVE BGSAVE
	BGREWRITEAOF SORT DEL UNLINK GETDEL MIGRATE FAILOVER`) {
		m[c] = keyturn.Write
	}
	for _, c := range strings.Fields(`FLUSHALL FLUSHDB SHUTDOWN SWAPDB REPLICAOF SLAVEOF`) {
		m[c] = keyturn.Destructive
	}
	for _, c := range strings.Fields(`EVAL EVALSHA FCALL DEBUG`) {
		m[c] = keyturn.Unknown
	}
	return m
}()

// redisSubcommands classifies the commands that take a subcommand.
var redisSubcommands = map[string]map[string]keyturn.Class{
	"CONFIG": {"GET": keyturn.Read, "SET": keyturn.Write, "REWRITE": keyturn.Write, "RESETSTAT": keyturn.Write, "HELP": keyturn.Read},
	"CLIENT": {"LIST": keyturn.Read, "INFO": keyturn.Read, "GETNAME": keyturn.Read, "ID": keyturn.Read, "SETNAME": keyturn.Read,
		"SETINFO": keyturn.Read, "TRACKINGINFO": keyturn.Read, "GETREDIR": keyturn.Read, "NO-EVICT": keyturn.Read, "NO-TOUCH": keyturn.Read,
		"REPLY": keyturn.Read, "TRACKING": keyturn.Read, "CACHING": keyturn.Read, "HELP": keyturn.Read,
		"KILL": keyturn.Write, "PAUSE": keyturn.Write, "UNPAUSE": keyturn.Write, "UNBLOCK": keyturn.Write},
	"CLUSTER": {"INFO": keyturn.Read, "NODES": keyturn.Read, "SLOTS": keyturn.Read, "SHARDS": keyturn.Read, "KEYSLOT": keyturn.Read,
		"COUNTKEYSINSLOT": keyturn.Read, "GETKEYSINSLOT": keyturn.Read, "MYID": keyturn.Read, "MYSHARDID": keyturn.Read,
		"REPLICAS": keyturn.Read, "SLAVES": keyturn.Read, "LINKS": keyturn.Read, "COUNT-FAILURE-REPORTS": keyturn.Read, "HELP": keyturn.Read,
		"MEET": keyturn.Write, "ADDSLOTS": keyturn.Write, "ADDSLOTSRANGE": keyturn.Write, "DELSLOTS": keyturn.Write,
		"DELSLOTSRANGE": keyturn.Write, "SETSLOT": keyturn.Write, "REPLICATE": keyturn.Destructive, "FAILOVER": keyturn.Write,
		"FORGET": keyturn.Destructive, "RESET": keyturn.Destructive, "FLUSHSLOTS": keyturn.Destructive, "SAVECONFIG": keyturn.Write,
		"BUMPEPOCH": keyturn.Write, "SET-CONFIG-EPOCH": keyturn.Write},
	"ACL": {"LIST": keyturn.Read, "WHOAMI": keyturn.Read, "USERS": keyturn.Read, "GETUSER": keyturn.Read, "CAT": keyturn.Read,
		"LOG": keyturn.Read, "DRYRUN": keyturn.Read, "GENPASS": keyturn.Read, "HELP": keyturn.Read,
		"SETUSER": keyturn.Write, "SAVE": keyturn.Write, "LOAD": keyturn.Write, "DELUSER": keyturn.Destructive},
	"SCRIPT": {"EXISTS": keyturn.Read, "LOAD": keyturn.Write, "FLUSH": keyturn.Write, "KILL": keyturn.Write, "DEBUG": keyturn.Read, "HELP": keyturn.Read},
	"FUNCTION": {"LIST": keyturn.Read, "DUMP": keyturn.Read, "STATS": keyturn.Read, "HELP": keyturn.Read, "LOAD": keyturn.Write,
		"RESTORE": keyturn.Write, "KILL": keyturn.Write, "DELETE": keyturn.Destructive, "FLUSH": keyturn.Destructive},
	"MEMORY":  {"USAGE": keyturn.Read, "STATS": keyturn.Read, "DOCTOR": keyturn.Read, "MALLOC-STATS": keyturn.Read, "HELP": keyturn.Read, "PURGE": keyturn.Write},
	"SLOWLOG": {"GET": keyturn.Read, "LEN": keyturn.Read, "HELP": keyturn.Read, "RESET": keyturn.Write},
	"LATENCY": {"LATEST": keyturn.Read, "HISTORY": keyturn.Read, "DOCTOR": keyturn.Read, "GRAPH": keyturn.Read, "HISTOGRAM": keyturn.Read, "HELP": keyturn.Read, "RESET": keyturn.Write},
	"OBJECT":  {"ENCODING": keyturn.Read, "FREQ": keyturn.Read, "IDLETIME": keyturn.Read, "REFCOUNT": keyturn.Read, "HELP": keyturn.Read},
	"XINFO":   {"STREAM": keyturn.Read, "GROUPS": keyturn.Read, "CONSUMERS": keyturn.Read, "HELP": keyturn.Read},
	"XGROUP": {"CREATE": keyturn.Write, "CREATECONSUMER": keyturn.Write, "SETID": keyturn.Write, "DELCONSUMER": keyturn.Write,
		"DESTROY": keyturn.Destructive, "HELP": keyturn.Read},
	"PUBSUB":  {"CHANNELS": keyturn.Read, "NUMSUB": keyturn.Read, "NUMPAT": keyturn.Read, "SHARDCHANNELS": keyturn.Read, "SHARDNUMSUB": keyturn.Read, "HELP": keyturn.Read},
	"COMMAND": {"": keyturn.Read, "COUNT": keyturn.Read, "DOCS": keyturn.Read, "INFO": keyturn.Read, "LIST": keyturn.Read, "GETKEYS": keyturn.Read, "GETKEYSANDFLAGS": keyturn.Read, "HELP": keyturn.Read},
	"MODULE":  {"LIST": keyturn.Read, "HELP": keyturn.Read, "UNLOAD": keyturn.Write, "LOAD": keyturn.Unknown, "LOADEX": keyturn.Unknown},
}

// mongoCall is one thing a mongosh script does.
type mongoCall struct {
	op, note, target string
	class            keyturn.Class
	use              string // the database "use x" or getSiblingDB('x') switches to
}

type jsTok struct {
	kind byte // 'i' identifier, 's' string, 'n' number, 'p' punctuation
	text string
}

// jsTokens splits JavaScript into tokens, skipping comments and regular
// expressions. A template literal with ${…} holds code keyturn does not
// follow.
func jsTokens(src string) ([]jsTok, error) {
	var out []jsTok
	regexOK := func() bool {
		if len(out) == 0 {
			return true
		}
		t := out[len(out)-1]
		if t.kind == 'p' {
			return !strings.Contains(")]}", t.text)
		}
		return t.kind == 'i' && (t.text == "return" || t.text == "typeof" || t.text == "case")
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, sqlScanError("unterminated comment")
			}
			i += end + 4
		case c == '/' && regexOK():
			j := i + 1
			class := false
			for ; j < len(src) && src[j] != '\n'; j++ {
				if src[j] == '\\' {
					j++
					continue
				}
				if src[j] == '[' {
					class = true
				} else if src[j] == ']' {
					class = false
				} else if src[j] == '/' && !class {
					break
				}
			}
			if j >= len(src) || src[j] != '/' {
				return nil, sqlScanError("unterminated regular expression")
			}
			i = j + 1
			for i < len(src) && sqlLetter(src[i]) {
				i++
			}
			out = append(out, jsTok{'s', "/regex/"})
		case c == '"' || c == '\'' || c == '`':
			var b strings.Builder
			j := i + 1
			for ; j < len(src) && src[j] != c; j++ {
				if src[j] == '\\' && j+1 < len(src) {
					j++
				}
				if c == '`' && src[j] == '$' && j+1 < len(src) && src[j+1] == '{' {
					return nil, sqlScanError("a template literal runs code")
				}
				b.WriteByte(src[j])
			}
			if j >= len(src) {
				return nil, sqlScanError("unterminated string")
			}
			out = append(out, jsTok{'s', b.String()})
			i = j + 1
		case sqlLetter(c) || c == '_' || c == '$' || c >= 0x80:
			j := i + 1
			for j < len(src) && (sqlLetter(src[j]) || sqlDigit(src[j]) || src[j] == '_' || src[j] == '$' || src[j] >= 0x80) {
				j++
			}
			out = append(out, jsTok{'i', src[i:j]})
			i = j
		case sqlDigit(c):
			j := i + 1
			for j < len(src) && (sqlDigit(src[j]) || sqlLetter(src[j]) || src[j] == '.' || src[j] == '_') {
				j++
			}
			out = append(out, jsTok{'n', src[i:j]})
			i = j
		default:
			out = append(out, jsTok{'p', src[i : i+1]})
			i++
		}
	}
	return out, nil
}

// mongoRead are methods and shell helpers that only read or format.
var mongoRead = sqlWordSetCase(`find findOne count countDocuments estimatedDocumentCount distinct getIndexes
getIndexKeys getIndexSpecs indexInformation listIndexes getSearchIndexes stats dataSize storageSize totalSize
totalIndexSize latencyStats isCapped getShardDistribution getShardVersion getCollectionNames getCollectionInfos
listCollections explain watch toArray forEach map hasNext next tryNext itcount size limit skip sort project projection
pretty batchSize hint min max comment maxTimeMS readPref readConcern collation allowDiskUse noCursorTimeout returnKey
showRecordId tailable getName getSiblingDB getCollection getMongo getDB getDBNames version serverStatus hostInfo
isMaster hello serverBuildInfo serverCmdLineOpts currentOp getUsers getUser getRoles getRole getProfilingStatus
getProfilingLevel getLogComponents getReplicationInfo printReplicationInfo printSecondaryReplicationInfo
printCollectionStats printShardingStatus status conf isBalancerRunning getBalancerState validate printjson print
printjsononeline log info warn error debug stringify parse keys values entries push pop shift join toString valueOf getTime
toISOString toJSON toLocaleString ObjectId ISODate Date NumberLong NumberInt NumberDecimal UUID Timestamp BinData
Decimal128 Long Int32 Double MinKey MaxKey BSONRegExp DBRef Code tojson serialize deserialize getTimestamp str
toHexString isObjectId hasOwnProperty filter reduce some every includes indexOf slice concat floor round ceil abs now
random assert sleep quit exit Number String Boolean Array Object parseInt parseFloat isNaN RegExp Map Set then
catch finally length trim toUpperCase toLowerCase split replace startsWith endsWith padStart padEnd toFixed from
isArray assign freeze fromEntries getFullYear getMonth getDate getDay getHours getMinutes getSeconds setDate
setHours setMinutes setSeconds setFullYear setMonth setTime getTimezoneOffset help dbs collections tojsononeline
rsStatus getLastError getLastErrorObj getReplicationLag printSlaveReplicationInfo getPlanCache listShards
isAutoSplitEnabled getBalancerWindow analyzeShardKey`)

// mongoQueries are the reads worth naming in an effect.
var mongoQueries = sqlWordSetCase(`find findOne count countDocuments estimatedDocumentCount distinct getIndexes
listIndexes getSearchIndexes stats dataSize storageSize totalSize totalIndexSize getCollectionNames
getCollectionInfos listCollections explain watch serverStatus hostInfo currentOp getUsers getUser getRoles getRole
validate status conf printShardingStatus printReplicationInfo getReplicationInfo`)

// mongoWrite are methods that change documents, indexes, users or settings
// one at a time or by a filter.
var mongoWrite = sqlWordSetCase(`insertOne insertMany insert save updateOne replaceOne findOneAndUpdate
findOneAndReplace findAndModify findOneAndDelete deleteOne bulkWrite initializeOrderedBulkOp
initializeUnorderedBulkOp createCollection createView createIndex createIndexes ensureIndex renameCollection
createUser updateUser changeUserPassword grantRolesToUser revokeRolesFromUser createRole updateRole
grantPrivilegesToRole revokePrivilegesFromRole grantRolesToRole revokeRolesFromRole setProfilingLevel setLogLevel
fsyncLock fsyncUnlock killOp compact reIndex hideIndex unhideIndex convertToCapped enableSharding shardCollection
splitAt splitFind moveChunk addShard startBalancer stopBalancer setBalancerState enableBalancing disableBalancing
initiate add addArb reconfig freeze stepDown createSearchIndex createSearchIndexes updateSearchIndex
addShardToZone updateZoneKeyRange addTagRange setFeatureCompatibilityVersion`)

// mongoDestructive lose data or users whatever their arguments.
var mongoDestructive = sqlWordSetCase(`drop dropDatabase dropIndex dropIndexes dropUser dropAllUsers dropRole
dropAllRoles shutdownServer removeShard dropSearchIndex removeShardFromZone`)

// mongoCommands classifies runCommand/adminCommand by the command's name.
var mongoCommands = map[string]keyturn.Class{
	"ping": keyturn.Read, "serverStatus": keyturn.Read, "buildInfo": keyturn.Read, "buildinfo": keyturn.Read,
	"listDatabases": keyturn.Read, "listCollections": keyturn.Read, "dbStats": keyturn.Read, "collStats": keyturn.Read,
	"hello": keyturn.Read, "isMaster": keyturn.Read, "ismaster": keyturn.Read, "getLog": keyturn.Read,
	"currentOp": keyturn.Read, "replSetGetStatus": keyturn.Read, "replSetGetConfig": keyturn.Read,
	"getParameter": keyturn.Read, "connectionStatus": keyturn.Read, "hostInfo": keyturn.Read, "top": keyturn.Read,
	"count": keyturn.Read, "find": keyturn.Read, "explain": keyturn.Read, "listIndexes": keyturn.Read,
	"validate": keyturn.Read, "getCmdLineOpts": keyturn.Read, "whatsmyuri": keyturn.Read, "usersInfo": keyturn.Read,
	"rolesInfo": keyturn.Read, "distinct": keyturn.Read, "dataSize": keyturn.Read, "profile": keyturn.Write,
	"insert": keyturn.Write, "update": keyturn.Write, "delete": keyturn.Write, "findAndModify": keyturn.Write,
	"create": keyturn.Write, "createIndexes": keyturn.Write, "renameCollection": keyturn.Write, "setParameter": keyturn.Write,
	"createUser": keyturn.Write, "updateUser": keyturn.Write, "compact": keyturn.Write, "killOp": keyturn.Write,
	"drop": keyturn.Destructive, "dropDatabase": keyturn.Destructive, "dropIndexes": keyturn.Destructive,
	"shutdown": keyturn.Destructive, "dropUser": keyturn.Destructive, "dropAllUsersFromDatabase": keyturn.Destructive,
	"replSetStepDown": keyturn.Write, "replSetReconfig": keyturn.Write, "removeShard": keyturn.Destructive,
}

// mongoDangerous are names whose mere use means code keyturn cannot follow:
// evaluation, modules, processes, other connections.
var mongoDangerous = sqlWordSetCase(`eval Function require import load process runProgram run _runMongoProgram
runMongoProgram startMongoProgram Mongo connect globalThis constructor __proto__ prototype setTimeout setInterval
call apply bind fetch XMLHttpRequest child_process fs cat ls pwd cd mkdir removeFile copyFile writeFile
passwordPrompt _isWindows hostname getMemInfo`)

// jsKeywords may stand before "(" without being a call.
var jsKeywords = sqlWordSetCase(`if for while switch catch function return typeof new await yield in of do else
with delete void instanceof case throw async`)

func sqlWordSetCase(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// mongoCalls judges a mongosh script by the functions and methods it calls.
// It is a heuristic over tokens, so it fails closed: any call it does not
// know is unknown.
func mongoCalls(src string) ([]mongoCall, error) {
	toks, err := jsTokens(src)
	if err != nil {
		return nil, err
	}
	match := jsMatches(toks)
	declared := map[string]bool{}
	for i, t := range toks {
		if t.kind != 'i' {
			continue
		}
		if t.text == "function" && i+1 < len(toks) && toks[i+1].kind == 'i' {
			declared[toks[i+1].text] = true
		}
		if i+2 < len(toks) && toks[i+1].text == "=" && toks[i+2].kind == 'i' && (toks[i+2].text == "function" || toks[i+2].text == "async") {
			declared[t.text] = true
		}
		if i+2 < len(toks) && toks[i+1].text == "=" && (toks[i+2].text == "(" || toks[i+2].kind == 'i') {
			// x = (a, b) => …, x = a => …
			j := i + 2
			if toks[j].text == "(" {
				j = match[j]
			}
			if j+2 < len(toks) && toks[j+1].text == "=" && toks[j+2].text == ">" {
				declared[t.text] = true
			}
		}
	}
	var out []mongoCall
	unknown := func(op, note string) { out = append(out, mongoCall{op: op, class: keyturn.Unknown, note: note}) }
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		next := jsTok{}
		if i+1 < len(toks) {
			next = toks[i+1]
		}
		if t.kind == 'p' && (t.text == ")" || t.text == "]") && next.text == "(" {
			unknown("call", "calls a function chosen at run time")
			continue
		}
		if t.kind != 'i' {
			continue
		}
		method := i > 0 && toks[i-1].text == "."
		if mongoDangerous[t.text] && !(method && (t.text == "run")) {
			unknown(t.text, "uses "+t.text+", which runs code keyturn cannot follow")
			continue
		}
		atStart := i == 0 || toks[i-1].text == ";" || toks[i-1].text == "}" || toks[i-1].text == "{"
		if atStart && (t.text == "use" || t.text == "show") && next.kind == 'i' {
			if t.text == "use" {
				out = append(out, mongoCall{use: next.text})
			} else {
				out = append(out, mongoCall{op: "show " + next.text, class: keyturn.Read})
			}
			i++
			continue
		}
		if next.text != "(" && !(next.text == "?" && i+3 < len(toks) && toks[i+2].text == "." && toks[i+3].text == "(") {
			continue
		}
		if jsKeywords[t.text] || !method && declared[t.text] {
			continue
		}
		open := i + 1
		if next.text == "?" {
			open = i + 3
		}
		end := match[open]
		if end <= open {
			end = open + 1
		}
		args := toks[open+1 : end]
		target := ""
		if method && i >= 2 && toks[i-2].kind == 'i' && toks[i-2].text != "db" {
			target = toks[i-2].text
		}
		name := t.text
		switch {
		case name == "getSiblingDB" && len(args) == 1 && args[0].kind == 's':
			out = append(out, mongoCall{use: args[0].text})
		case name == "runCommand" || name == "adminCommand":
			cmd := ""
			switch {
			case len(args) > 0 && args[0].kind == 's':
				cmd = args[0].text
			case len(args) > 1 && args[0].text == "{" && (args[1].kind == 'i' || args[1].kind == 's'):
				cmd = args[1].text
			}
			class, ok := mongoCommands[cmd]
			if !ok {
				unknown(name+" "+cmd, "a server command keyturn does not know")
				continue
			}
			out = append(out, mongoCall{op: name + " " + cmd, class: class, target: target})
		case name == "deleteMany" || name == "remove" || name == "updateMany" || name == "update":
			empty := len(args) == 0 || len(args) >= 2 && args[0].text == "{" && args[1].text == "}"
			multi := name != "update"
			for _, a := range args {
				if a.text == "multi" {
					multi = true
				}
			}
			if empty && multi {
				out = append(out, mongoCall{op: name + "({})", class: keyturn.Destructive, target: target,
					note: "an empty filter matches every document"})
			} else {
				out = append(out, mongoCall{op: name, class: keyturn.Write, target: target})
			}
		case name == "aggregate" || name == "mapReduce":
			class := keyturn.Read
			for _, a := range args {
				if a.text == "$out" || a.text == "$merge" || name == "mapReduce" && a.text == "out" {
					class = keyturn.Write
				}
			}
			out = append(out, mongoCall{op: name, class: class, target: target})
		case mongoDestructive[name]:
			out = append(out, mongoCall{op: name, class: keyturn.Destructive, target: target})
		case mongoWrite[name]:
			out = append(out, mongoCall{op: name, class: keyturn.Write, target: target})
		case mongoQueries[name]:
			out = append(out, mongoCall{op: name, class: keyturn.Read, target: target})
		case mongoRead[name]:
			// cursor and formatting helpers: nothing to show of their own
		default:
			unknown(name, "calls "+name+"(), which keyturn does not know")
		}
	}
	return out, nil
}

// jsMatches returns, for each opening bracket, the index of the bracket
// that closes it (the last token when none does).
func jsMatches(toks []jsTok) []int {
	match := make([]int, len(toks))
	var open []int
	for j, t := range toks {
		match[j] = len(toks) - 1
		if t.kind != 'p' {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			open = append(open, j)
		case ")", "]", "}":
			if len(open) > 0 {
				match[open[len(open)-1]] = j
				open = open[:len(open)-1]
			}
		}
	}
	return match
}
