package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// testAccProviders runs the provider in-process for terraform-plugin-testing.
var testAccProviders = map[string]func() (tfprotov6.ProviderServer, error){
	"faas": providerserver.NewProtocol6WithError(New("test")()),
}

const (
	testUser     = "admin"
	testPassword = "s3cr3t-gateway-pw"
)

// errRe compiles a pattern in which each space matches any run of white space, because
// Terraform wraps diagnostic text.
func errRe(pattern string) *regexp.Regexp {
	return regexp.MustCompile("(?s)" + strings.ReplaceAll(pattern, " ", `\s+`))
}

// onAttribute extends an error pattern so that it also matches the source line Terraform
// shows for the diagnostic's attribute ("  12:   image = ..."), which proves the error is
// attached to that attribute. An empty attr leaves the pattern as it is (nested
// attributes and resource-level errors name their path in the message instead).
func onAttribute(attr, pattern string) *regexp.Regexp {
	if attr == "" {
		return errRe(pattern)
	}
	line := `\d+:\s+` + regexp.QuoteMeta(attr) + `\s+=`
	// Terraform prints the summary, then the source line, then the detail: the line may
	// fall between any two parts of the pattern.
	parts := strings.Split(pattern, ".*")
	var alts []string
	for i := 0; i <= len(parts); i++ {
		withLine := append(append(append([]string{}, parts[:i]...), line), parts[i:]...)
		alts = append(alts, strings.ReplaceAll(strings.Join(withLine, ".*"), " ", `\s+`))
	}
	return regexp.MustCompile(`(?s)(` + strings.Join(alts, "|") + `)`)
}

func TestAccProvider_configErrors(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{}, anyBackend, anyEdition)
	fn := fmt.Sprintf(`
resource "faas_function" "f" {
  name  = %q
  image = %q
}
`, p.Name("cfg"), p.Image("ghcr.io/openfaas/alpine:latest"))
	cases := []struct {
		name   string
		config string
		err    string
	}{
		{"no platform block", `provider "faas" {}` + fn, `No platform block`},
		{"missing gateway url", `provider "faas" {
  openfaas {
    username = "admin"
    password = "x"
  }
}` + fn, `Missing OpenFaaS gateway URL`},
		{"malformed gateway url", `provider "faas" {
  openfaas {
    gateway_url = "127.0.0.1:8080"
  }
}` + fn, `Invalid OpenFaaS gateway URL`},
		{"token and basic auth", `provider "faas" {
  openfaas {
    gateway_url = "` + p.URL() + `"
    username    = "admin"
    password    = "pw"
    token       = "tok"
  }
}` + fn, `Set either token`},
		{"username without password", `provider "faas" {
  openfaas {
    gateway_url = "` + p.URL() + `"
    username    = "admin"
  }
}` + fn, `username is set but password is not`},
		{"bad edition", `provider "faas" {
  openfaas {
    gateway_url = "` + p.URL() + `"
    edition     = "enterprise"
  }
}` + fn, `value must be one of`},
		{"bad request timeout", `provider "faas" {
  request_timeout = "30"
  openfaas {
    gateway_url = "` + p.URL() + `"
  }
}` + fn, `Expected a Go duration`},
		{"max retries out of range", `provider "faas" {
  max_retries = 99
  openfaas {
    gateway_url = "` + p.URL() + `"
  }
}` + fn, `must be between 0 and 20`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("OPENFAAS_URL", "")
			t.Setenv("OPENFAAS_USERNAME", "")
			t.Setenv("OPENFAAS_PASSWORD", "")
			t.Setenv("OPENFAAS_TOKEN", "")
			if sim, ok := p.Sim(); ok {
				sim.ResetRequests()
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      c.config,
					PlanOnly:    true,
					ExpectError: onAttribute(providerErrorAttrs[c.name], c.err),
				}},
			})
			if err := expectNoWrites(p)(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestAccProvider_envFallback(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{}, anyBackend, anyEdition)
	t.Setenv("OPENFAAS_URL", p.URL())
	if _, ok := p.Sim(); ok {
		t.Setenv("OPENFAAS_USERNAME", testUser)
		t.Setenv("OPENFAAS_PASSWORD", testPassword)
		t.Setenv("OPENFAAS_TOKEN", "")
	} // on a real gateway TestMain has set them from FAAS_TEST_OPENFAAS_*
	name := p.Name("from-env")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(p),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "faas" {
  openfaas {%s}
}

resource "faas_function" "f" {
  name  = %q
  image = %q
}
`, connectionSettings(p), name, p.Image("ghcr.io/openfaas/alpine:latest")),
			Check: resource.TestCheckResourceAttr("faas_function.f", "invoke_url", p.URL()+"/function/"+name+"."+ns),
		}},
	})
}

func TestAccProvider_wrongCredentials(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{}, anyBackend, anyEdition)
	t.Setenv("OPENFAAS_USERNAME", "")
	t.Setenv("OPENFAAS_PASSWORD", "")
	t.Setenv("OPENFAAS_TOKEN", "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "faas" {
  openfaas {
    gateway_url = %q
    username    = "admin"
    password    = "wrong-password"
    %s
  }
}

resource "faas_function" "f" {
  name  = %q
  image = %q
}
`, p.URL(), connectionSettings(p), p.Name("auth"), p.Image("ghcr.io/openfaas/alpine:latest")),
			ExpectError: errRe(`authentication failed: check the provider's username and password`),
		}},
	})
	sim, ok := p.Sim()
	if !ok {
		if err := expectNoWrites(p)(); err != nil {
			t.Fatal(err)
		}
		return
	}
	for _, r := range sim.Requests() {
		if r.Method != http.MethodGet {
			t.Fatalf("unexpected write %s %s", r.Method, r.Path)
		}
	}
}

// providerErrorAttrs names the attribute each bad-input case must be reported on ("" for nested
// attributes and resource-level errors, whose message names the path).
var providerErrorAttrs = map[string]string{
	"no platform block":         "",
	"missing gateway url":       "",
	"malformed gateway url":     "gateway_url",
	"token and basic auth":      "",
	"username without password": "",
	"bad edition":               "edition",
	"bad request timeout":       "request_timeout",
	"max retries out of range":  "max_retries",
}
