package testbed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// Knative describes the testbed's real Knative Serving and Eventing.
type Knative struct {
	// Namespace is Serving's system namespace (knative-serving).
	Namespace string
	// EventingNamespace is Eventing's system namespace (knative-eventing).
	EventingNamespace string
	// Domain is the domain of the Services' URLs (config-domain): a Service s in
	// namespace ns gets http://s.ns.Domain.
	Domain string
	// SkippedRegistries are the registries whose tags Serving does not resolve to digests
	// (config-deployment registries-skipping-tag-resolving): none is reachable here.
	SkippedRegistries []string
	// Registry is the host:port of the testbed's image registry (TestImages), on
	// 127.0.0.1 in the testbed's network namespace. It is not among SkippedRegistries,
	// so Serving's revision reconciler resolves its tags to digests (over plain HTTP, as
	// go-containerregistry speaks to a loopback registry).
	Registry string
}

const (
	knativeServingNS = "knative-serving"
	knativeDomain    = "example.com"
	// autoscalerLease is the lease of the autoscaler's only bucket (one replica); named
	// by AutoscalerBucketName in knative-serving pkg/autoscaler/bucket/bucket.go.
	autoscalerLease = "autoscaler-bucket-00-of-01"
)

// knativeSkippedRegistries are the registries of the images the tests and the demo use.
var knativeSkippedRegistries = []string{"kind.local", "ko.local", "dev.local", "ghcr.io", "docker.io", "index.docker.io", "registry.example.com", "example.com", "quay.io", "gcr.io"}

// KnativeBinaries are the files in BinDir that Options.Knative needs.
var KnativeBinaries = []string{"knative-controller", "knative-webhook", "knative-autoscaler", "knative-serving-core"}

// GVRs of the Knative objects the testbed itself reads or writes.
var (
	// KnativeServicesGVR is serving.knative.dev/v1 services.
	KnativeServicesGVR = schema.GroupVersionResource{Group: "serving.knative.dev", Version: "v1", Resource: "services"}
	kingressGVR        = schema.GroupVersionResource{Group: "networking.internal.knative.dev", Version: "v1alpha1", Resource: "ingresses"}
	crdGVR             = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
)

// startKnative installs Serving's config/core, starts its webhook, controller and
// autoscaler, and the KIngress stand-in, and returns when the webhook admits Services
// and the autoscaler serves.
func (t *Testbed) startKnative(ctx context.Context) error {
	for _, name := range KnativeBinaries {
		if _, err := os.Stat(filepath.Join(t.binDir, name)); err != nil {
			return fmt.Errorf("Knative Serving is not built (%w): run `make testbed-build` first", err)
		}
	}
	restConfig, err := clientcmd.BuildConfigFromFlags("", t.Kubeconfig)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(restConfig)
	if err != nil {
		return err
	}
	t.dynamic = dyn
	t.progress("installing Knative Serving's config/core")
	if err := t.installKnativeCore(ctx, dyn); err != nil {
		return err
	}

	webhookPort, err := freePort()
	if err != nil {
		return err
	}
	env := func(extra ...string) ([]string, error) {
		prof, err := freePort()
		if err != nil {
			return nil, err
		}
		return append([]string{"SYSTEM_NAMESPACE=" + knativeServingNS, "KUBECONFIG=" + t.Kubeconfig,
			"PROFILING_PORT=" + strconv.Itoa(prof), "POD_NAME=testbed",
			// As the Deployments in config/core/deployments set them.
			"CONFIG_LOGGING_NAME=config-logging", "CONFIG_OBSERVABILITY_NAME=config-observability"}, extra...), nil
	}
	t.egress.route(knativeServingNS, "webhook", hostPort(webhookPort))
	t.progress("starting Knative Serving's webhook, controller and autoscaler")
	whEnv, err := env("WEBHOOK_NAME=webhook", "WEBHOOK_PORT="+strconv.Itoa(webhookPort))
	if err != nil {
		return err
	}
	webhook, err := t.runEnv("knative-webhook", filepath.Join(t.binDir, "knative-webhook"), whEnv)
	if err != nil {
		return err
	}
	ctlEnv, err := env()
	if err != nil {
		return err
	}
	if _, err := t.runEnv("knative-controller", filepath.Join(t.binDir, "knative-controller"), ctlEnv); err != nil {
		return err
	}
	autoscaler, err := t.startAutoscaler(ctx, env)
	if err != nil {
		return err
	}
	standInCtx, stopStandIn := context.WithCancel(context.Background())
	t.cleanup = append(t.cleanup, stopStandIn)
	go kingressStandIn(standInCtx, dyn)

	// The webhook is up when it admits a Service (server-side dry run).
	if err := waitFor(ctx, "Knative Serving's webhook to admit Services", webhook, func(ctx context.Context) error {
		if err := t.checkRunning(); err != nil {
			return err
		}
		probe := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "serving.knative.dev/v1", "kind": "Service",
			"metadata": map[string]any{"name": "testbed-probe", "namespace": "default"},
			"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
				"containers": []any{map[string]any{"image": "ghcr.io/testbed/probe:1"}}}}},
		}}
		_, err := dyn.Resource(KnativeServicesGVR).Namespace("default").Create(ctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			return fmt.Errorf("%w: %w", err, errNotReady)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := t.waitAutoscaler(ctx, autoscaler); err != nil {
		return err
	}
	if err := t.startEventing(ctx, dyn); err != nil {
		return err
	}
	t.progress("starting the image registry and pushing the test images")
	reg, err := startRegistry()
	if err != nil {
		return err
	}
	t.cleanup = append(t.cleanup, reg.Close)
	t.Knative = &Knative{Namespace: knativeServingNS, EventingNamespace: knativeEventingNS, Domain: knativeDomain, SkippedRegistries: knativeSkippedRegistries, Registry: reg.Host()}
	return nil
}

