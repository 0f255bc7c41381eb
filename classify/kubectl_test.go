package classify

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"keyturn"
)

const testKubeconfig = `apiVersion: v1
kind: Config
current-context: %s
contexts:
- name: prod-eu
  context:
    cluster: eu-cluster
    namespace: payments
- name: kind-dev
  context:
    cluster: kind
`

func writeKubeconfig(t *testing.T, p, current string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	data := []byte(fmt.Sprintf(testKubeconfig, current))
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// only returns the single effect of tool in effects.
func only(t *testing.T, effects []keyturn.Effect, tool string) keyturn.Effect {
	t.Helper()
	var found []keyturn.Effect
	for _, e := range effects {
		if e.Tool == tool {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s effect, got %s", tool, describe(effects))
	}
	return found[0]
}

// The kubeconfig's current-context decides the cluster when the command
// names none: through KUBECONFIG, the first file that sets it, and
// $HOME/.kube/config.
func TestKubeconfigCurrentContext(t *testing.T) {
	dir := t.TempDir()
	kc := filepath.Join(dir, "kc.yaml")
	writeKubeconfig(t, kc, "prod-eu")
	cl := New(DefaultConfig())
	ctx := Context{Cwd: "/home/dev/project", Env: map[string]string{"HOME": "/home/dev", "KUBECONFIG": kc}}

	e := only(t, cl.Shell("kubectl delete pod web-1", ctx), "kubectl")
	if e.Class != keyturn.Destructive || e.Environment != "prod" {
		t.Errorf("delete pod: %s %s, want destructive prod", e.Class, e.Environment)
	}
	if e.Hints["kube_context"] != "prod-eu" || e.Hints["kube_namespace"] != "payments" || e.Hints["kube_cluster"] != "eu-cluster" {
		t.Errorf("hints %v, want the context, namespace and cluster of prod-eu", e.Hints)
	}
	if len(e.Targets) != 1 || e.Targets[0] != "namespace/payments/pod/web-1" {
		t.Errorf("targets %v", e.Targets)
	}

	// --context and -n win over the file.
	e = only(t, cl.Shell("kubectl --context kind-dev -n web delete pod x", ctx), "kubectl")
	if e.Environment != "dev" || e.Hints["kube_namespace"] != "web" || e.Hints["kube_cluster"] != "kind" {
		t.Errorf("explicit context: %s %v", e.Environment, e.Hints)
	}

	// In a list, the first file that sets current-context wins; a missing
	// file is skipped, as kubectl does.
	empty := filepath.Join(dir, "empty.yaml")
	if err := os.WriteFile(empty, []byte("apiVersion: v1\nkind: Config\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx.Env["KUBECONFIG"] = filepath.Join(dir, "missing") + ":" + empty + ":" + kc
	e = only(t, cl.Shell("kubectl get pods", ctx), "kubectl")
	if e.Hints["kube_context"] != "prod-eu" {
		t.Errorf("KUBECONFIG list: hints %v", e.Hints)
	}

	// The file is re-read when it changes.
	writeKubeconfig(t, kc, "kind-dev")
	later := time.Now().Add(2 * time.Second)
	if err := os.Chtimes(kc, later, later); err != nil {
		t.Fatal(err)
	}
	e = only(t, cl.Shell("kubectl get pods", ctx), "kubectl")
	if e.Hints["kube_context"] != "kind-dev" || e.Environment != "dev" {
		t.Errorf("after rewrite: %s %v", e.Environment, e.Hints)
	}

	// --kubeconfig names the file, relative to the cwd.
	e = only(t, cl.Shell("kubectl --kubeconfig kc.yaml get pods", Context{Cwd: dir, Env: map[string]string{}}), "kubectl")
	if e.Hints["kube_context"] != "kind-dev" {
		t.Errorf("--kubeconfig: hints %v", e.Hints)
	}

	// $HOME/.kube/config when there is no KUBECONFIG.
	home := filepath.Join(dir, "home")
	writeKubeconfig(t, filepath.Join(home, ".kube", "config"), "prod-eu")
	e = only(t, cl.Shell("helm uninstall api", Context{Cwd: dir, Env: map[string]string{"HOME": home}}), "helm")
	if e.Environment != "prod" || e.Hints["kube_context"] != "prod-eu" {
		t.Errorf("helm with ~/.kube/config: %s %v", e.Environment, e.Hints)
	}
	// HELM_KUBECONTEXT beats the file.
	e = only(t, cl.Shell("helm uninstall api", Context{Cwd: dir, Env: map[string]string{"HOME": home, "HELM_KUBECONTEXT": "kind-dev"}}), "helm")
	if e.Environment != "dev" {
		t.Errorf("HELM_KUBECONTEXT: %s %v", e.Environment, e.Hints)
	}
	// A context switched earlier in the line beats the file.
	effects := cl.Shell("kubectl config use-context kind-dev && kubectl delete ns payments", Context{Cwd: dir, Env: map[string]string{"HOME": home}})
	for _, e := range effects {
		if e.Operation == "kubectl delete namespace" && e.Environment != "dev" {
			t.Errorf("after use-context: %s %v", e.Environment, e.Hints)
		}
	}
}

// A kubeconfig that does not parse gives no hint: the cluster is unknown.
func TestKubeconfigBroken(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "kc")
	if err := os.WriteFile(kc, []byte("current-context: [prod\n\t:"), 0o600); err != nil {
		t.Fatal(err)
	}
	cl := New(DefaultConfig())
	e := only(t, cl.Shell("kubectl delete ns payments", Context{Cwd: "/", Env: map[string]string{"KUBECONFIG": kc}}), "kubectl")
	if e.Environment != keyturn.EnvUnknown || len(e.Hints) != 0 {
		t.Errorf("broken kubeconfig: %s %v", e.Environment, e.Hints)
	}
}

// A kubectl run on another host reads that host's kubeconfig, not ours.
func TestKubeconfigNotReadRemotely(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "kc")
	writeKubeconfig(t, kc, "kind-dev")
	cl := New(DefaultConfig())
	effects := cl.Shell("ssh bastion kubectl delete ns payments", Context{Cwd: "/", Env: map[string]string{"KUBECONFIG": kc}})
	e := only(t, effects, "kubectl")
	if e.Hints["kube_context"] != "" || e.Hints["host"] != "bastion" {
		t.Errorf("remote kubectl: %v", e.Hints)
	}
}

// terraform reads the selected workspace from .terraform/environment.
func TestTerraformEnvironmentFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".terraform"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".terraform", "environment"), []byte("prod\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cl := New(DefaultConfig())
	e := only(t, cl.Shell("terraform apply", Context{Cwd: dir, Env: map[string]string{}}), "terraform")
	if e.Hints["terraform_workspace"] != "prod" || e.Environment != "prod" {
		t.Errorf("environment file: %s %v", e.Environment, e.Hints)
	}
	// TF_WORKSPACE wins over the file.
	e = only(t, cl.Shell("terraform apply", Context{Cwd: dir, Env: map[string]string{"TF_WORKSPACE": "staging"}}), "terraform")
	if e.Hints["terraform_workspace"] != "staging" {
		t.Errorf("TF_WORKSPACE: %v", e.Hints)
	}
}

// docker's current context comes from config.json; a context whose
// endpoint is a local socket is this machine.
func TestDockerContextFromConfig(t *testing.T) {
	home := t.TempDir()
	dockerDir := filepath.Join(home, ".docker")
	if err := os.MkdirAll(dockerDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dockerDir, "config.json"), []byte(`{"currentContext":"prod-remote"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cl := New(DefaultConfig())
	e := only(t, cl.Shell("docker rm -f web", Context{Cwd: home, Env: map[string]string{"HOME": home}}), "docker")
	if e.Environment != keyturn.EnvUnknown || e.Hints["docker_context"] != "prod-remote" {
		t.Errorf("remote context: %s %v", e.Environment, e.Hints)
	}
	e = only(t, cl.Shell("docker --context default rm -f web", Context{Cwd: home, Env: map[string]string{"HOME": home}}), "docker")
	if e.Environment != keyturn.EnvLocal {
		t.Errorf("--context default: %s %v", e.Environment, e.Hints)
	}
}

func TestKubeType(t *testing.T) {
	for in, want := range map[string]string{
		"ns": "namespace", "Namespaces": "namespace", "deployments.v1.apps": "deployment", "deploy": "deployment",
		"po": "pod", "pvc": "persistentvolumeclaim", "networkpolicies": "networkpolicy",
		"certificates.cert-manager.io": "certificate", "ingresses": "ingress", "endpoints": "endpoints",
	} {
		if got := kubeType(in); got != want {
			t.Errorf("kubeType(%q) = %q, want %q", in, got, want)
		}
	}
}

// Values of options are never operands, wherever the options are.
func TestParseCLI(t *testing.T) {
	o := parseCLI(lits("--context", "delete", "-n=prod", "-nfoo", "get", "-it", "pods", "--", "rm", "-rf"), kubeValued, false)
	if got := strs(o.pos); len(got) != 2 || got[0] != "get" || got[1] != "pods" {
		t.Errorf("operands %v", got)
	}
	if o.str("--context") != "delete" || o.str("-n") != "foo" || !o.has("-i", "-t") {
		t.Errorf("options %v", o.vals)
	}
	if got := strs(o.rest); len(got) != 2 || got[0] != "rm" {
		t.Errorf("rest %v", got)
	}
	dyn := parseCLI([]arg{{Value: "$X", Known: false}, {Value: "--context=$C", Known: false}}, kubeValued, false)
	if len(dyn.dynamic) != 1 || dyn.str("--context") != "" || !dyn.has("--context") {
		t.Errorf("dynamic words: %+v", dyn)
	}
}
