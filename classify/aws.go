package classify

import (
	"encoding/json"
	"maps"
	"strings"

	"keyturn"
)

// The AWS CLI: aws [global options] SERVICE OPERATION [arguments]. The
// operation's IAM action and access level come from the table in awsiam.go;
// this file finds the service and operation among the words, reads the
// hints (profile, region, account, endpoint) and targets, and handles the
// commands the CLI builds itself (s3 cp, configure, wait, …).

func init() {
	register(analyzeAWS, "aws")
	register(analyzeAWSLocal, "awslocal")
}

func analyzeAWS(c *call) []keyturn.Effect { return parseAWS(c, false).effects() }

// analyzeAWSLocal is LocalStack's wrapper: it points every call at the
// LocalStack endpoint, whatever profile it is given, so its hint is the
// profile name the configuration knows LocalStack by.
func analyzeAWSLocal(c *call) []keyturn.Effect { return parseAWS(c, true).effects() }

// awsGlobalOptions are the CLI's global options, true for those that take a
// value. The CLI parses them with Python's argparse over the whole command
// line, before and after the service and operation, and accepts any
// unambiguous prefix (--prof for --profile); operations whose parameters
// would clash are renamed by the CLI (eks create-cluster --kubernetes-version).
var awsGlobalOptions = map[string]bool{
	"--profile":             true,
	"--region":              true,
	"--endpoint-url":        true,
	"--output":              true,
	"--query":               true,
	"--color":               true,
	"--cli-read-timeout":    true,
	"--cli-connect-timeout": true,
	"--ca-bundle":           true,
	"--cli-binary-format":   true,
	"--debug":               false,
	"--no-verify-ssl":       false,
	"--no-paginate":         false,
	"--no-sign-request":     false,
	"--no-cli-pager":        false,
	"--cli-auto-prompt":     false,
	"--no-cli-auto-prompt":  false,
	"--version":             false,
	"--v2-debug":            false, // v1 only
}

// awsGlobal returns the global option name names, by its full name or an
// unambiguous prefix as argparse allows.
func awsGlobal(name string) (full string, valued, ok bool) {
	if v, found := awsGlobalOptions[name]; found {
		return name, v, true
	}
	if len(name) < 3 {
		return "", false, false
	}
	for g, v := range awsGlobalOptions {
		if strings.HasPrefix(g, name) {
			if ok {
				return "", false, false // ambiguous: the CLI refuses the line
			}
			full, valued, ok = g, v, true
		}
	}
	return full, valued, ok
}

// awsCmd is one aws invocation split into its parts.
type awsCmd struct {
	c                  *call
	local              bool // awslocal
	service, operation arg
	hasService, hasOp  bool
	// args are the operation's arguments, without the global options.
	args    []arg
	globals map[string][]arg
	// dynamicOption is set when an option's name is only known at run time
	// (--$OPT value): it could be --profile, so the hints are not trusted.
	dynamicOption bool
	hints         map[string]string
	targets       []string
	note          string
}

func isAWSOption(w arg) bool {
	return w.Known && len(w.Value) > 1 && w.Value[0] == '-'
}

func parseAWS(c *call, local bool) *awsCmd {
	a := &awsCmd{c: c, local: local, globals: map[string][]arg{}}
	var words []arg
	for i := 0; i < len(c.args); i++ {
		w := c.args[i]
		if w.Known && w.Value == "--" {
			// argparse reads everything after -- as operands; the --
			// stays, for the s3 commands' own parsing.
			words = append(words, c.args[i:]...)
			break
		}
		if !strings.HasPrefix(w.Value, "--") || len(w.Value) < 3 {
			words = append(words, w)
			continue
		}
		name, val, eq := strings.Cut(w.Value, "=")
		if !w.Known && (!eq || strings.ContainsAny(name, "$`")) {
			a.dynamicOption = true
			words = append(words, w)
			continue
		}
		full, valued, ok := awsGlobal(name)
		if !ok {
			words = append(words, w)
			continue
		}
		v := arg{Known: true}
		if valued {
			switch {
			case eq:
				v = arg{Value: val, Known: w.Known}
			case i+1 < len(c.args):
				i++
				v = c.args[i]
			}
		}
		a.globals[full] = append(a.globals[full], v)
	}
	// The first two operands are the service and the operation; options
	// the main parser does not know take no value there, as in argparse
	// (aws ecs --cluster x describe-tasks makes x the operation).
	operands := false
	for _, w := range words {
		switch {
		case !operands && w.Known && w.Value == "--":
			operands = true
			a.args = append(a.args, w)
		case !operands && isAWSOption(w):
			a.args = append(a.args, w)
		case !a.hasService:
			a.service, a.hasService = w, true
		case !a.hasOp:
			a.operation, a.hasOp = w, true
		default:
			a.args = append(a.args, w)
		}
	}
	a.hints = a.readHints()
	a.targets = a.readTargets(a.service.Value)
	return a
}

