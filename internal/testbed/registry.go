package testbed

import (
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// TestImages are the repositories the testbed's registry holds, with their tags: those
// of the acceptance tests and those of examples/demo. They are small random images with
// a watchdog-style configuration: functions never run here (no container runtime), but
// faas-netes Community Edition checks that every image exists on a registry it can
// read anonymously.
var TestImages = map[string][]string{
	"openfaas/alpine":    {"latest", "1.0"},
	"openfaas/figlet":    {"latest", "1.0"},
	"functions/echo":     {"latest", "1.0"},
	"functions/nodeinfo": {"latest", "1.0"},
	"acme/orders":        {"1.4.2", "9.9.9-hotfix"},
	"acme/thumbnails":    {"2.0.0"},
	"acme/legacy":        {"3.1"},
}

// imageRegistry is a real OCI registry (go-containerregistry's pkg/registry, in memory)
// served on 127.0.0.1 inside the testbed's namespace.
type imageRegistry struct {
	listener net.Listener
	server   *http.Server
}

func startRegistry() (*imageRegistry, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	quiet := log.New(discard{}, "", 0)
	r := &imageRegistry{listener: l, server: &http.Server{Handler: registry.New(registry.Logger(quiet)), ReadHeaderTimeout: 0}}
	go func() { _ = r.server.Serve(l) }()
	for repo, tags := range TestImages {
		if err := r.push(repo, tags...); err != nil {
			r.Close()
			return nil, err
		}
	}
	return r, nil
}

// Host is the registry's host:port, the prefix of its image names.
func (r *imageRegistry) Host() string { return r.listener.Addr().String() }

// push uploads one random image to repo under each tag.
func (r *imageRegistry) push(repo string, tags ...string) error {
	img, err := random.Image(512, 1)
	if err != nil {
		return err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cfg = cfg.DeepCopy()
	cfg.Config = v1.Config{Env: []string{"fprocess=cat"}, Cmd: []string{"fwatchdog"}, ExposedPorts: map[string]struct{}{"8080/tcp": {}}}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return err
	}
	for _, tag := range tags {
		ref, err := name.ParseReference(fmt.Sprintf("%s/%s:%s", r.Host(), repo, tag))
		if err != nil {
			return err
		}
		if err := remote.Write(ref, img); err != nil {
			return fmt.Errorf("pushing %s: %w", ref, err)
		}
	}
	return nil
}

// Close stops the registry.
func (r *imageRegistry) Close() {
	if err := r.server.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Printf("closing the registry: %v", err)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
