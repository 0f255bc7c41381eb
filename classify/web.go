package classify

import (
	"path"
	"regexp"
	"strings"

	"keyturn"
)

// HTTP clients: curl, wget, HTTPie (http, https) and xh. The method says
// what a request does to the server (GET reads, POST/PUT/PATCH write,
// DELETE destroys); the URL's host is the environment hint. A response
// saved to a file is also a write where that file lands. Piping a download
// into a shell is the shell walker's business, not this file's.

func init() {
	register(analyzeCurl, "curl")
	register(analyzeWget, "wget")
	register(analyzeHTTPie, "http", "https", "xh")
}

// httpMethodClass classifies a request method.
func httpMethodClass(m string) (keyturn.Class, bool) {
	switch strings.ToUpper(m) {
	case "GET", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "REPORT", "SEARCH":
		return keyturn.Read, true
	case "POST", "PUT", "PATCH", "MKCOL", "COPY", "MOVE", "PROPPATCH", "LOCK", "UNLOCK", "PURGE":
		return keyturn.Write, true
	case "DELETE":
		return keyturn.Destructive, true
	}
	return "", false
}

// webURL splits a URL into scheme, host and the target shown to a person:
// without credentials, query or fragment, which may hold secrets.
func webURL(raw, defaultScheme string) (scheme, host, target string) {
	u := raw
	scheme = defaultScheme
	if i := strings.Index(u, "://"); i > 0 {
		scheme, u = strings.ToLower(u[:i]), u[i+3:]
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	authority, p, _ := strings.Cut(u, "/")
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:]
	}
	host = authority
	switch {
	case strings.HasPrefix(host, "["):
		if i := strings.IndexByte(host, ']'); i > 0 {
			host = host[1:i]
		}
	case strings.Count(host, ":") == 1:
		host, _, _ = strings.Cut(host, ":")
	}
	if host == "" && strings.HasPrefix(authority, ":") || host == "" && scheme != "file" {
		host = "localhost" // :8080/path, as HTTPie and xh read it
	}
	host = strings.ToLower(host)
	target = scheme + "://" + authority + "/" + p
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		target = scheme + "://" + authority[i+1:] + "/" + p
	}
	return scheme, host, target
}

// webRequest is one request a client would send.
type webRequest struct {
	url    arg
	method string // "" when only known at run time
	known  bool   // the method is known
	// upload: the body comes from a file or stdin (curl -T).
	upload bool
	// local: the request goes over a Unix socket on this machine.
	local bool
	// redirected: --resolve or --connect-to may send it to another host.
	redirected bool
}

// webEffect is the effect of one request.
func webEffect(c *call, tool string, r webRequest, defaultScheme string) keyturn.Effect {
	if !r.url.Known {
		return c.effect(tool, "HTTP "+r.method, keyturn.Unknown, nil, r.url.Value)
	}
	scheme, host, target := webURL(r.url.Value, defaultScheme)
	op := "HTTP " + strings.ToUpper(r.method)
	class, ok := httpMethodClass(r.method)
	note := ""
	if !ok {
		class, note = keyturn.Unknown, "an HTTP method keyturn does not know: "+r.method
	}
	switch scheme {
	case "http", "https":
	case "ftp", "ftps", "sftp", "scp", "tftp":
		op = strings.ToUpper(scheme) + " download"
		class = keyturn.Read
		if r.upload {
			op, class = strings.ToUpper(scheme)+" upload", keyturn.Write
		}
	case "file":
		p := strings.TrimPrefix(r.url.Value[strings.Index(r.url.Value, "://")+3:], "localhost")
		if r.upload {
			return c.writeEffect("curl file upload", arg{Value: p, Known: true})
		}
		return keyturn.Effect{Tool: tool, Operation: "read file", Class: keyturn.Read, Environment: keyturn.EnvLocal, Targets: []string{p}}
	case "smtp", "smtps":
		op, class = "send mail", keyturn.Write
	default:
		// gopher, dict, telnet and the like speak raw protocols to any
		// port: a request there can be anything.
		return c.effect(tool, strings.ToUpper(scheme)+" request", keyturn.Unknown, map[string]string{"host": host}, target)
	}
	if r.local {
		e := c.localEffect(tool, op, class, target)
		e.Note = "sent over a Unix socket on this machine"
		return e
	}
	hints := map[string]string{"host": host}
	if r.redirected {
		hints = nil
		note = strings.TrimSpace(note + " --resolve/--connect-to may send it to another address")
	}
	e := c.effect(tool, op, class, hints, target)
	e.Note = note
	return e
}