// last returns the last value given to a global option.
func (a *awsCmd) last(name string) (arg, bool) {
	vs := a.globals[name]
	if len(vs) == 0 {
		return arg{}, false
	}
	return vs[len(vs)-1], true
}

// readHints returns the environment hints: the profile from --profile,
// AWS_PROFILE or AWS_DEFAULT_PROFILE, the region likewise, and the host of
// a custom endpoint. A value only known at run time gives no hint (and
// stops the fallback to the environment, which it overrides).
func (a *awsCmd) readHints() map[string]string {
	h := map[string]string{}
	env := a.c.env
	first := func(flag string, vars ...string) (string, bool) {
		if v, ok := a.last(flag); ok {
			return v.Value, v.Known && v.Value != ""
		}
		for _, name := range vars {
			if v := env[name]; v != "" {
				return v, true
			}
		}
		return "", false
	}
	if a.dynamicOption {
		a.note = "an option is only known at run time and could name another profile or endpoint"
	} else {
		if v, ok := first("--profile", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"); ok {
			h["aws_profile"] = v
		}
		if v, ok := first("--endpoint-url", "AWS_ENDPOINT_URL"); ok {
			if host := urlHost(v); host != "" {
				h["host"] = host
			}
		}
	}
	if v, ok := first("--region", "AWS_REGION", "AWS_DEFAULT_REGION"); ok {
		h["aws_region"] = v
	}
	if a.local {
		h["aws_profile"] = "localstack"
		delete(h, "host")
	}
	return h
}

func (a *awsCmd) effects() []keyturn.Effect {
	c := a.c
	if _, ok := a.globals["--cli-auto-prompt"]; ok {
		return []keyturn.Effect{a.unknownEffect("aws --cli-auto-prompt", "the CLI prompts for the command to run")}
	}
	if !a.hasService {
		// aws, aws --version, aws --profile x: the CLI prints its version
		// or its usage and calls nothing.
		op := "aws"
		if _, ok := a.globals["--version"]; ok {
			op = "aws --version"
		}
		return []keyturn.Effect{c.localEffect("aws", op, keyturn.Read)}
	}
	if !a.service.Known {
		return []keyturn.Effect{a.unknownEffect("aws "+a.service.Value, "the service is only known at run time")}
	}
	svc := a.service.Value
	if svc == "help" {
		return []keyturn.Effect{c.localEffect("aws", "aws help", keyturn.Read)}
	}
	if svc == "configure" {
		return a.configure()
	}
	if !a.hasOp {
		if awsKnownService(svc) {
			// The CLI prints the service's usage and calls nothing.
			return []keyturn.Effect{c.localEffect("aws", "aws "+svc, keyturn.Read)}
		}
		return []keyturn.Effect{a.unknownEffect("aws "+svc, "keyturn does not know the AWS service "+svc)}
	}
	if !a.operation.Known {
		return []keyturn.Effect{a.unknownEffect("aws "+svc+" "+a.operation.Value, "the operation is only known at run time")}
	}
	op := a.operation.Value
	if op == "help" || a.helpArg(svc == "s3" && awsS3Commands[op]) {
		return []keyturn.Effect{c.localEffect("aws", "aws "+svc+" "+op, keyturn.Read)}
	}
	switch {
	case svc == "s3" && awsS3Commands[op]:
		return a.s3()
	case svc == "history":
		if op == "list" || op == "show" {
			return []keyturn.Effect{c.localEffect("aws", "aws history "+op, keyturn.Read)}
		}
	case op == "wait" && awsKnownService(svc):
		// Waiters poll a Describe or Get operation until a state is reached.
		waiter := ""
		for _, w := range a.args {
			if !isAWSOption(w) {
				waiter = " " + w.Value
				break
			}
		}
		return []keyturn.Effect{a.effect(svc+" wait"+waiter, keyturn.Read)}
	}
	if cu, ok := awsCustomizations[svc+" "+op]; ok {
		return a.customization(cu)
	}
	action, level, ok := awsOperation(svc, op)
	if !ok {
		why := "keyturn does not know the AWS operation " + svc + " " + op
		if !awsKnownService(svc) {
			why = "keyturn does not know the AWS service " + svc
		}
		return []keyturn.Effect{a.unknownEffect(svc+" "+op, why)}
	}
	class := keyturn.Write
	if level == "Read" || level == "List" {
		class = keyturn.Read
	}
	e := a.effect(action, class)
	if class == keyturn.Write && awsDestructive(action, op) {
		e.Class = keyturn.Destructive
	}
	if e.Class != keyturn.Read {
		if flag := a.protectionOff(); flag != "" {
			e.Class = keyturn.Destructive
			addNote(&e, flag+" turns off the resource's protection against deletion")
		}
	}
	if svc == "ec2" && a.dryRun() {
		// EC2's DryRun checks the caller's permission and changes nothing.
		e.Class = keyturn.Read
		addNote(&e, "--dry-run only checks the permission")
	}
	out := []keyturn.Effect{e}
	return append(out, a.localWrites(svc, op)...)
}

