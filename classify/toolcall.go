package classify

import (
	"bytes"
	"encoding/json"
	"maps"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"mvdan.cc/sh/v3/syntax"

	"keyturn"
)

// MCP tool calls (and the agents' own tools that arrive as one, such as
// Kiro's use_aws). A tool is a name and JSON arguments; keyturn knows what
// it does only from what it can read:
//
//   - use_aws runs the AWS CLI: it is judged as that command line.
//   - Arguments that carry a shell command (command, cmd, script, shell) are
//     judged as that command; SQL (sql, statement, and query when it reads
//     as SQL) as that SQL, on the host and database the arguments name.
//     The tool is then taken to run what it carries.
//   - keyturn.yaml's `tools:` may state a tool's class: the operator's own
//     word, which may be read.
//   - The server's annotations may raise the class, never lower it:
//     destructiveHint true makes the tool at least destructive. readOnlyHint
//     true is the server's claim about itself and lowers nothing: a tool
//     keyturn cannot read and the operator has not mapped stays unknown,
//     whatever it says. readOnlyHint false raises nothing either: the MCP Go
//     SDK cannot tell it from an absent hint, so it says nothing.
//   - Anything else is unknown, in the environment the arguments' hints
//     name, or unknown.
//
// The strictest effect decides, so nothing read in the arguments can be
// lowered by a mapping or a hint.
//
// A shell command a tool carries is judged in the action's Cwd (or an
// absolute cwd argument). An adapter for a server that does not run on this
// machine (an MCP proxy to an HTTP upstream) should leave Cwd empty: paths
// are then not known to be in the workspace.

// Argument names, lower case.
var (
	toolShellKeys = map[string]bool{"command": true, "cmd": true, "script": true, "shell": true,
		"command_line": true, "commandline": true, "bash": true}
	toolSQLKeys   = map[string]bool{"sql": true, "statement": true, "statements": true, "sql_query": true}
	toolQueryKeys = map[string]bool{"query": true, "q": true}
	toolCwdKeys   = map[string]bool{"cwd": true, "workdir": true, "working_directory": true, "workingdirectory": true, "dir": true, "directory": true}
	// toolHintKeys map arguments to environment hints.
	toolHintKeys = map[string]string{
		"host": "host", "hostname": "host", "server": "host", "endpoint": "host",
		"database": "database", "db": "database", "dbname": "database", "database_name": "database",
		"profile": "aws_profile", "aws_profile": "aws_profile", "profile_name": "aws_profile",
		"region": "aws_region", "aws_region": "aws_region",
		"context": "kube_context", "kube_context": "kube_context", "cluster": "kube_cluster",
		"namespace": "kube_namespace",
		"project":   "gcloud_project", "project_id": "gcloud_project", "gcloud_project": "gcloud_project",
		"subscription": "azure_subscription", "subscription_id": "azure_subscription",
	}
	// toolDSNKeys hold a connection string.
	toolDSNKeys = map[string]bool{"dsn": true, "url": true, "database_url": true, "connection_string": true,
		"connectionstring": true, "uri": true, "connection": true}
	// toolTargetKeys name the resources a call touches.
	toolTargetKeys = []string{"bucket", "table", "name", "key", "id", "path", "file", "repo", "repository",
		"resource", "instance_id", "cluster_name", "function_name", "queue_url", "topic_arn", "arn"}
)

// carrierTool matches the names of tools that run the command or query they
// are given: their call is what that command or query does.
var carrierTool = regexp.MustCompile(`(?i)(^|[_.-])(sql|query|queries|exec|execute|run|shell|bash|sh|command|cmd|terminal|psql|mysql|sqlite|script)([_.-]|$)`)

// maxToolArgs bounds the arguments read: a larger call is not understood.
const maxToolArgs = 1 << 20

