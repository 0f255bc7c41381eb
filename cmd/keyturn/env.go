package main

import (
	"context"
	"io"
	"os"
)

func newEnv(stdin io.Reader, stdout, stderr io.Writer) *env {
	return &env{ctx: context.Background(), stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, environ: os.Environ, getwd: os.Getwd}
}
