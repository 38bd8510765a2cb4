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
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
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
// drift on image; anything else reads as it runs.
func imageToModel(prior types.String, resolve types.Bool, running string) (types.String, types.String) {
	base, digest := splitDigest(running)
	if digest == "" {
		return types.StringValue(running), types.StringNull()
	}
	if resolve.ValueBool() && prior.ValueString() == base && !hasDigest(base) {
		return types.StringValue(base), types.StringValue(digest)
	}
	return types.StringValue(running), types.StringValue(digest)
}

// planImageDigest plans image_digest: the digest written in image, the digest the tag
// points to now when resolve_image_digest is set (an attribute error on image when the
// registry cannot answer), unknown while either is unknown, null otherwise. A tag that
// moved plans a new digest, so the plan shows the change; one that did not plans the
// state's value and no change.
func planImageDigest(ctx context.Context, plan *functionResourceModel, resp *resource.ModifyPlanResponse) {
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
		d, err := resolveImageDigest(ctx, image)
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("image"), "Cannot resolve the image tag to a digest",
				fmt.Sprintf("resolve_image_digest is set, so the plan looks up which digest %q points to now: %s", image, err))
			return
		}
		digest = types.StringValue(d)
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