// tool classifies an MCP tool call.
func (c *Classifier) tool(a *keyturn.Action) []keyturn.Effect {
	name := a.Server + "/" + a.Tool
	args, why := toolArguments(a.Arguments)
	if why != "" {
		e := unknownEffect("mcp", name, why)
		e.Environment = keyturn.EnvUnknown
		return []keyturn.Effect{e}
	}
	hints, targets := toolHints(args)

	var carried []keyturn.Effect // what the arguments carry
	if a.Tool == "use_aws" {
		carried = append(carried, c.useAWS(a, args)...)
	}
	carried = append(carried, c.toolShell(a, args, hints)...)
	carried = append(carried, toolSQL(a, args, hints)...)

	mapped, isMapped := c.cfg.ToolClass(name)
	destructive := a.Annotations["destructiveHint"]
	// Only a tool whose name says it runs what it is given (run_sql,
	// execute_command, use_aws) is judged by what its arguments carry
	// alone; any other tool may do more than the command it was handed.
	carrier := len(carried) > 0 && (a.Tool == "use_aws" || carrierTool.MatchString(a.Tool))
	var out []keyturn.Effect
	if isMapped || !carrier || destructive {
		class := keyturn.Unknown
		note := "keyturn does not know what this tool does: map it in keyturn.yaml's tools: to give it a class"
		if isMapped {
			class, note = mapped, "the class keyturn.yaml's tools: gives it"
		} else if carrier {
			class, note = keyturn.Read, ""
		}
		if raised := keyturn.MaxClass(class, keyturn.Destructive); destructive && raised != class {
			// Unknown is already stricter and stays.
			class = raised
			note = strings.TrimPrefix(note+"; the server declares it destructive (destructiveHint)", "; ")
		}
		e := keyturn.Effect{Tool: "mcp", Operation: name, Class: class, Hints: hints, Targets: targets, Note: note}
		if len(hints) == 0 {
			e.Environment = keyturn.EnvUnknown
		}
		out = append(out, e)
	}
	return c.finish(append(out, carried...))
}

// toolArguments decodes the arguments: a JSON object (or nothing). A key
// given twice is refused: which of the two the server reads is its own
// business, and keyturn would judge the other.
func toolArguments(raw json.RawMessage) (map[string]any, string) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return map[string]any{}, ""
	}
	if len(raw) > maxToolArgs {
		return nil, "the arguments are over 1 MiB"
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, "the arguments are not a JSON object"
	}
	args := map[string]any{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, "the arguments are not valid JSON"
		}
		k, _ := t.(string)
		if _, dup := args[k]; dup {
			return nil, "the argument " + k + " is given twice"
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, "the arguments are not valid JSON"
		}
		args[k] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, "the arguments are not valid JSON"
	}
	if dec.More() {
		return nil, "more than one JSON value in the arguments"
	}
	return args, ""
}

