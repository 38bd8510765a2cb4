package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// resolveTimeout bounds one registry look-up at plan time.
const resolveTimeout = 30 * time.Second

// hasDigest reports whether an image reference pins a digest (`repo@sha256:...`).
func hasDigest(image string) bool { return strings.Contains(image, "@") }

// splitDigest splits `repo:tag@sha256:...` into the reference before the digest and the
// digest; the digest is "" when the reference pins none.
func splitDigest(image string) (string, string) {
	if i := strings.LastIndex(image, "@"); i >= 0 {
		return image[:i], image[i+1:]
	}
	return image, ""
}

// imageToModel maps the image reference a platform runs back to image and
// image_digest: with resolve_image_digest, a running `<image>@<digest>` whose first part
// is the tag in the prior state reads as that tag, so a resolved deployment shows no
// drift on image; anything else reads as it runs. A bare tag's image_digest is resolved,
// the digest the platform reports it resolved the tag to (Knative), or null.
func imageToModel(prior types.String, resolve types.Bool, running, resolved string) (types.String, types.String) {
	base, digest := splitDigest(running)
	if digest == "" {
		return types.StringValue(running), stringOrNull(resolved)
	}
	if resolve.ValueBool() && prior.ValueString() == base && !hasDigest(base) {
		return types.StringValue(base), types.StringValue(digest)
	}
	return types.StringValue(running), types.StringValue(digest)
}

// planImageDigest plans image_digest: the digest written in image, the digest the tag
// points to now when resolve_image_digest is set (an attribute error on image when the
// registry cannot answer), unknown while either is unknown. A tag that moved plans a
// new digest, so the plan shows the change; one that did not plans the state's value
// and no change. A bare tag without resolve_image_digest plans null, except on a
// platform that resolves tags itself (platform.ImageDigestDriver: Knative), where see
// planRunningDigest.
func planImageDigest(ctx context.Context, d platform.Driver, state tfsdk.State, plan *functionResourceModel, resp *resource.ModifyPlanResponse) {
	digest := types.StringNull()
	image := plan.Image.ValueString()
	switch {
	case plan.Image.IsUnknown():
		digest = types.StringUnknown()
	case hasDigest(image):
		_, d := splitDigest(image)
		digest = types.StringValue(d)
	case plan.ResolveImageDigest.IsUnknown():
		digest = types.StringUnknown()
	case plan.ResolveImageDigest.ValueBool():
		found, err := resolveImageDigest(ctx, image)
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("image"), "Cannot resolve the image tag to a digest",
				fmt.Sprintf("resolve_image_digest is set, so the plan looks up which digest %q points to now: %s", image, err))
			return
		}
		digest = types.StringValue(found)
	default:
		if dd, ok := d.(platform.ImageDigestDriver); ok {
			digest = planRunningDigest(ctx, dd, d.DefaultNamespace(), state, plan)
		}
	}
	plan.ImageDigest = digest
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("image_digest"), digest)...)
}

// resolveImageDigest asks the image's registry for the digest of the manifest (or
// index) its tag points to, with the Docker configuration's credentials
// (authn.DefaultKeychain) or anonymously.
func resolveImageDigest(ctx context.Context, image string) (string, error) {
	ref, err := name.ParseReference(image)
	if err != nil {
		return "", fmt.Errorf("not an image reference: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}
	desc, err := remote.Head(ref, opts...)
	if err != nil {
		var terr *transport.Error
		if errors.As(err, &terr) && terr.StatusCode == http.StatusMethodNotAllowed {
			// A registry without HEAD on manifests: ask with GET.
			if got, gerr := remote.Get(ref, opts...); gerr == nil {
				return got.Digest.String(), nil
			}
		}
		return "", describeRegistryError(ref, err)
	}
	return desc.Digest.String(), nil
}

// describeRegistryError says what a failed look-up means for the user.
func describeRegistryError(ref name.Reference, err error) error {
	var terr *transport.Error
	if errors.As(err, &terr) {
		switch terr.StatusCode {
		case http.StatusNotFound:
			return fmt.Errorf("registry %s has no image %s (HTTP 404): check the repository and the tag", ref.Context().RegistryStr(), ref.Name())
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("registry %s refused access to %s (HTTP %d): log in with `docker login %s` or configure a credential helper",
				ref.Context().RegistryStr(), ref.Context().Name(), terr.StatusCode, ref.Context().RegistryStr())
		}
	}
	return fmt.Errorf("cannot reach registry %s: %w", ref.Context().RegistryStr(), err)
}

// planRunningDigest plans image_digest for a bare tag on a platform that resolves tags
// itself when it creates a revision (Knative): unknown ("known after apply") for a
// create and for a change that makes a new revision, which resolves the tag again;
// otherwise the state's value, which the running revision keeps, so a change that
// leaves the revision template alone (labels, annotations) and a no-op plan stay empty.
func planRunningDigest(ctx context.Context, dd platform.ImageDigestDriver, defaultNamespace string, state tfsdk.State, plan *functionResourceModel) types.String {
	if state.Raw.IsNull() {
		return types.StringUnknown()
	}
	var prior functionResourceModel
	var diags diag.Diagnostics // the plan's own checks report any problem of these values
	diags.Append(state.Get(ctx, &prior)...)
	if diags.HasError() {
		return types.StringUnknown()
	}
	before, ok := functionFromModel(ctx, &prior, defaultNamespace, &diags)
	if !ok || diags.HasError() {
		return types.StringUnknown()
	}
	after, ok := functionFromModel(ctx, plan, defaultNamespace, &diags)
	if !ok || diags.HasError() || dd.NewRevision(before, after) {
		return types.StringUnknown()
	}
	return prior.ImageDigest
}

// keepRunningDigest fills fn.Status.ImageDigest from prior, the function's state before
// this read, when it still describes the same revision: the state holds a digest, and
// the function runs the same bare tag in the same revision, which is ready and the
// latest. A revision's recorded digest never changes, so the read of the revision is
// spared: a refresh of a function that did not change costs no request more than
// before image_digest was read on Knative. It reports whether it filled it. (A
// Service deleted and recreated outside Terraform restarts its revision names; until
// its next template change, image_digest then keeps the value of the old revision of
// the same name.)
func keepRunningDigest(prior *functionResourceModel, fn *platform.Function) bool {
	st := fn.Status
	if prior == nil || !known(prior.ImageDigest) || prior.ImageDigest.IsNull() || hasDigest(fn.Image) ||
		prior.Image.ValueString() != fn.Image || !st.Ready || st.LatestReadyRevision == "" ||
		st.LatestReadyRevision != st.LatestCreatedRevision || prior.LatestReadyRevision.ValueString() != st.LatestReadyRevision {
		return false
	}
	fn.Status.ImageDigest = prior.ImageDigest.ValueString()
	return true
}

// readRunningDigest fills fn.Status.ImageDigest, for a function read or written just
// now, from a platform that reports which digest a bare tag resolved to
// (platform.ImageDigestDriver); it asks only when the image pins no digest. A failed
// read is a warning: image_digest stays null, and the function is read as usual.
func readRunningDigest(ctx context.Context, d platform.Driver, fn *platform.Function, diags *diag.Diagnostics) {
	dd, ok := d.(platform.ImageDigestDriver)
	if !ok || fn == nil || fn.Image == "" || hasDigest(fn.Image) {
		return
	}
	digest, err := dd.RunningImageDigest(ctx, fn)
	if err != nil {
		diags.AddWarning("Cannot read the digest the function runs",
			fmt.Sprintf("image_digest of function %s stays null: %s", fn.ID, err))
		return
	}
	fn.Status.ImageDigest = digest
}
