package k8ssim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"reflect"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/uuid"
	"sigs.k8s.io/yaml"
)

// Out-of-band access: what a test does behind the client's back. None of these methods
// is recorded in the request log or affected by faults.

func (s *Server) resOrErr(gvr schema.GroupVersionResource) (*resource, error) {
	res := resourceFor(gvr)
	if res == nil {
		return nil, fmt.Errorf("k8ssim does not serve %s", gvr)
	}
	return res, nil
}

func keyFor(res *resource, namespace, name string) objKey {
	if !res.namespaced {
		namespace = ""
	}
	return objKey{res: res, namespace: namespace, name: name}
}

// Get returns a deep copy of a stored object as it is now (without advancing the
// simulated controllers), and whether it exists. namespace is ignored for
// cluster-scoped resources.
func (s *Server) Get(gvr schema.GroupVersionResource, namespace, name string) (*unstructured.Unstructured, bool) {
	res := resourceFor(gvr)
	if res == nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.objects[keyFor(res, namespace, name)]
	if !ok {
		return nil, false
	}
	return &unstructured.Unstructured{Object: deepCopyObject(e.obj)}, true
}

// List returns deep copies of the stored objects of a resource in a namespace (""
// means every namespace), sorted by namespace and name.
func (s *Server) List(gvr schema.GroupVersionResource, namespace string) []*unstructured.Unstructured {
	res := resourceFor(gvr)
	if res == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*unstructured.Unstructured
	for _, o := range s.listLocked(res, namespace, nil, false) {
		out = append(out, &unstructured.Unstructured{Object: o})
	}
	return out
}

// Put creates or replaces an object out of band, as a controller or kubectl with
// admission disabled would: the simulated webhooks' defaulting runs, but no validation,
// and server-set metadata (uid, resourceVersion, generation) is maintained. A namespace
// that does not exist is created.
func (s *Server) Put(obj *unstructured.Unstructured) error {
	gv, err := schema.ParseGroupVersion(obj.GetAPIVersion())
	if err != nil {
		return err
	}
	var res *resource
	for _, r := range resources {
		if r.gvr.GroupVersion() == gv && r.kind == obj.GetKind() {
			res = r
		}
	}
	if res == nil {
		return fmt.Errorf("k8ssim does not serve %s %s", obj.GetAPIVersion(), obj.GetKind())
	}
	o := deepCopyObject(obj.Object)
	s.mu.Lock()
	defer s.mu.Unlock()
	m := meta(o)
	if res.namespaced && str(m, "namespace") == "" {
		m["namespace"] = "default"
	}
	if res.namespaced && !s.namespaceExistsLocked(str(m, "namespace")) {
		s.putNamespaceLocked(str(m, "namespace"), time.Now())
	}
	k := keyFor(res, str(m, "namespace"), str(m, "name"))
	if k.name == "" {
		return fmt.Errorf("the object has no name")
	}
	old, exists := s.objects[k]
	if res.gvr == SecretsGVR {
		normalizeSecret(o)
	}
	var oldObj map[string]any
	if exists {
		oldObj = old.obj
		om := meta(old.obj)
		m["uid"], m["creationTimestamp"] = om["uid"], om["creationTimestamp"]
		if res.crd {
			g, _ := om["generation"].(int64)
			if !reflect.DeepEqual(specOf(o), specOf(old.obj)) {
				g++
			}
			m["generation"] = g
		}
		if res.status {
			if st, ok := old.obj["status"]; ok {
				o["status"] = st
			}
		}
	} else {
		m["uid"] = string(uuid.NewUUID())
		m["creationTimestamp"] = nowString(time.Now())
		if res.crd {
			m["generation"] = int64(1)
		}
		if res.status {
			delete(o, "status")
		}
	}
	s.knativeDefault(res, o, oldObj)
	m["resourceVersion"] = s.nextRVLocked()
	e := &entry{obj: o}
	if exists {
		e.ctl = old.ctl
	}
	s.objects[k] = e
	if !exists || !reflect.DeepEqual(specOf(o), specOf(oldObj)) {
		s.specChangedLocked(res, e, oldObj)
	}
	return nil
}

