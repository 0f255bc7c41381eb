package classify

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

func TestAWSTableParses(t *testing.T) {
	if err := awsLoad(); err != nil {
		t.Fatal(err)
	}
	levels := map[string]bool{"Read": true, "List": true, "Write": true, "Permissions management": true, "Tagging": true}
	n := 0
	for prefix, actions := range awsTable.actions {
		for _, a := range actions {
			n++
			if !levels[a.level] {
				t.Errorf("%s:%s: access level %q", prefix, a.name, a.level)
			}
		}
	}
	// The SAR had about 22,000 actions in 2026; far fewer means a broken
	// generation, not AWS shrinking.
	if n < 15000 {
		t.Errorf("table holds %d actions, want at least 15000", n)
	}
}

// Every hand-written mapping must name an action the table knows, or
// awsOperation silently reports the command as unknown.
func TestAWSCommandActionsExist(t *testing.T) {
	for cmd, full := range awsCommandAction {
		prefix, action, _ := strings.Cut(full, ":")
		if got, _, ok := awsLookup(prefix, action); !ok || got != full {
			t.Errorf("%s: %s not in the table (got %q)", cmd, full, got)
		}
	}
	for cli, prefix := range awsServicePrefix {
		if awsTable.actions[prefix] == nil {
			t.Errorf("awsServicePrefix[%q] = %q: no such prefix in the table", cli, prefix)
		}
	}
	for svc, verbs := range awsVerbAction {
		for verb, full := range verbs {
			prefix, action, _ := strings.Cut(full, ":")
			if got, _, ok := awsLookup(prefix, action); !ok || got != full {
				t.Errorf("awsVerbAction[%q][%q]: %s not in the table", svc, verb, full)
			}
		}
	}
}

