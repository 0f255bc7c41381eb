package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"
	"mvdan.cc/sh/v3/syntax"

	"keyturn/classify"
	"keyturn/policy"
)

// benchLines is a representative mix: one-liners of every tool, a pipeline,
// a wrapped command and a 2 KB script.
var benchLines = map[string]string{
	"oneliner-read":    "kubectl --context prod get pods -n payments",
	"oneliner-git":     "git status --short",
	"oneliner-ls":      "ls -la src/",
	"oneliner-destroy": "kubectl --context prod delete ns payments",
	"git":              "git push --force origin main",
	"aws":              "aws --profile prod ec2 terminate-instances --instance-ids i-0abc123",
	"pipeline":         "find . -name '*.go' | xargs grep -n TODO | sort | head -20",
	"wrapped":          "sudo -E timeout 30 bash -c 'cd /srv/app && rm -rf cache/*'",
	"script-2KB":       script2KB(),
}

func script2KB() string {
	var b strings.Builder
	b.WriteString("set -euo pipefail\nexport AWS_PROFILE=staging\ncd /home/dev/project\n")
	for b.Len() < 2048 {
		b.WriteString("if [ -f go.mod ]; then go test ./... && go vet ./...; fi\n")
		b.WriteString("for f in $(git ls-files '*.yaml'); do kubectl --context staging apply -f \"$f\"; done\n")
		b.WriteString("aws s3 cp build/app.tar.gz s3://acme-artifacts/app.tar.gz\n")
		b.WriteString("docker build -t app:dev . && docker push registry.example.com/app:dev\n")
	}
	return b.String()
}

func benchChecker(b *testing.B) *checker {
	set, err := policy.Default()
	if err != nil {
		b.Fatal(err)
	}
	return &checker{cl: classify.New(classify.DefaultConfig()), set: set}
}

var benchEnv = map[string]string{"HOME": "/home/dev", "TMPDIR": "/tmp"}

// BenchmarkCheck: classify + decide, per kind of line.
func BenchmarkCheck(b *testing.B) {
	ck := benchChecker(b)
	for _, name := range sortedKeys(benchLines) {
		line := benchLines[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ck.check(line, "/home/dev/project", benchEnv)
			}
		})
	}
}

// BenchmarkParseOnly: mvdan.cc/sh parsing alone, the floor under classify.
func BenchmarkParseOnly(b *testing.B) {
	for _, name := range sortedKeys(benchLines) {
		line := benchLines[name]
		b.Run(name, func(b *testing.B) {
			p := syntax.NewParser(syntax.Variant(syntax.LangBash)) // reused, as classify does
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Parse(strings.NewReader(line), ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCedarOnly: one Cedar evaluation of the default pack, unindexed,
// with a request built beforehand — the floor under policy.Decide.
func BenchmarkCedarOnly(b *testing.B) {
	ps := cedar.NewPolicySet()
	set, err := policy.Default()
	if err != nil {
		b.Fatal(err)
	}
	for _, src := range set.Sources() {
		list, err := cedar.NewPolicyListFromBytes(src.Name, []byte(src.Text))
		if err != nil {
			b.Fatal(err)
		}
		for i, p := range list {
			ps.Add(cedar.PolicyID(fmt.Sprintf("%s-%d", src.Name, i)), p)
		}
	}
	agent := types.NewEntityUID("Agent", "a")
	target := types.NewEntityUID("Target", "kubectl:prod:pods")
	entities := types.EntityMap{
		agent:  {UID: agent, Attributes: types.NewRecord(types.RecordMap{"operator": types.String("o"), "kind": types.String("cli"), "profile": types.String(""), "groups": types.NewSet()})},
		target: {UID: target, Attributes: types.NewRecord(types.RecordMap{"tool": types.String("kubectl"), "operation": types.String("kubectl get pods"), "environment": types.String("prod"), "protected": types.False, "resource_type": types.String("")})},
	}
	req := cedar.Request{Principal: agent, Action: types.NewEntityUID("Action", "read"), Resource: target,
		Context: types.NewRecord(types.RecordMap{"environment": types.String("prod"), "tool": types.String("kubectl"), "operation": types.String("kubectl get pods"),
			"blast_radius": types.Long(1), "freeze": types.False, "approvals": types.Long(0), "operator_confirmed": types.False, "self_modify": types.False, "protected": types.False})}
	b.Run("prepared", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if d, _ := ps.IsAuthorized(entities, req); d != cedar.Allow {
				b.Fatal("not allowed")
			}
		}
	})
	// Any caller of Cedar must build the request's records first: this is
	// the least one evaluation of a new request costs.
	b.Run("with-request", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ents := types.EntityMap{
				agent:  {UID: agent, Attributes: types.NewRecord(types.RecordMap{"operator": types.String("o"), "kind": types.String("cli"), "profile": types.String(""), "groups": types.NewSet()})},
				target: {UID: target, Attributes: types.NewRecord(types.RecordMap{"tool": types.String("kubectl"), "operation": types.String("kubectl get pods"), "environment": types.String("prod"), "protected": types.False, "resource_type": types.String("")})},
			}
			r := cedar.Request{Principal: agent, Action: types.NewEntityUID("Action", "read"), Resource: target,
				Context: types.NewRecord(types.RecordMap{"environment": types.String("prod"), "tool": types.String("kubectl"), "operation": types.String("kubectl get pods"),
					"blast_radius": types.Long(1), "freeze": types.False, "approvals": types.Long(0), "operator_confirmed": types.False, "self_modify": types.False, "protected": types.False})}
			if d, _ := ps.IsAuthorized(ents, r); d != cedar.Allow {
				b.Fatal("not allowed")
			}
		}
	})
}

// BenchmarkJSONL: `keyturn check --jsonl` over 10,000 lines of the mix;
// reports commands per second.
func BenchmarkJSONL(b *testing.B) {
	ck := benchChecker(b)
	var in bytes.Buffer
	names := sortedKeys(benchLines)
	for i := 0; i < 10000; i++ {
		line := benchLines[names[i%len(names)]]
		if strings.HasPrefix(names[i%len(names)], "script") {
			line = benchLines["oneliner-read"] // the stream is of one-liners, as agents send them
		}
		json.NewEncoder(&in).Encode(map[string]any{"command": line, "cwd": "/home/dev/project", "env": benchEnv})
	}
	data := in.Bytes()
	b.ResetTimer()
	for b.Loop() {
		if err := ck.jsonl(bytes.NewReader(data), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "cmds/s")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	return keys
}
