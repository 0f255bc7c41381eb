package keyturn_test

import (
	"go/build"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The dependency rule of docs/ARCHITECTURE.md, held by a test: the domain
// imports only the standard library; classify and policy touch no network
// and no database; adapters never import each other; nothing imports cmd.

// adapters are the packages named after a technology. Only cmd wires them.
var adapters = []string{"sqlite", "postgres", "http", "mcp", "hook", "gateway", "storetest"}

// pure packages must not reach the network or a database.
var pure = []string{"classify", "policy"}

var forbiddenInPure = []string{
	"net", "net/http", "net/rpc", "net/smtp", "database/sql", "os/exec", "syscall",
	"github.com/jackc/pgx/v5", "modernc.org/sqlite", "github.com/modelcontextprotocol/go-sdk",
	"github.com/prometheus/client_golang",
}

func TestImportDirection(t *testing.T) {
	pkgs := map[string][]string{} // package path relative to the module → its non-test imports
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if p != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
			return filepath.SkipDir
		}
		bp, err := build.ImportDir(p, 0)
		if err != nil {
			if _, ok := err.(*build.NoGoError); ok {
				return nil
			}
			return err
		}
		pkgs[filepath.ToSlash(p)] = bp.Imports
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 3 {
		t.Fatalf("found only %d packages: is the test running at the module root?", len(pkgs))
	}
	for dir, imports := range pkgs {
		top := strings.Split(dir, "/")[0]
		for _, imp := range imports {
			local, isLocal := strings.CutPrefix(imp, "keyturn/")
			localTop := strings.Split(local, "/")[0]
			switch {
			case dir == ".":
				if strings.Contains(strings.Split(imp, "/")[0], ".") || imp == "keyturn" || isLocal {
					t.Errorf("the domain package imports %s: it may use the standard library only", imp)
				}
			case isLocal && localTop == "cmd":
				t.Errorf("%s imports %s: nothing imports a command", dir, imp)
			case isLocal && slices.Contains(adapters, top) && slices.Contains(adapters, localTop) && top != localTop && top != "storetest":
				t.Errorf("%s imports %s: adapters never import each other; cmd wires them", dir, imp)
			case isLocal && slices.Contains(pure, top) && (slices.Contains(adapters, localTop)):
				t.Errorf("%s imports %s: %s is pure and knows no adapter", dir, imp, top)
			}
			if slices.Contains(pure, top) {
				for _, f := range forbiddenInPure {
					// net/url and net/netip only parse; the rest of net talks.
					if imp == f || f != "net" && strings.HasPrefix(imp, f+"/") {
						t.Errorf("%s imports %s: %s touches no network, database or process", dir, imp, top)
					}
				}
			}
		}
	}
}
