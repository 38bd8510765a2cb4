// Package conformance connects tests to the upstream API specs kept beside the
// repository, in shared/specs (see shared/specs/README.md), which are reference data
// read at test time and never copied into the repository.
//
// OpenFaaSSpec loads the OpenFaaS gateway spec for the simulator's validation layer
// (openfaassim.Options.Spec) and Enforce fails a test whose simulator saw a request or
// gave an answer that departs from the spec. When the specs are missing, a test fails
// in CI (environment CI=true) and elsewhere logs why validation is off and goes on.
package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// SpecsDirEnv names the environment variable that, when set, overrides where the specs
// are looked for.
const SpecsDirEnv = "FAAS_SPECS_DIR"

// OpenFaaSSpecFile is the OpenFaaS gateway spec's path relative to the specs directory.
const OpenFaaSSpecFile = "openfaas/spec.openapi.yml"

// SpecsDir returns the directory that holds the upstream specs: $FAAS_SPECS_DIR when
// set, else shared/specs beside the repository root (the nearest directory at or above
// the working directory that holds go.mod), that is <repo root>/../shared/specs.
func SpecsDir() (string, error) {
	if dir := os.Getenv(SpecsDirEnv); dir != "" {
		return dir, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared", "specs"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod at or above %s", wd)
		}
		dir = parent
	}
}

// InCI reports whether the tests run in CI: the environment variable CI is true.
func InCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// SpecFile returns the path of the spec rel (such as OpenFaaSSpecFile) for a test. When
// the file is missing it fails the test in CI, and elsewhere logs that validation is
// off and returns "".
func SpecFile(t testing.TB, rel string) string {
	t.Helper()
	dir, err := SpecsDir()
	path := filepath.Join(dir, filepath.FromSlash(rel))
	if err == nil {
		_, err = os.Stat(path)
	}
	if err == nil {
		return path
	}
	msg := fmt.Sprintf("spec conformance checks are off: the upstream spec %s is not available (%v); "+
		"put the shared/specs directory beside the repository or set %s", rel, err, SpecsDirEnv)
	if InCI() {
		t.Fatal(msg + " (CI=true requires it)")
	}
	t.Log(msg)
	return ""
}

var openfaas struct {
	once sync.Once
	path string
	spec *openfaassim.Spec
	err  error
}

// OpenFaaSSpec returns the OpenFaaS gateway spec, loaded once per process, or nil when
// it is missing outside CI (see SpecFile). A spec that is present but does not load
// fails the test.
func OpenFaaSSpec(t testing.TB) *openfaassim.Spec {
	t.Helper()
	path := SpecFile(t, OpenFaaSSpecFile)
	if path == "" {
		return nil
	}
	openfaas.once.Do(func() {
		openfaas.path = path
		openfaas.spec, openfaas.err = openfaassim.LoadSpec(path)
	})
	if openfaas.err != nil {
		t.Fatal(openfaas.err)
	}
	if openfaas.path != path {
		t.Fatalf("the OpenFaaS spec was loaded from %s, now asked for %s", openfaas.path, path)
	}
	return openfaas.spec
}

// Enforce registers a cleanup that fails t when sim recorded any departure from its
// spec that no known difference covers, listing them. The cleanup closes sim first
// (Close waits for the requests in flight and may be called again), so that every
// answer has been checked.
func Enforce(t testing.TB, sim *openfaassim.Server) {
	t.Helper()
	t.Cleanup(func() {
		if sim.Options().Spec == nil {
			return
		}
		sim.Close()
		if err := Violations(sim); err != nil {
			t.Error(err)
			return
		}
		t.Logf("spec conformance: %d gateway requests checked, no violations; known differences tolerated: %v",
			sim.SpecChecks(), sim.KnownDifferencesSeen())
	})
}

// Violations returns an error listing sim's spec violations, or nil when there are none.
// An answer is checked after it is sent: close sim first to be sure every one was.
func Violations(sim *openfaassim.Server) error {
	v := sim.SpecViolations()
	if len(v) == 0 {
		return nil
	}
	return fmt.Errorf("the OpenFaaS gateway simulator saw %d departures from %s that no known difference covers "+
		"(a driver bug, a simulator bug, or an undocumented backend difference: see openfaassim.KnownDifferences):\n  %s",
		len(v), sim.Options().Spec.Path(), strings.Join(v, "\n  "))
}