func TestAWSOperation(t *testing.T) {
	tests := []struct {
		svc, cmd      string
		action, level string
	}{
		{"ec2", "terminate-instances", "ec2:TerminateInstances", "Write"},
		{"ec2", "describe-instances", "ec2:DescribeInstances", "List"},
		{"ec2", "stop-instances", "ec2:StopInstances", "Write"},
		{"ec2", "describe-ipam-pools", "ec2:DescribeIpamPools", "List"},
		{"ec2", "associate-iam-instance-profile", "ec2:AssociateIamInstanceProfile", "Write"},
		{"ec2", "disassociate-route-table", "ec2:DisassociateRouteTable", "Write"},
		{"iam", "attach-role-policy", "iam:AttachRolePolicy", "Permissions management"},
		{"iam", "list-users", "iam:ListUsers", "List"},
		{"iam", "create-access-key", "iam:CreateAccessKey", "Write"},
		// Acronyms: the CLI splits them, IAM keeps them upper-case.
		{"iam", "get-open-id-connect-provider", "iam:GetOpenIDConnectProvider", "Read"},
		{"iam", "create-saml-provider", "iam:CreateSAMLProvider", "Write"},
		{"waf", "get-ip-set", "waf:GetIPSet", "Read"},
		{"wafv2", "get-ip-set", "wafv2:GetIPSet", "Read"},
		{"rds", "delete-db-instance", "rds:DeleteDBInstance", "Write"},
		{"rds", "describe-db-instances", "rds:DescribeDBInstances", "List"},
		{"sts", "get-caller-identity", "sts:GetCallerIdentity", "Read"},
		{"sts", "assume-role", "sts:AssumeRole", "Write"},
		{"kms", "schedule-key-deletion", "kms:ScheduleKeyDeletion", "Write"},
		{"dynamodb", "delete-table", "dynamodb:DeleteTable", "Write"},
		{"cloudtrail", "stop-logging", "cloudtrail:StopLogging", "Write"},
		{"guardduty", "list-detectors", "guardduty:ListDetectors", "List"},
		{"secretsmanager", "get-secret-value", "secretsmanager:GetSecretValue", "Read"},
		{"route53", "change-resource-record-sets", "route53:ChangeResourceRecordSets", "Write"},
		{"cognito-idp", "admin-delete-user", "cognito-idp:AdminDeleteUser", "Write"},
		{"lambda", "tag-resource", "lambda:TagResource", "Tagging"},
		{"s3api", "put-bucket-tagging", "s3:PutBucketTagging", "Tagging"},
		// Case and stray spaces do not matter.
		{"S3API", "Get-Object", "s3:GetObject", "Read"},
		{" ec2 ", " describe-vpcs ", "ec2:DescribeVpcs", "List"},

		// Renamed services.
		{"s3api", "put-bucket-policy", "s3:PutBucketPolicy", "Permissions management"},
		{"s3control", "put-public-access-block", "s3:PutAccountPublicAccessBlock", "Permissions management"},
		{"configservice", "delete-config-rule", "config:DeleteConfigRule", "Write"},
		{"deploy", "create-deployment", "codedeploy:CreateDeployment", "Write"},
		{"docdb", "delete-db-cluster", "rds:DeleteDBCluster", "Write"},
		{"neptune", "create-db-cluster", "rds:CreateDBCluster", "Write"},
		{"elb", "describe-load-balancers", "elasticloadbalancing:DescribeLoadBalancers", "List"},
		{"elbv2", "delete-load-balancer", "elasticloadbalancing:DeleteLoadBalancer", "Write"},
		{"efs", "delete-file-system", "elasticfilesystem:DeleteFileSystem", "Write"},
		{"emr", "list-clusters", "elasticmapreduce:ListClusters", "List"},
		{"stepfunctions", "start-execution", "states:StartExecution", "Write"},
		{"cloudwatch-events", "put-rule", "events:PutRule", "Write"},
		{"opensearch", "delete-domain", "es:DeleteDomain", "Write"},
		{"sesv2", "send-email", "ses:SendEmail", "Write"},
		{"sso-admin", "create-permission-set", "sso:CreatePermissionSet", "Write"},
		{"location", "create-map", "geo:CreateMap", "Write"},
		{"mwaa", "create-environment", "airflow:CreateEnvironment", "Write"},
		{"pinpoint", "delete-app", "mobiletargeting:DeleteApp", "Write"},
		{"resourcegroupstaggingapi", "get-resources", "tag:GetResources", "Read"},
		{"dynamodbstreams", "get-records", "dynamodb:GetRecords", "Read"},
		{"lexv2-models", "delete-bot", "lex:DeleteBot", "Write"},
		{"chime-sdk-voice", "delete-voice-connector", "chime:DeleteVoiceConnector", "Write"},
		{"cloudhsmv2", "delete-cluster", "cloudhsm:DeleteCluster", "Write"},
		{"kinesisanalyticsv2", "delete-application", "kinesisanalytics:DeleteApplication", "Write"},
		{"service-quotas", "list-services", "servicequotas:ListServices", "Read"},
		{"bedrock-runtime", "invoke-model", "bedrock:InvokeModel", "Read"},
		{"keyspaces", "delete-table", "cassandra:Drop", "Write"},

		// Version and batch variants authorized by the base action.
		{"accessanalyzer", "get-finding-v2", "access-analyzer:GetFinding", "Read"},
		{"sqs", "send-message-batch", "sqs:SendMessage", "Write"},
		{"sns", "publish-batch", "sns:Publish", "Write"},

		// Hand-mapped commands.
		{"s3api", "list-objects-v2", "s3:ListBucket", "List"},
		{"s3api", "head-object", "s3:GetObject", "Read"},
		{"s3api", "delete-objects", "s3:DeleteObject", "Write"},
		{"s3api", "delete-bucket-encryption", "s3:PutEncryptionConfiguration", "Write"},
		{"lambda", "invoke", "lambda:InvokeFunction", "Write"},
		{"kms", "re-encrypt", "kms:ReEncryptFrom", "Write"},
		{"bedrock-runtime", "converse", "bedrock:InvokeModel", "Read"},
		{"apigateway", "delete-rest-api", "apigateway:DELETE", "Write"},
		{"apigateway", "get-rest-apis", "apigateway:GET", "Read"},
		{"apigatewayv2", "create-api", "apigateway:POST", "Write"},
		{"ecr", "get-login-password", "ecr:GetAuthorizationToken", "Read"},
		{"eks", "update-kubeconfig", "eks:DescribeCluster", "Read"},
		{"logs", "tail", "logs:FilterLogEvents", "Read"},
		{"emr", "create-cluster", "elasticmapreduce:RunJobFlow", "Write"},
		{"budgets", "describe-budgets", "budgets:ViewBudget", "Read"},
		{"budgets", "delete-budget", "budgets:ModifyBudget", "Write"},
		{"budgets", "delete-budget-action", "budgets:DeleteBudgetAction", "Write"},
		{"rds", "add-option-to-option-group", "rds:ModifyOptionGroup", "Write"},

		// High-level aws s3.
		{"s3", "ls", "s3:ListBucket", "List"},
		{"s3", "cp", "s3:PutObject", "Write"},
		{"s3", "sync", "s3:PutObject", "Write"},
		{"s3", "mv", "s3:DeleteObject", "Write"},
		{"s3", "rm", "s3:DeleteObject", "Write"},
		{"s3", "mb", "s3:CreateBucket", "Write"},
		{"s3", "rb", "s3:DeleteBucket", "Write"},
		{"s3", "presign", "s3:GetObject", "Read"},
		{"s3", "website", "s3:PutBucketWebsite", "Write"},
	}
	for _, tt := range tests {
		action, level, ok := awsOperation(tt.svc, tt.cmd)
		if !ok || action != tt.action || level != tt.level {
			t.Errorf("awsOperation(%q, %q) = %q, %q, %v; want %q, %q", tt.svc, tt.cmd, action, level, ok, tt.action, tt.level)
		}
	}

	for _, tt := range [][2]string{
		{"ec2", "nosuch-command"},
		{"nosuch", "describe-instances"},
		{"", "ls"},
		{"s3", ""},
		// The corpus's accidental joins: these services have no prefix now.
		{"elastic-inference", "tag-resource"},
		{"iot1click-devices", "describe-device"},
	} {
		if action, level, ok := awsOperation(tt[0], tt[1]); ok {
			t.Errorf("awsOperation(%q, %q) = %q, %q, true; want not found", tt[0], tt[1], action, level)
		}
	}
}

