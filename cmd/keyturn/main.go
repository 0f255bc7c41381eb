// Command keyturn stands between AI coding agents and the systems they
// change. Run `keyturn help` for the commands.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
