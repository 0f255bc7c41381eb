package classify

import (
	"sync"
	"testing"

	"keyturn"
)

// The classifier is shared by every request of a server: run the whole
// table from several goroutines at once and expect, line by line, the
// class a lone run gives (go test -race also finds the data races).
func TestConcurrentRace(t *testing.T) {
	cases := loadTable(t)
	cl := New(DefaultConfig())
	want := make([]keyturn.Class, len(cases))
	for i, tc := range cases {
		want[i] = keyturn.StrictestClass(cl.Shell(tc.command, testContext))
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, tc := range cases {
				if got := keyturn.StrictestClass(cl.Shell(tc.command, testContext)); got != want[i] {
					t.Errorf("%q: %s under concurrency, %s alone", tc.command, got, want[i])
				}
			}
		}()
	}
	wg.Wait()
}
