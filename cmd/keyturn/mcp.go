package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"keyturn"
	"keyturn/mcp"
)

const mcpUsage = `mcp proxy [--name N] [--wait D] -- UPSTREAM_COMMAND [ARG…]
       keyturn mcp proxy [--name N] [--wait D] --upstream URL
       keyturn mcp serve

proxy: an MCP server on stdin/stdout that mirrors the upstream MCP server
(a command it starts, or a streamable HTTP URL) and sends every tools/call
through keyturn first. serve: an MCP server on stdin/stdout with the tools
keyturn_check, keyturn_request and keyturn_status. Both act as the agent
whose token they are given (KEYTURN_TOKEN or --token).`

// runMCP runs `keyturn mcp proxy|serve`.
func runMCP(e *env, args []string) int {
	return e.dispatch("mcp", mcpUsage, args, map[string]func(*env, []string) int{
		"proxy": runMCPProxy, "serve": runMCPServe,
	})
}

func runMCPProxy(e *env, args []string) int {
	fs := newFlags(e, "mcp proxy", mcpUsage)
	var r remote
	r.flags(fs)
	name := fs.String("name", "", "the upstream server's `name` in keyturn's actions and policy (default: the command's base name, or the URL's host)")
	upstreamURL := fs.String("upstream", "", "the upstream's streamable HTTP `URL`, instead of a command after --")
	wait := fs.Duration("wait", mcp.DefaultWait, "how long a held call waits for approval before it answers with a tool error naming the request")
	command, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if (*upstreamURL == "") == (len(command) == 0) {
		fmt.Fprintln(e.stderr, "keyturn: give the upstream MCP server: either a command after --, or --upstream URL (not both)")
		fs.Usage()
		return exitUsage
	}
	svc, _, err := r.service(e)
	if err != nil {
		return e.fail(err)
	}
	cwd, err := e.getwd()
	if err != nil {
		return e.fail(keyturn.Errorf(keyturn.EINTERNAL, "the current directory: %v", err))
	}

	var upstream sdk.Transport
	if *upstreamURL != "" {
		u, err := url.Parse(*upstreamURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fmt.Fprintf(e.stderr, "keyturn: --upstream %q is not an http:// or https:// URL\n", *upstreamURL)
			return exitUsage
		}
		if *name == "" {
			*name = u.Hostname()
		}
		upstream = &sdk.StreamableClientTransport{Endpoint: u.String()}
	} else {
		if *name == "" {
			*name = filepath.Base(command[0])
		}
		cmd := exec.Command(command[0], command[1:]...)
		cmd.Env, cmd.Dir = e.environ(), cwd
		// The upstream's own logs go where ours do; stdout is the protocol.
		cmd.Stderr = e.stderr
		upstream = &sdk.CommandTransport{Command: cmd}
	}
	if strings.TrimSpace(*name) == "" {
		fmt.Fprintln(e.stderr, "keyturn: give the upstream a name with --name")
		return exitUsage
	}

	p := &mcp.Proxy{Service: svc, Name: *name, Wait: *wait, Cwd: cwd, Env: meaningfulEnv(e),
		Logger: slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	err = p.Run(e.ctx, upstream, stdio(e))
	return mcpExit(e, "mcp proxy", err)
}

func runMCPServe(e *env, args []string) int {
	fs := newFlags(e, "mcp serve", mcpUsage)
	var r remote
	r.flags(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "keyturn: mcp serve takes no arguments (got %q)\n", fs.Args())
		return exitUsage
	}
	svc, _, err := r.service(e)
	if err != nil {
		return e.fail(err)
	}
	cwd, err := e.getwd()
	if err != nil {
		return e.fail(keyturn.Errorf(keyturn.EINTERNAL, "the current directory: %v", err))
	}
	err = mcp.Serve(e.ctx, mcp.ServerConfig{Service: svc, Cwd: cwd, Env: meaningfulEnv(e), Version: version}, stdio(e))
	return mcpExit(e, "mcp serve", err)
}

// stdio is the agent's side: MCP's stdio transport over the command's
// stdin and stdout.
func stdio(e *env) sdk.Transport {
	return &sdk.IOTransport{Reader: io.NopCloser(e.stdin), Writer: nopWriteCloser{e.stdout}}
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// meaningfulEnv returns the variables of the process environment that
// change what an action means (keyturn.MeaningfulEnv): the rest stay here.
func meaningfulEnv(e *env) map[string]string {
	out := map[string]string{}
	for _, kv := range e.environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && keyturn.MeaningfulEnv(k) {
			out[k] = v
		}
	}
	return out
}

// mcpExit turns how an MCP session ended into an exit status: the agent
// closing the connection is the normal end.
func mcpExit(e *env, what string, err error) int {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) || errors.Is(err, sdk.ErrConnectionClosed) {
		return exitOK
	}
	if keyturn.ErrorCode(err) != keyturn.EINTERNAL {
		return e.fail(err)
	}
	fmt.Fprintf(e.stderr, "keyturn: %s: %v\n", what, err)
	return exitInternal
}
