package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"keyturn"
	khttp "keyturn/http"
)

// slowHeader delays the answer after the server has done its work, as a
// slow network would.
type slowHeader struct{ http.ResponseWriter }

func (w slowHeader) WriteHeader(c int) {
	time.Sleep(500 * time.Millisecond)
	w.ResponseWriter.WriteHeader(c)
}

// Ctrl-C after the server opened the request but before exec heard of it
// must still withdraw the request: left pending, a later approval would be
// a grant for the agent's next identical run.
func TestExecCtrlCDuringSubmitCancels(t *testing.T) {
	s := newAPIServer(t)
	h := khttp.NewServer(s.g, s.g, khttp.Options{}).Handler()
	s.http.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/actions" {
			w = slowHeader{w}
		}
		h.ServeHTTP(w, r)
	})
	s.fakeKubectl()
	ctx, interrupt := context.WithCancel(context.Background())
	defer interrupt()
	run := s.start(ctx, "bot", "exec", "--", "kubectl", "--context", "prod-eu", "delete", "ns", "payments")
	req := s.awaitPending(run) // in the store, its answer still on the way
	interrupt()
	run.wait(t)
	if run.code != exitExpired {
		t.Errorf("exit %d, want %d\n%s", run.code, exitExpired, run.stderr.String())
	}
	if r := s.request(req.ID); r.State != keyturn.StateCancelled {
		t.Fatalf("request is %s, want cancelled\n%s", r.State, run.stderr.String())
	}
}
