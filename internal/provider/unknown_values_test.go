package provider

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// Every collection and nested object attribute of every resource and data source must
// accept a value that Terraform does not know yet, wholly or per element, and null,
// at validate, plan and apply (issue 12 item 1). `terraform plan` validates first with
// unknown variables and unknown each.value, so a value from an object variable or from
// a for_each over a local map is unknown there; a resource's output is unknown at plan.
// Each test writes the same settings four ways: from an object variable, from
// for_each over a local map, from another resource's output (unknown at plan), and
// with known and unknown elements mixed; all four must end in the same state, and the
// plan after apply must be empty.

// functionInputs is the literal object the four sources carry: every collection and
// nested object attribute of faas_function. memory in requests is null on purpose.
func functionInputs(openfaas bool) string {
	constraints := ""
	if openfaas {
		constraints = `
    constraints        = ["node.kubernetes.io/instance-type=m5.large"]`
	}
	return `{
    command            = ["python3"]
    args               = ["index.py", "--verbose"]
    env                = { MODE = "prod", EMPTY = "" }
    secrets            = ["api-key"]
    labels             = { team = "payments" }
    annotations        = { "example.com/owner" = "platform" }
    limits             = { cpu = "500m", memory = "128Mi" }
    requests           = { cpu = "100m", memory = null }
    image_pull_secrets = ["regcred"]
    timeouts           = { create = "5m", update = "5m", delete = "5m" }` + constraints + `
  }`
}

// functionInputsType is the object variable's type.
func functionInputsType(openfaas bool) string {
	constraints := ""
	if openfaas {
		constraints = "\n    constraints        = list(string)"
	}
	return `object({
    command            = list(string)
    args               = list(string)
    env                = map(string)
    secrets            = set(string)
    labels             = map(string)
    annotations        = map(string)
    limits             = object({ cpu = optional(string), memory = optional(string) })
    requests           = object({ cpu = optional(string), memory = optional(string) })
    image_pull_secrets = set(string)
    timeouts           = object({ create = string, update = string, delete = string })` + constraints + `
  })`
}

// functionFrom is a faas_function whose collections all come from src (an expression
// of functionInputsType). extra goes inside the resource.
func functionFrom(label, name, image, src string, openfaas bool, extra string) string {
	block := ""
	if openfaas {
		block = fmt.Sprintf(`
  openfaas {
    constraints = %[1]s.constraints
  }`, src)
	}
	return fmt.Sprintf(`
resource "faas_function" %[1]q {%[5]s
  name               = %[2]s
  image              = %[3]q
  command            = %[4]s.command
  args               = %[4]s.args
  env                = %[4]s.env
  secrets            = %[4]s.secrets
  labels             = %[4]s.labels
  annotations        = %[4]s.annotations
  limits             = %[4]s.limits
  requests           = %[4]s.requests
  image_pull_secrets = %[4]s.image_pull_secrets%[6]s
  timeouts {
    create = %[4]s.timeouts.create
    update = %[4]s.timeouts.update
    delete = %[4]s.timeouts.delete
  }
}
`, label, name, image, src, extra, block)
}

// unknownValuesConfig is the four-way configuration for one platform.
func unknownValuesConfig(provider, image string, openfaas bool) string {
	later := "terraform_data.later.output"
	var b strings.Builder
	b.WriteString(provider)
	fmt.Fprintf(&b, `
variable "fn" {
  type    = %s
  default = %s
}

locals {
  fns = {
    each = %s
  }
}

resource "terraform_data" "later" {
  input = %s
}
`, functionInputsType(openfaas), functionInputs(openfaas), functionInputs(openfaas), functionInputs(openfaas))
	b.WriteString(functionFrom("from_var", `"from-var"`, image, "var.fn", openfaas, ""))
	b.WriteString(functionFrom("from_each", `"from-${each.key}"`, image, "each.value", openfaas, "\n  for_each = local.fns"))
	// State checks cannot address a for_each instance; an output can.
	b.WriteString("\noutput \"from_each\" {\n  value = faas_function.from_each[\"each\"]\n}\n")
	b.WriteString(functionFrom("from_output", `"from-output"`, image, later, openfaas, ""))
	// Known and unknown elements side by side, and a whole block that is unknown (a
	// dynamic block over an unknown collection).
	mixedBlock := ""
	if openfaas {
		mixedBlock = fmt.Sprintf(`
  dynamic "openfaas" {
    for_each = length(%[1]s.constraints) > 0 ? [1] : []
    content {
      constraints = [%[1]s.constraints[0]]
    }
  }`, later)
	}
	fmt.Fprintf(&b, `
resource "faas_function" "mixed" {
  name               = "mixed"
  image              = %[2]q
  command            = [%[1]s.command[0]]
  args               = ["index.py", %[1]s.args[1]]
  env                = { MODE = %[1]s.env.MODE, EMPTY = "" }
  secrets            = [%[1]s.labels.team == "" ? "x" : "api-key"]
  labels             = { team = %[1]s.labels.team }
  annotations        = { "example.com/owner" = %[1]s.annotations["example.com/owner"] }
  limits             = { cpu = %[1]s.limits.cpu, memory = "128Mi" }
  requests           = { cpu = %[1]s.requests.cpu, memory = %[1]s.requests.memory }
  image_pull_secrets = [%[1]s.image_pull_secrets == null ? "x" : "regcred"]%[3]s
}
`, later, image, mixedBlock)
	return b.String()
}