// curlValued are curl's options that take a value.
var curlValued = set("-A", "--user-agent", "--abstract-unix-socket", "--alt-svc", "--aws-sigv4", "--cacert",
	"--capath", "-E", "--cert", "--cert-type", "--ciphers", "--connect-timeout", "--connect-to", "-C",
	"--continue-at", "-b", "--cookie", "-c", "--cookie-jar", "--create-file-mode", "--crlfile", "--curves", "-d",
	"--data", "--data-ascii", "--data-binary", "--data-raw", "--data-urlencode", "--delegation", "--dns-interface",
	"--dns-ipv4-addr", "--dns-ipv6-addr", "--dns-servers", "--doh-url", "-D", "--dump-header", "--ech",
	"--egd-file", "--engine", "--etag-compare", "--etag-save", "--expect100-timeout", "-F", "--form",
	"--form-string", "--ftp-account", "--ftp-alternative-to-user", "--ftp-method", "-P", "--ftp-port",
	"--ftp-ssl-ccc-mode", "--happy-eyeballs-timeout-ms", "--haproxy-clientip", "-H", "--header",
	"--hostpubmd5", "--hostpubsha256", "--hsts", "--interface", "--ip-tos", "--ipfs-gateway", "--json",
	"--keepalive-time", "--keepalive-cnt", "--key", "--key-type", "--krb", "--libcurl", "--limit-rate",
	"--local-port", "--login-options", "--mail-auth", "--mail-from", "--mail-rcpt", "--max-filesize",
	"--max-redirs", "-m", "--max-time", "--netrc-file", "--noproxy", "--oauth2-bearer", "-o", "--output",
	"--output-dir", "--parallel-max", "--pass", "--pinnedpubkey", "--preproxy", "--proto", "--proto-default",
	"--proto-redir", "-x", "--proxy", "--proxy-cacert", "--proxy-capath", "--proxy-cert", "--proxy-cert-type",
	"--proxy-ciphers", "--proxy-crlfile", "--proxy-header", "--proxy-key", "--proxy-key-type", "--proxy-pass",
	"--proxy-pinnedpubkey", "--proxy-service-name", "--proxy-tls13-ciphers", "--proxy-tlsauthtype",
	"--proxy-tlspassword", "--proxy-tlsuser", "-U", "--proxy-user", "--proxy1.0", "-Q", "--quote",
	"--random-file", "-r", "--range", "--rate", "-e", "--referer", "-X", "--request", "--request-target",
	"--resolve", "--retry", "--retry-delay", "--retry-max-time", "--sasl-authzid", "--service-name",
	"--socks4", "--socks4a", "--socks5", "--socks5-gssapi-service", "--socks5-hostname", "-Y", "--speed-limit",
	"-y", "--speed-time", "--stderr", "-t", "--telnet-option", "--tftp-blksize", "-z", "--time-cond",
	"--tls-max", "--tls13-ciphers", "--tlsauthtype", "--tlspassword", "--tlsuser", "--trace", "--trace-ascii",
	"--trace-config", "--unix-socket", "-T", "--upload-file", "--url", "--url-query", "-u", "--user",
	"--variable", "-w", "--write-out", "-K", "--config", "--ssl-sessions", "--knownhosts", "--vlan-priority",
	"--expand-data", "--expand-url", "--expand-header", "--expand-output", "--expand-json", "--expand-form")

// curlDataFlags send a body: the request is a POST unless -X or -G says
// otherwise.
var curlDataFlags = set("-d", "--data", "--data-ascii", "--data-binary", "--data-raw", "--data-urlencode",
	"--json", "-F", "--form", "--form-string", "--expand-data", "--expand-json", "--expand-form")

// curlOutputFlags write a file of their own (headers, cookies, traces).
var curlOutputFlags = set("-D", "--dump-header", "-c", "--cookie-jar", "--trace", "--trace-ascii", "--libcurl",
	"--etag-save", "--stderr", "--hsts", "--alt-svc", "--ssl-sessions")

var curlWriteOutFile = regexp.MustCompile(`%output\{>?>?([^}]*)\}`)

