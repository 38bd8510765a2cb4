package knative

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// The digest a bare tag resolved to (FACTS.md section 3.2): Knative's revision
// reconciler resolves the tag of each new Revision and records the result in the
// Revision's status.containerStatuses, as the full reference <repository>@sha256:....
//
// Which revision: the one named by the Service's status.latestReadyRevisionName, and
// only while it is also latestCreatedRevisionName and the Service is Ready for its
// current generation. That revision runs the template the Service holds now, so the
// digest belongs to the image faas_function.image shows. While a newer revision is not
// ready (or failed), the digest is unknown to the driver and it reports none, rather
// than the digest of an older template's image. Revisions pinned by a
// faas_traffic_split are not looked at: image_digest describes the function's own
// (latest) revision.
//
// Cost: reads go through this run's cache, so a refresh of N functions in a namespace
// costs one list of its revisions (every revision Knative keeps there, old ones
// included); after a write of a Service, a read of its new revision is one GET, because
// every write of a Service invalidates the namespace's cached revisions (the new
// revision did not exist when they were read). The provider asks only for images that
// pin no digest.

// revisionsGVR is the Knative Revision (serving.knative.dev/v1, read only).
var revisionsGVR = servingv1.SchemeGroupVersion.WithResource("revisions")

var _ platform.ImageDigestDriver = (*Driver)(nil)

// RunningImageDigest implements platform.ImageDigestDriver: the digest recorded in the
// status of the revision fn runs (see above). A revision that is gone, or that records
// no digest for the user container (the registry is in config-deployment's
// registries-skipping-tag-resolving), gives "" without error; a refused read (RBAC
// without get and list on revisions) is an error naming the request.
func (d *Driver) RunningImageDigest(ctx context.Context, fn *platform.Function) (string, error) {
	st := fn.Status
	rev := st.LatestReadyRevision
	if !st.Ready || rev == "" || rev != st.LatestCreatedRevision {
		return "", nil
	}
	u, err := d.cachedGet(ctx, revisionsGVR, fn.ID.Namespace, rev)
	if apierrors.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading revision %s of function %s: %w", rev, fn.ID, d.apiError(http.MethodGet, itemPath(revisionsGVR, fn.ID.Namespace, rev), err))
	}
	return revisionDigest(u), nil
}

// revisionDigest is the digest of the user container's image recorded in a Revision's
// status (knative.dev/serving's servingv1.RevisionStatus, its ContainerStatuses): the
// entry named user-container (Knative's default name), else the only one. The recorded
// value is a full reference (<repository>@sha256:...); only the digest after the last
// "@" is returned. Only the status is decoded, and a status that does not decode gives
// none.
func revisionDigest(u *unstructured.Unstructured) string {
	raw, _, _ := unstructured.NestedMap(u.Object, "status")
	var st servingv1.RevisionStatus
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &st); err != nil {
		return ""
	}
	ref := ""
	for _, c := range st.ContainerStatuses {
		if c.Name == "user-container" {
			ref = c.ImageDigest
		}
	}
	if ref == "" && len(st.ContainerStatuses) == 1 {
		ref = st.ContainerStatuses[0].ImageDigest
	}
	if i := strings.LastIndex(ref, "@"); i >= 0 {
		return ref[i+1:]
	}
	return ""
}

// NewRevision implements platform.ImageDigestDriver: writing next over prior changes
// the Service's revision template (FACTS.md section 3: every change of spec.template
// creates a new Revision). Both are applied to the same object as UpdateFunction would
// apply them, and the templates compared; labels and annotations of the Service itself
// are not in the template.
func (d *Driver) NewRevision(prior, next *platform.Function) bool {
	before := newServiceObject(prior, "")
	after := before.DeepCopy()
	applyFunction(after.Object, next, "")
	a, _, _ := unstructured.NestedFieldNoCopy(before.Object, "spec", "template")
	b, _, _ := unstructured.NestedFieldNoCopy(after.Object, "spec", "template")
	return !reflect.DeepEqual(a, b)
}
