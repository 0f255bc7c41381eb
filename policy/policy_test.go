package policy

import (
	"testing"

	"keyturn"
)

func TestDefaultCompiles(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() < 10 {
		t.Fatalf("default pack has %d policies", s.Len())
	}
	d := s.Decide([]keyturn.Effect{{Tool: "kubectl", Operation: "kubectl delete namespace", Class: keyturn.Destructive, Environment: "prod", Targets: []string{"namespace/payments"}}}, Input{Agent: "a"})
	if d.Outcome != keyturn.Approve || d.Approvals != 2 {
		t.Fatalf("got %+v", d)
	}
}

// A policy that fails to evaluate must deny: Cedar skips an erroring
// forbid, which would let the action through.
func TestEvaluationErrorDenies(t *testing.T) {
	s, err := Compile([]Source{{Name: "p.cedar", Text: `
@id("allow-all") permit (principal, action, resource);
@id("overflow") forbid (principal, action, resource) when { context.blast_radius + 9223372036854775807 > 0 };
`}})
	if err != nil {
		t.Fatal(err)
	}
	d := s.Decide([]keyturn.Effect{{Tool: "fs", Operation: "rm", Class: keyturn.Read, Environment: "local", Targets: []string{"/x"}}}, Input{Agent: "a"})
	if d.Outcome != keyturn.Deny || len(d.Reasons) == 0 || d.Reasons[0].Policy != "overflow" {
		t.Fatalf("got %+v", d)
	}
}

func TestCompileRefusesBadSets(t *testing.T) {
	for name, text := range map[string]string{
		"no id":               `permit (principal, action, resource);`,
		"duplicate id":        `@id("a") permit (principal, action, resource); @id("a") permit (principal, action, resource);`,
		"bad approvals":       `@id("a") @approvals("two") forbid (principal, action, resource);`,
		"approvals on permit": `@id("a") @approvals("1") permit (principal, action, resource);`,
		"ask and approvals":   `@id("a") @ask @approvals("1") forbid (principal, action, resource);`,
		"syntax":              `@id("a") permit (principal, action resource);`,
		"schema":              `@id("a") permit (principal, action, resource) when { context.nope };`,
		"unknown action":      `@id("a") permit (principal, action == Action::"delete", resource);`,
		"empty":               `// nothing`,
	} {
		if _, err := Compile([]Source{{Name: "p.cedar", Text: text}}); keyturn.ErrorCode(err) != keyturn.EINVALID {
			t.Errorf("%s: got %v, want an invalid error", name, err)
		}
	}
}