func TestAWSDestructiveVerb(t *testing.T) {
	tests := []struct {
		action string
		want   bool
	}{
		{"ec2:TerminateInstances", true},
		{"ec2:DescribeInstances", false},
		{"ec2:StopInstances", true},
		{"s3:PutBucketPolicy", false},
		{"s3:DeleteObject", true},
		{"guardduty:ListDetectors", false},
		{"rds:DeleteDBInstance", true},
		{"sqs:PurgeQueue", true},
		{"ec2:DeregisterImage", true},
		{"ec2:DisableEbsEncryptionByDefault", true},
		{"ec2:EnableEbsEncryptionByDefault", false},
		{"iam:DetachRolePolicy", true},
		{"ec2:RevokeSecurityGroupIngress", true},
		{"ec2:CancelSpotInstanceRequests", true},
		{"ec2:ResetImageAttribute", true},
		{"cassandra:Drop", true},
		{"ec2:DisassociateAddress", true},
		{"ec2:AssociateAddress", false},
		{"iam:RemoveRoleFromInstanceProfile", true},
		{"cloudtrail:StopLogging", true},
		{"ec2:CreateSnapshot", false},
		{"kms:ScheduleKeyDeletion", false}, // Deletion is a noun here
		// Inside the name, after a qualifier.
		{"glue:BatchDeleteTable", true},
		{"cognito-idp:AdminDisableUser", true},
		{"es:ESHttpDelete", true},
		{"apigateway:DELETE", true},
		{"apigateway:GET", false},
		// Word boundaries: a longer word is not the verb.
		{"aws-marketplace:SendAgreementCancellationRequest", false},
		{"swf:RespondActivityTaskCanceled", false},
		{"example:ListDisabledRules", false},
		{"example:CreateStoppedReport", false},
		{"example:Stopwatch", false},
		{"example:DestroyAll", true},
		// A read verb first makes a later verb a noun.
		{"frauddetector:GetDeleteEventsByEventTypeStatus", false},
		{"discovery:DescribeBatchDeleteConfigurationTask", false},
		{"lightsail:GetDistributionLatestCacheReset", false},
		// The prefix is optional: API operation names work too.
		{"DeleteBucketLifecycle", true},
		{"GetBucketLifecycle", false},
		{"", false},
		{"s3:", false},
	}
	for _, tt := range tests {
		if got := awsDestructiveVerb(tt.action); got != tt.want {
			t.Errorf("awsDestructiveVerb(%q) = %v, want %v (words %q)", tt.action, got, tt.want, awsCamelWords(tt.action))
		}
	}
}

