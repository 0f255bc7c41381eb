package main

import (
	"fmt"

	"keyturn"
	"keyturn/classify"
	"keyturn/policy"
)

const policyUsage = `policy show [--policy DIR] [--schema]
       keyturn policy test [--policy DIR] [--config F] FILE.yaml…
       keyturn policy push [--url U] [--token T] DIR

show prints the active policies (the built-in pack, or DIR's .cedar files).
test runs YAML cases (command or effect → expected decision and approvals)
and reports each failure with its effects and reasons; exit 1 on failure.
push uploads DIR's .cedar files (and its .yaml test cases, which must pass)
to the server as a request that another admin must approve.`

func runPolicy(e *env, args []string) int {
	return e.dispatch("policy", policyUsage, args, map[string]func(*env, []string) int{
		"show": runPolicyShow, "test": runPolicyTest, "push": runPolicyPush,
	})
}

func runPolicyShow(e *env, args []string) int {
	fs := newFlags(e, "policy show", policyUsage)
	dir := fs.String("policy", "", "policy `dir`ectory (default: the built-in pack)")
	schema := fs.Bool("schema", false, "print the Cedar schema the policies are checked against")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *schema {
		fmt.Fprint(e.stdout, policy.Schema())
		return exitOK
	}
	set, err := loadPolicy(*dir)
	if err != nil {
		return e.fail(err)
	}
	fmt.Fprintf(e.stdout, "// keyturn policy version %s: %d policies\n", set.Version(), set.Len())
	fmt.Fprint(e.stdout, set.String())
	return exitOK
}

func runPolicyTest(e *env, args []string) int {
	fs := newFlags(e, "policy test", policyUsage)
	dir := fs.String("policy", "", "policy `dir`ectory (default: the built-in pack)")
	configPath := fs.String("config", "", "environments configuration `file`")
	verbose := fs.Bool("v", false, "print every case, not only failures")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(e.stderr, "keyturn policy test: give at least one FILE.yaml")
		return exitUsage
	}
	set, err := loadPolicy(*dir)
	if err != nil {
		return e.fail(err)
	}
	wd, _ := e.getwd()
	cfg, _, err := loadConfig(e, *configPath, wd)
	if err != nil {
		return e.fail(err)
	}
	cl := classify.New(cfg)
	classifyFn := func(command, cwd string, env map[string]string) []keyturn.Effect {
		if cwd == "" {
			cwd = wd
		}
		return cl.Shell(command, classify.Context{Cwd: cwd, Env: env})
	}
	total, failed := 0, 0
	for _, file := range fs.Args() {
		suite, err := policy.LoadSuite(file)
		if err != nil {
			return e.fail(keyturn.Errorf(keyturn.EINVALID, "%s: %s", file, keyturn.ErrorMessage(err)))
		}
		results := set.Run(suite, classifyFn)
		for _, r := range results {
			if r.Failure != "" {
				fmt.Fprint(e.stdout, policy.FormatFailure(r))
			} else if *verbose {
				fmt.Fprintf(e.stdout, "ok   %s: %s\n", caseName(r.Case), r.Decision)
			}
		}
		p, f := policy.Summary(results)
		total += p + f
		failed += f
	}
	fmt.Fprintf(e.stdout, "%d cases, %d passed, %d failed (policy version %s)\n", total, total-failed, failed, set.Version())
	if failed > 0 {
		return exitInternal
	}
	return exitOK
}

func caseName(c policy.Case) string {
	if c.Name != "" {
		return c.Name
	}
	return c.Command
}
