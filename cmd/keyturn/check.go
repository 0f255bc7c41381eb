package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"mvdan.cc/sh/v3/syntax"

	"keyturn"
	"keyturn/classify"
	"keyturn/policy"
)

const checkUsage = `check [--config F] [--policy DIR] [--cwd D] [--json] -- CMD…
       keyturn check --jsonl [--config F] [--policy DIR] < lines.jsonl

Judges a shell command the way keyturn judges an agent's: prints what it
would do (its effects), the decision and the reasons. The command is either
the words after -- or one argument holding the whole line.

Exit status: 0 allow, 10 ask (the operator confirms), 11 approve (peers
approve), 12 deny, 2 usage error, 1 internal error.

With --jsonl, reads one JSON object per line on stdin,
  {"command": "...", "cwd": "...", "env": {"AWS_PROFILE": "prod"}}
and writes one JSON decision per line on stdout, in order. A bad line gets a
line with "error" and the stream goes on; the exit status is then 0.`

type checkOptions struct {
	config, policy, cwd string
	json, jsonl         bool
}

// checker is the classifier and policy a check runs with.
type checker struct {
	cl  *classify.Classifier
	set *policy.Set
}

func runCheck(e *env, args []string) int {
	var o checkOptions
	fs := newFlags(e, "check", checkUsage)
	fs.StringVar(&o.config, "config", "", "environments configuration `file` (default: keyturn.yaml in the workspace, then in the user config dir)")
	fs.StringVar(&o.policy, "policy", "", "policy `dir`ectory of .cedar files (default: the built-in pack)")
	fs.StringVar(&o.cwd, "cwd", "", "the `dir`ectory the command runs in (default: the current directory)")
	fs.BoolVar(&o.json, "json", false, "print the result as JSON")
	fs.BoolVar(&o.jsonl, "jsonl", false, "judge JSON lines from stdin")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	cwd := o.cwd
	if cwd == "" {
		wd, err := e.getwd()
		if err != nil {
			return e.fail(keyturn.Errorf(keyturn.EINTERNAL, "current directory: %v", err))
		}
		cwd = wd
	} else if abs, err := filepath.Abs(cwd); err == nil {
		cwd = abs
	}
	ck, err := newChecker(e, o.config, o.policy, cwd)
	if err != nil {
		return e.fail(err)
	}
	if o.jsonl {
		if fs.NArg() > 0 {
			fmt.Fprintln(e.stderr, "keyturn check: --jsonl reads commands from stdin; give no command")
			return exitUsage
		}
		if err := ck.jsonl(e.stdin, e.stdout); err != nil {
			return e.fail(err)
		}
		return exitOK
	}
	line := commandLine(fs.Args())
	if strings.TrimSpace(line) == "" {
		fmt.Fprintln(e.stderr, "keyturn check: no command given\n\nUsage: keyturn "+checkUsage)
		return exitUsage
	}
	res := ck.check(line, cwd, processEnv(e.environ()))
	if o.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return e.fail(err)
		}
	} else {
		printResult(e.stdout, res)
	}
	return outcomeExit(res.Decision)
}

func newChecker(e *env, configPath, policyDir, cwd string) (*checker, error) {
	cfg, _, err := loadConfig(e, configPath, cwd)
	if err != nil {
		return nil, err
	}
	set, err := loadPolicy(policyDir)
	if err != nil {
		return nil, err
	}
	if policyDir != "" {
		if abs, err := filepath.Abs(policyDir); err == nil {
			if err := cfg.ProtectPath(abs); err != nil {
				return nil, err
			}
		}
	}
	return &checker{cl: classify.New(cfg), set: set}, nil
}

