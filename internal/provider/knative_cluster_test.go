package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"

	"github.com/faasform/terraform-provider-faas/internal/faultproxy"
	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

// The Knative acceptance tests run against a knativeCluster: the in-process k8ssim, or,
// when FAAS_TEST_KUBECONFIG is set, a real Kubernetes cluster with the real Knative
// Serving (scripts/testacc-knative-real.sh runs them so, on the testbed; see
// TESTBED.md). A test that can run on both asks for newKnativeCluster; a test that
// needs what only the simulator can do (readiness control, failure injection, the
// request log) asks for newKube, which skips on a real cluster saying why.

// envKubeconfig selects the real-cluster mode of the Knative acceptance tests.
const envKubeconfig = "FAAS_TEST_KUBECONFIG"

// knativeRealMode reports whether FAAS_TEST_KUBECONFIG selects a real cluster.
func knativeRealMode() bool { return strings.TrimSpace(os.Getenv(envKubeconfig)) != "" }

// knativeCluster is the cluster one Knative test runs against and the out-of-band
// operations the tests make on it behind Terraform's back (what kubectl would do).
type knativeCluster interface {
	// Get returns an object, and whether it exists.
	Get(gvr schema.GroupVersionResource, namespace, name string) (*unstructured.Unstructured, bool)
	// List returns a namespace's objects of one resource.
	List(gvr schema.GroupVersionResource, namespace string) []*unstructured.Unstructured
	// Modify changes an object with mutate and writes it back.
	Modify(gvr schema.GroupVersionResource, namespace, name string, mutate func(*unstructured.Unstructured)) error
	// Delete deletes an object (on a real cluster with foreground propagation) and
	// returns once it is gone; false if it did not exist.
	Delete(gvr schema.GroupVersionResource, namespace, name string) bool
	// ProviderBlock is the provider configuration for this cluster; extra goes inside
	// the knative block.
	ProviderBlock(extra string) string
	// Real reports whether this is a real cluster.
	Real() bool
	// Put creates an object (of any kind the cluster serves).
	Put(obj *unstructured.Unstructured) error
	// Kubeconfig is a kubeconfig for the cluster with the rights the tests use.
	Kubeconfig() ([]byte, error)
	// ProxyBackend is how the fault proxy reaches the cluster's API server: its URL,
	// the CA it trusts and, on a real cluster, the kubeconfig's client certificate.
	ProxyBackend() (faultproxy.Options, error)
}

// newKnativeCluster returns the simulator started with opts, or the real cluster of
// FAAS_TEST_KUBECONFIG (opts then do not apply: the real Serving decides readiness).
func newKnativeCluster(t *testing.T, opts k8ssim.Options) knativeCluster {
	t.Helper()
	if !knativeRealMode() && simulatorOnly() && realKnativeRuns(t) {
		skipCovered(t, "testacc-knative-real")
	}
	return openKnativeCluster(t, opts)
}

// openKnativeCluster is newKnativeCluster without FAAS_TEST_SIMULATOR_ONLY's skip, for a
// caller that decides itself (the neutral suite, after its capability check).
func openKnativeCluster(t *testing.T, opts k8ssim.Options) knativeCluster {
	t.Helper()
	if !knativeRealMode() {
		return simCluster{newKubeSim(t, opts)}
	}
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to run acceptance tests")
	}
	path := os.Getenv(envKubeconfig)
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatalf("%s: %v", envKubeconfig, err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))
	return &realCluster{t: t, kubeconfig: path, dyn: dyn, mapper: mapper}
}

// knativeRealRun is the real Knative run's test selection (its -test.run pattern), kept
// in testdata/knative-real-run.txt for scripts/testacc-knative-real.sh and this package.
var knativeRealRun = sync.OnceValues(func() (*regexp.Regexp, error) {
	b, err := os.ReadFile(filepath.Join("testdata", "knative-real-run.txt"))
	if err != nil {
		return nil, err
	}
	return regexp.Compile(strings.TrimSpace(string(b)))
})

// realKnativeRuns reports whether scripts/testacc-knative-real.sh selects t's top-level
// test (the pattern matches top-level names only).
func realKnativeRuns(t *testing.T) bool {
	t.Helper()
	re, err := knativeRealRun()
	if err != nil {
		t.Fatalf("the real Knative run's selection: %v", err)
	}
	top, _, _ := strings.Cut(t.Name(), "/")
	return re.MatchString(top)
}