// helpArg reports whether the operation's arguments ask for its help page:
// an API operation takes help as its first operand; the CLI's own commands
// (s3 cp) only as their one argument.
func (a *awsCmd) helpArg(custom bool) bool {
	if len(a.args) == 0 || !a.args[0].Known || a.args[0].Value != "help" {
		return false
	}
	return !custom || len(a.args) == 1
}

// effect returns a remote effect of this call with its hints and targets.
func (a *awsCmd) effect(op string, class keyturn.Class, targets ...string) keyturn.Effect {
	if targets == nil {
		targets = a.targets
	}
	e := a.c.effect("aws", op, class, maps.Clone(a.hints), targets...)
	e.Note = a.note
	return e
}

// unknownEffect is an operation keyturn cannot judge, still placed in the
// account the hints name.
func (a *awsCmd) unknownEffect(op, note string) keyturn.Effect {
	e := a.effect(op, keyturn.Unknown)
	addNote(&e, note)
	return e
}

func addNote(e *keyturn.Effect, note string) {
	if e.Note == "" {
		e.Note = note
	} else {
		e.Note += "; " + note
	}
}

// awsDestructive reports whether a write operation deletes or cuts off
// something, by the words of its IAM action and of the CLI command itself:
// several s3api delete-* commands are authorized by a Put* action.
func awsDestructive(action, cliCommand string) bool {
	for _, name := range []string{action, awsCamel(cliCommand)} {
		_, bare, found := strings.Cut(name, ":")
		if !found {
			bare = name
		}
		words := awsCamelWords(bare)
		if awsCancelsDeletion(words) {
			// CancelKeyDeletion keeps a key: the cancel undoes a deletion.
			continue
		}
		if awsDestructiveVerb(name) || awsStartsDeletion(words) {
			return true
		}
	}
	return false
}

// awsStartsDeletion reports operations named after the deletion they
// start rather than by a verb: kms ScheduleKeyDeletion (the key is gone
// after the waiting period), personalize CreateDataDeletionJob,
// StartNetworkMigrationDeployedStacksDeletion. Deletion protection is a
// setting, judged by its flags (protectionOff).
func awsStartsDeletion(words []string) bool {
	if len(words) == 0 {
		return false
	}
	for _, r := range awsReadVerbs {
		if strings.EqualFold(words[0], r) {
			return false // GetServiceLinkedRoleDeletionStatus
		}
	}
	for i, w := range words {
		if strings.EqualFold(w, "Deletion") || strings.EqualFold(w, "Deletions") {
			if i+1 < len(words) && strings.EqualFold(words[i+1], "Protection") {
				continue
			}
			return true
		}
	}
	return false
}

func awsCancelsDeletion(words []string) bool {
	if len(words) == 0 || !strings.EqualFold(words[0], "Cancel") {
		return false
	}
	for _, w := range words[1:] {
		if strings.EqualFold(w, "Deletion") {
			return true
		}
	}
	return false
}

// awsCamel turns a CLI command name into its API operation's spelling:
// delete-bucket-lifecycle is DeleteBucketLifecycle.
func awsCamel(cmd string) string {
	var b strings.Builder
	for _, w := range strings.Split(cmd, "-") {
		if w == "" {
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]))
		b.WriteString(w[1:])
	}
	return b.String()
}

// protectionOff returns the flag, if any, that turns off a resource's
// protection against deletion or termination: the change that precedes
// deleting a database or instance nobody could delete before.
func (a *awsCmd) protectionOff() string {
	for _, w := range a.args {
		if !isAWSOption(w) {
			continue
		}
		name, _, _ := strings.Cut(w.Value, "=")
		rest, ok := strings.CutPrefix(name, "--no-")
		if !ok {
			continue
		}
		if strings.Contains(rest, "deletion-protection") || strings.Contains(rest, "termination-protection") ||
			rest == "disable-api-termination" || rest == "disable-api-stop" {
			return name
		}
		// argparse takes a prefix: --no-deletion-prot.
		for _, full := range []string{"deletion-protection", "disable-api-termination", "disable-api-stop", "enable-termination-protection"} {
			if len(rest) >= 5 && strings.HasPrefix(full, rest) {
				return name
			}
		}
	}
	return ""
}

