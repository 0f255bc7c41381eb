// Package policy judges effects with Cedar (github.com/cedar-policy/cedar-go).
//
// A Set is compiled once and decides many times with no I/O. Each effect
// target is one Cedar request: principal Agent, action the effect's class,
// resource Target "tool:environment:resource", and a context with the
// environment, the approvals so far, whether the operator confirmed, and
// whether a change freeze is on. A permit allows. A forbid whose
// determining policies all carry @approvals("N") asks N peers to approve;
// all @ask asks the operator; any other forbid denies. The requirement is
// then checked as met, and anything that still forbids denies.
//
// The default pack (default/*.cedar) is embedded; Load replaces it with a
// directory of .cedar files.
package policy

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/x/exp/schema"
	"github.com/cedar-policy/cedar-go/x/exp/schema/validate"

	"keyturn"
)

//go:embed default/*.cedar default/keyturn.cedarschema
var defaultFS embed.FS

// Source is one policy file.
type Source struct {
	Name string
	Text string
}

// rule is one compiled policy and what its annotations say.
type rule struct {
	id        cedar.PolicyID
	policy    *cedar.Policy
	forbid    bool
	approvals int    // @approvals("N"): N peers lift it
	ask       bool   // @ask: the operator lifts it
	group     string // @group("G"): approvers must be in G
	reason    string
}

// Set is a compiled policy set. It is immutable and safe for concurrent use.
type Set struct {
	version string
	sources []Source
	rules   []*rule
	byID    map[cedar.PolicyID]*rule
	index   *index

	principals     sync.Map // principal cache, see principal
	principalCount atomic.Int64
}

// Default returns the embedded default pack.
func Default() (*Set, error) {
	sources, err := readSources(defaultFS, "default")
	if err != nil {
		return nil, err
	}
	return Compile(sources)
}

// Load compiles the .cedar files of dir (the schema is keyturn's own; a
// keyturn.cedarschema in dir is ignored so that policies cannot loosen it).
func Load(dir string) (*Set, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, keyturn.Errorf(keyturn.EINVALID, "policy directory: %v", err)
	}
	if !fi.IsDir() {
		return nil, keyturn.Errorf(keyturn.EINVALID, "policy directory: %s is not a directory", dir)
	}
	sources, err := readSources(os.DirFS(dir), ".")
	if err != nil {
		return nil, err
	}
	if len(sources) == 0 {
		return nil, keyturn.Errorf(keyturn.EINVALID, "policy directory %s has no .cedar files", dir)
	}
	return Compile(sources)
}

func readSources(fsys fs.FS, dir string) ([]Source, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, keyturn.Errorf(keyturn.EINVALID, "policy directory: %v", err)
	}
	var out []Source
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".cedar" {
			continue
		}
		b, err := fs.ReadFile(fsys, filepath.ToSlash(filepath.Join(dir, e.Name())))
		if err != nil {
			return nil, keyturn.Errorf(keyturn.EINVALID, "policy file %s: %v", e.Name(), err)
		}
		out = append(out, Source{Name: e.Name(), Text: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Schema returns the Cedar schema every policy set is validated against.
func Schema() string {
	b, err := defaultFS.ReadFile("default/keyturn.cedarschema")
	if err != nil {
		panic(err)
	}
	return string(b)
}

var validator = func() *validate.Validator {
	var s schema.Schema
	s.SetFilename("keyturn.cedarschema")
	if err := s.UnmarshalCedar([]byte(Schema())); err != nil {
		panic("policy: embedded schema: " + err.Error())
	}
	r, err := s.Resolve()
	if err != nil {
		panic("policy: embedded schema: " + err.Error())
	}
	return validate.New(r)
}()

// Compile parses, validates and indexes policy sources. Every policy needs
// a unique @id; @approvals must be a positive number; @ask and @approvals
// belong on forbid rules only.
func Compile(sources []Source) (*Set, error) {
	set := &Set{sources: sources, byID: map[cedar.PolicyID]*rule{}}
	h := sha256.New()
	for _, src := range sources {
		fmt.Fprintf(h, "%d:%s%d:%s", len(src.Name), src.Name, len(src.Text), src.Text)
		list, err := cedar.NewPolicyListFromBytes(src.Name, []byte(src.Text))
		if err != nil {
			return nil, keyturn.Errorf(keyturn.EINVALID, "%s: %v", src.Name, err)
		}
		for i, p := range list {
			r, err := newRule(src.Name, i, p)
			if err != nil {
				return nil, err
			}
			if _, dup := set.byID[r.id]; dup {
				return nil, keyturn.Errorf(keyturn.EINVALID, "%s: policy id %q is used twice", src.Name, r.id)
			}
			if err := validator.Policy(string(r.id), toValidatorAST(p)); err != nil {
				return nil, keyturn.Errorf(keyturn.EINVALID, "%s: policy %q does not fit keyturn's schema: %v", src.Name, r.id, err)
			}
			set.byID[r.id] = r
			set.rules = append(set.rules, r)
		}
	}
	if len(set.rules) == 0 {
		return nil, keyturn.Errorf(keyturn.EINVALID, "the policy set has no policies")
	}
	set.version = hex.EncodeToString(h.Sum(nil))[:12]
	set.index = newIndex(set.rules)
	return set, nil
}

func newRule(file string, i int, p *cedar.Policy) (*rule, error) {
	ann := p.Annotations()
	r := &rule{policy: p, forbid: p.Effect() == cedar.Forbid}
	pos := p.Position()
	where := fmt.Sprintf("%s:%d", file, pos.Line)
	if id, ok := ann["id"]; ok && id != "" {
		r.id = cedar.PolicyID(id)
	} else {
		return nil, keyturn.Errorf(keyturn.EINVALID, "%s: policy %d has no @id(\"…\"): every policy needs a name that decisions can cite", where, i+1)
	}
	r.reason = string(ann["reason"])
	if v, ok := ann["approvals"]; ok {
		n, err := strconv.Atoi(string(v))
		if err != nil || n < 1 || n > 10 {
			return nil, keyturn.Errorf(keyturn.EINVALID, "%s: policy %q: @approvals(%q) must be a number from 1 to 10", where, r.id, v)
		}
		r.approvals = n
	}
	if _, ok := ann["ask"]; ok {
		r.ask = true
	}
	if g, ok := ann["group"]; ok {
		if r.approvals == 0 || string(g) == "" {
			return nil, keyturn.Errorf(keyturn.EINVALID, "%s: policy %q: @group(\"G\") names the approvers' group of an @approvals policy", where, r.id)
		}
		r.group = string(g)
	}
	if !r.forbid && (r.ask || r.approvals > 0) {
		return nil, keyturn.Errorf(keyturn.EINVALID, "%s: policy %q: @ask and @approvals only make sense on a forbid", where, r.id)
	}
	if r.ask && r.approvals > 0 {
		return nil, keyturn.Errorf(keyturn.EINVALID, "%s: policy %q: use @ask or @approvals, not both", where, r.id)
	}
	return r, nil
}

// Version identifies the set: the first 12 hex digits of a SHA-256 over its
// sources. Every decision records it.
func (s *Set) Version() string { return s.version }

// Sources returns the policy files the set was compiled from.
func (s *Set) Sources() []Source { return s.sources }

// Len returns the number of policies.
func (s *Set) Len() int { return len(s.rules) }

// String prints the set's policies as Cedar text, file by file.
func (s *Set) String() string {
	var b strings.Builder
	for _, src := range s.sources {
		fmt.Fprintf(&b, "// ---- %s ----\n%s", src.Name, src.Text)
		if !strings.HasSuffix(src.Text, "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String()
}
