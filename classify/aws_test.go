package classify

import (
	"bufio"
	"maps"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"keyturn"
)

func TestAWSGlobalOption(t *testing.T) {
	tests := []struct {
		in, full string
		valued   bool
	}{
		{"--profile", "--profile", true},
		{"--prof", "--profile", true}, // argparse takes unambiguous prefixes
		{"--reg", "--region", true},
		{"--endpoint", "--endpoint-url", true},
		{"--no-p", "--no-paginate", false},
		{"--ver", "--version", false},
		{"--debug", "--debug", false},
		{"--no", "", false},           // ambiguous
		{"--v", "", false},            // --version or --v2-debug
		{"--instance-ids", "", false}, // an operation's option
		{"--profile-name", "", false}, // longer than --profile: not a prefix
		{"--query-string", "", false}, // logs start-query's option
		{"--", "", false},
	}
	for _, tt := range tests {
		full, valued, ok := awsGlobal(tt.in)
		if ok != (tt.full != "") || full != tt.full || valued != tt.valued {
			t.Errorf("awsGlobal(%q) = %q, %v, %v; want %q, %v", tt.in, full, valued, ok, tt.full, tt.valued)
		}
	}
}

func TestAWSDestructive(t *testing.T) {
	tests := []struct {
		action, cmd string
		want        bool
	}{
		{"ec2:TerminateInstances", "terminate-instances", true},
		{"rds:DeleteDBInstance", "delete-db-instance", true},
		{"iam:RemoveRoleFromInstanceProfile", "remove-role-from-instance-profile", true},
		{"sqs:PurgeQueue", "purge-queue", true},
		{"cassandra:Drop", "delete-table", true},
		{"example:DestroyEnvironment", "destroy-environment", true},
		{"ec2:DeregisterImage", "deregister-image", true},
		{"kms:DisableKey", "disable-key", true},
		{"iam:DetachRolePolicy", "detach-role-policy", true},
		{"ec2:RevokeSecurityGroupIngress", "revoke-security-group-ingress", true},
		{"cloudformation:CancelUpdateStack", "cancel-update-stack", true},
		{"rds:ResetDBParameterGroup", "reset-db-parameter-group", true},
		{"cloudtrail:StopLogging", "stop-logging", true},
		// The CLI command deletes; IAM authorizes it with a Put action.
		{"s3:PutLifecycleConfiguration", "delete-bucket-lifecycle", true},
		{"s3:PutBucketTagging", "delete-bucket-tagging", true},
		// Operations named after the deletion they start.
		{"kms:ScheduleKeyDeletion", "schedule-key-deletion", true},
		{"personalize:CreateDataDeletionJob", "create-data-deletion-job", true},
		// Cancelling a deletion keeps the resource.
		{"kms:CancelKeyDeletion", "cancel-key-deletion", false},
		// Deletion protection is judged by its flags, not its name.
		{"logs:PutLogGroupDeletionProtection", "put-log-group-deletion-protection", false},
		{"iam:GetServiceLinkedRoleDeletionStatus", "get-service-linked-role-deletion-status", false},
		{"ec2:RunInstances", "run-instances", false},
		{"ec2:RebootInstances", "reboot-instances", false},
		{"s3:PutObject", "cp", false},
		{"ec2:CreateTags", "create-tags", false},
	}
	for _, tt := range tests {
		if got := awsDestructive(tt.action, tt.cmd); got != tt.want {
			t.Errorf("awsDestructive(%q, %q) = %v, want %v", tt.action, tt.cmd, got, tt.want)
		}
	}
}

func TestAWSCamel(t *testing.T) {
	for in, want := range map[string]string{
		"delete-bucket-lifecycle": "DeleteBucketLifecycle",
		"get-ip-set":              "GetIpSet",
		"ls":                      "Ls",
		"a--b-":                   "AB",
	} {
		if got := awsCamel(in); got != want {
			t.Errorf("awsCamel(%q) = %q, want %q", in, got, want)
		}
	}
}

// awsEffect returns the first effect of tool aws that the line yields.
func awsEffect(t *testing.T, cl *Classifier, line string, env map[string]string) keyturn.Effect {
	t.Helper()
	ctx := Context{Cwd: testContext.Cwd, Env: maps.Clone(testContext.Env)}
	maps.Copy(ctx.Env, env)
	effects := cl.Shell(line, ctx)
	for _, e := range effects {
		if e.Tool == "aws" {
			return e
		}
	}
	t.Fatalf("%q: no aws effect:%s", line, describe(effects))
	return keyturn.Effect{}
}

