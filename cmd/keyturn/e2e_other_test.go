//go:build !linux

package main

import "os/exec"

// dieWithParent is a no-op where there is no parent-death signal: a killed
// test run may leave its `keyturn serve` processes behind there.
func dieWithParent(cmd *exec.Cmd) {}
