package sqlite

import (
	"context"
	"runtime"
	"testing"

	"keyturn"
)

func benchEvent() *keyturn.Event {
	return &keyturn.Event{Type: keyturn.EventDecision, Actor: "agent:ci-bot", Subject: "r_bench",
		DecidedBy: &keyturn.Decider{Kind: "policy", Policies: []string{"prod-destructive"}},
		Payload:   []byte(`{"decision":"approve","command":"kubectl --context prod-eu delete ns payments"}`)}
}

// BenchmarkAppend appends one durable event per Update, one caller at a
// time: every event pays for its own fsync.
func BenchmarkAppend(b *testing.B) {
	db := openTemp(b)
	ctx := context.Background()
	for b.Loop() {
		if err := db.Update(ctx, func(tx keyturn.Tx) error { return tx.Append(benchEvent()) }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkAppendParallel appends one durable event per Update from about
// 32 callers at once, as a busy gateway does: group commit shares each
// fsync among the Updates that queued while the last one ran.
func BenchmarkAppendParallel(b *testing.B) {
	db := openTemp(b)
	ctx := context.Background()
	b.SetParallelism((32 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := db.Update(ctx, func(tx keyturn.Tx) error { return tx.Append(benchEvent()) }); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