// dryRun reports whether the last of --dry-run and --no-dry-run (or their
// prefixes, which argparse accepts) asks for a dry run.
func (a *awsCmd) dryRun() bool {
	dry := false
	for _, w := range a.args {
		if w.Known && w.Value == "--" {
			break // operands from here on
		}
		if !isAWSOption(w) {
			continue
		}
		name, _, _ := strings.Cut(w.Value, "=")
		switch {
		case len(name) >= 4 && strings.HasPrefix("--dry-run", name):
			dry = true
		case len(name) >= 6 && strings.HasPrefix("--no-dry-run", name):
			dry = false
		}
	}
	return dry
}

// awsKnownService reports whether svc is an AWS CLI service keyturn knows.
func awsKnownService(svc string) bool {
	if awsLoad() != nil {
		return false
	}
	prefix := svc
	if p, ok := awsServicePrefix[svc]; ok {
		prefix = p
	}
	if awsTable.actions[prefix] != nil || awsVerbAction[svc] != nil {
		return true
	}
	for k := range awsCommandAction {
		if strings.HasPrefix(k, svc+" ") {
			return true
		}
	}
	for k := range awsCustomizations {
		if strings.HasPrefix(k, svc+" ") {
			return true
		}
	}
	return svc == "s3" || svc == "history"
}

// awsTargetFlags are the options whose values name the resources a
// command acts on, beside every option ending in -id, -name, -arn or
// -identifier (and their plurals).
var awsTargetFlags = map[string]bool{
	"--cluster": true, "--service": true, "--queue-url": true, "--repository": true,
	"--domain": true, "--resource": true, "--table": true, "--stack": true,
	"--function": true, "--log-group": true, "--topic": true, "--role": true,
	"--user": true, "--group": true, "--instance": true, "--volume": true,
	"--snapshot": true, "--image": true, "--secret": true, "--parameter": true,
	"--db-snapshot-identifier": true, "--cluster-identifier": true,
}

// awsNotTargets end like target options but name no resource.
var awsNotTargets = map[string]bool{
	"--attribute-name": true, "--device-name": true, "--region-name": true,
	"--metric-name": true, "--engine-name": true,
}

// awsAccountFlags take the account that owns the resources.
var awsAccountFlags = map[string]bool{
	"--account-id": true, "--aws-account-id": true, "--owner-id": true,
	"--expected-bucket-owner": true, "--catalog-id": true,
}

func awsTargetFlag(name string) (is, list bool) {
	if awsNotTargets[name] {
		return false, false
	}
	for _, s := range []string{"-ids", "-names", "-arns", "-identifiers", "-urls"} {
		if strings.HasSuffix(name, s) {
			return true, true
		}
	}
	for _, s := range []string{"-id", "-name", "-arn", "-identifier", "-url"} {
		if strings.HasSuffix(name, s) {
			return name != "--endpoint-url", false
		}
	}
	return awsTargetFlags[name], false
}

// readTargets returns the ids, names and ARNs the operation names, and sets
// the account hint from an account option or an ARN. S3 objects are
// written s3://bucket/key, so one protected pattern matches every form.
func (a *awsCmd) readTargets(svc string) []string {
	var targets []string
	seen := map[string]bool{}
	add := func(t string) {
		if t != "" && !seen[t] {
			seen[t] = true
			targets = append(targets, t)
		}
	}
	account, arnAccount := "", ""
	var bucket, key string
	args := a.args
	for i := 0; i < len(args); i++ {
		w := args[i]
		if !isAWSOption(w) {
			v := w.Value
			if strings.HasPrefix(v, "arn:") {
				add(v)
				if arnAccount == "" {
					arnAccount = arnAccountOf(v)
				}
			} else if strings.HasPrefix(v, "s3://") {
				add(v)
				if arnAccount == "" {
					arnAccount = arnAccountOf(strings.TrimPrefix(v, "s3://"))
				}
			}
			continue
		}
		name, val, eq := strings.Cut(w.Value, "=")
		valueOf := func() (string, bool) {
			if eq {
				return val, true
			}
			if i+1 < len(args) && !isAWSOption(args[i+1]) {
				return args[i+1].Value, true
			}
			return "", false
		}
		switch name {
		case "--bucket", "--bucket-name", "--s3-bucket":
			if v, ok := valueOf(); ok {
				bucket = v
			}
			continue
		case "--key", "--s3-key":
			if svc == "s3api" || svc == "lambda" || svc == "cloudformation" || svc == "s3" {
				if v, ok := valueOf(); ok {
					key = v
				}
			}
			continue
		case "--copy-source":
			if v, ok := valueOf(); ok {
				add("s3://" + strings.TrimPrefix(v, "/"))
			}
			continue
		}
		if awsAccountFlags[name] {
			if v, ok := valueOf(); ok && isAWSAccount(v) && account == "" {
				account = v
			}
		}
		is, list := awsTargetFlag(name)
		if !is {
			continue
		}
		var vals []string
		if eq {
			vals = []string{val}
		} else {
			for j := i + 1; j < len(args) && !isAWSOption(args[j]); j++ {
				vals = append(vals, args[j].Value)
				if !list {
					break
				}
			}
		}
		for _, v := range vals {
			for _, t := range awsListValues(v, list) {
				add(t)
				if strings.HasPrefix(t, "arn:") && arnAccount == "" {
					arnAccount = arnAccountOf(t)
				}
			}
		}
	}
	if bucket != "" {
		t := "s3://" + bucket
		if key != "" {
			t += "/" + key
		}
		add(t)
	}
	if account == "" {
		account = arnAccount
	}
	if account != "" {
		a.hints["aws_account"] = account
	}
	return targets
}

