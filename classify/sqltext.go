package classify

import (
	"strconv"
	"strings"

	"keyturn"
)

// This file reads SQL text the way a client would send it: a small
// tokenizer that knows each dialect's quotes and comments, splits the text
// into statements and client commands (psql's \d, mysql's source, sqlite's
// .read, sqlcmd's GO), and a classifier that gives each statement a class by
// its keywords. It never guesses in the lenient direction: text it cannot
// tokenize, a statement it does not know and a read that calls a function it
// does not know are unknown.

// sqlDialect is how one family of clients and servers writes SQL.
type sqlDialect struct {
	name string
	// escapes: a backslash escapes the next character in '…' (MySQL,
	// ClickHouse). PostgreSQL only does it in E'…'.
	escapes      bool
	dquoteString bool // "…" is a string, not an identifier (MySQL)
	dollarQuotes bool // $$…$$ and $tag$…$tag$ (PostgreSQL, CockroachDB, DuckDB)
	hashComments bool // # starts a comment (MySQL, ClickHouse)
	brackets     bool // [identifier] (T-SQL, SQLite)
	nested       bool // /* */ comments nest (PostgreSQL, T-SQL)
	// mysqlComments: "--" needs a space after it, and /*! … */ is code
	// that the server runs.
	mysqlComments bool
	psqlMeta      bool // backslash meta-commands (psql, cockroach sql, usql)
	mysqlClient   bool // mysql's client commands (source, system, delimiter, \.)
	dotCommands   bool // sqlite3's and duckdb's .commands
	sqlcmd        bool // GO, :r, !! (sqlcmd)
	// implicitEnd: statements need no ';' between them (T-SQL), so a
	// statement keyword can start a new statement in the middle of a line.
	implicitEnd bool
	// batchWord ends a batch on a line of its own (sqlcmd's GO; -c changes it).
	batchWord string
	// localFiles: file paths in statements (COPY … TO 'f', ATTACH 'f')
	// are on this machine, as for the embedded engines.
	localFiles bool
}

var (
	sqlPostgres   = &sqlDialect{name: "postgres", dollarQuotes: true, nested: true, psqlMeta: true}
	sqlCockroach  = &sqlDialect{name: "cockroach", dollarQuotes: true, nested: true, psqlMeta: true}
	sqlMySQL      = &sqlDialect{name: "mysql", escapes: true, dquoteString: true, hashComments: true, mysqlComments: true, mysqlClient: true}
	sqlSQLite     = &sqlDialect{name: "sqlite", brackets: true, dotCommands: true, localFiles: true}
	sqlDuckDB     = &sqlDialect{name: "duckdb", dollarQuotes: true, dotCommands: true, localFiles: true}
	sqlTSQL       = &sqlDialect{name: "tsql", brackets: true, nested: true, sqlcmd: true, implicitEnd: true}
	sqlClickHouse = &sqlDialect{name: "clickhouse", escapes: true, hashComments: true}
)

func (d *sqlDialect) batchEnd() string {
	if d.batchWord != "" {
		return d.batchWord
	}
	return "GO"
}

type sqlTokKind uint8

const (
	sqlWord   sqlTokKind = iota // keyword or bare identifier, upper-cased
	sqlIdent                    // quoted identifier, as written inside the quotes
	sqlString                   // string literal, dollar-quoted body included
	sqlNumber                   // numeric literal
	sqlPunct                    // one character of punctuation or operator
)

type sqlTok struct {
	kind  sqlTokKind
	text  string
	depth int // parenthesis depth of the token ("(" and ")" have the outer depth)
	// closeOff is, on a "(", how many tokens ahead its ")" is (0: none), so
	// that finding it costs nothing however deep the nesting.
	closeOff int
}

// sqlItem is one thing the client does: send a statement, or run one of its
// own commands.
type sqlItem struct {
	toks []sqlTok // the statement; nil for a client command
	cmd  string   // client command as written: `\i`, `source`, `.read`, `:r`, `!!`
	arg  string   // the client command's argument text
}

// sqlScanError is text the tokenizer cannot read: an unterminated quote or
// comment.
type sqlScanError string

func (e sqlScanError) Error() string { return string(e) }

type sqlScanner struct {
	src       string
	d         *sqlDialect
	escapes   bool
	pos       int
	items     []sqlItem
	cur       []sqlTok
	depth     int
	lineStart bool
	delim     string
	execCmt   int  // open MySQL /*! … */ comments
	backslash bool // a '…' string held a backslash: its end depends on server settings
	err       error
}

// scanSQL splits src into statements and client commands. escapes chooses
// how a backslash in '…' is read.
func scanSQL(src string, d *sqlDialect, escapes bool) ([]sqlItem, bool, error) {
	s := &sqlScanner{src: src, d: d, escapes: escapes, delim: ";", lineStart: true}
	for s.pos < len(s.src) && s.err == nil {
		c := s.src[s.pos]
		switch {
		case c == '\n':
			s.lineStart = true
			s.pos++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			s.pos++
		default:
			if s.lineStart && s.lineCommand() {
				continue
			}
			s.lineStart = false
			s.token()
		}
	}
	if s.err == nil && s.execCmt > 0 {
		s.err = sqlScanError("unterminated /*! comment")
	}
	if s.err != nil {
		s.cur = nil // the statement that could not be read is never sent whole
	}
	s.flush()
	return s.items, s.backslash, s.err
}

func (s *sqlScanner) flush() {
	var open []int
	for i, t := range s.cur {
		switch {
		case t.kind != sqlPunct:
		case t.text == "(":
			open = append(open, i)
		case t.text == ")" && len(open) > 0:
			o := open[len(open)-1]
			open = open[:len(open)-1]
			s.cur[o].closeOff = i - o
		}
	}
	if len(s.cur) > 0 {
		s.items = append(s.items, sqlItem{toks: s.cur})
	}
	s.cur = nil
	s.depth = 0
}

func (s *sqlScanner) emit(kind sqlTokKind, text string) {
	s.cur = append(s.cur, sqlTok{kind: kind, text: text, depth: s.depth})
}

func (s *sqlScanner) command(name, arg string) {
	s.flush()
	s.items = append(s.items, sqlItem{cmd: name, arg: strings.TrimSpace(arg)})
}

// restOfLine returns the text up to the end of the line and moves past it.
func (s *sqlScanner) restOfLine() string {
	end := strings.IndexByte(s.src[s.pos:], '\n')
	if end < 0 {
		end = len(s.src) - s.pos
	}
	line := s.src[s.pos : s.pos+end]
	s.pos += end
	return line
}

// lineCommand reads a client command that is only recognised at the start
// of a line.
func (s *sqlScanner) lineCommand() bool {
	rest := s.src[s.pos:]
	switch {
	case s.d.sqlcmd:
		word := sqlLeadingWord(rest)
		if strings.EqualFold(word, s.d.batchEnd()) {
			after := strings.TrimLeft(rest[len(word):], " \t")
			if after == "" || after[0] == '\n' || after[0] == '\r' || after[0] == '-' || sqlDigit(after[0]) {
				s.flush()
				s.restOfLine()
				return true
			}
		}
		if strings.HasPrefix(rest, "!!") {
			s.pos += 2
			s.command(":!!", s.restOfLine())
			return true
		}
		if len(rest) > 1 && rest[0] == ':' && sqlLetter(rest[1]) {
			s.pos++
			name := sqlLeadingWord(s.src[s.pos:])
			s.pos += len(name)
			s.command(":"+strings.ToLower(name), s.restOfLine())
			return true
		}
		if strings.HasPrefix(rest, ":!!") {
			s.pos += 3
			s.command(":!!", s.restOfLine())
			return true
		}
	case s.d.dotCommands:
		if len(s.cur) == 0 && len(rest) > 1 && rest[0] == '.' && sqlLetter(rest[1]) {
			s.pos++
			name := sqlLeadingWord(s.src[s.pos:])
			s.pos += len(name)
			s.command("."+strings.ToLower(name), s.restOfLine())
			return true
		}
	case s.d.mysqlClient:
		if len(s.cur) > 0 {
			return false
		}
		word := strings.ToLower(sqlLeadingWord(rest))
		if !mysqlLongCommands[word] {
			return false
		}
		after := rest[len(word):]
		if after != "" && after[0] != ' ' && after[0] != '\t' && after[0] != ';' && after[0] != '\n' && after[0] != '\r' {
			return false
		}
		s.pos += len(word)
		s.mysqlCommand(word)
		return true
	}
	return false
}

// mysqlLongCommands are the mysql client's own commands, which it reads at
// the start of a line instead of sending them to the server.
var mysqlLongCommands = map[string]bool{
	"source": true, "system": true, "delimiter": true, "use": true, "connect": true, "tee": true,
	"notee": true, "pager": true, "nopager": true, "edit": true, "ego": true, "go": true, "clear": true,
	"print": true, "status": true, "help": true, "exit": true, "quit": true, "rehash": true,
	"warnings": true, "nowarning": true, "charset": true, "prompt": true, "resetconnection": true,
	"query_attributes": true, "ssl_session_data_print": true,
}

// mysqlShortCommands maps mysql's \X commands to their long names.
var mysqlShortCommands = map[byte]string{
	'g': "go", 'G': "ego", 'c': "clear", 'q': "quit", '.': "source", '!': "system", 'u': "use",
	'd': "delimiter", 'T': "tee", 't': "notee", 'P': "pager", 'n': "nopager", 'e': "edit",
	'r': "connect", 's': "status", 'h': "help", '?': "help", 'p': "print", 'R': "prompt",
	'#': "rehash", 'W': "warnings", 'w': "nowarning", 'C': "charset", 'x': "resetconnection",
}

// mysqlCommand reads the argument of a mysql client command whose name has
// been consumed. Commands that hand their line to a shell take the whole
// line; the others end at ';', and the text after it is read as SQL again,
// which is the stricter of the two ways to read "use db; drop table t".
func (s *sqlScanner) mysqlCommand(name string) {
	switch name {
	case "go", "ego", "clear":
		s.flush()
		return
	case "system", "pager", "prompt", "query_attributes":
		s.command(name, s.restOfLine())
		return
	case "delimiter":
		line := strings.TrimSpace(s.restOfLine())
		if f := strings.Fields(line); len(f) > 0 {
			s.delim = f[0]
		}
		s.command(name, line)
		return
	}
	rest := s.src[s.pos:]
	end := strings.IndexAny(rest, ";\n")
	if end < 0 {
		end = len(rest)
	}
	arg := rest[:end]
	s.pos += end
	if s.pos < len(s.src) && s.src[s.pos] == ';' {
		s.pos++
	}
	s.command(name, arg)
}