// commandLine turns check's operands into one shell line: a single operand
// is the line itself; several are argv, quoted back so that
// `check -- bash -c 'rm -rf /'` keeps its words.
func commandLine(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	q := make([]string, len(args))
	for i, a := range args {
		s, err := syntax.Quote(a, syntax.LangBash)
		if err != nil {
			s = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = s
	}
	return strings.Join(q, " ")
}

func processEnv(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// result is check's answer for one command; its JSON is the --json and
// --jsonl output.
type result struct {
	Command       string           `json:"command"`
	Decision      keyturn.Outcome  `json:"decision"`
	Approvals     int              `json:"approvals"`
	Class         keyturn.Class    `json:"class"`
	Effects       []keyturn.Effect `json:"effects"`
	Reasons       []keyturn.Reason `json:"reasons"`
	PolicyVersion string           `json:"policy_version"`
}

func (ck *checker) check(line, cwd string, env map[string]string) result {
	effects := ck.cl.Shell(line, classify.Context{Cwd: cwd, Env: env})
	d := ck.set.Decide(effects, policy.Input{Agent: "cli", Kind: "cli"})
	// Lists are always lists in the output, never null.
	for i := range effects {
		if effects[i].Targets == nil {
			effects[i].Targets = []string{}
		}
	}
	if d.Reasons == nil {
		d.Reasons = []keyturn.Reason{}
	}
	return result{Command: line, Decision: d.Outcome, Approvals: d.Approvals, Class: keyturn.StrictestClass(effects),
		Effects: effects, Reasons: d.Reasons, PolicyVersion: d.PolicyVersion}
}

func outcomeExit(o keyturn.Outcome) int {
	switch o {
	case keyturn.Allow:
		return exitOK
	case keyturn.Ask:
		return exitAsk
	case keyturn.Approve:
		return exitApprove
	default:
		return exitDeny
	}
}

// jsonlInput is one line of --jsonl input.
type jsonlInput struct {
	Command *string           `json:"command"`
	Cwd     string            `json:"cwd"`
	Env     map[string]string `json:"env"`
}

type jsonlError struct {
	Line  int    `json:"line"`
	Code  string `json:"code"`
	Error string `json:"error"`
}

// maxJSONLLine bounds one input line; a longer one is an error line.
const maxJSONLLine = 1 << 20

func (ck *checker) jsonl(in io.Reader, out io.Writer) error {
	r := bufio.NewReaderSize(in, 64<<10)
	w := bufio.NewWriterSize(out, 64<<10)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for n := 1; ; n++ {
		line, tooLong, err := readLine(r, maxJSONLLine)
		if err == io.EOF && len(line) == 0 && !tooLong {
			break
		}
		if err != nil && err != io.EOF {
			w.Flush()
			return keyturn.Errorf(keyturn.EINTERNAL, "reading stdin: %v", err)
		}
		if len(strings.TrimSpace(string(line))) == 0 && !tooLong {
			n--
			if err == io.EOF {
				break
			}
			continue
		}
		var v any
		if tooLong {
			v = jsonlError{Line: n, Code: keyturn.ETOOLARGE, Error: fmt.Sprintf("line %d is over %d bytes", n, maxJSONLLine)}
		} else {
			v = ck.jsonlLine(n, line)
		}
		if err := enc.Encode(v); err != nil {
			return keyturn.Errorf(keyturn.EINTERNAL, "writing stdout: %v", err)
		}
		if err == io.EOF {
			break
		}
	}
	return w.Flush()
}

func (ck *checker) jsonlLine(n int, line []byte) any {
	var in jsonlInput
	if err := json.Unmarshal(line, &in); err != nil {
		return jsonlError{Line: n, Code: keyturn.EINVALID, Error: "malformed JSON: " + err.Error()}
	}
	if in.Command == nil {
		return jsonlError{Line: n, Code: keyturn.EINVALID, Error: `missing "command"`}
	}
	cwd := in.Cwd
	if cwd != "" && !filepath.IsAbs(cwd) {
		return jsonlError{Line: n, Code: keyturn.EINVALID, Error: fmt.Sprintf("cwd %q is not an absolute path", cwd)}
	}
	env := in.Env
	if env == nil {
		env = map[string]string{}
	}
	return ck.check(*in.Command, cwd, env)
}

// readLine reads one line without its newline. A line over max is skipped
// to its end and reported as tooLong.
func readLine(r *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	for {
		chunk, isPrefix, err := r.ReadLine()
		if !tooLong {
			if len(line)+len(chunk) > max {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if err != nil || !isPrefix {
			return line, tooLong, err
		}
	}
}

// printResult writes the decision for a person: the verdict first, then
// what the command would do, then why.
func printResult(w io.Writer, r result) {
	fmt.Fprintf(w, "%s  %s\n\n", verdict(r), r.Command)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  TOOL\tOPERATION\tCLASS\tENVIRONMENT\tTARGETS")
	for _, e := range shownEffects(r.Effects) {
		targets := strings.Join(e.Targets, ", ")
		if len(targets) > 80 {
			targets = targets[:77] + "..."
		}
		flags := ""
		if e.Protected {
			flags += " [protected]"
		}
		if e.SelfModify {
			flags += " [keyturn's own files]"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s%s\n", e.Tool, e.Operation, e.Class, e.Environment, targets, flags)
	}
	tw.Flush()
	var notes []string
	for _, e := range r.Effects {
		if e.Note != "" && e.Class != keyturn.Read {
			notes = append(notes, fmt.Sprintf("  note: %s: %s", e.Operation, e.Note))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, strings.Join(dedupe(notes), "\n"))
	}
	fmt.Fprintln(w)
	for _, rs := range r.Reasons {
		fmt.Fprintf(w, "  why: %s [%s]\n", rs.Message, rs.Policy)
	}
	fmt.Fprintf(w, "  policy version %s\n", r.PolicyVersion)
}

// shownEffects leaves out the shell's own reads (cd, echo, export) when
// there is anything else to show: they decide nothing and hide what does.
// --json keeps every effect.
func shownEffects(effects []keyturn.Effect) []keyturn.Effect {
	var out []keyturn.Effect
	for _, e := range effects {
		if e.Tool != "shell" || e.Class != keyturn.Read {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return effects
	}
	return out
}

func verdict(r result) string {
	switch r.Decision {
	case keyturn.Allow:
		return "ALLOW"
	case keyturn.Ask:
		return "ASK      the operator must confirm"
	case keyturn.Approve:
		peers := "peer"
		if r.Approvals != 1 {
			peers = "peers"
		}
		return fmt.Sprintf("APPROVE  %d %s other than the operator must approve", r.Approvals, peers)
	default:
		return "DENY"
	}
}

func dedupe(lines []string) []string {
	seen := map[string]bool{}
	out := lines[:0]
	for _, l := range lines {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}