func analyzeCurl(c *call) []keyturn.Effect {
	opts, _ := dbArgs(c.args, curlValued, false)
	if hasOpt(opts, "-V", "--version", "-h", "--help", "-M", "--manual") && len(operands(opts)) == 0 {
		return []keyturn.Effect{readEffect(c)}
	}
	if hasOpt(opts, "-K", "--config") {
		return []keyturn.Effect{c.unknown("curl --config", "reads its options from a file keyturn does not judge")}
	}
	// --next (-:) starts a new set of options for the URLs after it.
	var groups [][]cliOpt
	start := 0
	for i, o := range opts {
		if optIs(o, "-:", "--next") {
			groups = append(groups, opts[start:i])
			start = i + 1
		}
	}
	groups = append(groups, opts[start:])
	var out []keyturn.Effect
	for _, g := range groups {
		out = append(out, curlGroup(c, g)...)
	}
	if len(out) == 0 {
		return []keyturn.Effect{c.unknown("curl", "curl without a URL")}
	}
	return out
}

func curlGroup(c *call, opts []cliOpt) []keyturn.Effect {
	var out []keyturn.Effect
	var urls []arg
	for _, o := range opts {
		if o.name == "" || optIs(o, "--url") {
			urls = append(urls, o.val)
		}
	}
	if hasOpt(opts, "-Q", "--quote") {
		return []keyturn.Effect{c.unknown("curl --quote", "sends raw FTP/SFTP commands")}
	}
	method, known := "GET", true
	upload := hasOpt(opts, "-T", "--upload-file")
	switch {
	case hasOpt(opts, "-I", "--head"):
		method = "HEAD"
	case hasOpt(opts, "-G", "--get"):
		method = "GET"
	case upload:
		method = "PUT"
	case hasOptSet(opts, curlDataFlags):
		method = "POST"
	}
	if m, ok := lastOpt(opts, "-X", "--request"); ok {
		method, known = m.Value, m.Known
	}
	local := hasOpt(opts, "--unix-socket", "--abstract-unix-socket")
	redirected := hasOpt(opts, "--resolve", "--connect-to")
	for _, u := range urls {
		r := webRequest{url: u, method: method, known: known, upload: upload, local: local, redirected: redirected}
		if !known {
			out = append(out, c.effect("http", "HTTP request", keyturn.Unknown, nil, u.Value))
			continue
		}
		out = append(out, webEffect(c, "http", r, "http"))
	}
	// Files the responses land in.
	dir := ""
	if d, ok := lastOpt(opts, "--output-dir"); ok {
		dir = d.Value
	}
	inDir := func(a arg) arg {
		if dir != "" && !path.IsAbs(a.Value) {
			return arg{Value: path.Join(dir, a.Value), Known: a.Known}
		}
		return a
	}
	remoteName := 0
	for _, o := range opts {
		switch {
		case optIs(o, "-o", "--output"):
			if o.val.Value != "-" {
				out = append(out, webSave(c, "curl -o", inDir(o.val)))
			}
		case optIs(o, "-O", "--remote-name"):
			remoteName++
		case curlOutputFlags[o.name]:
			out = append(out, webSave(c, "curl "+o.name, o.val))
		case optIs(o, "-w", "--write-out"):
			for _, m := range curlWriteOutFile.FindAllStringSubmatch(o.val.Value, -1) {
				out = append(out, webSave(c, "curl --write-out", arg{Value: m[1], Known: o.val.Known}))
			}
		}
	}
	if hasOpt(opts, "--remote-name-all") {
		remoteName = len(urls)
	}
	for i := 0; i < remoteName && i < len(urls); i++ {
		out = append(out, webSave(c, "curl -O", inDir(remoteFileName(urls[i]))))
	}
	return out
}

func hasOptSet(opts []cliOpt, names map[string]bool) bool {
	for _, o := range opts {
		if o.name != "" && names[o.name] {
			return true
		}
	}
	return false
}

// webSave is the write of a downloaded file.
func webSave(c *call, op string, a arg) keyturn.Effect {
	if a.Known {
		if p, ok := c.s.abs(a); ok && harmlessSink(p) || a.Value == "-" {
			return keyturn.Effect{Tool: "http", Operation: op, Class: keyturn.Read, Environment: keyturn.EnvLocal}
		}
	}
	return c.writeEffect(op, a)
}

// remoteFileName is the file curl -O and wget name after the URL.
func remoteFileName(u arg) arg {
	if !u.Known {
		return arg{Value: "downloaded file", Known: false}
	}
	rest := u.Value
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	name := "index.html"
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		if b := path.Base(rest[i:]); b != "/" && b != "." && b != "" {
			name = b
		}
	}
	return arg{Value: name, Known: true}
}