func sqlLeadingWord(s string) string {
	i := 0
	for i < len(s) && (sqlLetter(s[i]) || sqlDigit(s[i]) || s[i] == '_') {
		i++
	}
	return s[:i]
}

func sqlLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func sqlDigit(c byte) bool  { return c >= '0' && c <= '9' }

func (s *sqlScanner) identStart(c byte) bool {
	return sqlLetter(c) || c == '_' || c >= 0x80 || c == '@' || c == '#' && s.d.name == "tsql"
}

func (s *sqlScanner) identChar(c byte) bool {
	return sqlLetter(c) || sqlDigit(c) || c == '_' || c == '$' || c >= 0x80 || c == '@' || c == '#' && s.d.name == "tsql"
}

func (s *sqlScanner) token() {
	rest := s.src[s.pos:]
	if strings.HasPrefix(rest, s.delim) {
		s.flush()
		s.pos += len(s.delim)
		return
	}
	c := rest[0]
	switch {
	case c == '-' && strings.HasPrefix(rest, "--") && (!s.d.mysqlComments || len(rest) == 2 || rest[2] == ' ' || rest[2] == '\t' || rest[2] == '\n' || rest[2] == '\r'):
		s.restOfLine()
	case c == '#' && s.d.hashComments:
		s.restOfLine()
	case c == '/' && strings.HasPrefix(rest, "/*"):
		if s.d.mysqlComments && (strings.HasPrefix(rest, "/*!") || strings.HasPrefix(rest, "/*M!")) {
			// MySQL and MariaDB run the text of an executable comment.
			s.pos += strings.Index(rest, "!") + 1
			for s.pos < len(s.src) && sqlDigit(s.src[s.pos]) {
				s.pos++
			}
			s.execCmt++
			return
		}
		s.blockComment()
	case c == '*' && s.execCmt > 0 && strings.HasPrefix(rest, "*/"):
		s.execCmt--
		s.pos += 2
	case c == '\'':
		s.quoted('\'', sqlString, s.escapes)
	case c == '"':
		if s.d.dquoteString {
			s.quoted('"', sqlString, s.escapes)
		} else {
			s.quoted('"', sqlIdent, false)
		}
	case c == '`':
		s.quoted('`', sqlIdent, false)
	case c == '[' && s.d.brackets:
		s.quoted(']', sqlIdent, false)
	case c == '$' && s.d.dollarQuotes && s.dollarQuote():
	case c == '\\' && s.d.psqlMeta:
		s.psqlCommand()
	case c == '\\' && s.d.mysqlClient && len(rest) > 1:
		name, ok := mysqlShortCommands[rest[1]]
		s.pos += 2
		if !ok {
			s.command(rest[:2], "")
			return
		}
		s.mysqlCommand(name)
	case c == '(':
		s.emit(sqlPunct, "(")
		s.depth++
		s.pos++
	case c == ')':
		s.depth--
		s.emit(sqlPunct, ")")
		s.pos++
	case sqlDigit(c) || c == '.' && len(rest) > 1 && sqlDigit(rest[1]):
		i := 1
		for i < len(rest) && (sqlDigit(rest[i]) || sqlLetter(rest[i]) || rest[i] == '.' || rest[i] == '_' ||
			(rest[i] == '+' || rest[i] == '-') && (rest[i-1] == 'e' || rest[i-1] == 'E')) {
			i++
		}
		s.emit(sqlNumber, rest[:i])
		s.pos += i
	case s.identStart(c):
		i := 1
		for i < len(rest) && s.identChar(rest[i]) {
			i++
		}
		word := rest[:i]
		s.pos += i
		// E'…' (escapes), N'…', X'…', B'…': a prefixed string.
		if s.pos < len(s.src) && s.src[s.pos] == '\'' {
			switch strings.ToUpper(word) {
			case "E":
				s.quoted('\'', sqlString, true)
				return
			case "N", "X", "B", "_UTF8", "_UTF8MB4", "_LATIN1", "_BINARY":
				s.quoted('\'', sqlString, s.escapes)
				return
			}
		}
		s.emit(sqlWord, strings.ToUpper(word))
	default:
		s.emit(sqlPunct, rest[:1])
		s.pos++
	}
}

func (s *sqlScanner) blockComment() {
	level := 0
	i := s.pos
	for i < len(s.src) {
		switch {
		case strings.HasPrefix(s.src[i:], "/*"):
			if level == 0 || s.d.nested {
				level++
			}
			i += 2
		case strings.HasPrefix(s.src[i:], "*/"):
			level--
			i += 2
			if level == 0 {
				s.pos = i
				return
			}
		default:
			i++
		}
	}
	s.err = sqlScanError("unterminated /* comment")
}

// quoted reads a quoted string or identifier that starts at s.pos; a
// doubled closing quote stands for itself.
func (s *sqlScanner) quoted(end byte, kind sqlTokKind, escapes bool) {
	var b strings.Builder
	i := s.pos + 1
	for i < len(s.src) {
		c := s.src[i]
		switch {
		case c == '\\' && kind == sqlString:
			s.backslash = true
			if escapes {
				if i+1 < len(s.src) {
					b.WriteByte(s.src[i+1])
				}
				i += 2
				continue
			}
			b.WriteByte(c)
			i++
		case c == end:
			if i+1 < len(s.src) && s.src[i+1] == end {
				b.WriteByte(end)
				i += 2
				continue
			}
			s.emit(kind, b.String())
			s.pos = i + 1
			return
		default:
			b.WriteByte(c)
			i++
		}
	}
	s.err = sqlScanError("unterminated quote " + string(s.src[s.pos]))
}

// dollarQuote reads $tag$…$tag$ if one starts at s.pos. A $ that does not
// open a tag ($1, a lone $) is left to the caller.
func (s *sqlScanner) dollarQuote() bool {
	rest := s.src[s.pos:]
	i := 1
	for i < len(rest) && (sqlLetter(rest[i]) || rest[i] == '_' || rest[i] >= 0x80 || i > 1 && sqlDigit(rest[i])) {
		i++
	}
	if i >= len(rest) || rest[i] != '$' {
		return false
	}
	tag := rest[:i+1]
	body := rest[i+1:]
	end := strings.Index(body, tag)
	if end < 0 {
		s.err = sqlScanError("unterminated dollar quote " + tag)
		return true
	}
	s.emit(sqlString, body[:end])
	s.pos += len(tag) + end + len(tag)
	return true
}

// psqlCommand reads a backslash meta-command: its name, then its arguments
// up to the end of the line or a "\\".
func (s *sqlScanner) psqlCommand() {
	rest := s.src[s.pos:]
	i := 1
	for i < len(rest) && (sqlLetter(rest[i]) || rest[i] == '_' || rest[i] == '+' || sqlDigit(rest[i]) && i > 1) {
		i++
	}
	if i == 1 && len(rest) > 1 {
		i = 2 // \!, \?, \;, \\, \.
	}
	name := rest[:i]
	s.pos += i
	if name == `\;` {
		s.flush() // a literal ';' that psql does not send on its own: stricter to split
		return
	}
	if name == `\\` {
		return
	}
	line := s.restOfLine()
	whole := name == `\!` || name == `\copy` || strings.HasPrefix(strings.TrimSpace(line), "|")
	if !whole {
		if j := strings.Index(line, `\\`); j >= 0 {
			s.pos -= len(line) - j - 2
			line = line[:j]
		}
	}
	s.command(name, line)
}

// sqlVerdict is what one statement does.
type sqlVerdict struct {
	op      string
	class   keyturn.Class
	targets []string
	note    string
	// use is the database a USE statement switches to.
	use string
	// file is a file a statement writes (COPY … TO 'f', INTO OUTFILE 'f'),
	// on the server unless the dialect's files are local.
	file string
}

// sqlClassifier classifies the statements of one input.
type sqlClassifier struct {
	d *sqlDialect
	// prepared remembers PREPARE name AS … so EXECUTE name can be judged.
	prepared map[string][]sqlVerdict
	depth    int
}

func newSQLClassifier(d *sqlDialect) *sqlClassifier {
	return &sqlClassifier{d: d, prepared: map[string][]sqlVerdict{}}
}

// classifySQL returns the verdicts of every statement in src and the
// client commands in order. When a string held a backslash, whose meaning
// depends on server settings, the text is read both ways and both readings
// count.
func classifySQL(src string, d *sqlDialect) ([]sqlItem, error) {
	items, backslash, err := scanSQL(src, d, d.escapes)
	if err != nil {
		return nil, err
	}
	if backslash {
		// The other reading may fail further on; what it read up to there
		// still counts.
		alt, _, _ := scanSQL(src, d, !d.escapes)
		items = append(items, alt...)
	}
	return items, nil
}

// sqlStatementClass classifies standalone SQL text with no client around
// it: the strictest class of its statements, and their verdicts. Client
// commands in the text count as unknown.
func sqlStatementClass(src string, d *sqlDialect) (keyturn.Class, []sqlVerdict) {
	items, err := classifySQL(src, d)
	if err != nil {
		return keyturn.Unknown, []sqlVerdict{{op: "SQL", class: keyturn.Unknown, note: err.Error()}}
	}
	k := newSQLClassifier(d)
	var out []sqlVerdict
	for _, it := range items {
		if it.toks == nil {
			out = append(out, sqlVerdict{op: it.cmd, class: keyturn.Unknown, note: "a client command"})
			continue
		}
		out = append(out, k.statement(it.toks)...)
	}
	if len(out) == 0 {
		return keyturn.Read, nil
	}
	c := keyturn.Read
	for _, v := range out {
		c = keyturn.MaxClass(c, v.class)
	}
	return c, out
}

// statement classifies one statement. In T-SQL, where statements need no
// separator, it is first split where a new statement begins.
func (k *sqlClassifier) statement(toks []sqlTok) []sqlVerdict {
	if k.d.implicitEnd {
		var out []sqlVerdict
		for _, part := range splitTSQL(toks) {
			out = append(out, k.one(part)...)
		}
		return out
	}
	return k.one(toks)
}

// one classifies one statement, then adds what its parts do: statements
// nested in parentheses (a CTE that deletes) and the functions it calls.
func (k *sqlClassifier) one(toks []sqlTok) []sqlVerdict {
	for len(toks) > 0 && sqlIsPunct(toks[0], "(") {
		toks = toks[1:]
	}
	if len(toks) == 0 {
		return nil
	}
	k.depth++
	defer func() { k.depth-- }()
	if k.depth > 20 {
		return []sqlVerdict{{op: "SQL", class: keyturn.Unknown, note: "statements nested too deep"}}
	}
	out := k.main(toks)
	read := true
	for _, v := range out {
		read = read && v.class == keyturn.Read
	}
	if sqlRunsExpressions(toks) {
		out = append(out, k.nested(toks)...)
		out = append(out, k.functions(toks, read)...)
	}
	return out
}

