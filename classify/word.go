package classify

import (
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// arg is one word of a command after quote removal. Known is false when the
// word depends on something only the running shell knows (an unset variable,
// a command substitution, arithmetic); Value then holds the source text, so a
// person still sees what was written.
type arg struct {
	Value string
	Known bool
}

// word evaluates w as far as it can be known before it runs: quotes are
// removed, escapes applied, ~ and variables the state knows expanded.
func (s *state) word(w *syntax.Word) arg {
	if w == nil {
		return arg{Known: true}
	}
	var b strings.Builder
	known := true
	for i, part := range w.Parts {
		switch p := part.(type) {
		case *syntax.Lit:
			v := p.Value
			if i == 0 && strings.HasPrefix(v, "~") {
				var ok bool
				v, ok = s.tilde(v)
				known = known && ok
			}
			b.WriteString(unescape(v))
		case *syntax.SglQuoted:
			if p.Dollar {
				b.WriteString(ansiC(p.Value))
			} else {
				b.WriteString(p.Value)
			}
		case *syntax.DblQuoted:
			for _, dp := range p.Parts {
				switch q := dp.(type) {
				case *syntax.Lit:
					b.WriteString(unescapeDouble(q.Value))
				case *syntax.ParamExp:
					v, ok := s.param(q)
					known = known && ok
					b.WriteString(v)
				default:
					known = false
					b.WriteString(source(dp))
				}
			}
		case *syntax.ParamExp:
			v, ok := s.param(p)
			// Unquoted, the value is split into words and globbed: "build /"
			// would reach rm as two paths. Only a plain value is known.
			if ok && (strings.ContainsAny(v, " \t\n*?[") || s.env["IFS"] != "" && s.env["IFS"] != " \t\n") {
				ok = false
			}
			known = known && ok
			b.WriteString(v)
		default:
			// Command substitution, arithmetic, process substitution,
			// brace and extended-glob expansion: only the shell knows.
			known = false
			b.WriteString(source(part))
		}
	}
	return arg{Value: b.String(), Known: known}
}

// param expands a plain $NAME or ${NAME} that the state knows. Anything with
// an operator (${x:-y}, ${#x}, ${x/a/b}, …) is left to the shell.
func (s *state) param(p *syntax.ParamExp) (string, bool) {
	plain := !p.Excl && !p.Length && !p.Width && p.Index == nil && p.Slice == nil &&
		p.Repl == nil && p.Exp == nil && p.Names == 0
	if plain && p.Param != nil {
		if v, ok := s.env[p.Param.Value]; ok {
			return v, true
		}
	}
	return source(p), false
}

// tilde expands a leading ~ or ~/ with the known HOME; false when the
// directory it names is only known at run time.
func (s *state) tilde(v string) (string, bool) {
	home, ok := s.env["HOME"]
	if !ok || home == "" {
		home = "~" // unknown home: the path stays outside every workspace
	}
	name, rest, slash := strings.Cut(v[1:], "/")
	if slash {
		rest = "/" + rest
	}
	switch {
	case name == "":
		return home + rest, true
	case name == "+" && s.cwd != "":
		return s.cwd + rest, true // ~+ is $PWD
	case name == "+" || name == "-" || strings.TrimLeft(name, "+-0123456789") == "":
		// ~- is $OLDPWD, ~N and ~+N the directory stack: not tracked.
		return v, false
	}
	// ~user: somebody's home directory.
	return "/home/" + name + rest, true
}

// source prints a node back as shell text.
func source(n syntax.Node) string {
	var b strings.Builder
	if err := syntax.NewPrinter(syntax.Minify(true)).Print(&b, n); err != nil {
		return "?"
	}
	return b.String()
}

// unescape removes the backslashes of an unquoted literal: \r\m is rm.
func unescape(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
			if v[i] == '\n' {
				continue // line continuation
			}
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// unescapeDouble removes the backslashes that mean something inside double
// quotes; the others stay, as bash keeps them.
func unescapeDouble(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) && strings.IndexByte("$`\"\\\n", v[i+1]) >= 0 {
			i++
			if v[i] == '\n' {
				continue
			}
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// ansiC decodes the escapes of a $'…' string: $'\x72\x6d' is rm.
func ansiC(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '\\' || i+1 >= len(v) {
			b.WriteByte(c)
			continue
		}
		i++
		switch v[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'e', 'E':
			b.WriteByte(0x1b)
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case 'x':
			j := i + 1
			for j < len(v) && j < i+3 && isHex(v[j]) {
				j++
			}
			if n, err := strconv.ParseUint(v[i+1:j], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i = j - 1
			} else {
				b.WriteString(`\x`)
			}
		case 'u', 'U':
			max := 4
			if v[i] == 'U' {
				max = 8
			}
			j := i + 1
			for j < len(v) && j <= i+max && isHex(v[j]) {
				j++
			}
			if n, err := strconv.ParseUint(v[i+1:j], 16, 32); err == nil {
				b.WriteRune(rune(n))
				i = j - 1
			} else {
				b.WriteByte('\\')
				b.WriteByte(v[i])
			}
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(v) && j < i+3 && v[j] >= '0' && v[j] <= '7' {
				j++
			}
			n, _ := strconv.ParseUint(v[i:j], 8, 8)
			b.WriteByte(byte(n))
			i = j - 1
		default: // \\ \' \" \? and unknown escapes
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
