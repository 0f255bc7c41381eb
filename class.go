package keyturn

import "fmt"

// Class says how much an effect changes. The order matters: a larger class is
// stricter, and an action is as strict as its strictest effect.
type Class string

const (
	// Read changes nothing.
	Read Class = "read"
	// Write changes state in a way that can be recovered.
	Write Class = "write"
	// Destructive deletes or overwrites state that is not trivially restored.
	Destructive Class = "destructive"
	// Unknown could not be understood. It is never treated as read.
	Unknown Class = "unknown"
)

// Classes lists every class from the mildest to the strictest.
var Classes = []Class{Read, Write, Destructive, Unknown}

// rank orders classes for Max. Unknown ranks above destructive because the
// action may be anything, including something destructive.
func (c Class) rank() int {
	switch c {
	case Read:
		return 0
	case Write:
		return 1
	case Destructive:
		return 2
	default:
		return 3 // unknown, and anything unrecognised, fails closed
	}
}

// Valid reports whether c is one of the four classes.
func (c Class) Valid() bool {
	return c == Read || c == Write || c == Destructive || c == Unknown
}

// Stricter reports whether c is stricter than d.
func (c Class) Stricter(d Class) bool { return c.rank() > d.rank() }

// MaxClass returns the strictest of the classes; with none it returns Read.
func MaxClass(cs ...Class) Class {
	max := Read
	for _, c := range cs {
		if c.Stricter(max) {
			max = c
		}
	}
	return max
}

// ParseClass parses a class name.
func ParseClass(s string) (Class, error) {
	c := Class(s)
	if !c.Valid() {
		return "", Errorf(EINVALID, "unknown class %q (want read, write, destructive or unknown)", s)
	}
	return c, nil
}

func (c Class) String() string { return string(c) }

var _ fmt.Stringer = Class("")
