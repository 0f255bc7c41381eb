package gateway

import (
	"sync"
	"time"
)

// waiters wakes the callers waiting on a request (?wait=) when its state
// changes in this process. Waiters also poll the store, so a change made by
// another server sharing the database is seen too, only later.
type waiters struct {
	mu   sync.Mutex
	byID map[string][]chan struct{}
}

func newWaiters() *waiters { return &waiters{byID: map[string][]chan struct{}{}} }

// wait returns a channel closed at the next notify of id, and a function to
// call when the caller stops waiting.
func (w *waiters) wait(id string) (<-chan struct{}, func()) {
	ch := make(chan struct{})
	w.mu.Lock()
	w.byID[id] = append(w.byID[id], ch)
	w.mu.Unlock()
	return ch, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		list := w.byID[id]
		for i, c := range list {
			if c == ch {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(w.byID, id)
		} else {
			w.byID[id] = list
		}
	}
}

// notify wakes every waiter of id. Call it after the change is committed.
func (w *waiters) notify(id string) {
	w.mu.Lock()
	list := w.byID[id]
	delete(w.byID, id)
	w.mu.Unlock()
	for _, ch := range list {
		close(ch)
	}
}

// pollInterval is how often a waiter re-reads the store, for changes made
// by another process.
const pollInterval = time.Second
