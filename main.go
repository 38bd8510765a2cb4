// Command terraform-provider-faas serves the faas Terraform provider over protocol 6.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/faasform/terraform-provider-faas/internal/memlimit"
	"github.com/faasform/terraform-provider-faas/internal/provider"
)

// version is set at build time by goreleaser (-ldflags "-X main.version=...").
var version = "dev"

// Address is the provider's registry address.
const Address = "registry.terraform.io/faasform/faas"

// quietLogLevels are the terraform-plugin-log variables that default to TRACE in the
// provider process (terraform-plugin-go, the framework, and the provider's own tflog
// logger, named after the address). See quietLogsWhenUnread.
var quietLogLevels = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_FAAS"}

// quietLogsWhenUnread turns the plugin SDK's logging off when nobody can read it.
//
// terraform-plugin-log defaults every logger of the provider process to TRACE and
// writes each entry as JSON to stderr, where Terraform decodes it and, unless TF_LOG or
// TF_LOG_PROVIDER is set, discards it. With hundreds of resources that is a large part
// of a plan's CPU time on both sides (terraform-plugin-framework issue #1269, OpenTofu
// issue #2969). The provider process inherits Terraform's environment, so when no
// TF_LOG* variable is set, no log can be shown and the levels are set to OFF. Any TF_LOG*
// variable (TF_LOG=DEBUG, TF_LOG_PROVIDER=TRACE, TF_LOG_SDK_FRAMEWORK=..., even
// TF_LOG_CORE) leaves every level exactly as terraform-plugin-log would set it, and so
// does -debug, where the developer reads the provider's own stderr.
func quietLogsWhenUnread(environ []string, debug bool, setenv func(key, value string) error) error {
	if debug {
		return nil
	}
	for _, kv := range environ {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "TF_LOG") && v != "" {
			return nil
		}
	}
	for _, k := range quietLogLevels {
		if err := setenv(k, "OFF"); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	if err := quietLogsWhenUnread(os.Environ(), debug, os.Setenv); err != nil {
		log.Fatal(err.Error())
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	// A soft memory limit that follows the live heap (internal/memlimit); GOMEMLIMIT wins.
	memlimit.Apply(ctx, memlimit.DefaultBase, 250*time.Millisecond)
	err := providerserver.Serve(ctx, provider.New(version), providerserver.ServeOpts{
		Address: Address,
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
