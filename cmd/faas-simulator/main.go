// Command faas-simulator serves an in-repo FaaS platform simulator on a
// loopback address, for demos and manual testing of terraform-provider-faas.
//
//	go run ./cmd/faas-simulator -platform openfaas -listen 127.0.0.1:0 \
//	    -backend faas-netes -edition ce -username admin -password secret \
//	    -ready-after-polls 2 -url-file /tmp/faas-sim-url
//
//	go run ./cmd/faas-simulator -platform knative -listen 127.0.0.1:0 \
//	    -kubeconfig-out /tmp/faas-sim-kubeconfig -ready-after-polls 2
//
// The OpenFaaS password may also come from the environment variable
// FAAS_SIMULATOR_PASSWORD. In knative mode the simulator is a Kubernetes API
// server with Knative Serving and Eventing (internal/simulator/k8ssim) served over
// HTTPS with a self-signed certificate (client-go only sends a kubeconfig's token
// over TLS; -insecure-http serves plain HTTP), authenticated by a bearer token
// (-token, or env FAAS_SIMULATOR_TOKEN, or a random one), and -kubeconfig-out
// writes a kubeconfig (CA, token, context "faas-simulator") for the provider's
// knative { config_path = ... } and for kubectl. One line per request is logged to
// stderr (method, path, status; never headers or bodies). The unauthenticated admin
// API under /_sim/ is described in openfaassim.AdminHandler and
// k8ssim.AdminHandler. SIGINT or SIGTERM stop the server cleanly.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/simcore"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "faas-simulator:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("faas-simulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	platform := fs.String("platform", "openfaas", "platform to simulate: openfaas or knative")
	listen := fs.String("listen", "127.0.0.1:8080", "loopback address to listen on; port 0 picks a free port")
	backend := fs.String("backend", string(openfaassim.FaasNetes), "OpenFaaS provider: faas-netes or faasd")
	edition := fs.String("edition", string(openfaassim.CE), "OpenFaaS edition: ce or pro")
	username := fs.String("username", "", "basic auth user for /system/* (empty with an empty password: no auth)")
	password := fs.String("password", "", "basic auth password (or env FAAS_SIMULATOR_PASSWORD)")
	token := fs.String("token", "", "bearer token accepted on /system/* (optional)")
	namespace := fs.String("namespace", "openfaas-fn", "default function namespace")
	extra := fs.String("extra-namespaces", "", "comma-separated further namespaces (pro only)")
	readyAfter := fs.Int("ready-after-polls", 0, "reads before a created or updated function is ready (-1: never)")
	deleteAfter := fs.Int("delete-after-polls", 0, "reads during which a deleted function is still returned (faas-netes)")
	publicImages := fs.String("public-images", "", "faas-netes CE: comma-separated image prefixes an anonymous registry request reaches; "+
		"other images are refused as faas-netes CE refuses private ones (empty: every image is public)")
	staleReads := fs.Duration("stale-reads", 0, "openfaas faas-netes: how long reads still show a function as it was before a write (informer cache lag), e.g. 300ms")
	version := fs.String("version", "", "provider version reported by /system/info")
	urlFile := fs.String("url-file", "", "write the base URL to this file once listening")
	kubeconfigOut := fs.String("kubeconfig-out", "", "knative: write a kubeconfig pointing at the simulator to this file")
	insecureHTTP := fs.Bool("insecure-http", false, "knative: serve plain HTTP instead of HTTPS (a kubeconfig token is then not sent by client-go)")
	domain := fs.String("domain", "", "knative: cluster domain of Service URLs (default example.com)")
	staleAfter := fs.Int("stale-status-polls", 0, "knative: GETs after a spec change that still show the previous generation's status")
	specsDir := fs.String("specs-dir", "", "knative: directory of the upstream Knative CRDs (default <module>/../shared/specs/knative)")
	fs.Usage = func() { usage(fs) }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *platform == "knative" {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		namespaces := []string{"default"}
		if set["namespace"] {
			namespaces = []string{*namespace}
		}
		for _, n := range strings.Split(*extra, ",") {
			if n = strings.TrimSpace(n); n != "" {
				namespaces = append(namespaces, n)
			}
		}
		return runKnative(knativeFlags{
			listen: *listen, token: *token, namespaces: namespaces, readyAfter: *readyAfter, deleteAfter: *deleteAfter,
			staleAfter: *staleAfter, domain: *domain, specsDir: *specsDir, urlFile: *urlFile, kubeconfigOut: *kubeconfigOut,
			insecureHTTP: *insecureHTTP, version: *version,
		}, stderr)
	}
	if *platform != "openfaas" {
		return fmt.Errorf("unsupported -platform %q (supported: openfaas, knative)", *platform)
	}
	if *backend != string(openfaassim.FaasNetes) && *backend != string(openfaassim.Faasd) {
		return fmt.Errorf("unsupported -backend %q (faas-netes or faasd)", *backend)
	}
	if *edition != string(openfaassim.CE) && *edition != string(openfaassim.Pro) {
		return fmt.Errorf("unsupported -edition %q (ce or pro)", *edition)
	}
	if err := simcore.CheckLoopbackAddr(*listen); err != nil {
		return err
	}
	if *password == "" {
		*password = os.Getenv("FAAS_SIMULATOR_PASSWORD")
	}
	var extras []string
	for _, n := range strings.Split(*extra, ",") {
		if n = strings.TrimSpace(n); n != "" {
			extras = append(extras, n)
		}
	}

	var public []string
	for _, p := range strings.Split(*publicImages, ",") {
		if p = strings.TrimSpace(p); p != "" {
			public = append(public, p)
		}
	}

	logger := log.New(stderr, "", log.LstdFlags)
	sim := openfaassim.New(openfaassim.Options{
		PublicImages:     public,
		Backend:          openfaassim.Backend(*backend),
		Edition:          openfaassim.Edition(*edition),
		Username:         *username,
		Password:         *password,
		Token:            *token,
		Namespace:        *namespace,
		ExtraNamespaces:  extras,
		ReadyAfterPolls:  *readyAfter,
		DeleteAfterPolls: *deleteAfter,
		StaleReads:       *staleReads,
		Version:          *version,
		OnRequest: func(r openfaassim.Request) {
			status := fmt.Sprint(r.Status)
			if r.Dropped {
				status += " (connection dropped)"
			}
			logger.Printf("%s %s %s", r.Method, r.Path, status)
		},
	})

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	srv := &http.Server{Handler: logAdmin(sim, logger), ReadHeaderTimeout: 10 * time.Second}

	if *urlFile != "" {
		if err := simcore.WriteFileAtomic(*urlFile, url+"\n"); err != nil {
			_ = ln.Close()
			return err
		}
		defer func() { _ = os.Remove(*urlFile) }()
	}
	o := sim.Options()
	logger.Printf("OpenFaaS simulator (%s, %s) listening on %s", o.Backend, o.Edition, url)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	case <-ctx.Done():
	}
	logger.Printf("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// logAdmin logs admin API calls, which the simulator does not record.
// usage prints the flags and then the admin API of each platform, route by route.
func usage(fs *flag.FlagSet) {
	out := fs.Output()
	fmt.Fprintf(out, "Usage: faas-simulator [flags]\n\nFlags:\n")
	fs.PrintDefaults()
	fmt.Fprintf(out, "\nAdmin API (no authentication, loopback clients only; not recorded in the request log, never faulted):\n")
	for _, p := range []struct {
		name   string
		routes []simcore.AdminRoute
	}{{"openfaas", openfaassim.AdminRoutes()}, {"knative", k8ssim.AdminRoutes()}} {
		fmt.Fprintf(out, "\n  -platform %s:\n", p.name)
		simcore.PrintAdminRoutes(out, p.routes)
	}
}

func logAdmin(h http.Handler, logger *log.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/_sim/") {
			h.ServeHTTP(w, r)
			return
		}
		sw := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		logger.Printf("%s %s %d (admin)", r.Method, r.URL.Path, sw.status)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}