// sortedKeys returns the argument names in order, so effects never depend
// on map iteration.
func sortedKeys(args map[string]any) []string {
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// toolHints reads environment hints and targets from the arguments.
func toolHints(args map[string]any) (map[string]string, []string) {
	hints := map[string]string{}
	var targets []string
	for _, k := range sortedKeys(args) {
		s, ok := args[k].(string)
		if !ok || s == "" {
			continue
		}
		lk := strings.ToLower(k)
		if h, ok := toolHintKeys[lk]; ok {
			if h == "host" {
				s = normalHost(urlHost(s))
			}
			hints[h] = s
		}
		if toolDSNKeys[lk] {
			if host, db, ok := parseDSN(s); ok {
				if host != "" {
					hints["host"] = host
				}
				if db != "" {
					hints["database"] = db
				}
			}
		}
	}
	for _, k := range toolTargetKeys {
		for _, ak := range sortedKeys(args) {
			if strings.ToLower(ak) != k {
				continue
			}
			if s, ok := args[ak].(string); ok && s != "" && len(s) <= 512 {
				targets = append(targets, s)
			}
		}
	}
	if len(hints) == 0 {
		hints = nil
	}
	return hints, targets
}

// toolShell judges the shell commands the arguments carry. A host in the
// arguments makes them run there, as ssh would.
func (c *Classifier) toolShell(a *keyturn.Action, args map[string]any, hints map[string]string) []keyturn.Effect {
	cwd := a.Cwd
	for _, k := range sortedKeys(args) {
		if toolCwdKeys[strings.ToLower(k)] {
			d, ok := args[k].(string)
			if !ok || !strings.HasPrefix(d, "/") {
				cwd = "" // somewhere keyturn cannot place
			} else {
				cwd = d
			}
		}
	}
	var out []keyturn.Effect
	for _, k := range sortedKeys(args) {
		if !toolShellKeys[strings.ToLower(k)] {
			continue
		}
		line, ok := shellText(args[k])
		if !ok {
			out = append(out, unknownEffect("mcp", a.Server+"/"+a.Tool, "the argument "+k+" is not a command keyturn can read"))
			continue
		}
		var effects []keyturn.Effect
		s := c.newState(Context{Cwd: cwd, Env: maps.Clone(a.Env)}, &effects)
		s.work.limit = workPerByte*len(line) + workBase
		switch {
		case len(line) > maxLine:
			s.emit(unknownEffect("shell", "oversized command", "the command is over 1 MiB"))
		case hints["host"] != "" && !isLoopback(hints["host"]):
			s.insideState(map[string]string{"host": hints["host"]}).script(line, "argument "+k)
		default:
			s.script(line, "argument "+k)
		}
		if len(effects) == 0 {
			effects = append(effects, keyturn.Effect{Tool: "shell", Operation: "no command", Class: keyturn.Read, Environment: keyturn.EnvLocal})
		}
		out = append(out, effects...)
	}
	return out
}

// shellText returns a command argument as a shell line: a string as it
// is, a list of strings as the words of one command.
func shellText(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case []any:
		words := make([]string, 0, len(v))
		for _, w := range v {
			s, ok := w.(string)
			if !ok {
				return "", false
			}
			q, err := syntax.Quote(s, syntax.LangBash)
			if err != nil {
				return "", false
			}
			words = append(words, q)
		}
		return strings.Join(words, " "), len(words) > 0
	}
	return "", false
}

// sqlStatementWords open SQL statements: a query argument that starts with one is
// SQL, not a search.
var sqlStatementWords = map[string]bool{
	"select": true, "with": true, "insert": true, "update": true, "delete": true, "merge": true,
	"upsert": true, "replace": true, "create": true, "drop": true, "alter": true, "truncate": true,
	"rename": true, "grant": true, "revoke": true, "explain": true, "show": true, "describe": true,
	"desc": true, "set": true, "reset": true, "begin": true, "start": true, "commit": true,
	"rollback": true, "call": true, "exec": true, "execute": true, "do": true, "copy": true,
	"vacuum": true, "analyze": true, "reindex": true, "cluster": true, "pragma": true, "attach": true,
	"detach": true, "use": true, "lock": true, "unlock": true, "load": true, "import": true,
	"comment": true, "prepare": true, "declare": true, "refresh": true, "optimize": true,
	"kill": true, "shutdown": true, "values": true, "table": true, "listen": true, "notify": true,
	"savepoint": true, "release": true, "discard": true, "security": true, "reassign": true,
	"checkpoint": true, "backup": true, "restore": true, "dbcc": true, "go": true, "handler": true,
	"flush": true, "purge": true, "install": true, "uninstall": true, "system": true,
}

// looksLikeSQL reports whether text opens with an SQL statement keyword,
// after blanks, comments and parentheses.
func looksLikeSQL(text string) bool {
	s := text
	for {
		s = strings.TrimLeftFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '(' || r == ';' })
		switch {
		case strings.HasPrefix(s, "--") || strings.HasPrefix(s, "#"):
			_, rest, ok := strings.Cut(s, "\n")
			if !ok {
				return false
			}
			s = rest
			continue
		case strings.HasPrefix(s, "/*"):
			_, rest, ok := strings.Cut(s[2:], "*/")
			if !ok {
				return false
			}
			s = rest
			continue
		}
		break
	}
	return sqlStatementWords[strings.ToLower(sqlLeadingWord(s))]
}

