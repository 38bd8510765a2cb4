package k8ssim

import (
	"net/http"
	"slices"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The resources the simulator serves.
var (
	// ServicesGVR is the Knative Service (serving.knative.dev/v1, internal/driver/knative/FACTS.md section 3).
	ServicesGVR = schema.GroupVersionResource{Group: "serving.knative.dev", Version: "v1", Resource: "services"}
	// DomainMappingsGVR is the Knative DomainMapping (serving.knative.dev/v1beta1, internal/driver/knative/FACTS.md section 5).
	DomainMappingsGVR = schema.GroupVersionResource{Group: "serving.knative.dev", Version: "v1beta1", Resource: "domainmappings"}
	// ClusterDomainClaimsGVR is the cluster-scoped ClusterDomainClaim (networking.internal.knative.dev/v1alpha1).
	ClusterDomainClaimsGVR = schema.GroupVersionResource{Group: "networking.internal.knative.dev", Version: "v1alpha1", Resource: "clusterdomainclaims"}
	// PingSourcesGVR is the Knative Eventing PingSource (sources.knative.dev/v1, internal/driver/knative/FACTS.md section 6).
	PingSourcesGVR = schema.GroupVersionResource{Group: "sources.knative.dev", Version: "v1", Resource: "pingsources"}
	// TriggersGVR is the Knative Eventing Trigger (eventing.knative.dev/v1, internal/driver/knative/FACTS.md section 6).
	TriggersGVR = schema.GroupVersionResource{Group: "eventing.knative.dev", Version: "v1", Resource: "triggers"}
	// BrokersGVR is the Knative Eventing Broker (eventing.knative.dev/v1).
	BrokersGVR = schema.GroupVersionResource{Group: "eventing.knative.dev", Version: "v1", Resource: "brokers"}
	// RevisionsGVR is the Knative Revision (serving.knative.dev/v1, internal/driver/knative/FACTS.md
	// sections 3.1 and 3.2): the simulated controller creates one per template change.
	RevisionsGVR = schema.GroupVersionResource{Group: "serving.knative.dev", Version: "v1", Resource: "revisions"}
	// SecretsGVR is the core v1 Secret.
	SecretsGVR = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	// NamespacesGVR is the core v1 Namespace (cluster scoped).
	NamespacesGVR = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
)

// resource describes one served resource.
type resource struct {
	gvr        schema.GroupVersionResource
	kind       string
	singular   string
	namespaced bool
	shortNames []string
	categories []string
	// status is true when the resource has a status subresource: the main resource
	// ignores status changes and the /status subresource changes only status.
	status bool
	// crdFile is the CRD file under the specs directory whose openAPIV3Schema validates
	// the objects; empty for core kinds.
	crdFile string
	// crd is true for custom resources (CRD strategy: updates need resourceVersion).
	crd bool
}

var resources = []*resource{
	{gvr: NamespacesGVR, kind: "Namespace", singular: "namespace", shortNames: []string{"ns"}, status: true},
	{gvr: SecretsGVR, kind: "Secret", singular: "secret", namespaced: true},
	{gvr: ServicesGVR, kind: "Service", singular: "service", namespaced: true, shortNames: []string{"kservice", "ksvc"},
		categories: []string{"all", "knative", "serving"}, status: true, crdFile: "serving/service.yaml", crd: true},
	// Revisions are served without schema validation (the specs directory holds no
	// Revision CRD) and without a simulated controller of their own: the Service's
	// controller writes them whole (revisions.go).
	{gvr: RevisionsGVR, kind: "Revision", singular: "revision", namespaced: true, shortNames: []string{"rev"},
		categories: []string{"all", "knative", "serving"}, crd: true},
	{gvr: DomainMappingsGVR, kind: "DomainMapping", singular: "domainmapping", namespaced: true, shortNames: []string{"dm"},
		categories: []string{"all", "knative", "serving"}, status: true, crdFile: "serving/domain-mapping.yaml", crd: true},
	{gvr: ClusterDomainClaimsGVR, kind: "ClusterDomainClaim", singular: "clusterdomainclaim", shortNames: []string{"cdc"},
		categories: []string{"knative-internal", "networking"}, crdFile: "serving/domain-claim.yaml", crd: true},
	{gvr: PingSourcesGVR, kind: "PingSource", singular: "pingsource", namespaced: true,
		categories: []string{"all", "knative", "sources"}, status: true, crdFile: "eventing/pingsource.yaml", crd: true},
	{gvr: TriggersGVR, kind: "Trigger", singular: "trigger", namespaced: true,
		categories: []string{"all", "knative", "eventing"}, status: true, crdFile: "eventing/trigger.yaml", crd: true},
	{gvr: BrokersGVR, kind: "Broker", singular: "broker", namespaced: true,
		categories: []string{"all", "knative", "eventing"}, status: true, crdFile: "eventing/broker.yaml", crd: true},
}

func (r *resource) apiVersion() string { return r.gvr.GroupVersion().String() }

func (r *resource) groupResource() schema.GroupResource { return r.gvr.GroupResource() }

func (r *resource) groupKind() schema.GroupKind {
	return schema.GroupKind{Group: r.gvr.Group, Kind: r.kind}
}

// lookupResource finds a served resource by group, version and plural name.
func lookupResource(group, version, plural string) *resource {
	for _, r := range resources {
		if r.gvr.Group == group && r.gvr.Version == version && r.gvr.Resource == plural {
			return r
		}
	}
	return nil
}

func resourceFor(gvr schema.GroupVersionResource) *resource {
	return lookupResource(gvr.Group, gvr.Version, gvr.Resource)
}

var allVerbs = metav1.Verbs{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}

// apiResourceList is the discovery document of one group version.
func apiResourceList(gv schema.GroupVersion) (*metav1.APIResourceList, bool) {
	list := &metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: gv.String()}
	found := false
	for _, r := range resources {
		if r.gvr.GroupVersion() != gv {
			continue
		}
		found = true
		list.APIResources = append(list.APIResources, metav1.APIResource{
			Name: r.gvr.Resource, SingularName: r.singular, Namespaced: r.namespaced, Kind: r.kind,
			Verbs: allVerbs, ShortNames: r.shortNames, Categories: r.categories,
		})
		if r.status {
			list.APIResources = append(list.APIResources, metav1.APIResource{
				Name: r.gvr.Resource + "/status", Namespaced: r.namespaced, Kind: r.kind, Verbs: metav1.Verbs{"get", "patch", "update"},
			})
		}
	}
	return list, found
}

