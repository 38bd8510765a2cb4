package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// cli drives the real terraform binary against a provider binary built from this tree,
// through dev_overrides, for what the in-process test harness cannot do: config
// generation, killing the provider process, capturing its trace log.
type cli struct {
	t      *testing.T
	tf     string
	binDir string
	dir    string
	rc     string
	env    []string
}

var (
	providerBuildOnce sync.Once
	providerBinDir    string
	providerBuildErr  error
)

// newCLI builds the provider once per test binary and prepares a working directory.
func newCLI(t *testing.T) *cli {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to run acceptance tests")
	}
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		t.Skip("TF_ACC_TERRAFORM_PATH is not set")
	}
	providerBuildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "faas-provider-bin") //nolint:usetesting // shared by every test of this process, so not one test's TempDir
		if err != nil {
			providerBuildErr = err
			return
		}
		providerBinDir = dir
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-faas"), "github.com/faasform/terraform-provider-faas").CombinedOutput()
		if err != nil {
			providerBuildErr = fmt.Errorf("building the provider: %v\n%s", err, out)
		}
	})
	if providerBuildErr != nil {
		t.Fatal(providerBuildErr)
	}
	work := t.TempDir()
	c := &cli{t: t, tf: tf, binDir: providerBinDir, dir: filepath.Join(work, "cfg"), rc: filepath.Join(work, "dev.tfrc")}
	writeFile(t, c.rc, fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"registry.terraform.io/faasform/faas\" = %q\n  }\n  direct {}\n}\n", c.binDir))
	if err := os.Mkdir(c.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return c
}

// writeMain writes the configuration's main.tf, with the required_providers block.
func (c *cli) writeMain(content string) {
	content = "terraform {\n  required_providers {\n    faas = { source = \"faasform/faas\" }\n  }\n}\n" + content
	writeFile(c.t, filepath.Join(c.dir, "main.tf"), content)
}

// cliCommandTimeout bounds every terraform command a test runs, so that a hang fails
// the test instead of stalling the suite.
const cliCommandTimeout = 5 * time.Minute

// command prepares a terraform command in the configuration directory; it is killed
// after cliCommandTimeout.
func (c *cli) command(args ...string) (*exec.Cmd, *bytes.Buffer) {
	ctx, cancel := context.WithTimeout(context.Background(), cliCommandTimeout)
	c.t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, c.tf, args...)
	cmd.Dir = c.dir
	cmd.Env = append(append(os.Environ(), "TF_CLI_CONFIG_FILE="+c.rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1"), c.env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	return cmd, &out
}

// destroyOnCleanup destroys what the configuration applied when the test ends, whether
// it passed or failed, so that a real platform keeps nothing (a destroy of an empty state
// does nothing).
func (c *cli) destroyOnCleanup() {
	c.t.Cleanup(func() { c.run("destroy", "-auto-approve", "-no-color") })
}

// run runs terraform and returns its combined output and exit code.
func (c *cli) run(args ...string) (string, int) {
	cmd, out := c.command(args...)
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out.String(), exit.ExitCode()
	}
	if err != nil {
		c.t.Fatalf("terraform %v: %v", args, err)
	}
	return out.String(), 0
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
