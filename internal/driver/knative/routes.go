package knative

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// The faas_route mapping (DESIGN.md section 3.5; FACTS.md section 5): a
// serving.knative.dev/v1beta1 DomainMapping named host in the function's namespace,
// spec.ref = the function's Service, spec.tls.secretName = tls_secret, url =
// status.url. Knative has no path-based routing and no method matching, so a path
// other than "/" and any methods are plan-time errors. The id is namespace/host.

// clusterLocalDomain is the cluster-local domain a DomainMapping must not be under.
const clusterLocalDomain = "svc.cluster.local"

// RouteID implements platform.RouteDriver: namespace/host.
func (d *Driver) RouteID(r *platform.Route) string {
	return routeNamespace(r) + "/" + r.Host
}

func routeNamespace(r *platform.Route) string {
	if r.Namespace != "" {
		return r.Namespace
	}
	return r.Function.Namespace
}

// CheckRoute implements platform.RouteDriver: what a DomainMapping cannot express.
func (d *Driver) CheckRoute(ctx context.Context, r *platform.Route) ([]*platform.UnsupportedError, error) {
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	var out []*platform.UnsupportedError
	add := func(attr platform.AttrPath, summary, reason, instead string) {
		out = append(out, &platform.UnsupportedError{Attribute: attr, Platform: info.Describe(), Summary: summary, Reason: reason, Instead: instead})
	}
	if r.Path != "" && r.Path != "/" {
		add(platform.Attr("path"), "Path routing is not supported on Knative",
			fmt.Sprintf("a Knative DomainMapping maps a whole host to a Service, and Knative Serving has no path-based routing (knative/serving#11997), so path %q cannot be honoured", r.Path),
			"Remove path (or set it to \"/\") and give the function a host of its own, or route paths in an ingress or gateway in front of Knative")
	}
	if len(r.Methods) > 0 {
		add(platform.Attr("methods"), "Method routing is not supported on Knative",
			"a Knative DomainMapping forwards every HTTP method to the Service; Knative cannot restrict methods",
			"Remove methods and check the method in the function, or restrict methods in an ingress or gateway in front of Knative")
	}
	if r.Host == clusterLocalDomain || strings.HasSuffix(r.Host, "."+clusterLocalDomain) {
		add(platform.Attr("host"), "Invalid host", fmt.Sprintf("%q is under the cluster-local domain %q, which Knative refuses for a DomainMapping", r.Host, clusterLocalDomain), "Use a public host name")
	}
	ok, err := d.served(ctx, domainMappingsGVR)
	if err != nil {
		return nil, err
	}
	if !ok {
		add(platform.Attr("host"), "DomainMapping is not installed", fmt.Sprintf("the cluster does not serve %s (%s)", domainMappingsGVR.GroupResource(), domainMappingsGVR.GroupVersion()),
			"Install a Knative Serving release that includes DomainMapping (v0.24 or later)")
	}
	return out, nil
}

func newDomainMapping(r *platform.Route) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": domainMappingsGVR.GroupVersion().String(), "kind": domainMappingKind.kind,
		"metadata": map[string]any{
			"name": r.Host, "namespace": routeNamespace(r),
			"labels":      map[string]any{ManagedByLabel: managedBy},
			"annotations": map[string]any{CreateTokenAnnotation: newToken()},
		},
		"spec": map[string]any{},
	}}
	setRouteSpec(u.Object, r)
	return u
}

func setRouteSpec(obj map[string]any, r *platform.Route) {
	spec := mapAt(obj, "spec")
	spec["ref"] = serviceRef(r.Function)
	if r.TLSSecret == "" {
		delete(spec, "tls")
	} else {
		spec["tls"] = map[string]any{"secretName": r.TLSSecret}
	}
}

// routeFrom maps a DomainMapping to the neutral route.
func routeFrom(u *unstructured.Unstructured) (*platform.Route, error) {
	ns := u.GetNamespace()
	ref, _, _ := unstructured.NestedMap(u.Object, "spec", "ref")
	fn, ok := refFunction(ref, ns)
	if !ok {
		return nil, fmt.Errorf("DomainMapping %s/%s does not point at a Knative Service (its ref is %v): faas_route manages DomainMappings of functions", ns, u.GetName(), ref)
	}
	tls, _, _ := unstructured.NestedString(u.Object, "spec", "tls", "secretName")
	url, _, _ := unstructured.NestedString(u.Object, "status", "url")
	return &platform.Route{Function: fn, Namespace: ns, Host: u.GetName(), Path: "/", TLSSecret: tls, URL: url}, nil
}

// CreateRoute implements platform.RouteDriver: one POST of a DomainMapping, then a wait
// until it is Ready. When it was created but does not become ready in time, it returns
// the route as created with a *NotReadyChildError that explains why (a missing
// ClusterDomainClaim, most often), so the provider keeps it (tainted).
func (d *Driver) CreateRoute(ctx context.Context, r *platform.Route) (*platform.Route, error) {
	id := d.RouteID(r)
	if err := d.createChild(ctx, domainMappingKind, newDomainMapping(r), func() error {
		return fmt.Errorf("DomainMapping %s already exists and is not managed by this resource (%w). %s", id, platform.ErrConflict, platform.ImportHint(id))
	}); err != nil {
		return nil, fmt.Errorf("creating the route %s to function %s (DomainMapping %s): %w", r.Host, r.Function, id, err)
	}
	return d.awaitRoute(ctx, r)
}

