package keyturn

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Event types: every state change is one of these, written in the same
// transaction as the change it records.
const (
	EventDecision     = "decision"     // an action was judged
	EventRequest      = "request"      // a request was opened
	EventApproval     = "approval"     // a peer approved
	EventDenial       = "denial"       // a human denied
	EventConfirmation = "confirmation" // the operator confirmed an ask
	EventApproved     = "approved"     // a request reached its approvals: a grant exists
	EventExpired      = "expired"      // a request passed its time
	EventCancelled    = "cancelled"    // the requester withdrew it
	EventGrantUsed    = "grant.used"   // a grant allowed its one run
	EventResult       = "result"       // an adapter reported how the run went
	EventFreeze       = "freeze"       // a change freeze started or ended
	EventBreakGlass   = "breakglass"   // an admin allowed an action alone
	EventUser         = "user"         // a user was added or disabled
	EventAgent        = "agent"        // an agent was enrolled or revoked
	EventToken        = "token"        // a token was issued
	EventPolicy       = "policy"       // a policy set was pushed, activated or loaded
)

// Decider says who decided what an event records.
type Decider struct {
	// Kind is "policy", "human", "breakglass" or "system".
	Kind string `json:"kind"`
	// Who names the human, for "human" and "breakglass".
	Who string `json:"who,omitempty"`
	// Policies are the ids of the policies that decided, for "policy".
	Policies []string `json:"policies,omitempty"`
}

