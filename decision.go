package keyturn

import "fmt"

// Outcome is what keyturn does with an action.
type Outcome string

const (
	// Allow lets the action run.
	Allow Outcome = "allow"
	// Ask holds the action until the operator who runs the agent confirms it.
	Ask Outcome = "ask"
	// Approve holds the action until N peers other than the operator approve
	// it: the two-person rule.
	Approve Outcome = "approve"
	// Deny refuses the action.
	Deny Outcome = "deny"
)

func (o Outcome) rank() int {
	switch o {
	case Allow:
		return 0
	case Ask:
		return 1
	case Approve:
		return 2
	default:
		return 3 // deny, and anything unrecognised, fails closed
	}
}

// Stricter reports whether o is stricter than p.
func (o Outcome) Stricter(p Outcome) bool { return o.rank() > p.rank() }

// Reason says which policy made a decision and why, in words for a person.
type Reason struct {
	Policy  string `json:"policy"`
	Message string `json:"message"`
}

// Decision is the judgement on an action or on one of its effects.
type Decision struct {
	Outcome Outcome `json:"decision"`
	// Approvals is the number of peer approvals needed when Outcome is Approve.
	Approvals int `json:"approvals"`
	// Group, when set, is the group every approver must belong to (from the
	// policy's @group annotation).
	Group string `json:"group,omitempty"`
	// Reasons name the policies that determined the outcome.
	Reasons []Reason `json:"reasons"`
	// PolicyVersion identifies the policy set the decision was made under.
	PolicyVersion string `json:"policy_version,omitempty"`
}

func (d Decision) String() string {
	if d.Outcome == Approve {
		return fmt.Sprintf("approve (%d)", d.Approvals)
	}
	return string(d.Outcome)
}

// Combine returns the decision of an action from the decisions of its
// effects: the strictest outcome wins, approvals take the largest count, and
// the reasons are those of the effects that share the strictest outcome.
// With no decisions at all it denies: nothing understood is nothing allowed.
func Combine(ds []Decision) Decision {
	if len(ds) == 0 {
		return Decision{Outcome: Deny, Reasons: []Reason{{Policy: "keyturn", Message: "no effects to decide"}}}
	}
	out := Decision{Outcome: Allow, PolicyVersion: ds[0].PolicyVersion}
	for _, d := range ds {
		if d.Outcome.Stricter(out.Outcome) {
			out.Outcome, out.Approvals, out.Reasons = d.Outcome, 0, nil
		}
		if d.Outcome != out.Outcome {
			continue
		}
		if d.Approvals > out.Approvals {
			out.Approvals = d.Approvals
		}
		if d.Group != "" {
			// Every approval of the action must come from the group: see
			// policy's evaluate. Two groups cannot both be met.
			if out.Group != "" && out.Group != d.Group {
				return Decision{Outcome: Deny, PolicyVersion: out.PolicyVersion, Reasons: append(out.Reasons, Reason{Policy: "keyturn",
					Message: "its effects need approvers from two groups (" + out.Group + ", " + d.Group + "); keyturn counts approvals from one group only"})}
			}
			out.Group = d.Group
		}
		for _, r := range d.Reasons {
			if !hasReason(out.Reasons, r) {
				out.Reasons = append(out.Reasons, r)
			}
		}
	}
	if out.Outcome != Approve {
		out.Approvals, out.Group = 0, ""
	}
	return out
}

func hasReason(rs []Reason, r Reason) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}
