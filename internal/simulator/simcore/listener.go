package simcore

import (
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
)

// Listener serves a simulator on 127.0.0.1 with a random port, over HTTP or HTTPS with
// httptest's self-signed certificate. The zero value is ready to use; it must not be
// copied after first use. A simulator embeds it for URL, Close and CACertPEM.
type Listener struct {
	mu sync.Mutex
	ts *httptest.Server
}

// Listen starts serving h, over HTTPS when tls is set, and returns the base URL, such as
// http://127.0.0.1:40123. Once started, it returns the same URL.
func (l *Listener) Listen(h http.Handler, tls bool) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ts == nil {
		if tls {
			l.ts = httptest.NewTLSServer(h)
		} else {
			l.ts = httptest.NewServer(h)
		}
	}
	return l.ts.URL
}

// URL returns the base URL of a started server, or "" before it starts.
func (l *Listener) URL() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ts == nil {
		return ""
	}
	return l.ts.URL
}

// Close stops a started server and closes its client connections.
func (l *Listener) Close() {
	l.mu.Lock()
	ts := l.ts
	l.ts = nil
	l.mu.Unlock()
	if ts != nil {
		ts.CloseClientConnections()
		ts.Close()
	}
}

// CACertPEM returns the PEM certificate of a server serving HTTPS, or nil.
func (l *Listener) CACertPEM() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ts == nil || l.ts.TLS == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: l.ts.Certificate().Raw})
}

// CheckLoopbackAddr refuses a listen address that is not a loopback IP or localhost:
// the simulators and the fault proxy serve unauthenticated admin APIs and must never be
// reachable from another machine.
func CheckLoopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid -listen %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing to listen on %q: only loopback addresses (127.0.0.1, ::1, localhost) are allowed", addr)
}

// WriteFileAtomic writes content to path through a temporary file in the same
// directory, so that a reader polling for path (a script waiting for a URL file) never
// sees it half written.
func WriteFileAtomic(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".simcore-*")
	if err != nil {
		return err
	}
	if _, err := tmp.WriteString(content); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