// wgetValued are wget's options that take a value.
var wgetValued = set("-O", "--output-document", "-o", "--output-file", "-a", "--append-output", "-P",
	"--directory-prefix", "-i", "--input-file", "-B", "--base", "-e", "--execute", "-t", "--tries", "-T",
	"--timeout", "-w", "--wait", "--waitretry", "-Q", "--quota", "--limit-rate", "-U", "--user-agent", "--header",
	"--post-data", "--post-file", "--method", "--body-data", "--body-file", "--user", "--password", "--http-user",
	"--http-password", "--ftp-user", "--ftp-password", "--load-cookies", "--save-cookies", "--certificate",
	"--private-key", "--ca-certificate", "--ca-directory", "-l", "--level", "-A", "--accept", "-R", "--reject",
	"-D", "--domains", "--exclude-domains", "-I", "--include-directories", "-X", "--exclude-directories",
	"--bind-address", "--referer", "--default-page", "--dns-timeout", "--connect-timeout", "--read-timeout",
	"--restrict-file-names", "--cut-dirs", "--config", "--rejected-log", "--warc-file", "--progress",
	"--local-encoding", "--remote-encoding", "--secure-protocol", "--ciphers", "--hsts-file", "--max-redirect",
	"--accept-regex", "--reject-regex", "--regex-type", "--certificate-type", "--private-key-type",
	"--crl-file", "--pinnedpubkey", "--random-file", "--egd-file", "--use-askpass", "--e", "--report-speed")

// wgetSafeSettings are -e settings that change nothing wget writes or sends.
var wgetSafeSettings = map[string]bool{"robots": true, "use_proxy": true, "http_proxy": true, "https_proxy": true,
	"ftp_proxy": true, "no_proxy": true, "check_certificate": true, "timeout": true, "tries": true}

func analyzeWget(c *call) []keyturn.Effect {
	opts, _ := dbArgs(c.args, wgetValued, false)
	if hasOpt(opts, "-V", "--version", "-h", "--help") {
		return []keyturn.Effect{readEffect(c)}
	}
	if hasOpt(opts, "--config") {
		return []keyturn.Effect{c.unknown("wget --config", "reads its settings from a file keyturn does not judge")}
	}
	if hasOpt(opts, "--use-askpass") {
		// wget runs this program to ask for the user name and password.
		return []keyturn.Effect{c.unknown("wget --use-askpass", "runs a program of the caller's choosing")}
	}
	for _, o := range opts {
		if optIs(o, "-e", "--execute") {
			key, _, _ := strings.Cut(strings.ReplaceAll(strings.ToLower(o.val.Value), " ", ""), "=")
			if !o.val.Known || !wgetSafeSettings[strings.ReplaceAll(key, "-", "_")] {
				return []keyturn.Effect{c.unknown("wget -e", "runs a wgetrc command keyturn does not judge: "+o.val.Value)}
			}
		}
	}
	method := "GET"
	switch {
	case hasOpt(opts, "--post-data", "--post-file"):
		method = "POST"
	}
	known := true
	if m, ok := lastOpt(opts, "--method"); ok {
		method, known = m.Value, m.Known
	}
	urls := operands(opts)
	var out []keyturn.Effect
	if f, ok := lastOpt(opts, "-i", "--input-file"); ok {
		out = append(out, c.effect("http", "HTTP "+method, keyturn.Unknown, nil, "URLs from "+f.Value))
		out[0].Note = "the URLs are read from a file keyturn does not judge"
	}
	for _, u := range urls {
		if !known {
			out = append(out, c.effect("http", "HTTP request", keyturn.Unknown, nil, u.Value))
			continue
		}
		out = append(out, webEffect(c, "http", webRequest{url: u, method: method, known: true}, "http"))
	}
	if len(urls) == 0 && len(out) == 0 {
		return []keyturn.Effect{c.unknown("wget", "wget without a URL")}
	}
	// Where the downloads land.
	prefix := arg{Value: ".", Known: true}
	if p, ok := lastOpt(opts, "-P", "--directory-prefix"); ok {
		prefix = p
	}
	under := func(name arg) arg {
		if path.IsAbs(name.Value) || prefix.Value == "." {
			return name
		}
		return arg{Value: path.Join(prefix.Value, name.Value), Known: name.Known && prefix.Known}
	}
	for _, o := range opts {
		if optIs(o, "-o", "--output-file", "-a", "--append-output", "--save-cookies", "--rejected-log", "--warc-file", "--hsts-file") {
			out = append(out, webSave(c, "wget "+o.name, o.val))
		}
	}
	switch {
	case hasOpt(opts, "--spider", "--delete-after"):
		// fetches without keeping anything
	case hasOpt(opts, "-O", "--output-document"):
		doc, _ := lastOpt(opts, "-O", "--output-document")
		if doc.Value != "-" {
			out = append(out, webSave(c, "wget -O", doc))
		}
	case hasOpt(opts, "-r", "--recursive", "-m", "--mirror"):
		out = append(out, webSave(c, "wget --recursive", prefix))
	default:
		for _, u := range urls {
			out = append(out, webSave(c, "wget", under(remoteFileName(u))))
		}
	}
	return out
}