// awsListValues splits the value of a list option written as JSON
// (["i-1","i-2"]) or with commas (i-1,i-2).
func awsListValues(v string, list bool) []string {
	if !list {
		return []string{v}
	}
	if strings.HasPrefix(strings.TrimSpace(v), "[") {
		var vs []string
		if json.Unmarshal([]byte(v), &vs) == nil {
			return vs
		}
		return []string{v}
	}
	if strings.HasPrefix(v, "arn:") || !strings.Contains(v, ",") {
		return []string{v}
	}
	return strings.Split(v, ",")
}

// arnAccountOf returns the account of arn:PARTITION:SERVICE:REGION:ACCOUNT:…
// when it is one (S3 bucket ARNs have none).
func arnAccountOf(arn string) string {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 6 || f[0] != "arn" || !isAWSAccount(f[4]) {
		return ""
	}
	return f[4]
}

func isAWSAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// awsCustomization is a command the CLI builds itself, absent from the
// IAM table.
type awsCustomization struct {
	op    string
	class keyturn.Class
	local bool   // acts on this machine, not in AWS
	note  string // for unknown
}

var awsCustomizations = map[string]awsCustomization{
	// Logging in and out caches or removes an SSO token on this machine.
	"sso login":  {op: "aws sso login", class: keyturn.Write, local: true},
	"sso logout": {op: "aws sso logout", class: keyturn.Write, local: true},
	// The SSO portal API, authorized by the SSO token rather than by IAM.
	"sso list-accounts":        {op: "sso list-accounts", class: keyturn.Read},
	"sso list-account-roles":   {op: "sso list-account-roles", class: keyturn.Read},
	"sso get-role-credentials": {op: "sso get-role-credentials", class: keyturn.Read},
	// Signed locally: a presigned sts:GetCallerIdentity.
	"eks get-token":                {op: "eks get-token", class: keyturn.Read},
	"ecr get-login":                {op: "ecr:GetAuthorizationToken", class: keyturn.Read},
	"codecommit credential-helper": {op: "codecommit credential-helper", class: keyturn.Read},
	"cloudtrail validate-logs":     {op: "cloudtrail validate-logs", class: keyturn.Read},
	"configservice get-status":     {op: "config:DescribeConfigurationRecorderStatus", class: keyturn.Read},
	"configservice subscribe":      {op: "config:PutDeliveryChannel", class: keyturn.Write},
	"deploy push":                  {op: "codedeploy:RegisterApplicationRevision", class: keyturn.Write},
	"deploy register":              {op: "codedeploy:RegisterOnPremisesInstance", class: keyturn.Write},
	// deregister also deletes the instance's IAM user.
	"deploy deregister": {op: "codedeploy:DeregisterOnPremisesInstance", class: keyturn.Destructive},
	// install and uninstall set up the CodeDeploy agent on this machine.
	"deploy install":                {op: "aws deploy install", class: keyturn.Write, local: true},
	"deploy uninstall":              {op: "aws deploy uninstall", class: keyturn.Destructive, local: true},
	"emr create-default-roles":      {op: "iam:CreateRole", class: keyturn.Write},
	"emr create-hbase-backup":       {op: "elasticmapreduce:AddJobFlowSteps", class: keyturn.Write},
	"emr schedule-hbase-backup":     {op: "elasticmapreduce:AddJobFlowSteps", class: keyturn.Write},
	"emr disable-hbase-backups":     {op: "elasticmapreduce:AddJobFlowSteps", class: keyturn.Destructive},
	"emr restore-from-hbase-backup": {op: "elasticmapreduce:AddJobFlowSteps", class: keyturn.Destructive},
	"emr install-applications":      {op: "elasticmapreduce:AddJobFlowSteps", class: keyturn.Write},
	"emr modify-cluster-attributes": {op: "elasticmapreduce:ModifyCluster", class: keyturn.Write},
	"emr put":                       {op: "emr put", class: keyturn.Write},
	"emr get":                       {op: "emr get", class: keyturn.Write, local: true},
	"emr ssh":                       {op: "emr ssh", class: keyturn.Unknown, note: "runs a command on the cluster's master node"},
	"emr socks":                     {op: "emr socks", class: keyturn.Unknown, note: "opens a tunnel to the cluster's master node"},
}

