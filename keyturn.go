// Package keyturn is the domain of keyturn: the gate between AI coding agents
// and the systems they change.
//
// An agent asks to take an Action (a shell line, a file write, an MCP tool
// call, a Terraform plan). Package classify turns the action into Effects,
// each with a Class (read, write, destructive, unknown) and the Environment it
// lands in. Package policy judges each effect with Cedar and returns a
// Decision: allow, ask (the operator confirms), approve (N peers approve: the
// two-person rule) or deny. The decision of an action is the strictest of its
// effects' decisions. An action that must wait becomes a Request; humans
// Vote on it (the two-person rule); an approved request becomes a Grant for
// exactly one run. Every step is an Event in a hash-chained audit log with
// signed Checkpoints (audit.go). The Store interface keeps all of this
// (store.go), the Service interface is what callers use (service.go), and
// secrets are masked before anything is stored (mask.go). Errors carry a
// code from a closed set (error.go).
//
// This package holds only types and rules; it imports the standard library
// alone, so every adapter can depend on it and it depends on none of them.
package keyturn
