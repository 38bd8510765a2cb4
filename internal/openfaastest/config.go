// Package openfaastest connects the acceptance tests to a real OpenFaaS gateway. It
// reads the FAAS_TEST_OPENFAAS_* environment (see the README, "Acceptance tests against
// a real OpenFaaS gateway"), detects the gateway's backend and edition from
// /system/info, makes the out-of-band changes the tests need (read, deploy, change and
// delete functions, create and delete secrets) through the public gateway API only, and
// removes what tests left behind by name prefix (Clean, used by the tests' clean-up and
// by cmd/faas-testclean).
//
// It deliberately does not use the provider's OpenFaaS driver, the code under test: it
// speaks the gateway API itself, over the project's retrying HTTP client, and redacts
// the configured password and token from every error it returns.
package openfaastest

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Environment variables that configure a real gateway for the acceptance tests.
const (
	// EnvURL is the gateway's base URL, such as https://gateway.example.com; when it is
	// empty the acceptance tests use the in-process simulator.
	EnvURL = "FAAS_TEST_OPENFAAS_URL"
	// EnvUsername and EnvPassword are the gateway's basic-auth credentials.
	EnvUsername = "FAAS_TEST_OPENFAAS_USERNAME"
	// EnvPassword is the basic-auth password (see EnvUsername).
	EnvPassword = "FAAS_TEST_OPENFAAS_PASSWORD"
	// EnvToken is a bearer token, instead of basic auth.
	EnvToken = "FAAS_TEST_OPENFAAS_TOKEN"
	// EnvNamespace is the function namespace the tests use, default DefaultNamespace.
	EnvNamespace = "FAAS_TEST_OPENFAAS_NAMESPACE"
	// EnvExtraNamespace is a second function namespace (OpenFaaS Pro) for the tests that
	// deploy outside the default one; without it they skip.
	EnvExtraNamespace = "FAAS_TEST_OPENFAAS_EXTRA_NAMESPACE"
	// EnvCACert is the path of a PEM file holding the only CA trusted for the gateway's TLS.
	EnvCACert = "FAAS_TEST_OPENFAAS_CA_CERT"
	// EnvInsecure, when true, disables TLS certificate verification.
	EnvInsecure = "FAAS_TEST_OPENFAAS_INSECURE"
	// EnvImage is the image test functions run, default DefaultImage.
	EnvImage = "FAAS_TEST_OPENFAAS_IMAGE"
	// EnvAltImage is a second, different image for steps that change a function's
	// image, default DefaultAltImage.
	EnvAltImage = "FAAS_TEST_OPENFAAS_IMAGE_ALT"
	// EnvTimeout bounds each out-of-band operation, readiness included, as a Go
	// duration; default DefaultTimeout.
	EnvTimeout = "FAAS_TEST_OPENFAAS_TIMEOUT"
)

// Defaults of the optional settings.
const (
	// DefaultNamespace is OpenFaaS's default function namespace.
	DefaultNamespace = "openfaas-fn"
	// DefaultImage is a public image with the classic watchdog, which becomes ready
	// whatever fprocess (the functions' command) says.
	DefaultImage = "ghcr.io/openfaas/alpine:latest"
	// DefaultAltImage is a second public classic-watchdog image.
	DefaultAltImage = "ghcr.io/openfaas/figlet:latest"
	// DefaultTimeout bounds one out-of-band operation.
	DefaultTimeout = 5 * time.Minute
	// Prefix starts the name of every function and secret the acceptance tests create on
	// a real gateway: "tfacc-<run>-<test>-"; Clean and cmd/faas-testclean only ever
	// remove names that start with it.
	Prefix = "tfacc-"
)

// Config is a real gateway's settings for the acceptance tests.
type Config struct {
	// URL is the gateway's base URL, without a trailing slash.
	URL string
	// Username and Password are the basic-auth credentials (both or neither).
	Username, Password string
	// Token is a bearer token; it excludes Username and Password.
	Token string
	// Namespace is the function namespace the tests use.
	Namespace string
	// ExtraNamespace is an optional second function namespace.
	ExtraNamespace string
	// CACertPEM is the CA trusted for TLS, when not empty.
	CACertPEM string
	// Insecure disables TLS certificate verification.
	Insecure bool
	// Image and AltImage are two different runnable images.
	Image, AltImage string
	// Timeout bounds one out-of-band operation.
	Timeout time.Duration
}

// Namespaces lists the namespaces the tests use: Namespace, then ExtraNamespace when set.
func (c Config) Namespaces() []string {
	if c.ExtraNamespace == "" {
		return []string{c.Namespace}
	}
	return []string{c.Namespace, c.ExtraNamespace}
}

// ConfigFromEnv reads the FAAS_TEST_OPENFAAS_* variables. It reports false when EnvURL
// is empty (the tests then use the simulator), and an error when the settings are
// inconsistent; the error never holds a credential.
func ConfigFromEnv() (Config, bool, error) {
	return configFrom(os.Getenv)
}

func configFrom(getenv func(string) string) (Config, bool, error) {
	raw := strings.TrimSpace(getenv(EnvURL))
	if raw == "" {
		return Config{}, false, nil
	}
	c := Config{
		URL:            strings.TrimRight(raw, "/"),
		Username:       getenv(EnvUsername),
		Password:       getenv(EnvPassword),
		Token:          getenv(EnvToken),
		Namespace:      getenv(EnvNamespace),
		ExtraNamespace: getenv(EnvExtraNamespace),
		Image:          getenv(EnvImage),
		AltImage:       getenv(EnvAltImage),
		Timeout:        DefaultTimeout,
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Config{}, true, fmt.Errorf("%s must be an absolute http(s) URL such as https://gateway.example.com", EnvURL)
	}
	switch {
	case c.Token != "" && (c.Username != "" || c.Password != ""):
		return Config{}, true, fmt.Errorf("set either %s or %s and %s, not both", EnvToken, EnvUsername, EnvPassword)
	case (c.Username == "") != (c.Password == ""):
		return Config{}, true, fmt.Errorf("set both %s and %s (or %s instead)", EnvUsername, EnvPassword, EnvToken)
	}
	if c.Namespace == "" {
		c.Namespace = DefaultNamespace
	}
	if c.ExtraNamespace == c.Namespace {
		return Config{}, true, fmt.Errorf("%s must differ from the tests' namespace %q", EnvExtraNamespace, c.Namespace)
	}
	if c.Image == "" {
		c.Image = DefaultImage
	}
	if c.AltImage == "" {
		c.AltImage = DefaultAltImage
	}
	if c.Image == c.AltImage {
		return Config{}, true, fmt.Errorf("%s and %s must name different images", EnvImage, EnvAltImage)
	}
	if v := getenv(EnvInsecure); v != "" {
		if c.Insecure, err = strconv.ParseBool(v); err != nil {
			return Config{}, true, fmt.Errorf("%s must be true or false", EnvInsecure)
		}
	}
	if p := getenv(EnvCACert); p != "" {
		pem, err := os.ReadFile(p) //nolint:gosec // a path the person running the tests chose
		if err != nil {
			return Config{}, true, fmt.Errorf("%s: %w", EnvCACert, err)
		}
		c.CACertPEM = string(pem)
	}
	if v := getenv(EnvTimeout); v != "" {
		if c.Timeout, err = time.ParseDuration(v); err != nil || c.Timeout <= 0 {
			return Config{}, true, fmt.Errorf("%s must be a positive Go duration such as 5m", EnvTimeout)
		}
	}
	return c, true, nil
}

// ErrNotFound reports a function or secret the gateway does not have.
var ErrNotFound = errors.New("not found")