func (a *awsCmd) customization(cu awsCustomization) []keyturn.Effect {
	if cu.local {
		return []keyturn.Effect{a.c.localEffect("aws", cu.op, cu.class, a.targets...)}
	}
	e := a.effect(cu.op, cu.class)
	if cu.note != "" {
		addNote(&e, cu.note)
	}
	if e.Class == keyturn.Write {
		if flag := a.protectionOff(); flag != "" {
			e.Class = keyturn.Destructive
			addNote(&e, flag+" turns off the resource's protection against deletion")
		}
	}
	return []keyturn.Effect{e}
}

// awsOutputFile are operations that write their result to a file named by
// their last operand (aws lambda invoke --function-name f out.json).
var awsOutputFile = map[string]bool{
	"s3api get-object":                                         true,
	"s3api get-object-torrent":                                 true,
	"lambda invoke":                                            true,
	"polly synthesize-speech":                                  true,
	"bedrock-runtime invoke-model":                             true,
	"sagemaker-runtime invoke-endpoint":                        true,
	"glacier get-job-output":                                   true,
	"mediastore-data get-object":                               true,
	"kinesis-video-media get-media":                            true,
	"kinesis-video-archived-media get-clip":                    true,
	"kinesis-video-archived-media get-media-for-fragment-list": true,
	"lex-runtime post-content":                                 true,
	"lexv2-runtime recognize-utterance":                        true,
	"appconfig get-configuration":                              true,
	"appconfig get-hosted-configuration-version":               true,
	"appconfigdata get-latest-configuration":                   true,
	"apigateway get-export":                                    true,
	"apigateway get-sdk":                                       true,
}

// localWrites returns what an operation writes on this machine beside its
// call to AWS: an output file, a kubeconfig, a package manager's config.
func (a *awsCmd) localWrites(svc, op string) []keyturn.Effect {
	s := a.c.s
	switch svc + " " + op {
	case "eks update-kubeconfig":
		if a.dryRun() {
			return nil // prints the configuration instead
		}
		p := a.optionValue("--kubeconfig")
		if p.Value == "" {
			if kc := a.c.env["KUBECONFIG"]; kc != "" {
				first, _, _ := strings.Cut(kc, ":")
				p = arg{Value: first, Known: true}
			} else {
				p = a.homePath(".kube/config")
			}
		}
		return []keyturn.Effect{s.writeEffect("fs", "aws eks update-kubeconfig", p)}
	case "codeartifact login":
		if a.dryRun() {
			return nil
		}
		tool := a.optionValue("--tool").Value
		files := map[string]string{"npm": ".npmrc", "pip": ".config/pip/pip.conf", "twine": ".pypirc", "dotnet": ".nuget/NuGet/NuGet.Config", "nuget": ".nuget/NuGet/NuGet.Config", "swift": ".swiftpm/configuration/registries.json"}
		if f, ok := files[tool]; ok {
			return []keyturn.Effect{s.writeEffect("fs", "aws codeartifact login", a.homePath(f))}
		}
		return []keyturn.Effect{a.c.localEffect("fs", "aws codeartifact login", keyturn.Write, tool)}
	}
	if awsOutputFile[svc+" "+op] {
		n := len(a.args)
		if n > 0 && !isAWSOption(a.args[n-1]) && (n == 1 || !isAWSOption(a.args[n-2])) {
			return []keyturn.Effect{s.writeEffect("fs", "aws "+svc+" "+op+" output", a.args[n-1])}
		}
	}
	return nil
}

// optionValue returns the value of an operation's option, if given.
func (a *awsCmd) optionValue(name string) arg {
	var v arg
	for i, w := range a.args {
		if !isAWSOption(w) {
			continue
		}
		n, val, eq := strings.Cut(w.Value, "=")
		if n != name {
			continue
		}
		if eq {
			v = arg{Value: val, Known: w.Known}
		} else if i+1 < len(a.args) {
			v = a.args[i+1]
		}
	}
	return v
}