// startAutoscaler runs the autoscaler in a pod of its own (runInPod): it and the
// controller both listen on :8080, hard-coded, and Knative reads the autoscaler's
// POD_IP, which must not be a loopback address.
func (t *Testbed) startAutoscaler(ctx context.Context, env func(...string) ([]string, error)) (*pod, error) {
	asEnv, err := env("POD_NAME=testbed-autoscaler")
	if err != nil {
		return nil, err
	}
	return t.runInPod(ctx, "knative-autoscaler", "testbed-knative-autoscaler", filepath.Join(t.binDir, "knative-autoscaler"), asEnv)
}

// waitAutoscaler waits until the autoscaler serves: its stats server accepts connections
// on the pod address (the controller's metrics pipeline dials it there) and it holds its
// bucket's lease (until then no PodAutoscaler gets a decision and no Service is Ready).
func (t *Testbed) waitAutoscaler(ctx context.Context, p *pod) error {
	if err := waitFor(ctx, "the Knative autoscaler's stats server", p.process, func(ctx context.Context) error {
		c, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", net.JoinHostPort(p.IP, "8080"))
		if err != nil {
			return fmt.Errorf("%w: %w", err, errNotReady)
		}
		return c.Close()
	}); err != nil {
		return err
	}
	return waitFor(ctx, "the Knative autoscaler to hold lease "+autoscalerLease, p.process, func(ctx context.Context) error {
		l, err := t.Client.CoordinationV1().Leases(knativeServingNS).Get(ctx, autoscalerLease, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("%w: %w", err, errNotReady)
		}
		if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity == "" {
			return errNotReady
		}
		return nil
	})
}

// installKnativeCore creates the objects of Serving's config/core (installManifests).
// Deployments (and their autoscalers and disruption budgets) are left out: the
// components run as local processes; their Services are kept, since the API server
// calls the webhook by Service. Three config maps differ from upstream's defaults, each
// because of what this machine lacks (see TESTBED.md).
func (t *Testbed) installKnativeCore(ctx context.Context, dyn dynamic.Interface) error {
	return t.installManifests(ctx, dyn, []string{filepath.Join(t.binDir, "knative-serving-core")}, func(u *unstructured.Unstructured) bool {
		switch u.GetKind() {
		case "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget":
			return false
		case "ConfigMap":
			adjustKnativeConfig(u)
		}
		return true
	})
}

// installManifests creates the objects of every YAML file under roots, file by file:
// the namespaces and CRDs first (waiting until the CRDs are Established), the webhook
// configurations last. The `ko://` image references become plain names (kwok never
// pulls). edit sees each object first: it may change it, and it leaves it out by
// returning false.
func (t *Testbed) installManifests(ctx context.Context, dyn dynamic.Interface, roots []string, edit func(*unstructured.Unstructured) bool) error {
	var objs []*unstructured.Unstructured
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			b = bytes.ReplaceAll(b, []byte("ko://"), nil)
			dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
			for {
				u := &unstructured.Unstructured{}
				if err := dec.Decode(&u.Object); err != nil {
					if errors.Is(err, io.EOF) {
						return nil
					}
					return fmt.Errorf("%s: %w", path, err)
				}
				if len(u.Object) == 0 || !edit(u) {
					continue
				}
				objs = append(objs, u)
			}
		})
		if err != nil {
			return err
		}
	}
	rank := func(u *unstructured.Unstructured) int {
		switch u.GetKind() {
		case "Namespace":
			return 0
		case "CustomResourceDefinition":
			return 1
		case "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration":
			return 3
		}
		return 2
	}
	sort.SliceStable(objs, func(i, j int) bool { return rank(objs[i]) < rank(objs[j]) })

	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(t.Client.Discovery()))
	crdsReady := false
	for _, u := range objs {
		if rank(u) >= 2 && !crdsReady {
			if err := waitCRDsEstablished(ctx, dyn, objs); err != nil {
				return err
			}
			mapper.Reset()
			crdsReady = true
		}
		gvk := u.GroupVersionKind()
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return fmt.Errorf("installing %s %s: %w", gvk.Kind, u.GetName(), err)
		}
		var r dynamic.ResourceInterface = dyn.Resource(m.Resource)
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			r = dyn.Resource(m.Resource).Namespace(u.GetNamespace())
		}
		if _, err := r.Create(ctx, u, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("installing %s %s: %w", gvk.Kind, u.GetName(), err)
		}
	}
	return nil
}