// sqlRunsExpressions reports whether a statement evaluates expressions
// when it runs, so that the functions it calls run too. Definitions (CREATE
// FUNCTION, GRANT ON FUNCTION f(int)) only name them.
func sqlRunsExpressions(toks []sqlTok) bool {
	switch toks[0].text {
	case "SELECT", "VALUES", "TABLE", "FROM", "WITH", "INSERT", "REPLACE", "UPSERT", "UPDATE", "DELETE", "MERGE",
		"SET", "DO", "COPY", "DECLARE", "IF", "WHILE", "ELSE", "SUMMARIZE", "PIVOT", "UNPIVOT", "RETURN", "PRINT":
		return true
	case "CREATE":
		return sqlCreateRunsQuery(toks)
	}
	return false
}

// nested classifies statements inside parentheses that change data: in
// PostgreSQL a CTE may delete (WITH d AS (DELETE FROM t RETURNING *) …).
func (k *sqlClassifier) nested(toks []sqlTok) []sqlVerdict {
	var out []sqlVerdict
	for i := 0; i+1 < len(toks); i++ {
		if !sqlIsPunct(toks[i], "(") || toks[i+1].kind != sqlWord {
			continue
		}
		switch toks[i+1].text {
		case "INSERT", "UPDATE", "DELETE", "MERGE", "WITH", "UPSERT", "REPLACE":
		default:
			continue
		}
		j := sqlClosing(toks, i)
		out = append(out, k.one(toks[i+1:j])...)
		i = j
	}
	return out
}

// sqlClosing returns the index of the ")" that closes the "(" at i, or
// len(toks).
func sqlClosing(toks []sqlTok, i int) int {
	if i < len(toks) && toks[i].closeOff > 0 && i+toks[i].closeOff < len(toks) {
		return i + toks[i].closeOff
	}
	return len(toks)
}

func sqlIsWord(t sqlTok, words ...string) bool {
	if t.kind != sqlWord {
		return false
	}
	for _, w := range words {
		if t.text == w {
			return true
		}
	}
	return false
}

func sqlIsPunct(t sqlTok, p string) bool { return t.kind == sqlPunct && t.text == p }

// sqlAt returns toks[i], or an empty token past the end.
func sqlAt(toks []sqlTok, i int) sqlTok {
	if i >= 0 && i < len(toks) {
		return toks[i]
	}
	return sqlTok{kind: sqlPunct, depth: -1 << 30}
}

// sqlFindWord returns the index of the first of words at the statement's own
// depth from index from, or -1.
func sqlFindWord(toks []sqlTok, from int, words ...string) int {
	if len(toks) == 0 {
		return -1
	}
	base := toks[0].depth
	for i := from; i < len(toks); i++ {
		if toks[i].depth == base && sqlIsWord(toks[i], words...) {
			return i
		}
	}
	return -1
}

func sqlV(op string, class keyturn.Class, targets ...string) []sqlVerdict {
	return []sqlVerdict{{op: op, class: class, targets: targets}}
}

func unknownSQL(op, note string) []sqlVerdict {
	return []sqlVerdict{{op: op, class: keyturn.Unknown, note: note}}
}

// main classifies a statement by its leading keywords.
func (k *sqlClassifier) main(toks []sqlTok) []sqlVerdict {
	t0 := toks[0]
	if t0.kind != sqlWord {
		return unknownSQL("SQL", "the statement does not start with a keyword")
	}
	kw := t0.text
	switch kw {
	case "SELECT", "VALUES", "TABLE", "FROM", "SUMMARIZE", "PIVOT", "UNPIVOT":
		return k.selectStmt(toks)
	case "WITH":
		return k.with(toks)
	case "SHOW", "DESCRIBE", "DESC", "HELP", "FETCH", "MOVE", "CLOSE", "LISTEN", "UNLISTEN", "DEALLOCATE",
		"DISCARD", "CHECKSUM", "WATCH", "HANDLER", "PRINT", "RAISERROR", "THROW", "WAITFOR", "RETURN",
		"BREAK", "CONTINUE", "GOTO", "SIGNAL", "RESIGNAL", "GET", "EXISTS", "UNCACHE", "CACHE":
		return sqlV(kw, keyturn.Read)
	case "CHECK":
		return sqlV("CHECK TABLE", keyturn.Read, k.nameAfter(toks, 1, "TABLE", "TABLES"))
	case "EXPLAIN":
		return k.explain(toks)
	case "INSERT", "REPLACE", "UPSERT":
		return k.insert(toks)
	case "MERGE":
		return sqlV("MERGE", keyturn.Write, k.nameAfter(toks, 1, "INTO"))
	case "UPDATE":
		return k.update(toks)
	case "DELETE":
		return k.delete(toks)
	case "TRUNCATE":
		return sqlV("TRUNCATE", keyturn.Destructive, k.names(toks, 1, "TABLE", "ONLY", "IF", "EXISTS")...)
	case "DROP":
		obj, i := sqlObject(toks, 1)
		return sqlV("DROP "+obj, keyturn.Destructive, k.names(toks, i, "IF", "EXISTS", "CONCURRENTLY")...)
	case "UNDROP", "RENAME", "EXCHANGE", "COMMENT", "SECURITY", "REASSIGN", "NOTIFY", "IMPORT", "EXPORT",
		"ATTACH", "DETACH", "VACUUM", "ANALYZE", "ANALYSE", "REINDEX", "CLUSTER", "REFRESH", "CHECKPOINT",
		"LOCK", "UNLOCK", "OPTIMIZE", "REPAIR", "FLUSH", "KILL", "CANCEL", "PAUSE", "RESUME", "XA", "CHANGE",
		"STOP", "RESTART", "RECONFIGURE", "BULK", "BACKUP", "UNINSTALL", "GRANT", "REVOKE", "DENY":
		return k.maintenance(toks)
	case "ALTER":
		return k.alter(toks)
	case "CREATE":
		return k.create(toks)
	case "COPY":
		return k.copy(toks)
	case "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE":
		return k.transaction(toks)
	case "SET":
		return k.set(toks)
	case "RESET":
		switch sqlAt(toks, 1).text {
		case "MASTER", "BINARY", "REPLICA", "SLAVE":
			return sqlV("RESET "+sqlAt(toks, 1).text, keyturn.Destructive)
		case "PERSIST", "QUERY":
			return sqlV("RESET "+sqlAt(toks, 1).text, keyturn.Write)
		}
		return sqlV("RESET", keyturn.Read)
	case "PURGE":
		return sqlV("PURGE "+sqlAt(toks, 1).text, keyturn.Destructive)
	case "USE":
		db := sqlIdentText(sqlAt(toks, 1))
		if sqlIsWord(sqlAt(toks, 1), "DATABASE", "SCHEMA") {
			db = sqlIdentText(sqlAt(toks, 2))
		}
		return []sqlVerdict{{op: "USE", class: keyturn.Read, use: db}}
	case "PREPARE":
		return k.prepare(toks)
	case "EXECUTE", "EXEC":
		return k.execute(toks)
	case "DECLARE":
		if i := sqlFindWord(toks, 1, "FOR"); i >= 0 && i+1 < len(toks) {
			return k.one(toks[i+1:])
		}
		return sqlV("DECLARE", keyturn.Read)
	case "DO":
		if t := sqlAt(toks, 1); t.kind == sqlString || sqlIsWord(t, "LANGUAGE") {
			return unknownSQL("DO", "runs a block of procedural code")
		}
		return sqlV("DO", keyturn.Read) // MySQL's DO evaluates expressions; functions are checked
	case "CALL":
		return unknownSQL("CALL "+sqlNameAt(toks, 1), "runs a stored procedure keyturn cannot see")
	case "LOAD":
		switch {
		case sqlIsWord(sqlAt(toks, 1), "DATA", "XML"):
			return sqlV("LOAD "+sqlAt(toks, 1).text, keyturn.Write, k.nameAfter(toks, 2, "TABLE"))
		case k.d.name == "duckdb":
			return sqlV("LOAD", keyturn.Write)
		}
		return unknownSQL("LOAD", "loads a library into the server")
	case "INSTALL":
		if k.d.name == "duckdb" {
			return sqlV("INSTALL", keyturn.Write)
		}
		return unknownSQL("INSTALL", "installs code into the server")
	case "PRAGMA":
		return k.pragma(toks)
	case "SYSTEM":
		if sqlIsWord(sqlAt(toks, 1), "SHUTDOWN", "KILL") || sqlIsWord(sqlAt(toks, 1), "DROP") && sqlIsWord(sqlAt(toks, 2), "REPLICA", "DATABASE") {
			return sqlV("SYSTEM "+sqlAt(toks, 1).text, keyturn.Destructive)
		}
		return sqlV("SYSTEM "+sqlAt(toks, 1).text, keyturn.Write)
	case "SHUTDOWN", "CLONE":
		return sqlV(kw, keyturn.Destructive)
	case "RESTORE":
		return sqlV("RESTORE", keyturn.Destructive, sqlNameAt(toks, 2))
	case "BINLOG":
		return unknownSQL("BINLOG", "replays binary log events")
	case "DBCC":
		w := sqlAt(toks, 1).text
		if strings.HasPrefix(w, "CHECK") || strings.HasPrefix(w, "SHOW") || w == "INPUTBUFFER" || w == "OPENTRAN" ||
			w == "SQLPERF" || w == "USEROPTIONS" || w == "TRACESTATUS" || w == "PROCCACHE" || w == "HELP" {
			return sqlV("DBCC "+w, keyturn.Read)
		}
		return sqlV("DBCC "+w, keyturn.Write)
	case "IF", "WHILE", "ELSE", "TRY", "CATCH":
		if k.d.implicitEnd {
			return sqlV(kw, keyturn.Read) // the statements it guards were split off
		}
	}
	return unknownSQL(kw, "a statement keyturn does not know: "+kw)
}