// simCluster is the simulator as a knativeCluster.
type simCluster struct{ *k8ssim.Server }

func (s simCluster) ProviderBlock(extra string) string { return knativeBlock(s.Server, extra) }
func (simCluster) Real() bool                          { return false }

func (s simCluster) ProxyBackend() (faultproxy.Options, error) {
	return faultproxy.Options{Backend: s.URL(), BackendCAPEM: s.CACertPEM()}, nil
}

// realCluster is a real cluster with Knative, through its kubeconfig's admin rights.
type realCluster struct {
	t          *testing.T
	kubeconfig string
	dyn        dynamic.Interface
	mapper     meta.RESTMapper
}

func (r *realCluster) Real() bool { return true }

// Put creates obj; an object the test creates is deleted when the test ends (the
// simulator's go with it), so that a cluster-scoped one cannot affect later tests.
func (r *realCluster) Put(obj *unstructured.Unstructured) error {
	gvk := obj.GroupVersionKind()
	m, err := r.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return err
	}
	ctx, cancel := r.ctx()
	defer cancel()
	var res dynamic.ResourceInterface = r.dyn.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		res = r.dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
	}
	if _, err := res.Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		return err
	}
	r.t.Cleanup(func() {
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			r.Delete(m.Resource, obj.GetNamespace(), obj.GetName())
			return
		}
		_ = res.Delete(context.Background(), obj.GetName(), metav1.DeleteOptions{})
	})
	return nil
}

func (r *realCluster) Kubeconfig() ([]byte, error) { return os.ReadFile(r.kubeconfig) }

func (r *realCluster) ProxyBackend() (faultproxy.Options, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", r.kubeconfig)
	if err != nil {
		return faultproxy.Options{}, err
	}
	return faultproxy.KubeBackend(cfg)
}

func (r *realCluster) ProviderBlock(extra string) string {
	return fmt.Sprintf(`
provider "faas" {
  max_retries = 6
  knative {
    config_path = %q
    %s
  }
}
`, r.kubeconfig, extra)
}

func (r *realCluster) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 90*time.Second)
}

func (r *realCluster) Get(gvr schema.GroupVersionResource, namespace, name string) (*unstructured.Unstructured, bool) {
	ctx, cancel := r.ctx()
	defer cancel()
	u, err := r.dyn.Resource(gvr).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, false
	}
	if err != nil {
		r.t.Fatalf("get %s %s/%s: %v", gvr.Resource, namespace, name, err)
	}
	return u, true
}

func (r *realCluster) List(gvr schema.GroupVersionResource, namespace string) []*unstructured.Unstructured {
	ctx, cancel := r.ctx()
	defer cancel()
	l, err := r.dyn.Resource(gvr).Namespace(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		r.t.Fatalf("list %s in %s: %v", gvr.Resource, namespace, err)
	}
	var out []*unstructured.Unstructured
	for i := range l.Items {
		if l.Items[i].GetDeletionTimestamp() == nil {
			out = append(out, &l.Items[i])
		}
	}
	return out
}

func (r *realCluster) Modify(gvr schema.GroupVersionResource, namespace, name string, mutate func(*unstructured.Unstructured)) error {
	ctx, cancel := r.ctx()
	defer cancel()
	res := r.dyn.Resource(gvr).Namespace(namespace)
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		u, err := res.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		mutate(u)
		_, err = res.Update(ctx, u, metav1.UpdateOptions{})
		return err
	})
}

func (r *realCluster) Delete(gvr schema.GroupVersionResource, namespace, name string) bool {
	ctx, cancel := r.ctx()
	defer cancel()
	res := r.dyn.Resource(gvr).Namespace(namespace)
	// As `kubectl delete --cascade=foreground` (which waits): the object goes after its
	// dependents, so that the next step's create of the same name does not meet them.
	foreground := metav1.DeletePropagationForeground
	err := res.Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &foreground})
	if apierrors.IsNotFound(err) {
		return false
	}
	if err != nil {
		r.t.Fatalf("delete %s %s/%s: %v", gvr.Resource, namespace, name, err)
	}
	for {
		if _, err := res.Get(ctx, name, metav1.GetOptions{}); apierrors.IsNotFound(err) {
			return true
		}
		select {
		case <-ctx.Done():
			r.t.Fatalf("delete %s %s/%s: still there: %v", gvr.Resource, namespace, name, errors.Join(ctx.Err()))
		case <-time.After(200 * time.Millisecond):
		}
	}
}