// httpieValued are HTTPie's and xh's options that take a value.
var httpieValued = set("--auth", "-a", "--auth-type", "-A", "--session", "--session-read-only", "--output", "-o",
	"--verify", "--cert", "--cert-key", "--cert-key-pass", "--ssl", "--ciphers", "--timeout", "--max-redirects",
	"--max-headers", "--proxy", "--print", "-p", "--pretty", "--style", "-s", "--format-options", "--boundary",
	"--raw", "--default-scheme", "--history-print", "-P", "--response-charset", "--response-mime", "--unix-socket",
	"--bearer", "--resolve", "--interface", "--http-version", "--ssl-version", "--scheme")

func analyzeHTTPie(c *call) []keyturn.Effect {
	opts, _ := dbArgs(c.args, httpieValued, false)
	if hasOpt(opts, "--version", "--help") {
		return []keyturn.Effect{readEffect(c)}
	}
	pos := operands(opts)
	if len(pos) == 0 {
		return []keyturn.Effect{c.unknown(c.prog, c.prog+" without a URL")}
	}
	scheme := "http"
	if c.prog == "https" || hasOpt(opts, "--https") {
		scheme = "https"
	}
	if s, ok := lastOpt(opts, "--default-scheme", "--scheme"); ok && s.Known {
		scheme = s.Value
	}
	method, known := "", true
	if len(pos) > 1 && pos[0].Known && isMethodWord(pos[0].Value) {
		method = strings.ToUpper(pos[0].Value)
		pos = pos[1:]
	} else if len(pos) > 1 && !pos[0].Known && !strings.Contains(pos[0].Value, "/") {
		known = false
		pos = pos[1:]
	}
	u := pos[0]
	items := pos[1:]
	if method == "" {
		method = "GET"
		body := hasOpt(opts, "--raw") || c.stdin != nil && !hasOpt(opts, "--ignore-stdin", "-I")
		for _, it := range items {
			if httpieDataItem(it.Value) {
				body = true
			}
		}
		if body {
			method = "POST"
		}
	}
	if hasOpt(opts, "--offline", "--curl") {
		return []keyturn.Effect{c.localEffect("http", c.prog+" --offline", keyturn.Read)}
	}
	var out []keyturn.Effect
	if !known {
		out = append(out, c.effect("http", "HTTP request", keyturn.Unknown, nil, u.Value))
	} else {
		out = append(out, webEffect(c, "http", webRequest{url: u, method: method, known: true,
			local: hasOpt(opts, "--unix-socket"), redirected: hasOpt(opts, "--resolve")}, scheme))
	}
	if o, ok := lastOpt(opts, "-o", "--output"); ok {
		out = append(out, webSave(c, c.prog+" --output", o))
	} else if hasOpt(opts, "-d", "--download") {
		out = append(out, webSave(c, c.prog+" --download", remoteFileName(u)))
	}
	return out
}

func isMethodWord(w string) bool {
	if w == "" || len(w) > 12 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if !sqlLetter(w[i]) {
			return false
		}
	}
	_, ok := httpMethodClass(w)
	return ok || w == strings.ToUpper(w)
}

// httpieDataItem reports whether a request item sends a body field
// (key=value, key:=json, field@file) rather than a header (Name:value) or a
// query parameter (key==value).
func httpieDataItem(it string) bool {
	for i := 0; i < len(it); i++ {
		switch it[i] {
		case '\\':
			i++
		case '=':
			return !strings.HasPrefix(it[i:], "==")
		case ':':
			return strings.HasPrefix(it[i:], ":=")
		case '@':
			return true
		}
	}
	return false
}