// apiGroupList is the /apis discovery document: every group with its served versions,
// the first (most stable) one preferred.
func apiGroupList() *metav1.APIGroupList {
	versions := map[string][]string{}
	for _, r := range resources {
		g := r.gvr.Group
		if g == "" {
			continue
		}
		if !slices.Contains(versions[g], r.gvr.Version) {
			versions[g] = append(versions[g], r.gvr.Version)
		}
	}
	groups := make([]string, 0, len(versions))
	for g := range versions {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	out := &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}}
	for _, g := range groups {
		vs := versions[g]
		sort.Slice(vs, func(i, j int) bool { return versionRank(vs[i]) < versionRank(vs[j]) })
		grp := metav1.APIGroup{Name: g}
		for _, v := range vs {
			grp.Versions = append(grp.Versions, metav1.GroupVersionForDiscovery{GroupVersion: g + "/" + v, Version: v})
		}
		grp.PreferredVersion = grp.Versions[0]
		out.Groups = append(out.Groups, grp)
	}
	return out
}

// versionRank orders versions as Kubernetes prefers them: GA, then beta, then alpha.
func versionRank(v string) int {
	switch {
	case strings.Contains(v, "alpha"):
		return 2
	case strings.Contains(v, "beta"):
		return 1
	}
	return 0
}

func (s *Server) serveDiscovery(w http.ResponseWriter, r *http.Request, parts []string) bool {
	switch {
	case len(parts) == 1 && parts[0] == "api":
		writeJSON(w, http.StatusOK, &metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"},
			ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{{ClientCIDR: "0.0.0.0/0", ServerAddress: r.Host}}})
	case len(parts) == 2 && parts[0] == "api" && parts[1] == "v1":
		list, _ := apiResourceList(schema.GroupVersion{Version: "v1"})
		writeJSON(w, http.StatusOK, list)
	case len(parts) == 1 && parts[0] == "apis":
		writeJSON(w, http.StatusOK, apiGroupList())
	case len(parts) == 2 && parts[0] == "apis":
		for _, g := range apiGroupList().Groups {
			if g.Name == parts[1] {
				g.TypeMeta = metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"}
				writeJSON(w, http.StatusOK, &g)
				return true
			}
		}
		return false
	case len(parts) == 3 && parts[0] == "apis":
		list, ok := apiResourceList(schema.GroupVersion{Group: parts[1], Version: parts[2]})
		if !ok {
			return false
		}
		writeJSON(w, http.StatusOK, list)
	default:
		return false
	}
	return true
}