// toolSQL judges the SQL the arguments carry, on the host and database
// they name (unknown without). Which server speaks it is not known, so the
// text is read as PostgreSQL and as MySQL, and both readings count: their
// quoting and comments differ, and a statement hidden from one reading is
// seen by the other.
func toolSQL(a *keyturn.Action, args map[string]any, hints map[string]string) []keyturn.Effect {
	name := a.Server + "/" + a.Tool
	sqlTool := strings.Contains(strings.ToLower(name), "sql")
	dbHints := map[string]string{}
	for _, k := range []string{"host", "database"} {
		if v := hints[k]; v != "" {
			dbHints[k] = v
		}
	}
	var out []keyturn.Effect
	for _, k := range sortedKeys(args) {
		lk := strings.ToLower(k)
		if !toolSQLKeys[lk] && !toolQueryKeys[lk] {
			continue
		}
		var texts []string
		switch v := args[k].(type) {
		case string:
			texts = []string{v}
		case []any:
			for _, x := range v {
				s, ok := x.(string)
				if !ok {
					texts = nil
					break
				}
				texts = append(texts, s)
			}
			if texts == nil {
				out = append(out, unknownEffect("sql", name, "the argument "+k+" is not SQL text keyturn can read"))
				continue
			}
		default:
			if toolSQLKeys[lk] {
				out = append(out, unknownEffect("sql", name, "the argument "+k+" is not SQL text keyturn can read"))
			}
			continue
		}
		for _, text := range texts {
			if toolQueryKeys[lk] && !sqlTool && !looksLikeSQL(text) {
				continue // a search, not SQL
			}
			if len(text) > maxLine {
				out = append(out, unknownEffect("sql", name, "the SQL is over 1 MiB"))
				continue
			}
			for _, d := range toolSQLDialects(name) {
				_, verdicts := sqlStatementClass(text, d)
				if len(verdicts) == 0 {
					verdicts = []sqlVerdict{{op: "no statement", class: keyturn.Read}}
				}
				for _, v := range verdicts {
					e := keyturn.Effect{Tool: "sql", Operation: v.op, Class: v.class, Hints: maps.Clone(dbHints), Note: v.note}
					for _, t := range v.targets {
						if t != "" {
							e.Targets = append(e.Targets, t)
						}
					}
					if len(dbHints) == 0 {
						e.Environment = keyturn.EnvUnknown
						addNote(&e, "the arguments name no database host")
					}
					out = append(out, e)
				}
			}
		}
	}
	return out
}

// toolSQLDialects returns the dialects to read a tool's SQL in: the one its
// name says, else PostgreSQL and MySQL both.
func toolSQLDialects(name string) []*sqlDialect {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "postgres") || strings.Contains(n, "pg"):
		return []*sqlDialect{sqlPostgres}
	case strings.Contains(n, "mysql") || strings.Contains(n, "maria"):
		return []*sqlDialect{sqlMySQL}
	case strings.Contains(n, "sqlite"):
		return []*sqlDialect{sqlSQLite}
	case strings.Contains(n, "mssql") || strings.Contains(n, "sqlserver"):
		return []*sqlDialect{sqlTSQL}
	case strings.Contains(n, "clickhouse"):
		return []*sqlDialect{sqlClickHouse}
	}
	return []*sqlDialect{sqlPostgres, sqlMySQL}
}

