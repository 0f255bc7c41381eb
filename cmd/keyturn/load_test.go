package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"keyturn"
	"keyturn/classify"
	"keyturn/gateway"
	khttp "keyturn/http"
	"keyturn/sqlite"
)

// BenchmarkDecisionsHTTP is the load generator of issue 3 §10: 32 clients
// submit actions through the HTTP API on loopback, each answer given only
// once its audit event is durable (SQLite, synchronous=FULL, group commit).
// It reports decisions per second, the latency percentiles, and how many
// decisions each commit carried.
//
//	go test -run '^$' -bench DecisionsHTTP -benchtime 20000x ./cmd/keyturn
func BenchmarkDecisionsHTTP(b *testing.B) {
	ctx := context.Background()
	// The collector as keyturn serve sets it (the clients share it here).
	defer serverGC(newEnv(nil, nil, nil))()
	g, store, actx := benchGateway(b)
	srv := httptest.NewServer(khttp.NewServer(g, g, khttp.Options{}).Handler())
	defer srv.Close()

	const clients = 32
	tokens := make([]string, clients)
	var err error
	for i := range tokens {
		tokens[i], err = g.EnrollAgent(actx, &keyturn.Agent{Name: fmt.Sprintf("load-%d", i), Operator: "olivia", Kind: "shell"}, time.Hour)
		if err != nil {
			b.Fatal(err)
		}
	}
	var (
		next      atomic.Int64
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, b.N)
		wg        sync.WaitGroup
		failed    atomic.Int64
	)
	b.ResetTimer()
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			client := khttp.NewClient(srv.URL, tokens[c])
			local := make([]time.Duration, 0, b.N/clients+1)
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					break
				}
				t0 := time.Now()
				v, err := client.Submit(ctx, &keyturn.Action{Kind: keyturn.KindShell, Command: fmt.Sprintf("ls -la src/%d", i), Cwd: "/home/dev/project"}, 0)
				local = append(local, time.Since(t0))
				if err != nil || v.Status != keyturn.StatusAllowed || v.Seq == 0 {
					failed.Add(1)
				}
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d submissions failed or were not allowed with an audit event", n)
	}
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[int(float64(len(latencies)-1)*p)].Microseconds()) / 1000
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "decisions/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	st := store.Stats()
	b.ReportMetric(float64(st.Updates)/float64(st.Commits), "updates/commit")
	b.ReportMetric(0, "ns/op")
}

// benchGateway is a gateway over a fresh SQLite file with the default
// policy, an operator olivia, and the admin's context, for benchmarks. The
// store is closed when b ends.
func benchGateway(b *testing.B) (*gateway.Gateway, *sqlite.DB, context.Context) {
	b.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(filepath.Join(b.TempDir(), "keyturn.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	g, err := gateway.New(ctx, gateway.Config{Store: store, Classifier: classify.New(classify.DefaultConfig()), Key: key})
	if err != nil {
		b.Fatal(err)
	}
	adminToken, err := g.Bootstrap(ctx)
	if err != nil {
		b.Fatal(err)
	}
	admin, err := g.Authenticate(ctx, adminToken)
	if err != nil {
		b.Fatal(err)
	}
	actx := keyturn.NewContext(ctx, admin)
	if _, err := g.AddUser(actx, &keyturn.User{Name: "olivia", Roles: []keyturn.Role{keyturn.RoleOperator}}); err != nil {
		b.Fatal(err)
	}
	return g, store, actx
}
