package openfaassim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

const (
	testUser = "admin"
	testPass = "s3cret"
)

// testClient talks to a started Server with basic auth.
type testClient struct {
	t    *testing.T
	base string
	hc   *http.Client
	auth bool
}

func newSim(t *testing.T, opts Options) (*Server, *testClient) {
	t.Helper()
	if opts.Username == "" && opts.Password == "" {
		opts.Username, opts.Password = testUser, testPass
	}
	s := New(opts)
	base := s.Start()
	t.Cleanup(s.Close)
	// No keep-alive: every request gets its own connection, so dropped
	// connections are never retried transparently by the transport.
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	return s, &testClient{t: t, base: base, hc: hc, auth: true}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) text() string { return string(r.body) }

// try sends a request and returns the transport error instead of failing.
func (c *testClient) try(method, path string, body any) (resp, error) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.auth {
		req.SetBasicAuth(testUser, testPass)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return resp{}, err
	}
	return resp{status: res.StatusCode, header: res.Header, body: b}, nil
}

func (c *testClient) do(method, path string, body any) resp {
	c.t.Helper()
	r, err := c.try(method, path, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

func (c *testClient) expect(method, path string, body any, status int) resp {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.status != status {
		c.t.Fatalf("%s %s: status %d, want %d; body %q", method, path, r.status, status, r.body)
	}
	return r
}

// get reads one function as a generic JSON object.
func (c *testClient) get(name string) map[string]any {
	c.t.Helper()
	r := c.expect(http.MethodGet, "/system/function/"+name, nil, http.StatusOK)
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		c.t.Fatalf("decode %s: %v", r.body, err)
	}
	return m
}

// getStatus reads the function "x", the one most tests deploy.
func (c *testClient) getStatus() functionStatus {
	c.t.Helper()
	r := c.expect(http.MethodGet, "/system/function/x", nil, http.StatusOK)
	var st functionStatus
	if err := json.Unmarshal(r.body, &st); err != nil {
		c.t.Fatalf("decode %s: %v", r.body, err)
	}
	return st
}

func dep(name string) map[string]any {
	return map[string]any{"service": name, "image": "ghcr.io/acme/" + name + ":1.0"}
}

func with(m map[string]any, k string, v any) map[string]any {
	c := map[string]any{}
	for kk, vv := range m {
		c[kk] = vv
	}
	c[k] = v
	return c
}
