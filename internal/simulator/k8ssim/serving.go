package k8ssim

import (
	"context"
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"knative.dev/pkg/apis"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"
	servingv1beta1 "knative.dev/serving/pkg/apis/serving/v1beta1"
)

// Knative Serving's admission webhooks are not simulated: the Service and DomainMapping
// defaulting and validation below are Knative Serving's own code (knative.dev/serving,
// the version in go.mod), run as its webhooks run it, on the typed object, with the
// configuration of a cluster whose config-defaults, config-features and
// config-autoscaler ConfigMaps are as shipped. Only the wire is the simulator's: the
// typed round trip, and the denial as the API server answers it (400 BadRequest,
// internal/driver/knative/FACTS.md section 2). TestKnativeServingParity checks the
// result against the real webhook. Eventing's webhooks stay simulated (knative.go):
// knative.dev/eventing is not on the Go module proxy.

// servingObject is a Knative Serving kind the webhooks default and validate.
type servingObject interface {
	runtime.Object
	apis.Defaultable
	apis.Validatable
}

// newServingObject returns an empty typed object of a Serving kind the webhooks admit,
// or nil for any other kind.
func newServingObject(res *resource) servingObject {
	switch res.gvr {
	case ServicesGVR:
		return &servingv1.Service{}
	case DomainMappingsGVR:
		return &servingv1beta1.DomainMapping{}
	}
	return nil
}

// servingWebhook decodes obj (and old, on an update) into Serving's types and returns
// them with the context Serving's webhooks default and validate in: a create or an
// update of old by the simulator's user. It returns nil for a kind Serving does not
// admit, or a body the typed decoding refuses (the schema validation, which runs first,
// answers those).
func (s *Server) servingWebhook(res *resource, obj, old map[string]any) (context.Context, servingObject) {
	typed := newServingObject(res)
	if typed == nil || runtime.DefaultUnstructuredConverter.FromUnstructured(obj, typed) != nil {
		return nil, nil
	}
	ctx := apis.WithUserInfo(context.Background(), &authenticationv1.UserInfo{Username: s.opts.User})
	if old == nil {
		return apis.WithinCreate(ctx), typed
	}
	base := newServingObject(res)
	if runtime.DefaultUnstructuredConverter.FromUnstructured(old, base) != nil {
		return nil, nil
	}
	return apis.WithinUpdate(ctx, base), typed
}

// servingDefault runs Serving's defaulting webhook on obj: what it changes (the spec and
// the creator and lastModifier annotations) is written back, as the webhook's JSON patch
// would. Other kinds are left alone.
func (s *Server) servingDefault(res *resource, obj, old map[string]any) {
	ctx, typed := s.servingWebhook(res, obj, old)
	if typed == nil {
		return
	}
	typed.SetDefaults(ctx)
	out, err := runtime.DefaultUnstructuredConverter.ToUnstructured(typed)
	if err != nil {
		return
	}
	obj["spec"] = out["spec"]
	if ann := nested(out, "metadata", "annotations"); len(ann) > 0 {
		nestedMapRef(obj, true, "metadata")["annotations"] = ann
	}
}

// servingValidate runs Serving's validating webhook on obj (already defaulted) and
// returns its denial, or nil. Warnings are left out: the webhook admits the object with
// them.
func (s *Server) servingValidate(res *resource, obj, old map[string]any) error {
	ctx, typed := s.servingWebhook(res, obj, old)
	if typed == nil {
		return nil
	}
	fe := typed.Validate(ctx).Filter(apis.ErrorLevel)
	if fe == nil {
		return nil
	}
	return apierrors.NewBadRequest(fmt.Sprintf("admission webhook %q denied the request: validation failed: %s", webhookName(res), fe.Error()))
}
