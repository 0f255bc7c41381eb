package gateway

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"keyturn"
)

// metrics are the gateway's Prometheus series.
type metrics struct {
	decisions *prometheus.CounterVec // by outcome
	latency   prometheus.Histogram
	auditSeq  prometheus.Gauge
	grantUses prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, g *Gateway) *metrics {
	m := &metrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keyturn_decisions_total", Help: "Actions decided, by outcome (allow, ask, approve, deny).",
		}, []string{"outcome"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "keyturn_decision_seconds", Help: "Time to decide a submitted action, its audit event durable.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}),
		auditSeq: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "keyturn_audit_sequence", Help: "Sequence number of the last audit event this server wrote.",
		}),
		grantUses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keyturn_grant_uses_total", Help: "Grants used: approved actions let through once.",
		}),
	}
	if reg == nil {
		return m
	}
	pending := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "keyturn_requests_pending", Help: "Requests waiting for their operator or peers.",
	}, func() float64 {
		var n int
		err := g.store.View(context.Background(), func(tx keyturn.Tx) error {
			rs, err := tx.Requests(keyturn.RequestFilter{State: keyturn.StatePending})
			n = len(rs)
			return err
		})
		if err != nil {
			return -1
		}
		return float64(n)
	})
	reg.MustRegister(m.decisions, m.latency, m.auditSeq, m.grantUses, pending)
	return m
}

// decided records one decision and how long it took.
func (m *metrics) decided(o keyturn.Outcome, start time.Time) {
	m.decisions.WithLabelValues(string(o)).Inc()
	m.latency.Observe(time.Since(start).Seconds())
}

// appended records the audit sequence after a commit.
func (m *metrics) appended(seq int64) {
	if seq > 0 {
		m.auditSeq.Set(float64(seq))
	}
}