func TestAWSHints(t *testing.T) {
	tests := []struct {
		line  string
		env   map[string]string
		hints map[string]string
	}{
		{"aws --region eu-west-1 s3 ls --profile p", nil,
			map[string]string{"aws_profile": "p", "aws_region": "eu-west-1"}},
		{"aws ec2 describe-vpcs", map[string]string{"AWS_REGION": "us-east-2", "AWS_DEFAULT_REGION": "eu-west-1", "AWS_PROFILE": "ops"},
			map[string]string{"aws_profile": "ops", "aws_region": "us-east-2"}},
		{"aws ec2 describe-vpcs", map[string]string{"AWS_DEFAULT_REGION": "eu-west-1", "AWS_DEFAULT_PROFILE": "ops"},
			map[string]string{"aws_profile": "ops", "aws_region": "eu-west-1"}},
		// --profile overrides the environment even when it cannot be read.
		{"aws ec2 describe-vpcs --profile $P", map[string]string{"AWS_PROFILE": "dev"}, map[string]string{}},
		{"aws ec2 describe-vpcs --profile a --profile b", nil, map[string]string{"aws_profile": "b"}},
		{"aws lambda delete-function --function-name arn:aws:lambda:us-east-1:123456789012:function:f", nil,
			map[string]string{"aws_account": "123456789012"}},
		{"aws s3api get-bucket-policy --bucket b --expected-bucket-owner 444455556666", nil,
			map[string]string{"aws_account": "444455556666"}},
		{"aws ec2 describe-snapshots --owner-ids self", nil, map[string]string{}},
		// An ARN inside a policy document names a trusted account, not the target's.
		{`aws iam create-role --role-name r --assume-role-policy-document '{"Principal":{"AWS":"arn:aws:iam::999999999999:root"}}'`, nil,
			map[string]string{}},
		{"aws --endpoint-url http://localhost:4566 s3 ls", nil, map[string]string{"host": "localhost"}},
		{"aws s3 ls", map[string]string{"AWS_ENDPOINT_URL": "https://minio.dev.example.com:9000"}, map[string]string{"host": "minio.dev.example.com"}},
		{"awslocal --profile prod s3 ls", map[string]string{"AWS_PROFILE": "prod"}, map[string]string{"aws_profile": "localstack"}},
	}
	cl := New(DefaultConfig())
	for _, tt := range tests {
		e := awsEffect(t, cl, tt.line, tt.env)
		got := e.Hints
		if got == nil {
			got = map[string]string{}
		}
		if !maps.Equal(got, tt.hints) {
			t.Errorf("%q: hints %v, want %v", tt.line, got, tt.hints)
		}
	}
}

func TestAWSTargets(t *testing.T) {
	tests := []struct {
		line    string
		targets []string
	}{
		{"aws s3api delete-object --bucket orders --key 2024/a.csv", []string{"s3://orders/2024/a.csv"}},
		{"aws s3api delete-bucket --bucket=orders", []string{"s3://orders"}},
		{"aws ec2 terminate-instances --instance-ids i-1 i-2 --profile prod", []string{"i-1", "i-2"}},
		{`aws ec2 terminate-instances --instance-ids '["i-1","i-2"]'`, []string{"i-1", "i-2"}},
		{"aws ec2 terminate-instances --instance-ids i-1,i-2", []string{"i-1", "i-2"}},
		{"aws rds delete-db-instance --db-instance-identifier orders-db --skip-final-snapshot", []string{"orders-db"}},
		{"aws ecs delete-service --cluster web --service api --force", []string{"web", "api"}},
		{"aws s3api copy-object --copy-source src/a.csv --bucket dst --key a.csv", []string{"s3://src/a.csv", "s3://dst/a.csv"}},
		{"aws ec2 describe-volumes --filters Name=attachment.device,Values=/dev/sdf --device-name x", nil},
	}
	cl := New(DefaultConfig())
	for _, tt := range tests {
		e := awsEffect(t, cl, tt.line, nil)
		if !slices.Equal(e.Targets, tt.targets) {
			t.Errorf("%q: targets %q, want %q", tt.line, e.Targets, tt.targets)
		}
	}
}

// Targets are written so that a protected pattern over aws:ENV:NAME and a
// rule over the account both reach them.
func TestAWSProtectedAndAccount(t *testing.T) {
	cfg, err := ParseConfig([]byte(`
environments:
  - name: prod
    match:
      aws_profile: ["prod*"]
      aws_account: ["111122223333"]
protected:
  - "aws:*:*orders-db*"
`))
	if err != nil {
		t.Fatal(err)
	}
	cl := New(cfg)
	tests := []struct {
		line      string
		env       keyturn.Environment
		protected bool
	}{
		{"aws rds delete-db-instance --db-instance-identifier orders-db-main", keyturn.EnvUnknown, true},
		{"aws s3 rm s3://orders-db-backups/2024/dump.sql", keyturn.EnvUnknown, true},
		{"aws s3api delete-object --bucket orders-db-backups --key dump.sql --profile prod", "prod", true},
		{"aws rds delete-db-instance --db-instance-identifier web-db", keyturn.EnvUnknown, false},
		{"aws lambda delete-function --function-name arn:aws:lambda:us-east-1:111122223333:function:api", "prod", false},
		// A read is never marked protected: reading is what protection allows.
		{"aws rds describe-db-instances --db-instance-identifier orders-db", keyturn.EnvUnknown, false},
	}
	for _, tt := range tests {
		e := awsEffect(t, cl, tt.line, nil)
		if e.Environment != tt.env || e.Protected != tt.protected {
			t.Errorf("%q: environment %s, protected %v; want %s, %v", tt.line, e.Environment, e.Protected, tt.env, tt.protected)
		}
	}
}

