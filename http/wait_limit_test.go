package http_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"keyturn"
	keyturnhttp "keyturn/http"
)

// blockingService holds every waiting Request until released.
type blockingService struct {
	keyturn.Service
	entered chan struct{}
	release chan struct{}
}

func (b *blockingService) Request(ctx context.Context, id string, wait time.Duration) (*keyturn.Request, error) {
	if wait > 0 {
		b.entered <- struct{}{}
		select {
		case <-b.release:
		case <-ctx.Done():
		}
	}
	return &keyturn.Request{ID: id, State: keyturn.StatePending}, nil
}

type agentAuth struct{}

func (agentAuth) Authenticate(_ context.Context, token string) (keyturn.Principal, error) {
	return keyturn.Principal{Agent: &keyturn.Agent{Name: token}}, nil
}

// One caller cannot hold more than MaxWaits long polls at once: each holds
// a goroutine and reads the store every second until its wait ends.
func TestWaitsPerCallerAreBounded(t *testing.T) {
	svc := &blockingService{entered: make(chan struct{}, 8), release: make(chan struct{})}
	srv := httptest.NewServer(keyturnhttp.NewServer(svc, agentAuth{}, keyturnhttp.Options{MaxWaits: 2}).Handler())
	defer srv.Close()
	get := func(token, wait string) int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/requests/r_x?wait="+wait, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if code := get("bot", "30s"); code != http.StatusOK {
				t.Errorf("a wait within the limit: %d", code)
			}
		})
	}
	<-svc.entered
	<-svc.entered
	if code := get("bot", "30s"); code != http.StatusServiceUnavailable {
		t.Errorf("a third wait at once: %d, want 503", code)
	}
	if code := get("bot", ""); code != http.StatusOK {
		t.Errorf("a call without a wait: %d", code)
	}
	done := make(chan int)
	go func() { done <- get("other-bot", "30s") }()
	<-svc.entered // another caller has slots of its own
	close(svc.release)
	if code := <-done; code != http.StatusOK {
		t.Errorf("another caller's wait: %d", code)
	}
	wg.Wait()
	if code := get("bot", "1s"); code != http.StatusOK {
		t.Errorf("a wait once the others ended: %d", code)
	}
}
