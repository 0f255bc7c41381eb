package classify

import (
	"testing"

	"keyturn"
)

// An agent operating keyturn itself must be marked SelfModify, which the
// default policy refuses whatever the class, and so must reading the gateway
// with a human's credentials; asking keyturn about a command must not be.
func TestKeyturnSelfModify(t *testing.T) {
	cl := New(DefaultConfig())
	cases := []struct {
		line string
		self bool
	}{
		{"keyturn approve req-42", true},
		{"keyturn policy push ./p", true},
		{"keyturn breakglass --reason x", true},
		{"keyturn frobnicate", true},
		{"keyturn exec -- keyturn deny 7", true},
		{"sudo keyturn serve", true},
		{"pre-commit install", true},
		{"keyturn check -- rm -rf /", false},
		{"keyturn policy show", false},
		{"keyturn audit verify", true},
		{"keyturn pending", true},
		{"keyturn version", false},
	}
	for _, tc := range cases {
		effects := cl.Shell(tc.line, testContext)
		self := false
		for _, e := range effects {
			self = self || e.SelfModify
		}
		if self != tc.self {
			t.Errorf("%q: SelfModify %v, want %v; effects:%s", tc.line, self, tc.self, describe(effects))
		}
		if tc.self && keyturn.StrictestClass(effects) == keyturn.Read {
			t.Errorf("%q: operating the guard classified read", tc.line)
		}
	}
}