// TestAWSExamplesCorpus runs the AWS CLI's own examples through the whole
// classifier and measures how often the strictest aws effect of a line
// agrees with the access level of its operation: Read and List must be
// read; Write, Tagging and Permissions management write or destructive.
// The corpus lives outside the repository; without it the test skips.
func TestAWSExamplesCorpus(t *testing.T) {
	const path = "../../shared/corpora/aws/awscli_examples.tsv"
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	defer f.Close()

	type tally struct {
		lines, right int
		classes      map[keyturn.Class]int
	}
	newTally := func() *tally { return &tally{classes: map[keyturn.Class]int{}} }
	var (
		all     = newTally()
		byLevel = map[string]*tally{}
		skipped = map[string]int{} // access levels that tell nothing: "", "(cli-customization)"
		col     = map[string]int{}
		shown   int
	)
	cl := New(DefaultConfig())
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
	for n := 1; sc.Scan(); n++ {
		cols := strings.Split(sc.Text(), "\t")
		if n == 1 {
			for i, name := range cols {
				col[name] = i
			}
			for _, c := range []string{"cli_service", "cli_command", "access_level", "command"} {
				if _, ok := col[c]; !ok {
					t.Fatalf("%s: no column %q in the header", path, c)
				}
			}
			continue
		}
		get := func(c string) string {
			if i := col[c]; i < len(cols) {
				return cols[i]
			}
			return ""
		}
		level, cmd := get("access_level"), get("command")
		want, ok := awsExpectedClass(level)
		if !ok || cmd == "" {
			skipped[level]++
			continue
		}
		// A line the shell cannot parse, or whose aws command is not
		// understood, has no aws effect or an unknown one: a miss.
		got := keyturn.Unknown
		var aws []keyturn.Effect
		for _, e := range cl.Shell(cmd, testContext) {
			if e.Tool == "aws" {
				aws = append(aws, e)
			}
		}
		if len(aws) > 0 {
			got = keyturn.StrictestClass(aws)
		}
		right := got == want || want == keyturn.Write && got == keyturn.Destructive
		if byLevel[level] == nil {
			byLevel[level] = newTally()
		}
		for _, tl := range []*tally{all, byLevel[level]} {
			tl.lines++
			tl.classes[got]++
			if right {
				tl.right++
			}
		}
		if !right && got != keyturn.Unknown && shown < 20 {
			shown++
			t.Logf("miss: %s %s (%s): %s: %.160s", get("cli_service"), get("cli_command"), level, got, cmd)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if all.lines == 0 {
		t.Fatalf("%s: no lines with an access level", path)
	}
	share := float64(all.right) / float64(all.lines)
	classes := func(tl *tally) string {
		var b strings.Builder
		for _, c := range keyturn.Classes {
			b.WriteString(" " + string(c) + "=")
			b.WriteString(strconv.Itoa(tl.classes[c]))
		}
		return b.String()
	}
	t.Logf("aws examples: %d of %d lines (%.2f%%) at the right access level;%s", all.right, all.lines, 100*share, classes(all))
	levels := slices.Sorted(maps.Keys(byLevel))
	for _, l := range levels {
		tl := byLevel[l]
		t.Logf("  %-30s %5d lines, %5d right (%6.2f%%);%s", l, tl.lines, tl.right, 100*float64(tl.right)/float64(tl.lines), classes(tl))
	}
	skippedLevels := make([]string, 0, len(skipped))
	for l := range skipped {
		skippedLevels = append(skippedLevels, l)
	}
	sort.Strings(skippedLevels)
	for _, l := range skippedLevels {
		t.Logf("  not measured, access level %q: %d lines", l, skipped[l])
	}

	// Measured: 4357 of 4402 (98.98%). Every miss is unknown: lines the
	// shell cannot parse (placeholders such as <region-ID>, PowerShell `
	// continuations, JSON cut at a line end) and the retired iot1click
	// services.
	const floor = 0.98
	if share < floor {
		t.Errorf("%.2f%% of the lines at the right access level, under the floor of %.0f%%", 100*share, 100*floor)
	}
}

// awsExpectedClass is the class an access level calls for; ok is false for
// a level that tells nothing (empty, "(cli-customization)").
func awsExpectedClass(level string) (keyturn.Class, bool) {
	switch level {
	case "Read", "List":
		return keyturn.Read, true
	}
	for _, l := range strings.Split(level, ", ") {
		switch l {
		case "Write", "Tagging", "Permissions management":
			return keyturn.Write, true
		}
	}
	return "", false
}