// adjustKnativeConfig sets what differs from upstream's config maps on this machine:
// a real domain for URLs (config-domain; untouched, URLs end in svc.cluster.local), no
// tag-to-digest resolution for registries nobody can reach offline
// (config-deployment), and no scale to zero (config-autoscaler): a revision scaled to
// zero is served through the activator, which needs a data plane.
func adjustKnativeConfig(u *unstructured.Unstructured) {
	set := func(k, v string) {
		data, _, _ := unstructured.NestedStringMap(u.Object, "data")
		if data == nil {
			data = map[string]string{}
		}
		data[k] = v
		_ = unstructured.SetNestedStringMap(u.Object, data, "data")
	}
	switch u.GetName() {
	case "config-domain":
		set(knativeDomain, "")
	case "config-deployment":
		set("registries-skipping-tag-resolving", strings.Join(knativeSkippedRegistries, ","))
	case "config-autoscaler":
		set("enable-scale-to-zero", "false")
	}
}

// waitCRDsEstablished waits until every CRD in objs is Established.
func waitCRDsEstablished(ctx context.Context, dyn dynamic.Interface, objs []*unstructured.Unstructured) error {
	for _, u := range objs {
		if u.GetKind() != "CustomResourceDefinition" {
			continue
		}
		name := u.GetName()
		if err := waitFor(ctx, "CRD "+name+" to be Established", nil, func(ctx context.Context) error {
			crd, err := dyn.Resource(crdGVR).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if conditionTrue(crd, "Established") {
				return nil
			}
			return errNotReady
		}); err != nil {
			return err
		}
	}
	return nil
}

// conditionTrue reports whether u's status has condition typ with status True.
func conditionTrue(u *unstructured.Unstructured, typ string) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == typ && m["status"] == "True" {
			return true
		}
	}
	return false
}

// kingressStandIn is a STAND-IN for Knative's networking layer (Kourier, Istio or
// Contour), which cannot run here: it would program an Envoy data plane, and there is
// no data plane. It does only what Serving's route reconciler waits for: it marks each
// KIngress (networking.internal.knative.dev Ingress) as reconciled and ready, with the
// load balancer addresses a networking layer reports. Nothing else is stood in for.
func kingressStandIn(ctx context.Context, dyn dynamic.Interface) {
	r := dyn.Resource(kingressGVR)
	for {
		list, err := r.Namespace("").List(ctx, metav1.ListOptions{})
		if err == nil {
			for i := range list.Items {
				ing := &list.Items[i]
				if markKIngressReady(ing) {
					_, _ = r.Namespace(ing.GetNamespace()).UpdateStatus(ctx, ing, metav1.UpdateOptions{})
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// markKIngressReady sets ing's status as a networking layer would once it has
// programmed the ingress; it reports whether anything changed.
func markKIngressReady(ing *unstructured.Unstructured) bool {
	gen := ing.GetGeneration()
	observed, _, _ := unstructured.NestedInt64(ing.Object, "status", "observedGeneration")
	if observed == gen && conditionTrue(ing, "Ready") && conditionTrue(ing, "LoadBalancerReady") && conditionTrue(ing, "NetworkConfigured") {
		return false
	}
	now := time.Now().UTC().Format(time.RFC3339)
	var conds []any
	for _, typ := range []string{"LoadBalancerReady", "NetworkConfigured", "Ready"} {
		conds = append(conds, map[string]any{"type": typ, "status": "True", "lastTransitionTime": now})
	}
	lb := func(host string) map[string]any {
		return map[string]any{"ingress": []any{map[string]any{"domainInternal": host}}}
	}
	_ = unstructured.SetNestedField(ing.Object, map[string]any{
		"observedGeneration":  gen,
		"conditions":          conds,
		"publicLoadBalancer":  lb("testbed-ingress.knative-serving.svc.cluster.local"),
		"privateLoadBalancer": lb("testbed-ingress-internal.knative-serving.svc.cluster.local"),
	}, "status")
	return true
}
