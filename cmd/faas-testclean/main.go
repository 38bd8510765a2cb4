// Command faas-testclean removes what interrupted acceptance test runs left on a real
// OpenFaaS gateway: every function and secret whose name starts with the tests' prefix
// (tfacc-, or a narrower -prefix such as one run's tfacc-k3x9q2-), in the namespaces the
// tests use. It reads the same FAAS_TEST_OPENFAAS_* variables as the tests (see the
// README) and never removes a name that does not start with tfacc-.
//
//	FAAS_TEST_OPENFAAS_URL=https://gw.example.com FAAS_TEST_OPENFAAS_USERNAME=admin \
//	FAAS_TEST_OPENFAAS_PASSWORD=... go run ./cmd/faas-testclean [-prefix tfacc-] [-dry-run]
//
// make testacc-openfaas-clean runs it.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/faasform/terraform-provider-faas/internal/openfaastest"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "faas-testclean:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("faas-testclean", flag.ContinueOnError)
	prefix := fs.String("prefix", openfaastest.Prefix, "remove functions and secrets whose name starts with this (it must start with "+openfaastest.Prefix+")")
	dryRun := fs.Bool("dry-run", false, "only list what would be removed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, ok, err := openfaastest.ConfigFromEnv()
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s is not set: nothing to clean (the tests used the in-process simulator)", openfaastest.EnvURL)
	}
	g, err := openfaastest.New(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := g.Context()
	defer cancel()
	removed, err := g.Clean(ctx, *prefix, cfg.Namespaces(), *dryRun)
	verb := "removed"
	if *dryRun {
		verb = "would remove"
	}
	for _, f := range removed.Functions {
		fmt.Fprintf(stdout, "%s function %s\n", verb, f)
	}
	for _, s := range removed.Secrets {
		fmt.Fprintf(stdout, "%s secret %s\n", verb, s)
	}
	fmt.Fprintf(stdout, "%s %d functions and %d secrets starting with %q from %s in %v\n",
		verb, len(removed.Functions), len(removed.Secrets), *prefix, cfg.URL, cfg.Namespaces())
	return err
}