// homePath is a file under the home directory the command sees.
func (a *awsCmd) homePath(rel string) arg {
	if h := a.c.env["HOME"]; h != "" {
		return arg{Value: strings.TrimSuffix(h, "/") + "/" + rel, Known: true}
	}
	return arg{Value: "~/" + rel, Known: true}
}

// configure edits the CLI's own files on this machine (~/.aws/config and
// credentials, or AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE).
func (a *awsCmd) configure() []keyturn.Effect {
	c := a.c
	sub := ""
	if a.hasOp {
		if !a.operation.Known {
			return []keyturn.Effect{c.unknown("aws configure "+a.operation.Value, "the subcommand is only known at run time")}
		}
		sub = a.operation.Value
	}
	file := func(envVar, rel string) arg {
		if p := c.env[envVar]; p != "" {
			return arg{Value: p, Known: true}
		}
		return a.homePath(".aws/" + rel)
	}
	config := file("AWS_CONFIG_FILE", "config")
	creds := file("AWS_SHARED_CREDENTIALS_FILE", "credentials")
	op := strings.TrimSpace("aws configure " + sub)
	switch sub {
	case "list", "get", "list-profiles", "export-credentials", "help":
		return []keyturn.Effect{c.localEffect("aws", op, keyturn.Read)}
	case "", "set", "import":
		// Interactive configure and set may write keys; import writes them.
		return []keyturn.Effect{c.s.writeEffect("aws", op, config), c.s.writeEffect("aws", op, creds)}
	case "sso", "sso-session", "add-model":
		return []keyturn.Effect{c.s.writeEffect("aws", op, config)}
	}
	return []keyturn.Effect{c.unknown(op, "keyturn does not know aws configure "+sub)}
}

// awsS3Commands are the CLI's own S3 commands (aws s3 …); the s3 service
// has no API operations of its own there (those are under s3api).
var awsS3Commands = map[string]bool{
	"ls": true, "cp": true, "mv": true, "rm": true, "sync": true,
	"mb": true, "rb": true, "presign": true, "website": true,
}

// awsS3Valued are the options of the aws s3 commands that take a value, so
// that it is not read as a path.
var awsS3Valued = set("--include", "--exclude", "--acl", "--sse-c-key", "--sse-kms-key-id",
	"--sse-c-copy-source-key", "--storage-class", "--website-redirect", "--content-type",
	"--cache-control", "--content-disposition", "--content-encoding", "--content-language",
	"--expires", "--source-region", "--page-size", "--metadata", "--metadata-directive",
	"--expected-size", "--checksum-mode", "--checksum-algorithm", "--copy-props",
	"--case-conflict", "--expires-in", "--index-document", "--error-document",
	"--bucket-name-prefix", "--bucket-region", "--cli-input-json", "--cli-input-yaml",
	"--starting-token", "--max-items", "--expected-bucket-owner")

// awsS3Optional take a value only when the next word is one of theirs
// (argparse nargs='?' with choices; another word makes the CLI fail).
var awsS3Optional = map[string][]string{
	"--sse":                   {"AES256", "aws:kms", "aws:kms:dsse"},
	"--sse-c":                 {"AES256"},
	"--sse-c-copy-source":     {"AES256"},
	"--request-payer":         {"requester"},
	"--generate-cli-skeleton": {"input", "output", "yaml-input"},
}

// s3Path is one path operand of an aws s3 command.
type s3Path struct {
	a arg
	// remote and local: what the path can be. A word only known at run
	// time could be either.
	remote, local bool
}

func newS3Path(a arg) s3Path {
	switch {
	case strings.HasPrefix(a.Value, "s3://"):
		return s3Path{a: a, remote: true}
	case !a.Known:
		return s3Path{a: a, remote: true, local: true}
	}
	return s3Path{a: a, local: true}
}

// s3URI writes a bucket operand as s3://bucket; ls and rb accept it bare.
func s3URI(v string) string {
	if strings.HasPrefix(v, "s3://") {
		return v
	}
	return "s3://" + v
}

