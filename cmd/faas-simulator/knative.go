package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/simcore"
)

// knativeFlags are the settings of -platform knative.
type knativeFlags struct {
	listen        string
	token         string
	namespaces    []string
	readyAfter    int
	deleteAfter   int
	staleAfter    int
	domain        string
	specsDir      string
	urlFile       string
	kubeconfigOut string
	insecureHTTP  bool
	version       string
}

// runKnative serves the Kubernetes API simulator with Knative installed until SIGINT or
// SIGTERM (or until ctx, for tests, through serveKnative).
func runKnative(f knativeFlags, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveKnative(ctx, f, stderr, nil)
}

// serveKnative starts the simulator, writes the URL and kubeconfig files, calls ready
// with the URL (when not nil), and serves until ctx ends.
func serveKnative(ctx context.Context, f knativeFlags, stderr io.Writer, ready func(url string)) error {
	if err := simcore.CheckLoopbackAddr(f.listen); err != nil {
		return err
	}
	if f.token == "" {
		f.token = os.Getenv("FAAS_SIMULATOR_TOKEN")
	}
	if f.token == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
		f.token = hex.EncodeToString(b)
	}
	logger := log.New(stderr, "", log.LstdFlags)
	sim, err := k8ssim.Open(k8ssim.Options{
		Token: f.token, Namespaces: f.namespaces, Domain: f.domain, ReadyAfterPolls: f.readyAfter,
		StaleStatusPolls: f.staleAfter, DeleteAfterPolls: f.deleteAfter, KubernetesVersion: f.version,
		SpecsDir: f.specsDir, Logf: logger.Printf,
		OnRequest: func(r k8ssim.Request) {
			status := fmt.Sprint(r.Status)
			if r.Dropped {
				status += " (connection dropped)"
			}
			logger.Printf("%s %s %s", r.Method, r.Path, status)
		},
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return err
	}
	scheme := "http"
	var caPEM []byte
	if !f.insecureHTTP {
		host, _, _ := net.SplitHostPort(ln.Addr().String())
		cert, pemBytes, err := k8ssim.SelfSignedCertificate(host, "127.0.0.1", "::1", "localhost")
		if err != nil {
			_ = ln.Close()
			return err
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		scheme, caPEM = "https", pemBytes
	}
	url := scheme + "://" + ln.Addr().String()
	srv := &http.Server{Handler: logAdmin(sim, logger), ReadHeaderTimeout: 10 * time.Second}
	if f.urlFile != "" {
		if err := simcore.WriteFileAtomic(f.urlFile, url+"\n"); err != nil {
			_ = ln.Close()
			return err
		}
		defer func() { _ = os.Remove(f.urlFile) }()
	}
	if f.kubeconfigOut != "" {
		kc, err := k8ssim.RenderKubeconfig(url, f.token, caPEM)
		if err != nil {
			_ = ln.Close()
			return err
		}
		if err := simcore.WriteFileAtomic(f.kubeconfigOut, string(kc)); err != nil {
			_ = ln.Close()
			return err
		}
		defer func() { _ = os.Remove(f.kubeconfigOut) }()
	}
	validation := "CRD schema validation on"
	if !sim.SchemaValidation() {
		validation = "CRD schema validation OFF (specs not found)"
	}
	logger.Printf("Knative simulator (Kubernetes API) listening on %s; %s", url, validation)
	if f.kubeconfigOut != "" {
		logger.Printf("kubeconfig written to %s (context faas-simulator)", f.kubeconfigOut)
	}
	if ready != nil {
		ready(url)
	}
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