// Modify changes a stored object out of band: mutate edits a copy, which is then stored
// with a new resourceVersion (generation bumped when anything but metadata and status
// changed, restarting the simulated controller). It fails when the object does not
// exist.
func (s *Server) Modify(gvr schema.GroupVersionResource, namespace, name string, mutate func(obj *unstructured.Unstructured)) error {
	res, err := s.resOrErr(gvr)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := keyFor(res, namespace, name)
	e, ok := s.objects[k]
	if !ok {
		return apierrors.NewNotFound(res.groupResource(), name)
	}
	u := &unstructured.Unstructured{Object: deepCopyObject(e.obj)}
	mutate(u)
	o := u.Object
	m := meta(o)
	om := meta(e.obj)
	m["name"], m["uid"] = om["name"], om["uid"]
	if res.namespaced {
		m["namespace"] = om["namespace"]
	}
	changed := !reflect.DeepEqual(specOf(o), specOf(e.obj))
	if changed && res.crd {
		g, _ := om["generation"].(int64)
		m["generation"] = g + 1
	}
	if reflect.DeepEqual(o, e.obj) {
		return nil
	}
	m["resourceVersion"] = s.nextRVLocked()
	old := e.obj
	e.obj = o
	if changed {
		s.specChangedLocked(res, e, old)
	}
	return nil
}

// Delete removes an object out of band at once (with garbage collection of its
// dependants) and reports whether it existed.
func (s *Server) Delete(gvr schema.GroupVersionResource, namespace, name string) bool {
	res := resourceFor(gvr)
	if res == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := keyFor(res, namespace, name)
	if _, ok := s.objects[k]; !ok {
		return false
	}
	s.removeLocked(k)
	return true
}

// SetCondition overrides one status condition of an object until its next spec change,
// as a controller reporting a problem would: for example
// Condition{Type: "Ready", Status: "False", Reason: "RevisionFailed", Message: "..."}.
// A non-Ready condition that is not True makes Ready follow it. The status is rewritten
// at once (the resourceVersion moves on).
func (s *Server) SetCondition(gvr schema.GroupVersionResource, namespace, name string, c Condition) error {
	res, err := s.resOrErr(gvr)
	if err != nil {
		return err
	}
	if !res.status || res.gvr == NamespacesGVR {
		return fmt.Errorf("%s have no conditions", gvr.Resource)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := keyFor(res, namespace, name)
	e, ok := s.objects[k]
	if !ok {
		return apierrors.NewNotFound(res.groupResource(), name)
	}
	e.ctl.override = &c
	e.ctl.stale = 0
	if e.ctl.polls == 0 {
		e.ctl.polls = 1
	}
	ph := phaseProgressing
	switch {
	case e.ctl.failure != nil:
		ph = phaseFailed
	case e.ctl.readyAfter >= 0 && e.ctl.polls > e.ctl.readyAfter:
		ph = phaseReady
	}
	s.reconcileLocked(k, e, ph)
	return nil
}

// SetReadyAfterPolls restarts the readiness countdown of one object: n more GETs report
// it not ready (-1: never ready until the next spec change).
func (s *Server) SetReadyAfterPolls(gvr schema.GroupVersionResource, namespace, name string, n int) error {
	res, err := s.resOrErr(gvr)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.objects[keyFor(res, namespace, name)]
	if !ok {
		return apierrors.NewNotFound(res.groupResource(), name)
	}
	e.ctl.polls, e.ctl.stale, e.ctl.readyAfter = 0, 0, n
	return nil
}

// Kubeconfig renders a kubeconfig whose single context points at the started server
// (URL) with the bearer token of Options.Token and, after StartTLS, its CA, for the
// provider's config_path and for kubectl.
func (s *Server) Kubeconfig() ([]byte, error) {
	u := s.URL()
	if u == "" {
		return nil, fmt.Errorf("the server is not started")
	}
	return RenderKubeconfig(u, s.opts.Token, s.CACertPEM())
}

// RenderKubeconfig renders a kubeconfig with one cluster "faas-simulator" at server
// (trusting caPEM when it is not empty), one user with the bearer token (none when
// empty), and the current context joining them in namespace "default". client-go only
// sends the token when server is https.
func RenderKubeconfig(server, token string, caPEM []byte) ([]byte, error) {
	user := map[string]any{}
	if token != "" {
		user["token"] = token
	}
	cluster := map[string]any{"server": server}
	if len(caPEM) > 0 {
		cluster["certificate-authority-data"] = base64.StdEncoding.EncodeToString(caPEM)
	}
	cfg := map[string]any{
		"apiVersion":      "v1",
		"kind":            "Config",
		"clusters":        []any{map[string]any{"name": "faas-simulator", "cluster": cluster}},
		"users":           []any{map[string]any{"name": "faas-simulator", "user": user}},
		"contexts":        []any{map[string]any{"name": "faas-simulator", "context": map[string]any{"cluster": "faas-simulator", "user": "faas-simulator", "namespace": "default"}}},
		"current-context": "faas-simulator",
		"preferences":     map[string]any{},
	}
	return yaml.Marshal(cfg)
}

// SelfSignedCertificate returns a TLS certificate for hosts (IP addresses or names),
// valid for a year, and its PEM, for serving the simulator over HTTPS outside tests.
func SelfSignedCertificate(hosts ...string) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "faas-simulator"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	cert, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	return cert, certPEM, err
}