// selectStmt: a query reads, unless it writes its rows somewhere (INTO).
func (k *sqlClassifier) selectStmt(toks []sqlTok) []sqlVerdict {
	i := sqlFindWord(toks, 1, "INTO")
	if i < 0 || !sqlIsWord(toks[0], "SELECT", "FROM") {
		return sqlV(toks[0].text, keyturn.Read)
	}
	next := sqlAt(toks, i+1)
	switch {
	case next.kind == sqlWord && strings.HasPrefix(next.text, "@"), sqlIsPunct(next, ":"):
		return sqlV("SELECT", keyturn.Read) // into variables
	case sqlIsWord(next, "OUTFILE", "DUMPFILE"):
		file := sqlAt(toks, i+2).text
		return []sqlVerdict{{op: "SELECT INTO " + next.text, class: keyturn.Write, targets: []string{file}, file: file}}
	}
	return sqlV("SELECT INTO", keyturn.Write, k.names(toks, i+1, "TEMPORARY", "TEMP", "UNLOGGED", "TABLE")[:1]...)
}

func (k *sqlClassifier) with(toks []sqlTok) []sqlVerdict {
	for i := 1; i < len(toks); i++ {
		t := toks[i]
		if t.depth != toks[0].depth || t.kind != sqlWord {
			continue
		}
		switch t.text {
		case "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "VALUES", "TABLE", "REPLACE", "UPSERT", "FROM":
			return k.main(toks[i:])
		}
	}
	return unknownSQL("WITH", "a WITH clause without a statement keyturn can find")
}

func (k *sqlClassifier) explain(toks []sqlTok) []sqlVerdict {
	analyze := false
	i := 1
	for ; i < len(toks); i++ {
		t := toks[i]
		if sqlIsPunct(t, "(") {
			j := sqlClosing(toks, i)
			for x := i + 1; x < j; x++ {
				if sqlIsWord(toks[x], "ANALYZE", "ANALYSE") && !sqlIsWord(sqlAt(toks, x+1), "FALSE", "OFF") && sqlAt(toks, x+1).text != "0" {
					analyze = true
				}
			}
			i = j
			continue
		}
		if t.kind != sqlWord {
			continue
		}
		if sqlIsWord(t, "ANALYZE", "ANALYSE") {
			analyze = true
			continue
		}
		switch t.text {
		case "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "VALUES", "TABLE", "WITH", "REPLACE", "UPSERT",
			"CREATE", "DECLARE", "EXECUTE", "FROM":
			if !analyze {
				return sqlV("EXPLAIN", keyturn.Read)
			}
			out := k.one(toks[i:])
			for j := range out {
				if out[j].class == keyturn.Read {
					out[j].op = "EXPLAIN ANALYZE"
				} else {
					out[j].note = "EXPLAIN ANALYZE runs the statement"
				}
			}
			return out
		}
	}
	return sqlV("EXPLAIN", keyturn.Read)
}

