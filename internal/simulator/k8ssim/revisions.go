package k8ssim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/uuid"
)

// The simulated revision reconciler's part that the provider reads
// (internal/driver/knative/FACTS.md section 3.2): every template change of a Service
// creates a Revision named as the Service's status.latestCreatedRevisionName, owned by
// the Service (so deleting the Service removes it), whose status records, per container,
// the image its tag resolved to when it was created, as the full reference
// <repository>@sha256:.... An image that already pins a digest is recorded as written;
// a registry in Options.SkipTagResolving is not resolved and leaves imageDigest out.
// The real reconciler does this in the background shortly after the Revision is
// created; here it is done at once. Revisions have no readiness of their own here: the
// Service's conditions tell it.

// SetImageDigest makes the tag of image (a reference as written in a Service, such as
// "ghcr.io/acme/orders:1.4.2") point to digest ("sha256:..."), as a push of a new image
// under the same tag would. Revisions created before keep the digest they resolved.
func (s *Server) SetImageDigest(image, digest string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.digests[image] = digest
}

// ImageDigest returns the digest the tag of image points to now (see
// Options.ImageDigests).
func (s *Server) ImageDigest(image string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.imageDigestLocked(image)
}

func (s *Server) imageDigestLocked(image string) string {
	if d, ok := s.digests[image]; ok {
		return d
	}
	sum := sha256.Sum256([]byte(image))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// resolvedImageLocked is the imageDigest a Revision records for image: "" when its
// registry skips tag resolution.
func (s *Server) resolvedImageLocked(image string) string {
	if strings.Contains(image, "@") {
		return image
	}
	repo := image
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	if i := strings.Index(repo, "/"); i >= 0 && slices.Contains(s.opts.SkipTagResolving, repo[:i]) {
		return ""
	}
	return repo + "@" + s.imageDigestLocked(image)
}

// createRevisionLocked stores the Revision rev of the Service svc (its n-th template),
// replacing one of the same name left behind. The caller holds s.mu.
func (s *Server) createRevisionLocked(svc map[string]any, rev string, n int) {
	m := meta(svc)
	name, ns := str(m, "name"), str(m, "namespace")
	tmpl := deepCopyObject(nested(svc, "spec", "template"))
	rs, _ := tmpl["spec"].(map[string]any)
	if rs == nil {
		rs = map[string]any{}
	}
	var statuses []any
	containers, _ := rs["containers"].([]any)
	for _, c := range containers {
		cm, _ := c.(map[string]any)
		st := map[string]any{"name": str(cm, "name")}
		if st["name"] == "" {
			st["name"] = userContainerName
		}
		if ref := s.resolvedImageLocked(str(cm, "image")); ref != "" {
			st["imageDigest"] = ref
		}
		statuses = append(statuses, st)
	}
	labels := map[string]any{
		"serving.knative.dev/service":                 name,
		"serving.knative.dev/configuration":           name,
		"serving.knative.dev/configurationGeneration": fmt.Sprint(n),
		"serving.knative.dev/serviceUID":              str(m, "uid"),
		"serving.knative.dev/routingState":            "active",
		"serving.knative.dev/configurationUID":        str(m, "uid"),
	}
	obj := map[string]any{
		"apiVersion": RevisionsGVR.GroupVersion().String(), "kind": "Revision",
		"metadata": map[string]any{
			"name": rev, "namespace": ns, "uid": string(uuid.NewUUID()), "creationTimestamp": nowString(time.Now()),
			"generation": int64(1), "resourceVersion": s.nextRVLocked(), "labels": labels,
			// The real owner is the Service's Configuration, itself owned by the Service;
			// the simulator has no Configuration, so the Service owns it directly.
			"ownerReferences": []any{map[string]any{"apiVersion": ServicesGVR.GroupVersion().String(), "kind": "Service",
				"name": name, "uid": str(m, "uid"), "controller": true, "blockOwnerDeletion": true}},
		},
		"spec":   rs,
		"status": map[string]any{"observedGeneration": int64(1), "containerStatuses": statuses},
	}
	s.objects[objKey{res: resourceFor(RevisionsGVR), namespace: ns, name: rev}] = &entry{obj: obj}
}
