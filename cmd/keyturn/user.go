package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"keyturn"
)

const userUsage = `user add NAME --role ROLE [--role ROLE]… [--group G]… [--json]
       keyturn user disable NAME
       keyturn user list [--json]

Manages the humans who use keyturn (admin only). Roles:
  approver  approves or denies other people's agents' requests
  operator  runs agents; confirms their 'ask' requests, never approves them
  admin     manages users and agents, freezes, break-glass, policy changes
Groups name teams a policy can require approvers from (e.g. --group dba).

'user add' prints the new user's token once: keyturn keeps only its hash.
Pass it to them; they run 'keyturn login --url URL --token TOKEN'.
'user disable' stops every token of the user at once.

Examples:
  keyturn user add alice --role approver --group sre
  keyturn user add carol --role operator --role approver
  keyturn user add dana --role admin --json
  keyturn user disable alice
  keyturn user list`

func runUser(e *env, args []string) int {
	return e.dispatch("user", userUsage, args, map[string]func(*env, []string) int{
		"add": runUserAdd, "disable": runUserDisable, "list": runUserList, "ls": runUserList,
	})
}

type userAddOptions struct {
	remote remote
	roles  repeatable
	groups repeatable
	json   bool
}

func runUserAdd(e *env, args []string) int {
	var o userAddOptions
	fs := newFlags(e, "user add", userUsage)
	fs.Var(&o.roles, "role", "a `role`: approver, operator or admin (repeat, or separate with commas)")
	fs.Var(&o.groups, "group", "a `group` the user belongs to (repeat, or separate with commas)")
	fs.BoolVar(&o.json, "json", false, `print {"name","token"} as JSON`)
	o.remote.flags(fs)
	names, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	name, err := oneName(names, "user add", "user")
	if err != nil {
		return e.fail(err)
	}
	if len(o.roles) == 0 {
		return e.fail(keyturn.Errorf(keyturn.EINVALID, "give %s a role: --role approver, --role operator or --role admin", name))
	}
	u := &keyturn.User{Name: name, Groups: []string(o.groups)}
	for _, r := range o.roles {
		role := keyturn.Role(r)
		if !role.Valid() {
			return e.fail(keyturn.Errorf(keyturn.EINVALID, "unknown role %q: use approver, operator or admin", r))
		}
		u.Roles = append(u.Roles, role)
	}
	if u.Groups == nil {
		u.Groups = []string{}
	}
	svc, url, err := o.remote.service(e)
	if err != nil {
		return e.fail(err)
	}
	token, err := svc.AddUser(e.ctx, u)
	if err != nil {
		return e.fail(err)
	}
	if o.json {
		return writeJSON(e, map[string]string{"name": name, "token": token})
	}
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	fmt.Fprintf(e.stdout, "added user %s (%s)\n\n", name, strings.Join(roles, ", "))
	fmt.Fprintf(e.stdout, "token, shown only this once (keyturn keeps only its hash):\n  %s\n\n", token)
	fmt.Fprintf(e.stdout, "%s logs in with:\n  keyturn login --url %s --token %s\n", name, url, token)
	return exitOK
}

func runUserDisable(e *env, args []string) int {
	return runOnName(e, args, "user disable", "user", userUsage, func(svc keyturn.Service, name string) (string, error) {
		return "disabled user " + name + ": their tokens no longer work", svc.DisableUser(e.ctx, name)
	})
}

// runOnName runs `keyturn CMD NAME` against the server: it parses the
// remote flags and one name, calls do, and prints what do says happened.
func runOnName(e *env, args []string, cmd, noun, usage string, do func(keyturn.Service, string) (string, error)) int {
	var r remote
	fs := newFlags(e, cmd, usage)
	r.flags(fs)
	names, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	name, err := oneName(names, cmd, noun)
	if err != nil {
		return e.fail(err)
	}
	svc, _, err := r.service(e)
	if err != nil {
		return e.fail(err)
	}
	done, err := do(svc, name)
	if err != nil {
		return e.fail(err)
	}
	fmt.Fprintln(e.stdout, done)
	return exitOK
}

func runUserList(e *env, args []string) int {
	return runList(e, args, "user list", userUsage, "users", func(svc keyturn.Service) ([]*keyturn.User, error) {
		return svc.Users(e.ctx)
	}, printUsers)
}

// runList runs `keyturn CMD` that lists things from the server: a table,
// or {"KEY":[…]} with --json.
func runList[T any](e *env, args []string, cmd, usage, key string, list func(keyturn.Service) ([]T, error), print func(io.Writer, []T)) int {
	var r remote
	var asJSON bool
	fs := newFlags(e, cmd, usage)
	fs.BoolVar(&asJSON, "json", false, `print {"`+key+`":[…]} as JSON`)
	r.flags(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	svc, _, err := r.service(e)
	if err != nil {
		return e.fail(err)
	}
	items, err := list(svc)
	if err != nil {
		return e.fail(err)
	}
	if items == nil {
		items = []T{}
	}
	if asJSON {
		return writeJSON(e, map[string]any{key: items})
	}
	print(e.stdout, items)
	return exitOK
}

func printUsers(w io.Writer, users []*keyturn.User) {
	if len(users) == 0 {
		fmt.Fprintln(w, "no users yet: add one with 'keyturn user add NAME --role approver'")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLES\tGROUPS\tSTATE\tCREATED")
	for _, u := range users {
		roles := make([]string, len(u.Roles))
		for i, r := range u.Roles {
			roles[i] = string(r)
		}
		state := "active"
		if u.Disabled {
			state = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Name, dash(strings.Join(roles, ",")), dash(strings.Join(u.Groups, ",")),
			state, shortTime(u.CreatedAt))
	}
	tw.Flush()
}

// repeatable is a flag that may be given several times, each time with one
// value or several separated by commas.
type repeatable []string

func (r *repeatable) String() string { return strings.Join(*r, ",") }

func (r *repeatable) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*r = append(*r, v)
		}
	}
	return nil
}

// oneName returns the single NAME operand of a subcommand.
func oneName(operands []string, cmd, what string) (string, error) {
	switch {
	case len(operands) == 0:
		return "", keyturn.Errorf(keyturn.EINVALID, "give the %s's name: keyturn %s NAME (see keyturn %s -h)", what, cmd, cmd)
	case len(operands) > 1:
		return "", keyturn.Errorf(keyturn.EINVALID, "one %s name, not %d (%s): keyturn %s NAME", what, len(operands), strings.Join(operands, " "), cmd)
	case strings.TrimSpace(operands[0]) == "":
		return "", keyturn.Errorf(keyturn.EINVALID, "the %s's name is empty", what)
	}
	return operands[0], nil
}

// writeJSON writes v as indented JSON on stdout.
func writeJSON(e *env, v any) int {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return e.fail(keyturn.Errorf(keyturn.EINTERNAL, "writing stdout: %v", err))
	}
	return exitOK
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