// useAWS judges Kiro's use_aws tool. Kiro runs it as the AWS CLI:
//
//	aws --region REGION [--profile PROFILE] SERVICE OPERATION --param value …
//
// with each parameter's name in kebab case and its value as given (a
// string) or as JSON (anything else), an empty string giving the flag
// alone (aws/amazon-q-developer-cli, crates/chat-cli/src/cli/chat/tools/
// use_aws.rs, the code Kiro CLI's use_aws comes from, read 2026). The same
// line goes to the aws analyzer. Without profile_name, Kiro uses the
// agent's toolsSettings.use_aws.profile_name, which keyturn cannot see,
// before AWS_PROFILE: the profile is then not known, and neither is the
// environment.
func (c *Classifier) useAWS(a *keyturn.Action, args map[string]any) []keyturn.Effect {
	str := func(k string) (string, bool) {
		v, ok := args[k]
		if !ok || v == nil {
			return "", true
		}
		s, ok := v.(string)
		return s, ok
	}
	service, ok1 := str("service_name")
	operation, ok2 := str("operation_name")
	region, ok3 := str("region")
	profile, ok4 := str("profile_name")
	if !ok1 || !ok2 || !ok3 || !ok4 || service == "" || operation == "" {
		e := unknownEffect("aws", "use_aws", "use_aws needs service_name and operation_name as text")
		e.Environment = keyturn.EnvUnknown
		return []keyturn.Effect{e}
	}
	argv := []string{"--region", region}
	if profile != "" {
		argv = append(argv, "--profile", profile)
	}
	// The CLI spells operations in kebab case; other use_aws tools (Strands'
	// on boto3) in snake case. Either names the same operation.
	argv = append(argv, strings.ReplaceAll(service, "_", "-"), strings.ReplaceAll(operation, "_", "-"))
	if p, ok := args["parameters"]; ok && p != nil {
		params, ok := p.(map[string]any)
		if !ok {
			e := unknownEffect("aws", "use_aws", "use_aws parameters are not a JSON object")
			e.Environment = keyturn.EnvUnknown
			return []keyturn.Effect{e}
		}
		// Kiro passes the parameters in a hash map's order: two that the
		// CLI reads as one option could come in either order.
		seen := map[string]bool{}
		for _, k := range sortedKeys(params) {
			flag := "--" + kebab(strings.TrimPrefix(k, "--"))
			key := flag
			if full, _, ok := awsGlobal(flag); ok {
				key = full
			}
			if seen[key] {
				e := unknownEffect("aws", "use_aws", "two parameters set "+key+": which one the CLI reads depends on their order")
				e.Environment = keyturn.EnvUnknown
				return []keyturn.Effect{e}
			}
			seen[key] = true
			argv = append(argv, flag)
			switch v := params[k].(type) {
			case string:
				if v != "" {
					argv = append(argv, v)
				}
			default:
				b, err := json.Marshal(v)
				if err != nil {
					return []keyturn.Effect{unknownEffect("aws", "use_aws", "a parameter keyturn cannot encode")}
				}
				argv = append(argv, string(b))
			}
		}
	}
	env := maps.Clone(a.Env)
	if env == nil {
		env = map[string]string{}
	}
	if profile == "" {
		delete(env, "AWS_PROFILE")
		delete(env, "AWS_DEFAULT_PROFILE")
	}
	var out []keyturn.Effect
	s := c.newState(Context{Cwd: a.Cwd, Env: env}, &out)
	s.work.limit = workBase
	cl := &call{s: s, prog: "aws", path: "aws", args: lits(argv...), env: env}
	effects := analyzeAWS(cl)
	if profile == "" {
		for i := range effects {
			if effects[i].Class != keyturn.Read || effects[i].Environment == "" {
				addNote(&effects[i], "no profile_name: Kiro may use its agent's configured profile")
			}
		}
	}
	return append(out, effects...)
}

// kebab turns a parameter name into the CLI's spelling, as Kiro does with
// the convert_case crate: words split at _, -, spaces, a lower-case letter
// or digit followed by an upper-case one, the last capital of a run before
// a lower-case letter, and between letters and digits; joined by -, lower
// case. InstanceIds is instance-ids, DBInstanceIdentifier
// db-instance-identifier, dry_run dry-run.
func kebab(s string) string {
	rs := []rune(s)
	var words []string
	var w []rune
	flush := func() {
		if len(w) > 0 {
			words = append(words, strings.ToLower(string(w)))
			w = w[:0]
		}
	}
	for i, r := range rs {
		if r == '_' || r == '-' || unicode.IsSpace(r) {
			flush()
			continue
		}
		if i > 0 && len(w) > 0 {
			prev := rs[i-1]
			switch {
			case unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev)):
				flush()
			case unicode.IsUpper(prev) && unicode.IsUpper(r) && i+1 < len(rs) && unicode.IsLower(rs[i+1]):
				flush()
			case unicode.IsDigit(r) && unicode.IsLetter(prev), unicode.IsLetter(r) && unicode.IsDigit(prev):
				flush()
			}
		}
		w = append(w, r)
	}
	flush()
	return strings.Join(words, "-")
}
