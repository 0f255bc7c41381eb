package classify

import "keyturn"

// readOnly holds the programs known to change nothing, or only the
// workspace, that have no analyzer of their own.
var readOnly = map[string]analyzer{
	"ls":   func(c *call) []keyturn.Effect { return []keyturn.Effect{readEffect(c)} },
	"cat":  func(c *call) []keyturn.Effect { return []keyturn.Effect{readEffect(c)} },
	"grep": func(c *call) []keyturn.Effect { return []keyturn.Effect{readEffect(c)} },
}
