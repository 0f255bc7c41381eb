package policy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"

	"keyturn"
)

// sizedSet is the default pack plus generated rules up to n policies. The
// generated rules are what a large organisation writes: one per protected
// resource and one per agent, each naming its resource or principal with ==.
func sizedSet(tb testing.TB, n int) *Set {
	def, err := Default()
	if err != nil {
		tb.Fatal(err)
	}
	sources := append([]Source(nil), def.Sources()...)
	var b strings.Builder
	for i := def.Len(); i < n; i++ {
		if i%2 == 0 {
			fmt.Fprintf(&b, "@id(\"gen-resource-%d\")\n@reason(\"generated\")\nforbid (principal, action == Action::\"destructive\", resource == Target::\"aws:prod:s3://bucket-%d\");\n", i, i)
		} else {
			fmt.Fprintf(&b, "@id(\"gen-agent-%d\")\n@reason(\"generated\")\n@ask\nforbid (principal == Agent::\"agent-%d\", action == Action::\"write\", resource) when { context.environment == \"local\" } unless { context.operator_confirmed };\n", i, i)
		}
	}
	sources = append(sources, Source{Name: "zz-generated.cedar", Text: b.String()})
	set, err := Compile(sources)
	if err != nil {
		tb.Fatal(err)
	}
	if set.Len() != max(n, def.Len()) {
		tb.Fatalf("set has %d policies, want %d", set.Len(), n)
	}
	return set
}

var benchEffects = []keyturn.Effect{
	{Tool: "kubectl", Operation: "kubectl get pods", Class: keyturn.Read, Environment: "prod", Targets: []string{"pod/api"}},
	{Tool: "aws", Operation: "s3:DeleteBucket", Class: keyturn.Destructive, Environment: "prod", Targets: []string{"s3://bucket-7"}},
}

// BenchmarkPolicySize decides the same effects under 20, 200 and 2,000
// rules, with keyturn's index and with Cedar alone over every policy.
func BenchmarkPolicySize(b *testing.B) {
	for _, n := range []int{20, 200, 2000} {
		set := sizedSet(b, n)
		in := Input{Agent: "agent-3", Operator: "ann", Kind: "cli"}
		b.Run(fmt.Sprintf("rules=%d/indexed", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				set.Decide(benchEffects, in)
			}
		})
		// Cedar alone: the same requests over the whole set.
		all := bucket(set.rules)
		b.Run(fmt.Sprintf("rules=%d/cedar-unindexed", n), func(b *testing.B) {
			p := set.principal(in)
			b.ReportAllocs()
			for b.Loop() {
				for _, e := range benchEffects {
					r := set.request(e, e.Targets[0], 1, p, in)
					r.req.Context = types.NewRecord(r.context)
					cedar.Authorize(all, r.entities, r.req)
				}
			}
		})
	}
}

// The index never changes a decision: every effect decides the same with
// and without it.
func TestIndexIsExact(t *testing.T) {
	set := sizedSet(t, 500)
	all := bucket(set.rules)
	for _, agent := range []string{"agent-3", "agent-4", "someone"} {
		in := Input{Agent: agent, Operator: "ann", Kind: "cli"}
		p := set.principal(in)
		for _, class := range keyturn.Classes {
			for _, env := range []keyturn.Environment{"workspace", "local", "prod", "unknown"} {
				for _, target := range []string{"s3://bucket-8", "s3://bucket-9", "pod/api", ""} {
					e := keyturn.Effect{Tool: "aws", Operation: "op", Class: class, Environment: env, Targets: []string{target}}
					r := set.request(e, target, 1, p, in)
					r.req.Context = types.NewRecord(r.context)
					want, wdiag := cedar.Authorize(all, r.entities, r.req)
					got, gdiag := cedar.Authorize(set.index.candidates(string(class), r.req.Principal, r.req.Resource), r.entities, r.req)
					if want != got || fmt.Sprint(wdiag.Reasons) != fmt.Sprint(gdiag.Reasons) {
						t.Errorf("%s %s %s %q: indexed %v %v, unindexed %v %v", agent, class, env, target, got, gdiag.Reasons, want, wdiag.Reasons)
					}
				}
			}
		}
	}
}