func (d *Driver) awaitRoute(ctx context.Context, r *platform.Route) (*platform.Route, error) {
	ns := routeNamespace(r)
	u, err := d.waitChildReady(ctx, domainMappingKind, ns, r.Host)
	var got *platform.Route
	if u != nil {
		var merr error
		if got, merr = routeFrom(u); merr != nil {
			return nil, merr
		}
	}
	if err != nil {
		if got == nil {
			got = r
		}
		return got, &NotReadyChildError{What: "DomainMapping " + d.RouteID(r), Err: err, Hint: d.domainClaimHint(ctx, ns, r.Host, u)}
	}
	return got, nil
}

// domainClaimHint explains a DomainMapping whose DomainClaimed condition is False. Knative
// reports the same reason (DomainAlreadyClaimed) whether the ClusterDomainClaim is
// missing (and config-network's autocreate-cluster-domain-claims is off) or belongs to
// another namespace (pkg/reconciler/domainmapping/reconciler.go), so the claim is read
// to tell which.
func (d *Driver) domainClaimHint(ctx context.Context, ns, host string, u *unstructured.Unstructured) string {
	if u == nil {
		return ""
	}
	if _, why := childReadiness(u); !strings.Contains(why, "DomainClaimed=False") && !strings.Contains(why, "DomainAlreadyClaimed") {
		if strings.Contains(why, "ReferenceResolved=False") {
			return "The function's Knative Service could not be resolved: check that it exists and is ready"
		}
		return ""
	}
	// A fresh context: the wait's deadline has passed.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	claim, err := d.client(clusterDomainClaimsGVR, "").Get(cctx, host, metav1.GetOptions{})
	fix := fmt.Sprintf("create a cluster-scoped ClusterDomainClaim (networking.internal.knative.dev/v1alpha1) named %q with spec.namespace = %q "+
		"(for example with the kubernetes provider's kubernetes_manifest), or let Knative create claims by setting "+
		"autocreate-cluster-domain-claims: \"true\" in the config-network ConfigMap of the knative-serving namespace; then apply again", host, ns)
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Sprintf("No ClusterDomainClaim exists for %q, and Knative does not create one because config-network's autocreate-cluster-domain-claims is off (its default is \"false\"), "+
			"so the DomainMapping can never claim the domain and become ready. To fix it, %s", host, fix)
	case err == nil:
		owner, _, _ := unstructured.NestedString(claim.Object, "spec", "namespace")
		if owner != ns {
			return fmt.Sprintf("The ClusterDomainClaim %q belongs to namespace %q, not %q: another namespace owns the domain. Use another host, or change the claim's spec.namespace to %q if the domain is meant for this namespace", host, owner, ns, ns)
		}
		return ""
	default:
		return fmt.Sprintf("Either no ClusterDomainClaim exists for %q while config-network's autocreate-cluster-domain-claims is off, or another namespace owns it (the provider could not read the claim: %v). If none exists, %s", host, d.apiError(http.MethodGet, itemPath(clusterDomainClaimsGVR, "", host), err), fix)
	}
}

// ReadRoute implements platform.RouteDriver: id is namespace/host.
func (d *Driver) ReadRoute(ctx context.Context, id string) (*platform.Route, error) {
	ns, host, err := splitNamespaced(id, "route", "namespace/host")
	if err != nil {
		return nil, err
	}
	u, err := d.cachedGet(ctx, domainMappingsGVR, ns, host)
	if err != nil {
		return nil, fmt.Errorf("reading route %s: %w", id, d.apiError(http.MethodGet, itemPath(domainMappingsGVR, ns, host), err))
	}
	return routeFrom(u)
}

// UpdateRoute implements platform.RouteDriver: a read-modify-write of spec.ref and
// spec.tls (creating the DomainMapping again when it is gone), then a wait until ready.
func (d *Driver) UpdateRoute(ctx context.Context, r *platform.Route) (*platform.Route, error) {
	err := d.modifyChild(ctx, domainMappingKind, routeNamespace(r), r.Host, func(obj map[string]any) error {
		setRouteSpec(obj, r)
		return nil
	})
	if errors.Is(err, platform.ErrNotFound) {
		return d.CreateRoute(ctx, r)
	}
	if err != nil {
		return nil, fmt.Errorf("updating the route %s to function %s: %w", r.Host, r.Function, err)
	}
	return d.awaitRoute(ctx, r)
}

// DeleteRoute implements platform.RouteDriver: it deletes the DomainMapping and waits
// until it is gone; a missing one is not an error.
func (d *Driver) DeleteRoute(ctx context.Context, r *platform.Route) error {
	return d.deleteChild(ctx, domainMappingKind, routeNamespace(r), r.Host)
}