// s3 classifies the CLI's high-level S3 commands by what they do to each
// side. rm, rb, mv (its source) and sync --delete (its destination) delete
// in S3 and are destructive, even for one object: S3 keeps no copy unless
// the bucket is versioned. A download (s3 cp s3://b/k ./k) reads S3 and
// writes this machine, so it yields a read in AWS and a write where the
// file lands; a deletion on this machine (mv ./f s3://…, sync --delete
// into a local directory) is judged like rm, by where the path is.
func (a *awsCmd) s3() []keyturn.Effect {
	op := a.operation.Value
	// More operands than the command takes mean an option keyturn does
	// not know took a value: the paths are the last ones, as the CLI
	// would read them.
	var paths []s3Path
	switches := map[string]bool{}
	args := a.args
	for i := 0; i < len(args); i++ {
		w := args[i]
		if w.Known && w.Value == "--" {
			for _, p := range args[i+1:] {
				paths = append(paths, newS3Path(p))
			}
			break
		}
		if !isAWSOption(w) {
			paths = append(paths, newS3Path(w))
			continue
		}
		name, _, eq := strings.Cut(w.Value, "=")
		switches[name] = true
		switch {
		case eq:
		case awsS3Valued[name]:
			i++
		case name == "--grants":
			for i+1 < len(args) && !isAWSOption(args[i+1]) {
				i++
			}
		case awsS3Optional[name] != nil:
			if i+1 < len(args) {
				for _, choice := range awsS3Optional[name] {
					if args[i+1].Value == choice {
						i++
						break
					}
				}
			}
		}
	}
	refused := func(why string) []keyturn.Effect {
		e := a.c.localEffect("aws", "aws s3 "+op, keyturn.Read)
		e.Note = "the CLI refuses the command: " + why
		return []keyturn.Effect{e}
	}
	var out []keyturn.Effect
	remote := func(action string, class keyturn.Class, target string) {
		out = append(out, a.effect(action, class, target))
	}
	switch op {
	case "ls":
		if len(paths) == 0 {
			remote("s3:ListAllMyBuckets", keyturn.Read, "")
		} else {
			remote("s3:ListBucket", keyturn.Read, s3URI(paths[len(paths)-1].a.Value))
		}
	case "presign", "mb", "rb", "rm", "website":
		if len(paths) == 0 {
			return refused("it needs an S3 path")
		}
		action, class := map[string]string{
			"presign": "s3:GetObject", "mb": "s3:CreateBucket", "rb": "s3:DeleteBucket",
			"rm": "s3:DeleteObject", "website": "s3:PutBucketWebsite",
		}[op], keyturn.Write
		switch op {
		case "presign":
			class = keyturn.Read
		case "rb", "rm":
			class = keyturn.Destructive
		}
		remote(action, class, s3URI(paths[len(paths)-1].a.Value))
	case "cp", "mv", "sync":
		if len(paths) < 2 {
			return refused("it needs a source and a destination")
		}
		src, dst := paths[len(paths)-2], paths[len(paths)-1]
		if !src.remote && !dst.remote {
			return refused("neither path is in S3")
		}
		// argparse takes a prefix of an option: --del is --delete.
		del := false
		for name := range switches {
			del = del || op == "sync" && len(name) >= 5 && strings.HasPrefix("--delete", name)
		}
		if src.remote && src.a.Known {
			remote("s3:GetObject", keyturn.Read, src.a.Value)
		}
		if op == "mv" {
			if src.remote {
				remote("s3:DeleteObject", keyturn.Destructive, src.a.Value)
			}
			if src.local && src.a.Value != "-" {
				out = append(out, a.localDelete("aws s3 mv", src.a))
			}
		}
		if dst.remote {
			remote("s3:PutObject", keyturn.Write, dst.a.Value)
			if del {
				remote("s3:DeleteObject", keyturn.Destructive, dst.a.Value)
			}
		}
		if dst.local && dst.a.Value != "-" {
			out = append(out, a.c.s.writeEffect("fs", "aws s3 "+op+" download", dst.a))
			if del {
				out = append(out, a.localDelete("aws s3 sync --delete", dst.a))
			}
		}
	}
	if switches["--dryrun"] && (op == "cp" || op == "mv" || op == "rm" || op == "sync") {
		// --dryrun prints the operations and performs none.
		for i := range out {
			out[i].Class = keyturn.Read
			addNote(&out[i], "--dryrun only prints what it would do")
		}
	}
	for i := range out {
		if out[i].Targets != nil && out[i].Targets[0] == "" {
			out[i].Targets = nil
		}
	}
	return out
}

// localDelete is deleting a path on this machine, judged like rm.
func (a *awsCmd) localDelete(op string, p arg) keyturn.Effect {
	s := a.c.s
	abs, ok := s.abs(p)
	e := keyturn.Effect{Tool: "fs", Operation: op, Class: s.deleteClass(abs, ok), Environment: s.pathEnv(abs, ok), Targets: []string{abs}}
	if !ok {
		e.Note = "the path is only known at run time"
	}
	return e
}
