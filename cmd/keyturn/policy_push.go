package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"keyturn"
	"keyturn/classify"
	"keyturn/policy"
)

// maxPolicyPush bounds what push reads: the API refuses bodies over 1 MiB.
const maxPolicyPush = 1 << 20

func runPolicyPush(e *env, args []string) int {
	var o requestOptions
	var configPath string
	fs := newFlags(e, "policy push", policyUsage)
	o.remote.flags(fs)
	fs.StringVar(&configPath, "config", "", "environments configuration `file` the local test cases run with")
	fs.BoolVar(&o.json, "json", false, "print the request as JSON")
	operands, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(operands) != 1 {
		fmt.Fprintln(e.stderr, "keyturn policy push: give one policy directory\n\nUsage: keyturn "+policyUsage)
		return exitUsage
	}
	dir := operands[0]
	files, err := readPolicyDir(dir)
	if err != nil {
		return e.fail(err)
	}
	wd, _ := e.getwd()
	set, cases, err := validatePolicy(e, files, configPath, wd)
	if err != nil {
		fmt.Fprintf(e.stderr, "keyturn policy push: %s\nnothing was uploaded\n", keyturn.ErrorMessage(err))
		return exitInternal
	}
	svc, _, err := o.remote.service(e)
	if err != nil {
		return e.fail(err)
	}
	r, err := svc.PushPolicy(e.ctx, files)
	if err != nil {
		return e.failRemote(err)
	}
	if o.json {
		return e.printJSON(r)
	}
	fmt.Fprintf(e.stdout, "policy version %s pushed as request %s (%d policies, %d test cases passed)\n", r.PolicyVersion, r.ID, set.Len(), cases)
	if r.PolicyVersion != "" && r.PolicyVersion != set.Version() {
		fmt.Fprintf(e.stdout, "note: the server computed version %s, this keyturn %s\n", r.PolicyVersion, set.Version())
	}
	if r.State == keyturn.StatePending {
		fmt.Fprintf(e.stdout, "another admin must approve it before it takes effect: keyturn approve %s\n", r.ID)
	} else {
		fmt.Fprintln(e.stdout, outcomeLine(r, time.Now()))
	}
	return exitOK
}

// readPolicyDir reads the .cedar, .yaml and .yml files directly in dir.
func readPolicyDir(dir string) (map[string]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, keyturn.Errorf(keyturn.EINVALID, "policy directory: %v", err)
	}
	files := map[string]string{}
	total := 0
	for _, ent := range entries {
		switch strings.ToLower(filepath.Ext(ent.Name())) {
		case ".cedar", ".yaml", ".yml":
		default:
			continue
		}
		path := filepath.Join(dir, ent.Name())
		if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
			continue // a directory or a dangling link: not a policy file
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, keyturn.Errorf(keyturn.EINVALID, "policy file: %v", err)
		}
		if total += len(b); total > maxPolicyPush {
			return nil, keyturn.Errorf(keyturn.ETOOLARGE, "%s holds more than %d bytes of policy and tests; the server takes at most that", dir, maxPolicyPush)
		}
		files[ent.Name()] = string(b)
	}
	return files, nil
}

// validatePolicy compiles the .cedar files and runs the YAML suites against
// them, as the server will: a set that does not parse or fails its own
// cases never leaves this machine. It prints each failure and returns the
// set and the number of cases passed.
func validatePolicy(e *env, files map[string]string, configPath, cwd string) (*policy.Set, int, error) {
	var sources []policy.Source
	var suites []string
	for name, text := range files {
		if strings.EqualFold(filepath.Ext(name), ".cedar") {
			sources = append(sources, policy.Source{Name: name, Text: text})
		} else {
			suites = append(suites, name)
		}
	}
	if len(sources) == 0 {
		return nil, 0, keyturn.Errorf(keyturn.EINVALID, "the directory has no .cedar files")
	}
	sort.Slice(sources, func(i, j int) bool { return sources[i].Name < sources[j].Name })
	sort.Strings(suites)
	set, err := policy.Compile(sources)
	if err != nil {
		return nil, 0, err
	}
	if len(suites) == 0 {
		return set, 0, nil
	}
	cfg, _, err := loadConfig(e, configPath, cwd)
	if err != nil {
		return nil, 0, err
	}
	cl := classify.New(cfg)
	classifyFn := func(command, dir string, env map[string]string) []keyturn.Effect {
		if dir == "" {
			dir = cwd
		}
		return cl.Shell(command, classify.Context{Cwd: dir, Env: env})
	}
	passed, failed := 0, 0
	for _, name := range suites {
		suite, err := policy.ParseSuite([]byte(files[name]))
		if err != nil {
			return nil, 0, keyturn.Errorf(keyturn.EINVALID, "%s: %s", name, keyturn.ErrorMessage(err))
		}
		for _, r := range set.Run(suite, classifyFn) {
			if r.Failure != "" {
				fmt.Fprintf(e.stderr, "%s: %s", name, policy.FormatFailure(r))
				failed++
			} else {
				passed++
			}
		}
	}
	if failed > 0 {
		return nil, 0, keyturn.Errorf(keyturn.EINVALID, "the policy set fails %d of its own %d test cases (fix them, or `keyturn policy test` them locally)", failed, passed+failed)
	}
	return set, passed, nil
}
