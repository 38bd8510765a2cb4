package simcore

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
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