// wantCollections is the state every one of the four functions must reach, as
// `terraform show -json` renders it.
func wantCollections(openfaas bool) map[string]any {
	want := map[string]any{
		"command":            []any{"python3"},
		"args":               []any{"index.py", "--verbose"},
		"env":                map[string]any{"MODE": "prod", "EMPTY": ""},
		"secrets":            []any{"api-key"},
		"labels":             map[string]any{"team": "payments"},
		"annotations":        map[string]any{"example.com/owner": "platform"},
		"limits":             map[string]any{"cpu": "500m", "memory": "128Mi"},
		"requests":           map[string]any{"cpu": "100m", "memory": nil},
		"image_pull_secrets": []any{"regcred"},
	}
	if openfaas {
		want["openfaas"] = map[string]any{"constraints": []any{"node.kubernetes.io/instance-type=m5.large"}, "read_timeout": nil, "write_timeout": nil, "exec_timeout": nil}
	}
	return want
}

// runUnknownValues validates, applies, plans again (it must be empty), checks the
// state of the four functions and the platform, then destroys (also when a step fails,
// so a real cluster keeps nothing).
func runUnknownValues(t *testing.T, c *cli, config string, openfaas bool, checkPlatform func() error) {
	t.Helper()
	c.writeMain(config)
	c.destroyOnCleanup()
	for _, step := range [][]string{{"validate", "-no-color"}, {"apply", "-no-color", "-auto-approve"}, {"plan", "-no-color", "-detailed-exitcode"}} {
		if out, code := c.run(step...); code != 0 {
			t.Fatalf("terraform %s exited %d:\n%s", step[0], code, out)
		}
	}
	out, code := c.run("show", "-json")
	if code != 0 {
		t.Fatalf("terraform show exited %d:\n%s", code, out)
	}
	var shown struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string         `json:"address"`
					Type    string         `json:"type"`
					Values  map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(out), &shown); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, r := range shown.Values.RootModule.Resources {
		if r.Type != "faas_function" {
			continue
		}
		seen++
		for k, want := range wantCollections(openfaas) {
			if got := r.Values[k]; !reflect.DeepEqual(got, want) {
				t.Errorf("%s.%s = %#v, want %#v", r.Address, k, got, want)
			}
		}
	}
	if seen != 4 {
		t.Errorf("%d functions in state, want 4", seen)
	}
	if err := checkPlatform(); err != nil {
		t.Error(err)
	}
	out, code = c.run("destroy", "-no-color", "-auto-approve")
	if code != 0 {
		t.Fatalf("terraform destroy exited %d:\n%s", code, out)
	}
}

// TestAccFunction_unknownAndNullCollections runs on OpenFaaS (the simulator, Pro, for
// constraints and image pull secrets), with the faas_functions data source's label
// filter from the same three sources.
func TestAccFunction_unknownAndNullCollections(t *testing.T) {
	c := newCLI(t)
	p := newSim(t, openfaassim.Options{Edition: openfaassim.Pro, ReadyAfterPolls: 1}, "deploys fixed names with an image pull secret")
	p.PutSecret(ns, "api-key", "v")
	p.PutSecret(ns, "regcred", `{"auths":{}}`)
	config := unknownValuesConfig(providerBlock(p, ""), "ghcr.io/acme/hello:1.0", true) + unknownDataSources
	runUnknownValues(t, c, config, true, func() error {
		for _, n := range []string{"from-var", "from-each", "from-output", "mixed"} {
			fn, ok := p.GetFunction(ns, n)
			if !ok {
				return fmt.Errorf("function %s not on the platform", n)
			}
			if fn.Limits == nil || fn.Limits.CPU != "500m" || fn.Requests == nil || fn.Requests.CPU != "100m" || fn.Requests.Memory != "" ||
				fn.EnvVars["MODE"] != "prod" || fn.Labels["team"] != "payments" || len(fn.Constraints) != 1 || len(fn.Secrets) != 2 {
				return fmt.Errorf("function %s deployed as %+v", n, fn)
			}
		}
		return nil
	})
}

// unknownDataSources reads faas_functions with label filters from the three sources
// (and a null one); the reads are deferred to apply while a filter is unknown.
const unknownDataSources = `
data "faas_functions" "from_var" {
  labels     = var.fn.labels
  depends_on = [faas_function.from_var]
}

data "faas_functions" "from_each" {
  for_each = local.fns
  labels   = each.value.labels
}

data "faas_functions" "from_output" {
  labels = terraform_data.later.output.labels
}

data "faas_functions" "null_filter" {
  labels = null
}
`

// TestAccKnative_unknownAndNullCollections runs the same on Knative (the simulator, or
// the real Knative), with a faas_route whose methods come from a variable that is null.
func TestAccKnative_unknownAndNullCollections(t *testing.T) {
	c := newCLI(t)
	sim := newKnativeCluster(t, k8ssim.Options{ReadyAfterPolls: 1})
	// A ClusterDomainClaim is cluster-scoped: its host is this test's alone, since on a
	// real cluster the route tests hold theirs while this one runs.
	putDomainClaim(t, sim, "nulls.example.org")
	for _, name := range []string{"api-key", "regcred"} {
		if err := sim.Put(&unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "Secret",
			"metadata": map[string]any{"name": name, "namespace": "default"},
			"data":     map[string]any{"k": "dg=="},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	config := unknownValuesConfig(sim.ProviderBlock(`namespace = "default"`), "ghcr.io/acme/hello:1.0", false) + unknownDataSources + `
variable "methods" {
  type    = set(string)
  default = null
}

resource "faas_route" "r" {
  function_id = faas_function.from_var.id
  host        = "nulls.example.org"
  methods     = var.methods
}
`
	runUnknownValues(t, c, config, false, func() error {
		for _, n := range []string{"from-var", "from-each", "from-output", "mixed"} {
			if _, ok := kservice(sim, n); !ok {
				return fmt.Errorf("no Knative Service %s", n)
			}
		}
		return nil
	})
}