func (k *sqlClassifier) insert(toks []sqlTok) []sqlVerdict {
	op := toks[0].text
	if sqlIsWord(sqlAt(toks, 1), "OVERWRITE") {
		return sqlV("INSERT OVERWRITE", keyturn.Destructive, k.nameAfter(toks, 2, "TABLE", "INTO"))
	}
	if i := sqlFindWord(toks, 1, "INTO"); i >= 0 && sqlIsWord(sqlAt(toks, i+1), "FUNCTION") {
		return sqlV(op+" INTO FUNCTION", keyturn.Write, sqlNameAt(toks, i+2))
	}
	return sqlV(op, keyturn.Write, k.nameAfter(toks, 1, "INTO", "IGNORE", "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "OR", "ROLLBACK", "ABORT", "FAIL", "REPLACE", "TABLE"))
}

// sqlWhere reports how a DELETE or UPDATE picks its rows: "" when its WHERE
// limits them, otherwise why every row is hit.
func sqlWhere(toks []sqlTok, from int) string {
	i := sqlFindWord(toks, from, "WHERE")
	if i < 0 {
		return "it has no WHERE clause: every row is changed"
	}
	if sqlIsWord(sqlAt(toks, i+1), "CURRENT") && sqlIsWord(sqlAt(toks, i+2), "OF") {
		return ""
	}
	end := sqlFindWord(toks, i+1, "RETURNING", "ORDER", "LIMIT", "OUTPUT", "OPTION", "GROUP", "HAVING", "WINDOW", "FOR", "UNION", "SETTINGS")
	if end < 0 {
		end = len(toks)
	}
	if sqlTautology(toks[i+1 : end]) {
		return "its WHERE clause is always true: every row is changed"
	}
	return ""
}

func (k *sqlClassifier) delete(toks []sqlTok) []sqlVerdict {
	target := k.nameAfter(toks, 1, "FROM", "ONLY", "LOW_PRIORITY", "QUICK", "IGNORE")
	if sqlIsWord(sqlAt(toks, 1), "TOP") {
		target = k.nameAfter(toks, sqlClosing(toks, 2)+1, "FROM")
	}
	if why := sqlWhere(toks, 1); why != "" {
		return []sqlVerdict{{op: "DELETE without WHERE", class: keyturn.Destructive, targets: []string{target}, note: why}}
	}
	return sqlV("DELETE", keyturn.Write, target)
}

func (k *sqlClassifier) update(toks []sqlTok) []sqlVerdict {
	if sqlIsWord(sqlAt(toks, 1), "STATISTICS") {
		return sqlV("UPDATE STATISTICS", keyturn.Write, sqlNameAt(toks, 2))
	}
	target := k.nameAfter(toks, 1, "ONLY", "LOW_PRIORITY", "IGNORE", "OR", "ROLLBACK", "ABORT", "REPLACE", "FAIL")
	if sqlIsWord(sqlAt(toks, 1), "TOP") {
		target = sqlNameAt(toks, sqlClosing(toks, 2)+1)
	}
	if why := sqlWhere(toks, 1); why != "" {
		return []sqlVerdict{{op: "UPDATE without WHERE", class: keyturn.Destructive, targets: []string{target}, note: why}}
	}
	return sqlV("UPDATE", keyturn.Write, target)
}

// sqlTautology reports whether a WHERE condition is true for every row: TRUE,
// 1, 1=1, 'a'='a', x=x, x LIKE '%', or an OR with such a term.
func sqlTautology(cond []sqlTok) bool {
	return sqlTautologyAt(cond, 0)
}

// sqlTautologyAt is sqlTautology at a nesting level; a condition nested
// too deep to follow is taken to be true, the stricter reading.
func sqlTautologyAt(cond []sqlTok, level int) bool {
	if len(cond) == 0 || level > 32 {
		return true
	}
	for _, disj := range sqlSplitAt(cond, "OR") {
		all := true
		for _, conj := range sqlSplitAt(disj, "AND") {
			if !sqlTrueTerm(conj, level) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// sqlSplitAt splits toks at the word at their outermost depth.
func sqlSplitAt(toks []sqlTok, word string) [][]sqlTok {
	if len(toks) == 0 {
		return nil
	}
	base := toks[0].depth
	for _, t := range toks {
		if t.depth < base {
			base = t.depth
		}
	}
	var out [][]sqlTok
	start := 0
	for i, t := range toks {
		if t.depth == base && sqlIsWord(t, word) {
			out = append(out, toks[start:i])
			start = i + 1
		}
	}
	return append(out, toks[start:])
}

func sqlTrueTerm(t []sqlTok, level int) bool {
	for len(t) >= 2 && sqlIsPunct(t[0], "(") && sqlClosing(t, 0) == len(t)-1 {
		t = t[1 : len(t)-1]
	}
	if len(t) == 0 {
		return false
	}
	if sqlHasTop(t, "OR") || sqlHasTop(t, "AND") {
		return sqlTautologyAt(t, level+1) // a parenthesised condition of its own
	}
	switch len(t) {
	case 1:
		if sqlIsWord(t[0], "TRUE") {
			return true
		}
		if t[0].kind == sqlNumber {
			f, err := strconv.ParseFloat(t[0].text, 64)
			return err == nil && f != 0
		}
		return false
	case 2:
		return sqlIsWord(t[0], "NOT") && (sqlIsWord(t[1], "FALSE") || t[1].kind == sqlNumber && t[1].text == "0")
	}
	// a LIKE '%'
	if len(t) == 3 && sqlIsWord(t[1], "LIKE", "ILIKE") && t[2].kind == sqlString && strings.Trim(t[2].text, "%") == "" {
		return true
	}
	// literal IS NOT NULL
	if len(t) == 4 && (t[0].kind == sqlNumber || t[0].kind == sqlString) && sqlIsWord(t[1], "IS") && sqlIsWord(t[2], "NOT") && sqlIsWord(t[3], "NULL") {
		return true
	}
	// A op B with a one- or two-character operator
	var op string
	var a, b sqlTok
	switch {
	case len(t) == 3 && t[1].kind == sqlPunct:
		a, op, b = t[0], t[1].text, t[2]
	case len(t) == 4 && t[1].kind == sqlPunct && t[2].kind == sqlPunct:
		a, op, b = t[0], t[1].text+t[2].text, t[3]
	default:
		return false
	}
	if a.kind == sqlNumber && b.kind == sqlNumber {
		x, err1 := strconv.ParseFloat(a.text, 64)
		y, err2 := strconv.ParseFloat(b.text, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		switch op {
		case "=", "==":
			return x == y
		case ">=":
			return x >= y
		case "<=":
			return x <= y
		case ">":
			return x > y
		case "<":
			return x < y
		case "<>", "!=":
			return x != y
		}
		return false
	}
	same := a.kind == b.kind && a.text == b.text && a.kind != sqlPunct
	return same && (op == "=" || op == "==" || op == ">=" || op == "<=")
}

func sqlHasTop(toks []sqlTok, w string) bool {
	return len(sqlSplitAt(toks, w)) > 1
}

// sqlObjectType names what a DDL statement acts on, from index i: "TABLE",
// "MATERIALIZED VIEW", "INDEX".
func sqlObjectType(toks []sqlTok, i int) string {
	obj, _ := sqlObject(toks, i)
	return obj
}

// sqlObject returns the object type and the index just after it.
func sqlObject(toks []sqlTok, i int) (string, int) {
	for ; i < len(toks); i++ {
		t := toks[i]
		if t.kind != sqlWord {
			return "?", i
		}
		switch t.text {
		case "OR", "REPLACE", "ALTER", "TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL", "UNIQUE", "RECURSIVE",
			"TRUSTED", "PROCEDURAL", "CONSTRAINT", "SQL", "SECURITY", "INVOKER", "FULLTEXT", "SPATIAL", "EXTERNAL",
			"CLUSTERED", "NONCLUSTERED", "TRANSIENT", "VOLATILE", "SHARED", "PERSISTENT", "IF", "NOT", "EXISTS":
			continue
		case "ALGORITHM", "DEFINER":
			i += 2 // ALGORITHM = x, DEFINER = user
			continue
		}
		if seconds, ok := sqlTwoWordObjects[t.text]; ok {
			n := sqlAt(toks, i+1)
			for _, w := range seconds {
				if sqlIsWord(n, w) {
					return t.text + " " + w, i + 2
				}
			}
		}
		return t.text, i + 1
	}
	return "?", i
}

// sqlTwoWordObjects are object types spelled with two words.
var sqlTwoWordObjects = map[string][]string{
	"MATERIALIZED": {"VIEW"}, "FOREIGN": {"TABLE", "DATA", "SERVER"}, "TEXT": {"SEARCH"}, "EVENT": {"TRIGGER"},
	"ACCESS": {"METHOD"}, "USER": {"MAPPING"}, "OPERATOR": {"CLASS", "FAMILY"}, "DEFAULT": {"PRIVILEGES"},
	"LOGFILE": {"GROUP"}, "RESOURCE": {"POOL", "GROUP"}, "LARGE": {"OBJECT"}, "MASTER": {"KEY"},
	"ROW": {"POLICY"}, "ASYMMETRIC": {"KEY"}, "SYMMETRIC": {"KEY"}, "PUBLIC": {"SYNONYM"}, "LIVE": {"VIEW"},
	"WINDOW": {"VIEW"}, "SEARCH": {"INDEX"},
}

// sqlIdentText returns the name a token spells.
func sqlIdentText(t sqlTok) string {
	switch t.kind {
	case sqlIdent, sqlString:
		return t.text
	case sqlWord:
		return strings.ToLower(t.text)
	}
	return ""
}

// sqlNameAt returns the possibly qualified name (schema.table) at index i.
func sqlNameAt(toks []sqlTok, i int) string {
	t := sqlAt(toks, i)
	if t.kind != sqlWord && t.kind != sqlIdent {
		return ""
	}
	name := sqlIdentText(t)
	for sqlIsPunct(sqlAt(toks, i+1), ".") && (sqlAt(toks, i+2).kind == sqlWord || sqlAt(toks, i+2).kind == sqlIdent) {
		i += 2
		name += "." + sqlIdentText(toks[i])
	}
	return name
}

// nameAfter skips the given words from index i and returns the name there.
func (k *sqlClassifier) nameAfter(toks []sqlTok, i int, skip ...string) string {
	for i < len(toks) && sqlIsWord(toks[i], skip...) {
		i++
	}
	return sqlNameAt(toks, i)
}

// names returns a comma-separated list of names after the skipped words.
func (k *sqlClassifier) names(toks []sqlTok, i int, skip ...string) []string {
	for i < len(toks) && sqlIsWord(toks[i], skip...) {
		i++
	}
	var out []string
	for i < len(toks) {
		n := sqlNameAt(toks, i)
		if n == "" {
			break
		}
		out = append(out, n)
		for i < len(toks) && !sqlIsPunct(toks[i], ",") {
			i++
		}
		i++
	}
	if len(out) == 0 {
		return []string{""}
	}
	return out
}

func (k *sqlClassifier) maintenance(toks []sqlTok) []sqlVerdict {
	kw := toks[0].text
	op := kw
	switch kw {
	case "START", "STOP", "CHANGE", "SECURITY", "REFRESH", "IMPORT", "EXPORT", "BULK", "CANCEL", "PAUSE", "RESUME", "LOCK", "UNLOCK":
		if n := sqlAt(toks, 1); n.kind == sqlWord {
			op += " " + n.text
		}
	}
	if kw == "START" && sqlIsWord(sqlAt(toks, 1), "TRANSACTION") {
		return k.transaction(toks)
	}
	if kw == "VACUUM" {
		if i := sqlFindWord(toks, 1, "INTO"); i >= 0 {
			file := sqlAt(toks, i+1).text
			return []sqlVerdict{{op: "VACUUM INTO", class: keyturn.Write, targets: []string{file}, file: file}}
		}
	}
	if kw == "EXPORT" && sqlIsWord(sqlAt(toks, 1), "DATABASE") {
		file := sqlAt(toks, 2).text
		return []sqlVerdict{{op: "EXPORT DATABASE", class: keyturn.Write, targets: []string{file}, file: file}}
	}
	if kw == "BACKUP" {
		return sqlV("BACKUP", keyturn.Write, sqlNameAt(toks, 2))
	}
	return sqlV(op, keyturn.Write, k.targetOf(toks))
}

// targetOf guesses the object a maintenance statement names: the first
// name after its keywords.
func (k *sqlClassifier) targetOf(toks []sqlTok) string {
	for i := 1; i < len(toks) && i < 4; i++ {
		if toks[i].kind == sqlIdent {
			return sqlNameAt(toks, i)
		}
		if toks[i].kind == sqlWord && !sqlKeywords[toks[i].text] {
			return sqlNameAt(toks, i)
		}
	}
	return ""
}

func (k *sqlClassifier) alter(toks []sqlTok) []sqlVerdict {
	obj, i := sqlObject(toks, 1)
	op := "ALTER " + obj
	target := k.nameAfter(toks, i, "IF", "EXISTS", "ONLY")
	if obj == "SYSTEM" {
		return sqlV(op, keyturn.Write)
	}
	base := toks[0].depth
	for i, t := range toks {
		if t.depth != base || t.kind != sqlWord {
			continue
		}
		switch t.text {
		case "DROP", "TRUNCATE", "CLEAR":
			if sqlIsWord(sqlAt(toks, i+1), "DEFAULT") {
				continue // removing a column default loses no data
			}
			return []sqlVerdict{{op: op + " … " + t.text, class: keyturn.Destructive, targets: []string{target}}}
		case "DISABLE":
			if obj != "TABLE" && obj != "FOREIGN TABLE" && obj != "EVENT TRIGGER" {
				continue
			}
			return []sqlVerdict{{op: op + " … DISABLE", class: keyturn.Destructive, targets: []string{target},
				note: "switches off a protection (row-level security or a trigger)"}}
		case "DELETE":
			// ClickHouse: ALTER TABLE t DELETE WHERE …
			if obj != "TABLE" || i > 0 && (sqlIsWord(toks[i-1], "ON", "GRANT", "REVOKE") || sqlIsPunct(toks[i-1], ",")) {
				continue
			}
			if why := sqlWhere(toks, i+1); why != "" {
				return []sqlVerdict{{op: op + " … DELETE without WHERE", class: keyturn.Destructive, targets: []string{target}, note: why}}
			}
			return sqlV(op+" … DELETE", keyturn.Write, target)
		case "UPDATE":
			if obj != "TABLE" || i > 0 && (sqlIsWord(toks[i-1], "ON", "GRANT", "REVOKE", "FOR") || sqlIsPunct(toks[i-1], ",")) {
				continue // ON UPDATE CASCADE, GRANT UPDATE
			}
			if why := sqlWhere(toks, i+1); why != "" {
				return []sqlVerdict{{op: op + " … UPDATE without WHERE", class: keyturn.Destructive, targets: []string{target}, note: why}}
			}
		}
	}
	return sqlV(op, keyturn.Write, target)
}

// sqlCreateRunsQuery reports whether a CREATE statement runs a query now
// (CREATE TABLE … AS SELECT) rather than only defining something.
func sqlCreateRunsQuery(toks []sqlTok) bool {
	obj := sqlObjectType(toks, 1)
	if obj != "TABLE" && obj != "MATERIALIZED VIEW" {
		return false
	}
	if i := sqlFindWord(toks, 2, "AS"); i >= 0 && (sqlIsWord(sqlAt(toks, i+1), "SELECT", "WITH", "VALUES", "TABLE") || sqlIsPunct(sqlAt(toks, i+1), "(")) {
		return true
	}
	return sqlFindWord(toks, 2, "SELECT") >= 0 // MySQL: CREATE TABLE t SELECT …
}

func (k *sqlClassifier) create(toks []sqlTok) []sqlVerdict {
	obj, i := sqlObject(toks, 1)
	target := k.nameAfter(toks, i, "IF", "NOT", "EXISTS", "CONCURRENTLY")
	if obj == "TABLE" && sqlIsWord(sqlAt(toks, 1), "OR") && sqlIsWord(sqlAt(toks, 2), "REPLACE") {
		return []sqlVerdict{{op: "CREATE OR REPLACE TABLE", class: keyturn.Destructive, targets: []string{target},
			note: "replaces an existing table and its rows"}}
	}
	return sqlV("CREATE "+obj, keyturn.Write, target)
}

func (k *sqlClassifier) copy(toks []sqlTok) []sqlVerdict {
	var out []sqlVerdict
	i := 1
	target := ""
	if sqlIsPunct(sqlAt(toks, 1), "(") {
		j := sqlClosing(toks, 1)
		out = append(out, k.one(toks[2:j])...)
		i = j + 1
	} else {
		target = sqlNameAt(toks, 1)
	}
	dir := sqlFindWord(toks, i, "FROM", "TO")
	if dir < 0 {
		return unknownSQL("COPY", "a COPY keyturn cannot read")
	}
	src := sqlAt(toks, dir+1)
	switch {
	case sqlIsWord(src, "PROGRAM"):
		return unknownSQL("COPY "+toks[dir].text+" PROGRAM", "runs a shell command on the database server")
	case toks[dir].text == "FROM":
		if sqlIsWord(src, "DATABASE") {
			return sqlV("COPY FROM DATABASE", keyturn.Write, sqlNameAt(toks, dir+4))
		}
		return append(out, sqlVerdict{op: "COPY FROM", class: keyturn.Write, targets: []string{target}})
	case sqlIsWord(src, "STDOUT"):
		if target != "" {
			out = append(out, sqlVerdict{op: "COPY TO STDOUT", class: keyturn.Read, targets: []string{target}})
		}
		return out
	case src.kind == sqlString:
		return append(out, sqlVerdict{op: "COPY TO file", class: keyturn.Write, targets: []string{src.text}, file: src.text})
	}
	return unknownSQL("COPY TO", "a COPY destination keyturn cannot read")
}

func (k *sqlClassifier) transaction(toks []sqlTok) []sqlVerdict {
	kw := toks[0].text
	if k.d.implicitEnd && (kw == "BEGIN" || kw == "END") && !sqlIsWord(sqlAt(toks, 1), "TRAN", "TRANSACTION", "DISTRIBUTED") {
		// T-SQL BEGIN … END is a block, not a transaction.
		if len(toks) > 1 {
			rest := toks[1:]
			if sqlIsWord(rest[0], "TRY", "CATCH") {
				rest = rest[1:]
			}
			if len(rest) > 0 {
				return k.one(rest)
			}
		}
		return sqlV(kw, keyturn.Read)
	}
	switch kw {
	case "START", "BEGIN":
		return sqlV("BEGIN", keyturn.Write)
	case "END", "COMMIT":
		return sqlV("COMMIT", keyturn.Write)
	case "ABORT", "ROLLBACK":
		return sqlV("ROLLBACK", keyturn.Write)
	}
	return sqlV(kw, keyturn.Write)
}

func (k *sqlClassifier) set(toks []sqlTok) []sqlVerdict {
	n := sqlAt(toks, 1)
	switch {
	case sqlIsWord(n, "GLOBAL", "PERSIST", "PERSIST_ONLY", "PASSWORD", "CLUSTER", "DEFAULT"):
		return sqlV("SET "+n.text, keyturn.Write)
	case n.kind == sqlWord && strings.HasPrefix(n.text, "@@GLOBAL") || strings.HasPrefix(n.text, "@@PERSIST"):
		return sqlV("SET GLOBAL", keyturn.Write)
	}
	return sqlV("SET", keyturn.Read) // a setting of this session only
}

func (k *sqlClassifier) prepare(toks []sqlTok) []sqlVerdict {
	name := sqlIdentText(sqlAt(toks, 1))
	if sqlIsWord(sqlAt(toks, 1), "TRANSACTION") {
		return sqlV("PREPARE TRANSACTION", keyturn.Write)
	}
	i := sqlFindWord(toks, 2, "AS", "FROM")
	var inner []sqlVerdict
	switch {
	case i < 0:
		inner = unknownSQL("EXECUTE "+name, "a prepared statement keyturn cannot read")
	case sqlAt(toks, i+1).kind == sqlString:
		// MySQL: PREPARE s FROM 'DELETE …'
		items, err := classifySQL(sqlAt(toks, i+1).text, k.d)
		if err != nil {
			inner = unknownSQL("EXECUTE "+name, err.Error())
		}
		for _, it := range items {
			if it.toks == nil {
				inner = append(inner, unknownSQL(it.cmd, "a client command in a prepared statement")...)
				continue
			}
			inner = append(inner, k.statement(it.toks)...)
		}
	default:
		inner = k.one(toks[i+1:])
	}
	k.prepared[name] = inner
	return sqlV("PREPARE", keyturn.Read, name)
}

// tsqlReadProcs are T-SQL system procedures that only report.
var tsqlReadProcs = map[string]bool{
	"sp_help": true, "sp_helptext": true, "sp_helpdb": true, "sp_helpindex": true, "sp_helpuser": true,
	"sp_who": true, "sp_who2": true, "sp_columns": true, "sp_tables": true, "sp_databases": true,
	"sp_spaceused": true, "sp_lock": true, "sp_helprole": true, "sp_helprotect": true, "sp_server_info": true,
	"sp_stored_procedures": true, "sp_pkeys": true, "sp_fkeys": true, "sp_statistics": true, "sp_helpfile": true,
}

func (k *sqlClassifier) execute(toks []sqlTok) []sqlVerdict {
	name := sqlNameAt(toks, 1)
	if sqlIsWord(sqlAt(toks, 1), "IMMEDIATE") || sqlIsPunct(sqlAt(toks, 1), "(") || sqlAt(toks, 1).kind == sqlString {
		return unknownSQL("EXECUTE", "runs SQL built at run time")
	}
	if inner, ok := k.prepared[name]; ok {
		return inner
	}
	if k.d.implicitEnd {
		proc := name
		if j := strings.LastIndexByte(proc, '.'); j >= 0 {
			proc = proc[j+1:]
		}
		if tsqlReadProcs[proc] {
			return sqlV("EXEC "+proc, keyturn.Read)
		}
		return unknownSQL("EXEC "+proc, "runs a stored procedure keyturn cannot see")
	}
	return unknownSQL("EXECUTE "+name, "runs a prepared statement keyturn did not see prepared")
}

// sqlitePragmaQueries are pragmas that take an argument and only report.
var sqlitePragmaQueries = map[string]bool{
	"TABLE_INFO": true, "TABLE_XINFO": true, "INDEX_INFO": true, "INDEX_LIST": true, "INDEX_XINFO": true,
	"FOREIGN_KEY_LIST": true, "FOREIGN_KEY_CHECK": true, "INTEGRITY_CHECK": true, "QUICK_CHECK": true,
	"TABLE_LIST": true, "FUNCTION_LIST": true, "PRAGMA_LIST": true, "COLLATION_LIST": true,
	"DATABASE_LIST": true, "COMPILE_OPTIONS": true, "MODULE_LIST": true, "STORAGE_INFO": true, "SHOW_TABLES": true,
}

func (k *sqlClassifier) pragma(toks []sqlTok) []sqlVerdict {
	i := 1
	if sqlIsPunct(sqlAt(toks, 2), ".") {
		i = 3 // PRAGMA schema.name
	}
	name := sqlAt(toks, i).text
	next := sqlAt(toks, i+1)
	switch {
	case next.kind == sqlPunct && next.text == "=" || sqlIsPunct(next, "(") && !sqlitePragmaQueries[name]:
		if name == "WRITABLE_SCHEMA" {
			return []sqlVerdict{{op: "PRAGMA " + name, class: keyturn.Destructive, note: "lets the schema be overwritten"}}
		}
		return sqlV("PRAGMA "+name, keyturn.Write)
	}
	return sqlV("PRAGMA", keyturn.Read)
}

// splitTSQL splits a T-SQL batch where a statement that changes something
// begins without a ';' before it: in `SELECT 1 DROP TABLE t` the DROP is a
// second statement.
func splitTSQL(toks []sqlTok) [][]sqlTok {
	if len(toks) == 0 {
		return nil
	}
	base := toks[0].depth
	first := toks[0].text
	if first == "CREATE" || first == "ALTER" {
		switch sqlObjectType(toks, 1) {
		case "PROCEDURE", "PROC", "FUNCTION", "TRIGGER", "VIEW":
			return [][]sqlTok{toks} // the rest of the batch is the body
		}
	}
	inCTE := first == "WITH"
	var out [][]sqlTok
	start := 0
	for i := 1; i < len(toks); i++ {
		t := toks[i]
		if t.depth != base || t.kind != sqlWord || !tsqlStarters[t.text] {
			continue
		}
		if inCTE && (t.text == "INSERT" || t.text == "UPDATE" || t.text == "DELETE" || t.text == "MERGE") {
			inCTE = false // the CTE's own statement
			continue
		}
		prev := toks[i-1]
		if sqlIsPunct(prev, ",") || prev.kind == sqlWord && tsqlBinders[prev.text] {
			continue
		}
		out = append(out, toks[start:i])
		start = i
	}
	return append(out, toks[start:])
}

// tsqlStarters begin a statement that matters; tsqlBinders are the words
// after which they belong to the statement before (ON DELETE CASCADE,
// GRANT INSERT, FOR UPDATE, WHEN MATCHED THEN DELETE).
var tsqlStarters = map[string]bool{
	"INSERT": true, "UPDATE": true, "DELETE": true, "MERGE": true, "DROP": true, "TRUNCATE": true,
	"ALTER": true, "CREATE": true, "GRANT": true, "REVOKE": true, "DENY": true, "EXEC": true, "EXECUTE": true,
	"BACKUP": true, "RESTORE": true, "DBCC": true, "SHUTDOWN": true, "KILL": true, "BULK": true,
	"RECONFIGURE": true,
}

var tsqlBinders = map[string]bool{
	"ON": true, "AFTER": true, "BEFORE": true, "OF": true, "FOR": true, "THEN": true, "OR": true,
	"GRANT": true, "REVOKE": true, "DENY": true, "KEY": true, "WITH": true, "AS": true, "INSTEAD": true,
	"NOT": true, "ALL": true, "TO": true, "BULK": true,
}

// functions checks the functions a statement calls. Some builtins change
// things (pg_terminate_backend, setval, lo_unlink); a function keyturn does
// not know may be user code that changes anything, so a query that would
// otherwise read is unknown when it calls one.
func (k *sqlClassifier) functions(toks []sqlTok, read bool) []sqlVerdict {
	var out []sqlVerdict
	for i := 0; i+1 < len(toks); i++ {
		t := toks[i]
		if !sqlIsPunct(toks[i+1], "(") || t.kind != sqlWord && t.kind != sqlIdent {
			continue
		}
		if t.kind == sqlWord && (sqlKeywords[t.text] || strings.HasPrefix(t.text, "@")) {
			continue
		}
		if i > 0 && sqlIsWord(toks[i-1], "AS", "INTO", "TABLE", "UPDATE", "REFERENCES", "COPY", "ANALYZE",
			"VACUUM", "INDEX", "KEY", "WITH", "RECURSIVE") {
			continue // alias(columns), table(columns)
		}
		if i > 0 && (sqlIsPunct(toks[i-1], ")") || (toks[i-1].kind == sqlIdent || toks[i-1].kind == sqlWord && !sqlKeywords[toks[i-1].text]) && sqlIsWord(sqlAt(toks, i-2), "FROM", "JOIN", "ONLY")) {
			continue // FROM f(x) s(a), FROM t s(a): an alias with column names
		}
		j := sqlClosing(toks, i+1)
		if n := sqlAt(toks, j+1); sqlIsWord(n, "AS") && (sqlIsPunct(sqlAt(toks, j+2), "(") || sqlIsWord(sqlAt(toks, j+2), "MATERIALIZED", "NOT")) {
			continue // a CTE's name and columns
		}
		name := strings.ToLower(t.text)
		if c, ok := sqlFunctionChanges(name); ok {
			out = append(out, sqlVerdict{op: "call " + name, class: c, note: "the function " + name + " changes the server"})
			continue
		}
		if read && !sqlFunctionReads(name) {
			out = append(out, sqlVerdict{op: toks[0].text, class: keyturn.Unknown,
				note: "calls " + name + "(), which keyturn does not know to be read-only"})
		}
	}
	return out
}

// sqlFunctionChanges returns the class of a builtin that changes something.
func sqlFunctionChanges(name string) (keyturn.Class, bool) {
	if c, ok := sqlChangingFunctions[name]; ok {
		return c, true
	}
	switch {
	case strings.HasPrefix(name, "pg_stat_reset"), strings.HasPrefix(name, "brin_summarize"), strings.HasPrefix(name, "brin_desummarize"):
		return keyturn.Write, true
	}
	return "", false
}

// sqlFunctionReads reports whether a function is a builtin that only
// computes or reads. PostgreSQL's catalog accessors share prefixes.
func sqlFunctionReads(name string) bool {
	if sqlReadFunctions[name] {
		return true
	}
	for _, p := range []string{"pg_stat_get_", "pg_get_", "pg_advisory_", "pg_try_advisory_", "txid_", "pg_ls_", "pg_control_"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return strings.HasPrefix(name, "has_") && strings.HasSuffix(name, "_privilege")
}

// sqlChangingFunctions are builtins that change something when a query
// calls them.
var sqlChangingFunctions = map[string]keyturn.Class{
	"pg_terminate_backend": keyturn.Destructive, "pg_drop_replication_slot": keyturn.Destructive,
	"lo_unlink": keyturn.Destructive, "pg_file_unlink": keyturn.Destructive, "pg_promote": keyturn.Destructive,
	"pg_replication_origin_drop": keyturn.Destructive, "lo_truncate": keyturn.Destructive,
	"pg_cancel_backend": keyturn.Write, "setval": keyturn.Write, "nextval": keyturn.Write,
	"lo_import": keyturn.Write, "lo_export": keyturn.Write, "lo_create": keyturn.Write, "lo_creat": keyturn.Write,
	"lo_from_bytea": keyturn.Write, "lo_put": keyturn.Write, "pg_file_write": keyturn.Write, "pg_file_rename": keyturn.Write,
	"pg_reload_conf": keyturn.Write, "pg_rotate_logfile": keyturn.Write, "pg_switch_wal": keyturn.Write,
	"pg_create_restore_point": keyturn.Write, "pg_stat_reset": keyturn.Write, "pg_stat_reset_shared": keyturn.Write,
	"pg_stat_reset_single_table_counters": keyturn.Write, "pg_stat_statements_reset": keyturn.Write,
	"pg_create_logical_replication_slot": keyturn.Write, "pg_create_physical_replication_slot": keyturn.Write,
	"pg_replication_slot_advance": keyturn.Write, "pg_wal_replay_pause": keyturn.Write, "pg_wal_replay_resume": keyturn.Write,
	"pg_backup_start": keyturn.Write, "pg_backup_stop": keyturn.Write, "pg_logical_emit_message": keyturn.Write,
	"pg_import_system_collations": keyturn.Write, "writefile": keyturn.Write, "lowrite": keyturn.Write,
	"lo_truncate64": keyturn.Destructive, "pg_notify": keyturn.Write, "pg_stat_force_next_flush": keyturn.Write,
	"gin_clean_pending_list": keyturn.Write, "pg_log_backend_memory_contexts": keyturn.Write,
	"dblink": keyturn.Unknown, "dblink_exec": keyturn.Unknown, "dblink_send_query": keyturn.Unknown,
	"query_to_xml": keyturn.Unknown, "query_to_xmlschema": keyturn.Unknown, "query_to_xml_and_xmlschema": keyturn.Unknown,
	"load_extension": keyturn.Unknown, "edit": keyturn.Unknown, "executable": keyturn.Unknown,
}

// sqlKeywords are words that may stand before "(" without being a
// function: clauses, operators and type names.
var sqlKeywords = sqlWordSet(`SELECT FROM WHERE AND OR NOT IN EXISTS ANY ALL SOME VALUES AS JOIN ON USING OVER
FILTER WITHIN GROUP BY PARTITION ROWS RANGE GROUPS ARRAY ROW CAST TRY_CAST CONVERT EXTRACT POSITION SUBSTRING TRIM
OVERLAY COALESCE NULLIF GREATEST LEAST CASE WHEN THEN ELSE END INTERVAL LATERAL TABLE INTO SET RETURNING
LIMIT OFFSET HAVING UNION INTERSECT EXCEPT IS LIKE ILIKE BETWEEN DISTINCT ORDER WINDOW CUBE ROLLUP SETS
GROUPING TABLESAMPLE SYSTEM BERNOULLI REPEATABLE MATCH AGAINST KEY INDEX PRIMARY UNIQUE CHECK REFERENCES
FOREIGN INCLUDE WITH RECURSIVE MATERIALIZED ONLY OF FOR RETURNS DEFAULT GENERATED TOP OPTION OUTPUT
TO SIMILAR ESCAPE ZONE AT OVERLAPS NATURAL INNER OUTER LEFT RIGHT FULL CROSS EXCLUDE CONSTRAINT
VARIADIC DO UPDATE DELETE INSERT CONFLICT NOTHING FETCH FIRST NEXT PRECEDING FOLLOWING UNBOUNDED CURRENT
XMLATTRIBUTES XMLNAMESPACES PASSING COLUMNS NESTED PATH ORDINALITY COLLATE IF ELSEIF WHILE RETURN PROCEDURE
FUNCTION TRIGGER VIEW CREATE ALTER DROP GRANT REVOKE TRUNCATE MERGE COPY EXECUTE EXEC CALL
CHAR VARCHAR CHARACTER VARYING NCHAR NVARCHAR NUMERIC DECIMAL DEC FLOAT REAL DOUBLE PRECISION INT INTEGER
BIGINT SMALLINT TINYINT MEDIUMINT BIT VARBIT TIME TIMESTAMP TIMESTAMPTZ TIMETZ BINARY VARBINARY DATETIME
DATETIME2 DATETIMEOFFSET ENUM TEXT BLOB STRING FIXEDSTRING DATETIME64 NULLABLE LOWCARDINALITY MAP TUPLE
STRUCT LIST DECIMAL32 DECIMAL64 DECIMAL128 DECIMAL256 BOOLEAN BOOL DATE UUID JSON JSONB BYTEA SERIAL
USER SESSION_USER CURRENT_USER LOCALTIME LOCALTIMESTAMP CURRENT_TIME CURRENT_TIMESTAMP CURRENT_DATE
NULLS ASC DESC BOTH LEADING TRAILING UNKNOWN TRUE FALSE NULL OPTIONS SETTINGS FORMAT PREWHERE FINAL SAMPLE
QUALIFY ASOF SEMI ANTI POSITIONAL PIVOT UNPIVOT LAMBDA HOLD DECLARE CURSOR READ WRITE LOCK SHARE NOWAIT
SKIP LOCKED STORED VIRTUAL COLUMN COMMENT ENGINE STORAGE PARAMETER OWNED OWNER TABLESPACE SCHEMA TYPE
MODE AUTHORIZATION SECURITY PARALLEL COST SUPPORT STRICT LANGUAGE IMMUTABLE STABLE VOLATILE LEAKPROOF
NO ACTION CASCADE RESTRICT DEFERRABLE INITIALLY DEFERRED IMMEDIATE VALID INHERIT INHERITS LIKE TEMP
TEMPORARY UNLOGGED OIDS EXPLAIN ANALYZE ANALYSE VERBOSE COSTS BUFFERS TIMING SUMMARY WAL SERIALIZE
MEMORY GENERIC_PLAN RETURNING SHOW DESCRIBE LOOP FOREACH PERFORM RAISE EXCEPTION USE FORCE IGNORE
STRAIGHT_JOIN SQL_CALC_FOUND_ROWS HIGH_PRIORITY LOW_PRIORITY DELAYED QUICK PARTITIONS ALGORITHM
XMLTABLE_COLUMNS OBJECT ERROR EMPTY ON_ERROR KEYS WITHOUT UNIQUE_KEYS SCALAR ABSENT UNCONDITIONAL
CONDITIONAL WRAPPER QUOTES OMIT ENCODING PLANS DIRECTORY`)

func sqlWordSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// sqlReadFunctions are builtins of PostgreSQL, MySQL, SQLite, SQL Server,
// ClickHouse and DuckDB that only compute or read: aggregates, string, math,
// date, JSON, array and catalog functions, and the table functions that
// read files or rows.
var sqlReadFunctions = sqlLowerSet(`count sum avg min max stddev stddev_pop stddev_samp variance var_pop var_samp
array_agg string_agg group_concat json_agg jsonb_agg json_object_agg jsonb_object_agg xmlagg bool_and bool_or
every bit_and bit_or bit_xor listagg median mode percentile_cont percentile_disc rank dense_rank row_number
ntile lag lead first_value last_value nth_value cume_dist percent_rank corr covar_pop covar_samp regr_slope
regr_intercept regr_count regr_r2 regr_avgx regr_avgy regr_sxx regr_syy regr_sxy approx_count_distinct
any_value arbitrary countif uniq uniqexact grouparray argmin argmax quantile quantiles topk histogram
count_big checksum_agg string_split
lower upper initcap length char_length character_length octet_length bit_length concat concat_ws substr
substring left right lpad rpad ltrim rtrim btrim trim replace translate reverse repeat split_part strpos
position instr locate format to_char to_number to_date to_timestamp quote_ident quote_literal quote_nullable
md5 sha1 sha2 sha224 sha256 sha384 sha512 encode decode ascii chr char unicode unistr regexp_replace regexp_matches
regexp_match regexp_split_to_array regexp_split_to_table regexp_substr regexp_like regexp_count regexp_instr
starts_with ends_with like_escape lcase ucase mid space field find_in_set elt make_set insert hex unhex
soundex difference levenshtein similarity string_to_array array_to_string to_hex to_ascii normalize
convert_from convert_to overlay casefold parse_ident format_type pg_get_viewdef pg_get_indexdef
pg_get_constraintdef pg_get_functiondef pg_get_triggerdef pg_get_ruledef pg_get_expr pg_get_serial_sequence
pg_get_userbyid pg_typeof pg_column_size pg_size_pretty pg_relation_size pg_total_relation_size
pg_table_size pg_indexes_size pg_database_size pg_tablespace_size pg_size_bytes pg_relation_filenode
pg_relation_filepath pg_backend_pid pg_postmaster_start_time pg_conf_load_time pg_current_wal_lsn
pg_is_in_recovery pg_last_wal_receive_lsn pg_last_wal_replay_lsn pg_last_xact_replay_timestamp
pg_wal_lsn_diff pg_blocking_pids pg_stat_get_activity pg_has_role has_table_privilege has_column_privilege
has_database_privilege has_schema_privilege has_function_privilege has_sequence_privilege
pg_table_is_visible pg_function_is_visible pg_type_is_visible obj_description col_description
shobj_description pg_encoding_to_char pg_char_to_encoding pg_get_keywords pg_options_to_table
pg_read_file pg_read_binary_file pg_ls_dir pg_stat_file pg_ls_logdir pg_ls_waldir pg_ls_tmpdir pg_tablespace_location
pg_sleep pg_advisory_lock pg_advisory_unlock pg_try_advisory_lock pg_advisory_xact_lock pg_advisory_unlock_all
pg_try_advisory_xact_lock pg_advisory_lock_shared pg_advisory_unlock_shared pg_current_xact_id txid_current
pg_current_snapshot txid_current_snapshot pg_snapshot_xmin pg_snapshot_xmax pg_xact_status pg_input_is_valid
pg_input_error_info pg_get_partkeydef pg_partition_tree pg_partition_root pg_partition_ancestors
pg_get_object_address pg_identify_object pg_describe_object pg_get_statisticsobjdef pg_settings_get_flags
pg_stat_get_numscans pg_collation_for pg_jit_available pg_notification_queue_usage pg_listening_channels
current_setting set_config current_database current_schema current_schemas current_catalog current_role
current_query inet_client_addr inet_server_addr inet_client_port inet_server_port version now clock_timestamp
statement_timestamp transaction_timestamp timeofday age date_part date_trunc date_bin extract isfinite
justify_days justify_hours justify_interval make_date make_time make_timestamp make_timestamptz make_interval
to_timestamp date_add date_sub datediff dateadd datename datepart timestampdiff timestampadd adddate subdate
curdate curtime sysdate utc_date utc_time utc_timestamp unix_timestamp from_unixtime str_to_date date_format
time_format year month day dayofmonth dayofweek dayofyear week weekday weekofyear hour minute second
microsecond quarter last_day makedate maketime period_add period_diff sec_to_time time_to_sec to_days
from_days to_seconds yearweek getdate getutcdate sysdatetime sysutcdatetime sysdatetimeoffset eomonth
datefromparts datetimefromparts timefromparts isdate strftime julianday unixepoch timediff
todate todatetime tostartofday tostartofhour tostartofminute tostartofmonth tostartofweek tostartofyear
toyyyymm toyyyymmdd toyear tomonth todayofmonth tounixtimestamp today yesterday epoch epoch_ms
abs ceil ceiling floor round trunc truncate sign sqrt cbrt power pow exp ln log log10 log2 mod div pi
degrees radians sin cos tan asin acos atan atan2 cot sinh cosh tanh asinh acosh atanh random rand
setseed gcd lcm factorial width_bucket scale min_scale trim_scale num_nonnulls num_nulls isnull ifnull nvl
nvl2 iif isnumeric choose if multiif coalesce nullif greatest least isnotnull decode
cast try_cast convert try_convert parse try_parse to_json to_jsonb row_to_json array_to_json json_build_object
jsonb_build_object json_build_array jsonb_build_array json_object jsonb_object json_array json_array_length
jsonb_array_length json_extract_path jsonb_extract_path json_extract_path_text jsonb_extract_path_text
json_each jsonb_each json_each_text jsonb_each_text json_array_elements jsonb_array_elements
json_array_elements_text jsonb_array_elements_text json_object_keys jsonb_object_keys json_populate_record
jsonb_populate_record json_populate_recordset jsonb_populate_recordset json_to_record jsonb_to_record
json_to_recordset jsonb_to_recordset json_typeof jsonb_typeof json_strip_nulls jsonb_strip_nulls jsonb_set
jsonb_set_lax jsonb_insert jsonb_pretty jsonb_path_query jsonb_path_exists jsonb_path_match
jsonb_path_query_array jsonb_path_query_first json_scalar json_serialize json_exists json_query json_value
json_table json_extract json_unquote json_contains json_contains_path json_keys json_length json_type
json_valid json_set json_insert json_replace json_remove json_merge_patch json_merge_preserve json_search
json_quote json_pretty json_group_array json_group_object json_tree json_patch json_arrayagg json_objectagg
isjson openjson jsonextract jsonextractstring jsonextractint jsonhas visitparamextractstring
array_length array_lower array_upper array_ndims array_dims array_position array_positions array_remove
array_replace array_append array_prepend array_cat array_fill cardinality unnest array_sort array_distinct
array_contains array_slice list_value list_contains list_extract list_aggregate list_sort generate_series
generate_subscripts range string_to_table arrayjoin arraymap arrayfilter has hasany hasall length
xmlelement xmlforest xmlconcat xmlparse xmlserialize xmlpi xmlroot xmlcomment xmlexists xml_is_well_formed
xpath xpath_exists xmltable table_to_xml
gen_random_uuid uuid_generate_v4 uuid_generate_v1 newid uuid uuidv4 uuidv7 generateuuidv4 random_uuid
inet_aton inet_ntoa inet6_aton inet6_ntoa host network netmask broadcast masklen family abbrev set_masklen
row_security_active pg_get_function_arguments pg_get_function_result pg_get_function_identity_arguments
to_tsvector to_tsquery plainto_tsquery phraseto_tsquery websearch_to_tsquery ts_rank ts_rank_cd ts_headline
setweight strip numnode querytree ts_debug ts_lexize ts_parse ts_token_type array_to_tsvector tsvector_to_array
point line lseg box path polygon circle area center diameter radius npoints isclosed isopen st_distance
st_astext st_geomfromtext st_x st_y st_contains st_intersects st_within
database schema found_rows row_count last_insert_id connection_id current_role session_user system_user
load_file get_lock release_lock is_free_lock is_used_lock release_all_locks sleep benchmark uuid_short
bin oct conv crc32 aes_encrypt aes_decrypt to_base64 from_base64 compress uncompress weight_string
charset collation coercibility format_bytes format_pico_time ps_current_thread_id
object_id object_name db_id db_name schema_id schema_name user_id user_name suser_name suser_sname host_name
app_name serverproperty databasepropertyex objectproperty columnproperty col_length col_name type_name
type_id ident_current scope_identity error_message error_number error_line error_severity error_state
error_procedure xact_state trancount len datalength charindex patindex stuff replicate quotename
string_agg concat translate format_message sqlite_version changes total_changes last_insert_rowid
typeof quote zeroblob randomblob likelihood likely unlikely printf total group_concat readfile sqlite_source_id
sqlite_compileoption_used sqlite_compileoption_get
read_csv read_csv_auto read_parquet read_json read_json_auto read_json_objects read_ndjson read_text read_blob
parquet_scan parquet_metadata parquet_schema glob duckdb_tables duckdb_columns duckdb_settings
duckdb_functions duckdb_extensions duckdb_databases duckdb_schemas duckdb_views duckdb_indexes
duckdb_constraints duckdb_types pragma_table_info pragma_version pragma_database_size current_setting
file url s3 hdfs remote remotesecure cluster clustersecure numbers zeros merge input generaterandom
mysql postgresql odbc jdbc sqlite iceberg deltalake hudi azureblobstorage gcs values format tostring
tointerval toint8 toint16 toint32 toint64 touint8 touint16 touint32 touint64 tofloat32 tofloat64 todecimal32
todecimal64 toyyyymmddhhmmss formatdatetime parsedatetimebesteffort empty notempty lengthutf8 lowerutf8 upperutf8
position positioncaseinsensitive match extract extractall splitbychar splitbystring arraystringconcat
cityhash64 siphash64 sipHash64 xxhash64 murmurhash3_64 halfmd5 farmhash64 javahash hostname fqdn currentdatabase
uptime timezone tuple tupleelement untuple assumenotnull tonullable ifnull nullif isnull isnotnull
regclass regproc regtype regnamespace regrole to_regclass to_regproc to_regtype to_regrole to_regnamespace
to_regprocedure to_regoper to_regoperator to_regcollation
tsrange tstzrange daterange int4range int8range numrange lower_inc upper_inc lower_inf upper_inf isempty
range_merge multirange int4multirange int8multirange nummultirange datemultirange tsmultirange tstzmultirange
bit_count get_bit set_bit get_byte set_byte sha digest hmac crypt gen_salt pgp_sym_encrypt pgp_sym_decrypt
encrypt decrypt gen_random_bytes armor dearmor crc32c
num_nonnulls pg_stat_get_backend_pid pg_stat_get_backend_idset pg_stat_get_db_numbackends
pg_get_wal_replay_pause_state pg_control_system pg_control_checkpoint pg_get_replication_slots
pg_stat_get_wal_senders pg_show_all_settings pg_lock_status pg_prepared_xact pg_show_replication_origin_status
pg_available_extensions pg_available_extension_versions pg_event_trigger_ddl_commands
pg_event_trigger_dropped_objects pg_get_publication_tables pg_visible_in_snapshot
int2 int4 int8 float4 float8 name oid bpchar inet cidr macaddr macaddr8 money tsvector tsquery xml bytea
text bool numeric varchar date timestamp timestamptz interval time timetz jsonb json uuid regconfig
satisfies_hash_partition jsonb_to_tsvector json_to_tsvector pg_column_compression ts_rewrite ts_delete ts_filter
ts_stat float4send float8send pg_stat_have_stats jsonb_path_query_tz jsonb_path_exists_tz jsonb_path_match_tz
jsonb_path_query_array_tz jsonb_path_query_first_tz range_agg range_intersect_agg lastval currval jsonb_contains
jsonb_contained jsonb_exists jsonb_exists_any jsonb_exists_all jsonb_delete jsonb_delete_path jsonb_concat
jsonb_hash getdatabaseencoding enum_range enum_first enum_last table_to_xmlschema table_to_xml_and_xmlschema
schema_to_xml schema_to_xmlschema schema_to_xml_and_xmlschema database_to_xml database_to_xmlschema cursor_to_xml
cursor_to_xmlschema random_normal lo_tell lo_tell64 lo_lseek lo_lseek64 lo_open lo_close loread lo_get array_sample
array_shuffle trim_array regprocedure regoper regoperator regcollation range_adjacent range_contains
pg_split_walfile_name pg_my_temp_schema pg_mcv_list_items pg_indexam_has_property pg_index_column_has_property
pg_index_has_property pg_identify_object_as_address pg_column_is_updatable pg_relation_is_updatable inet_merge
makeaclitem date_subtract xml_is_well_formed_document xml_is_well_formed_content xid8cmp tsquery_phrase
pg_timezone_names pg_timezone_abbrevs pg_sequence_parameters pg_sequence_last_value pg_snapshot_xip
pg_event_trigger_table_rewrite_oid pg_event_trigger_table_rewrite_reason macaddr8_set7bit is_normalized erf erfc
sind cosd tand cotd asind acosd atand atan2d pg_lsn pg_current_xact_id_if_assigned pg_xact_commit_timestamp
pg_last_committed_xact pg_walfile_name pg_walfile_name_offset pg_wal_summary_contents pg_available_wal_summaries
pg_get_wal_summarizer_state pg_column_toast_chunk_id pg_filenode_relation pg_relation_filenode pg_tablespace_databases
pg_trigger_depth pg_safe_snapshot_blocking_pids pg_isolation_test_session_is_blocked pg_postmaster_start_time
textmultirange int4multirange tsrange tstzrange numeric_inc cash_words`)

func sqlLowerSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[strings.ToLower(w)] = true
	}
	return m
}