// Event is one audit record. Its hash covers the previous event's hash and
// every other field, so changing, dropping or reordering any event breaks
// the chain from that event on.
type Event struct {
	Seq       int64     `json:"seq"`
	Time      time.Time `json:"time"`
	Type      string    `json:"type"`
	Actor     string    `json:"actor"`   // user:NAME, agent:NAME or system
	Subject   string    `json:"subject"` // a request id, a user or agent name, a policy version
	DecidedBy *Decider  `json:"decided_by,omitempty"`
	// Payload is the event's detail as JSON, secrets masked.
	Payload  json.RawMessage `json:"payload,omitempty"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// GenesisHash is the previous hash of the first event.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// eventBody is what an event's hash covers besides the previous hash: every
// field but the hashes, in a fixed order, time in UTC at nanoseconds, and the
// payload as stored (compacted). Payloads are written once by json.Marshal,
// which is deterministic, so the stored bytes are the canonical form and are
// hashed as they are rather than parsed and re-encoded on every append.
type eventBody struct {
	Seq       int64           `json:"seq"`
	Time      string          `json:"time"`
	Type      string          `json:"type"`
	Actor     string          `json:"actor"`
	Subject   string          `json:"subject"`
	DecidedBy *Decider        `json:"decided_by,omitempty"`
	Payload   json.RawMessage `json:"payload,omitempty"`
}

// CanonicalJSON returns the bytes an event's hash covers.
func (e *Event) CanonicalJSON() []byte {
	body := eventBody{Seq: e.Seq, Time: e.Time.UTC().Format(time.RFC3339Nano), Type: e.Type,
		Actor: e.Actor, Subject: e.Subject, DecidedBy: e.DecidedBy, Payload: e.Payload}
	if len(e.Payload) > 0 && !json.Valid(e.Payload) {
		// Not JSON (a damaged row): hash it as a string, so it still
		// hashes, and to something other than what was sealed.
		body.Payload, _ = json.Marshal("raw:" + string(e.Payload))
	}
	b, _ := json.Marshal(body)
	return b
}

// ComputeHash returns SHA-256(previous hash ‖ canonical JSON of the event),
// in hex.
func (e *Event) ComputeHash() string {
	h := sha256.New()
	h.Write([]byte(e.PrevHash))
	h.Write(e.CanonicalJSON())
	return hex.EncodeToString(h.Sum(nil))
}

// Seal links e after the event (prevSeq, prevHash): it sets Seq, PrevHash
// and Hash. Time is set to now when it is zero. Stores call it inside the
// transaction that appends the event.
func (e *Event) Seal(prevSeq int64, prevHash string) {
	if prevHash == "" {
		prevHash = GenesisHash
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC().Round(time.Microsecond) // what every store keeps
	e.Seq = prevSeq + 1
	e.PrevHash = prevHash
	e.Hash = e.ComputeHash()
}

// Checkpoint is a signed statement of the chain's head: the log had Seq
// events ending in Head at Time. A verifier that holds an older checkpoint
// can tell if events were dropped from the end.
type Checkpoint struct {
	Seq       int64     `json:"seq"`
	Head      string    `json:"head"`
	Time      time.Time `json:"time"`
	KeyID     string    `json:"key_id"`
	Signature string    `json:"signature"` // base64 Ed25519 over Message()
}

// CheckpointEvery is how many events pass between automatic checkpoints.
const CheckpointEvery = 1000

// Message returns the bytes a checkpoint's signature covers.
func (c *Checkpoint) Message() []byte {
	return []byte("keyturn checkpoint v1\n" + strconv.FormatInt(c.Seq, 10) + "\n" + c.Head + "\n" +
		c.Time.UTC().Format(time.RFC3339Nano) + "\n")
}

// KeyID names a public key: the first 16 hex digits of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// SignCheckpoint returns the checkpoint of (seq, head) at time t signed with key.
func SignCheckpoint(key ed25519.PrivateKey, seq int64, head string, t time.Time) Checkpoint {
	c := Checkpoint{Seq: seq, Head: head, Time: t.UTC().Round(time.Microsecond),
		KeyID: KeyID(key.Public().(ed25519.PublicKey))}
	c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, c.Message()))
	return c
}

// VerifySignature reports whether the checkpoint is signed by pub.
func (c *Checkpoint) VerifySignature(pub ed25519.PublicKey) bool {
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	return err == nil && c.KeyID == KeyID(pub) && ed25519.Verify(pub, c.Message(), sig)
}

// ChainVerifier checks events one at a time, in sequence order, and keeps
// the first problem it finds. Feed it every event from seq 1.
type ChainVerifier struct {
	seq    int64
	hash   string
	heads  map[int64]string // seq → hash, only at the checkpoints' sequences
	wanted map[int64]bool
	// Bad is the first bad sequence number (0 while all is well) and
	// Problem says what is wrong with it.
	Bad     int64
	Problem string
}

// NewChainVerifier returns a verifier that will also check the given
// checkpoints' heads against the chain.
func NewChainVerifier(checkpoints []Checkpoint) *ChainVerifier {
	v := &ChainVerifier{hash: GenesisHash, heads: map[int64]string{}, wanted: map[int64]bool{}}
	for _, c := range checkpoints {
		v.wanted[c.Seq] = true
	}
	return v
}

func (v *ChainVerifier) fail(seq int64, format string, args ...any) bool {
	if v.Bad == 0 || seq < v.Bad {
		v.Bad, v.Problem = seq, fmt.Sprintf(format, args...)
	}
	return false
}

// Add checks the next event. It returns false once the chain is broken.
func (v *ChainVerifier) Add(e *Event) bool {
	if v.Bad != 0 {
		return false
	}
	next := v.seq + 1
	switch {
	case e.Seq > next:
		return v.fail(next, "event %d is missing (the next event is %d)", next, e.Seq)
	case e.Seq < next:
		return v.fail(next, "event %d is out of order (found %d after %d)", next, e.Seq, v.seq)
	case e.PrevHash != v.hash:
		return v.fail(next, "event %d does not follow event %d: its previous hash differs", next, v.seq)
	case e.ComputeHash() != e.Hash:
		return v.fail(next, "event %d was altered: its content does not match its hash", next)
	}
	v.seq, v.hash = e.Seq, e.Hash
	if v.wanted[e.Seq] {
		v.heads[e.Seq] = e.Hash
	}
	return true
}

// Finish checks the checkpoints against the chain that was read: each must
// be signed by pub and match the event at its sequence; a checkpoint past
// the last event means events were dropped from the end. It returns the
// number of events verified.
func (v *ChainVerifier) Finish(checkpoints []Checkpoint, pub ed25519.PublicKey) int64 {
	for _, c := range checkpoints {
		switch {
		case pub != nil && !c.VerifySignature(pub):
			v.fail(c.Seq, "the checkpoint at event %d has a bad signature", c.Seq)
		case c.Seq > v.seq:
			v.fail(v.seq+1, "event %d is missing: a signed checkpoint covers %d events, the log has %d", v.seq+1, c.Seq, v.seq)
		case c.Seq > 0 && v.heads[c.Seq] != c.Head:
			v.fail(c.Seq, "event %d differs from the signed checkpoint at that sequence", c.Seq)
		}
	}
	return v.seq
}
