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
