package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	khttp "keyturn/http"
)

// Whoever can edit the database can drop the newest events together with
// the checkpoints stored beside them; a checkpoint kept elsewhere still
// shows it.
func TestEndToEndSavedCheckpointCatchesATruncatedLog(t *testing.T) {
	s := startServer(t, t.TempDir())
	_, _, _, agentToken := s.people()
	agent := khttp.NewClient(s.url, agentToken)
	for i := range 5 {
		if _, err := agent.Submit(context.Background(), shellAction(fmt.Sprintf("ls -la src/%d", i)), 0); err != nil {
			t.Fatal(err)
		}
	}
	admin := s.adminToken()
	code, out, errs := s.cli(admin, "audit", "checkpoint")
	if code != 0 || !strings.Contains(out, `"signature"`) {
		t.Fatalf("audit checkpoint: exit %d\n%s%s", code, out, errs)
	}
	saved := filepath.Join(s.home, "checkpoints.jsonl")
	if err := os.WriteFile(saved, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	s.stop()

	db, err := sql.Open("sqlite", filepath.Join(s.dir, "keyturn.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var head int64
	if err := db.QueryRow(`SELECT MAX(seq) FROM events`).Scan(&head); err != nil {
		t.Fatal(err)
	}
	cut := head - 3
	for _, q := range []string{`DELETE FROM events WHERE seq > ?`, `DELETE FROM checkpoints WHERE seq > ?`} {
		if _, err := db.Exec(q, cut); err != nil {
			t.Fatal(err)
		}
	}
	// The file alone cannot tell: what is left is a sound, shorter chain.
	if code, out, errs := s.cli(admin, "audit", "verify", "--data", s.dir); code != 0 {
		t.Fatalf("verify of the shortened log alone: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = s.cli(admin, "audit", "verify", "--data", s.dir, "--checkpoint", saved)
	if code != 1 || !strings.Contains(out+errs, fmt.Sprintf("event %d", cut+1)) {
		t.Fatalf("verify with the saved checkpoint: exit %d, want 1 naming event %d\n%s%s", code, cut+1, out, errs)
	}
}