// Mixed forbids that are not all @ask or all @approvals deny; a requirement
// that, once met, still leaves a forbid standing denies too.
func TestAnnotationSemantics(t *testing.T) {
	s, err := Compile([]Source{{Name: "p.cedar", Text: `
@id("allow") permit (principal, action, resource);
@id("ask") @ask forbid (principal, action == Action::"write", resource) unless { context.operator_confirmed };
@id("two") @approvals("2") forbid (principal, action == Action::"destructive", resource) unless { context.approvals >= 2 };
@id("three") @approvals("3") forbid (principal, action == Action::"destructive", resource) when { context.environment == "prod" } unless { context.approvals >= 3 };
@id("plain") forbid (principal, action == Action::"unknown", resource) when { context.environment == "prod" };
@id("sticky") @approvals("1") forbid (principal, action == Action::"unknown", resource) when { context.environment == "dev" };
`}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		class     keyturn.Class
		env       keyturn.Environment
		in        Input
		outcome   keyturn.Outcome
		approvals int
	}{
		{keyturn.Read, "prod", Input{}, keyturn.Allow, 0},
		{keyturn.Write, "dev", Input{}, keyturn.Ask, 0},
		{keyturn.Write, "dev", Input{OperatorConfirmed: true}, keyturn.Allow, 0},
		{keyturn.Destructive, "dev", Input{}, keyturn.Approve, 2},
		{keyturn.Destructive, "prod", Input{}, keyturn.Approve, 3},
		{keyturn.Destructive, "prod", Input{Approvals: 2}, keyturn.Approve, 3},
		{keyturn.Destructive, "prod", Input{Approvals: 3}, keyturn.Allow, 0},
		{keyturn.Unknown, "prod", Input{}, keyturn.Deny, 0},
		// @approvals("1") that approval cannot lift (no unless): deny.
		{keyturn.Unknown, "dev", Input{}, keyturn.Deny, 0},
		{keyturn.Class("bogus"), "dev", Input{}, keyturn.Deny, 0},
	} {
		d := s.DecideEffect(keyturn.Effect{Tool: "t", Class: tc.class, Environment: tc.env}, tc.in)
		if d.Outcome != tc.outcome || d.Approvals != tc.approvals {
			t.Errorf("%s in %s with %+v: got %s, want %s/%d (%v)", tc.class, tc.env, tc.in, d, tc.outcome, tc.approvals, d.Reasons)
		}
	}
}

// @group names who must approve; the decision carries it.
func TestGroupAnnotation(t *testing.T) {
	s, err := Compile([]Source{{Name: "p.cedar", Text: `
@id("allow") permit (principal, action, resource);
@id("dba") @approvals("1") @group("dba")
forbid (principal, action == Action::"destructive", resource) when { context.tool == "sql" } unless { context.approvals >= 1 };
@id("two") @approvals("2") forbid (principal, action == Action::"destructive", resource) when { context.environment == "prod" } unless { context.approvals >= 2 };
`}})
	if err != nil {
		t.Fatal(err)
	}
	d := s.Decide([]keyturn.Effect{{Tool: "sql", Class: keyturn.Destructive, Environment: "dev"}}, Input{})
	if d.Outcome != keyturn.Approve || d.Group != "dba" {
		t.Errorf("a dev SQL drop: got %s group %q, want approve by dba", d, d.Group)
	}
	// Two approvals, and the group binds both: the count cannot say which
	// group an approval came from, so others must not lift the group's rule.
	d = s.Decide([]keyturn.Effect{{Tool: "sql", Class: keyturn.Destructive, Environment: "prod"}}, Input{})
	if d.Outcome != keyturn.Approve || d.Approvals != 2 || d.Group != "dba" {
		t.Errorf("a prod SQL drop: got %s group %q, want 2 approvals from dba", d, d.Group)
	}
	// The same across effects of one action.
	d = s.Decide([]keyturn.Effect{{Tool: "sql", Class: keyturn.Destructive, Environment: "dev"},
		{Tool: "kubectl", Class: keyturn.Destructive, Environment: "prod"}}, Input{})
	if d.Outcome != keyturn.Approve || d.Approvals != 2 || d.Group != "dba" {
		t.Errorf("a dev SQL drop and a prod delete: got %s group %q, want 2 approvals from dba", d, d.Group)
	}
	two, err := Compile([]Source{{Name: "p.cedar", Text: `
@id("allow") permit (principal, action, resource);
@id("dba") @approvals("1") @group("dba") forbid (principal, action == Action::"destructive", resource) unless { context.approvals >= 1 };
@id("sre") @approvals("1") @group("sre") forbid (principal, action == Action::"destructive", resource) when { context.environment == "prod" } unless { context.approvals >= 1 };
`}})
	if err != nil {
		t.Fatal(err)
	}
	if d := two.Decide([]keyturn.Effect{{Tool: "sql", Class: keyturn.Destructive, Environment: "prod"}}, Input{}); d.Outcome != keyturn.Deny {
		t.Errorf("approvers from two groups cannot be counted apart: got %s, want deny", d)
	}
	for _, bad := range []string{
		`@id("g") @group("dba") forbid (principal, action, resource);`,
		`@id("g") @approvals("1") @group("") forbid (principal, action, resource);`,
	} {
		if _, err := Compile([]Source{{Name: "p.cedar", Text: bad}}); keyturn.ErrorCode(err) != keyturn.EINVALID {
			t.Errorf("Compile(%s) = %v, want EINVALID", bad, err)
		}
	}
}