func TestAWSCamelWords(t *testing.T) {
	tests := map[string]string{
		"DeleteDBInstance":           "Delete DB Instance",
		"GetIPSet":                   "Get IP Set",
		"ESHttpDelete":               "ES Http Delete",
		"DELETE":                     "DELETE",
		"connect":                    "connect",
		"CreateDistribution2020Beta": "Create Distribution2020 Beta",
		"Foo-BarBaz":                 "Foo Bar Baz",
	}
	for in, want := range tests {
		if got := strings.Join(awsCamelWords(in), " "); got != want {
			t.Errorf("awsCamelWords(%q) = %q, want %q", in, got, want)
		}
	}
}

// awsCorpusLevel reduces the corpus's joined access levels ("Tagging,
// Write", as the npm data spells them) to the one AWS shows, as awsgen does.
func awsCorpusLevel(s string) string {
	for _, l := range []string{"Permissions management", "Tagging"} {
		if strings.Contains(s, l) {
			return l
		}
	}
	return s
}

// TestAWSTableCorpus measures awsOperation against a corpus of AWS CLI
// operations joined to IAM actions by others (awscli 2.9.19 models). The
// corpus lives outside the repository; without it the test skips.
func TestAWSTableCorpus(t *testing.T) {
	const path = "../../shared/corpora/aws/aws_operations.tsv"
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	defer f.Close()

	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
	col := map[string]int{}
	var (
		rows, joined     int // all rows; rows the corpus maps to an action
		same, sameAction int // of joined: action and level agree; action agrees
		missing, differ  int // of joined: we find nothing; we find another action
		extra            int // rows the corpus leaves unmapped that we map
		examplesShown    int
		wantCols         = []string{"cli_service", "cli_command", "iam_action", "access_level"}
		lineNo           int
	)
	for sc.Scan() {
		lineNo++
		f := strings.Split(sc.Text(), "\t")
		if lineNo == 1 {
			for i, name := range f {
				col[name] = i
			}
			for _, c := range wantCols {
				if _, ok := col[c]; !ok {
					t.Fatalf("%s: no column %q in header %q", path, c, f)
				}
			}
			continue
		}
		get := func(c string) string {
			if i := col[c]; i < len(f) {
				return f[i]
			}
			return ""
		}
		rows++
		svc, cmd, wantAction, wantLevel := get("cli_service"), get("cli_command"), get("iam_action"), awsCorpusLevel(get("access_level"))
		action, level, ok := awsOperation(svc, cmd)
		if wantAction == "" {
			if ok {
				extra++
			}
			continue
		}
		joined++
		switch {
		case !ok:
			missing++
		case action != wantAction:
			differ++
		default:
			sameAction++
			if level == wantLevel {
				same++
			}
		}
		if (!ok || action != wantAction || level != wantLevel) && examplesShown < 40 {
			examplesShown++
			t.Logf("mismatch: %s %s: corpus %s %q, table %s %q", svc, cmd, wantAction, wantLevel, action, level)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if joined == 0 {
		t.Fatalf("%s: no joined rows", path)
	}
	share := float64(same) / float64(joined)
	t.Logf("corpus: %d rows, %d joined to an IAM action", rows, joined)
	t.Logf("joined: same action and level %d (%.2f%%), same action %d (%.2f%%), other action %d, not found %d",
		same, 100*share, sameAction, 100*float64(sameAction)/float64(joined), differ, missing)
	t.Logf("unjoined in the corpus but mapped here: %d of %d", extra, rows-joined)

	// Measured with iam-data 0.21.202609261: 15271 of 15292 (99.86%), and
	// levels never disagree. The 21 misses are the corpus's accidental joins
	// that awsServicePrefix leaves out (elastic-inference, iot1click-*,
	// mobile).
	const floor = 0.99
	if share < floor {
		t.Errorf("agreement %.2f%% under the floor of %.0f%%", 100*share, 100*floor)
	}
}
