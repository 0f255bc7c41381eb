package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// asKeyturn, set to 1 in a subprocess's environment, makes the test binary
// run as the keyturn command itself: the end-to-end tests start it so, and
// need neither `go build` nor a toolchain at test time (and under -race the
// server they start is instrumented too).
const asKeyturn = "KEYTURN_TEST_RUN_AS_KEYTURN"

func TestMain(m *testing.M) {
	if os.Getenv(asKeyturn) == "1" {
		os.Unsetenv(asKeyturn)
		main() // exits
	}
	os.Exit(runTests(m))
}

// runTests runs the tests with a HOME of their own: no login file, local
// server, config or state of the developer running them can leak into a
// test, in process (os.UserConfigDir) or in a subprocess.
func runTests(m *testing.M) int {
	home, err := os.MkdirTemp("", "keyturn-test-home-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(home)
	for k, v := range map[string]string{
		"HOME":            home,
		"XDG_CONFIG_HOME": filepath.Join(home, ".config"),
		"XDG_STATE_HOME":  filepath.Join(home, ".local", "state"),
	} {
		os.Setenv(k, v)
	}
	for _, k := range []string{"KEYTURN_URL", "KEYTURN_TOKEN", "KEYTURN_DATA"} {
		os.Unsetenv(k)
	}
	return m.Run()
}
