package classify

import (
	"sync"
	"testing"
)

// The classifier is shared by every request of a server: run the whole
// table from several goroutines (go test -race finds what this misses).
func TestConcurrentRace(t *testing.T) {
	cases := loadTable(t)
	cl := New(DefaultConfig())
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, tc := range cases {
				cl.Shell(tc.command, testContext)
			}
		}()
	}
	wg.Wait()
}
