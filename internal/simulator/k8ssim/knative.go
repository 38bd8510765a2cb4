package k8ssim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"time"
	_ "time/tzdata" // PingSource timezones validate without the host's zoneinfo

	"github.com/robfig/cron/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Knative annotation and label keys (knative/serving pkg/apis/serving/register.go,
// pkg/apis/autoscaling/register.go; knative.dev/networking VisibilityLabelKey).
const (
	// CreatorAnnotation names the user who created a Service; the webhook sets it on
	// create and refuses any change.
	CreatorAnnotation = "serving.knative.dev/creator"
	// LastModifierAnnotation names the user who last changed a Service's spec.
	LastModifierAnnotation = "serving.knative.dev/lastModifier"
	visibilityLabel        = "networking.knative.dev/visibility"
	hpaClass               = "hpa.autoscaling.knative.dev"
	userContainerName      = "user-container"
	clusterLocalDomain     = "svc.cluster.local"
)

// fieldErr is one knative.dev/pkg apis.FieldError leaf.
type fieldErr struct {
	msg     string
	paths   []string
	details string
}

// fieldErrs renders like apis.FieldError.Error(): "message: path, path" per error,
// newline separated, details on their own line.
type fieldErrs []fieldErr

// Error implements error.
func (fe fieldErrs) Error() string {
	parts := make([]string, 0, len(fe))
	for _, e := range fe {
		s := fmt.Sprintf("%s: %s", e.msg, strings.Join(e.paths, ", "))
		if e.details != "" {
			s += "\n" + e.details
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "\n")
}

func (fe *fieldErrs) add(msg string, paths ...string) {
	*fe = append(*fe, fieldErr{msg: msg, paths: paths})
}

func (fe *fieldErrs) invalid(value, path string) {
	fe.add(fmt.Sprintf("invalid value: %s", value), path)
}

// webhookName is the validating webhook of a resource's group.
func webhookName(res *resource) string {
	if strings.Contains(res.gvr.Group, "serving") || strings.Contains(res.gvr.Group, "networking") {
		return "validation.webhook.serving.knative.dev"
	}
	return "validation.webhook.eventing.knative.dev"
}

// denied is the API server's answer to a webhook denial: 400 BadRequest
// (knative.dev/pkg webhook MakeErrorStatus uses NewBadRequest;
// internal/driver/knative/FACTS.md section 2).
func denied(res *resource, errs fieldErrs) error {
	return apierrors.NewBadRequest(fmt.Sprintf("admission webhook %q denied the request: validation failed: %s", webhookName(res), errs.Error()))
}

func nested(obj map[string]any, fields ...string) map[string]any {
	m, _, _ := unstructured.NestedMap(obj, fields...)
	return m
}

// nestedMapRef returns the map at fields, creating it when create is set.
func nestedMapRef(obj map[string]any, create bool, fields ...string) map[string]any {
	cur := obj
	for _, f := range fields {
		next, ok := cur[f].(map[string]any)
		if !ok {
			if !create {
				return nil
			}
			next = map[string]any{}
			cur[f] = next
		}
		cur = next
	}
	return cur
}

func stringMap(m map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		s, _ := v.(string)
		out[k] = s
	}
	return out
}

// knativeDefault is the simulated mutating webhooks (defaulting).
func (s *Server) knativeDefault(res *resource, obj, old map[string]any) {
	switch res.gvr {
	case ServicesGVR, DomainMappingsGVR:
		s.servingDefault(res, obj, old)
	case TriggersGVR:
		defaultTrigger(obj)
		s.setUserInfo(obj, old, "eventing.knative.dev")
	case PingSourcesGVR:
		defaultPingSource(obj)
		s.setUserInfo(obj, old, "sources.knative.dev")
	case BrokersGVR:
		defaultBroker(obj)
	}
}

// setUserInfo sets the <group>/creator annotation on a create and <group>/lastModifier on
// a create or a change of spec, as the Knative webhooks do for the kinds they default
// (Services; Eventing's Triggers and PingSources, seen on the testbed's real Eventing).
func (s *Server) setUserInfo(obj, old map[string]any, group string) {
	ann := nestedMapRef(obj, true, "metadata", "annotations")
	if old == nil {
		ann[group+"/creator"] = s.opts.User
		ann[group+"/lastModifier"] = s.opts.User
	} else if !reflect.DeepEqual(obj["spec"], old["spec"]) {
		ann[group+"/lastModifier"] = s.opts.User
	}
}

func defaultTrigger(obj map[string]any) {
	spec := nestedMapRef(obj, true, "spec")
	if str(spec, "broker") == "" && spec["brokerRef"] == nil {
		spec["broker"] = "default"
	}
	if _, ok := spec["filter"]; !ok {
		spec["filter"] = map[string]any{}
	}
	if b := str(spec, "broker"); b != "" {
		nestedMapRef(obj, true, "metadata", "labels")["eventing.knative.dev/broker"] = b
	}
	defaultRefNamespace(obj, spec, "subscriber")
}

func defaultPingSource(obj map[string]any) {
	spec := nestedMapRef(obj, true, "spec")
	if str(spec, "schedule") == "" {
		spec["schedule"] = "* * * * *"
	}
	// The real webhook leaves spec.sink.ref.namespace unset (TestKnativeEventingParity).
}

func defaultBroker(obj map[string]any) {
	ann := nestedMapRef(obj, true, "metadata", "annotations")
	if str(ann, "eventing.knative.dev/broker.class") == "" {
		ann["eventing.knative.dev/broker.class"] = "MTChannelBasedBroker"
	}
	spec := nestedMapRef(obj, true, "spec")
	if spec["config"] == nil {
		spec["config"] = map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "name": "config-br-default-channel", "namespace": "knative-eventing"}
	}
}

// defaultRefNamespace sets a Destination's ref.namespace to the object's namespace.
func defaultRefNamespace(obj, spec map[string]any, dest string) {
	if ref := nestedMapRef(spec, false, dest, "ref"); ref != nil && str(ref, "namespace") == "" {
		ref["namespace"] = str(meta(obj), "namespace")
	}
}

// knativeValidate is the simulated validating webhooks: 400 BadRequest on a violation.
func (s *Server) knativeValidate(res *resource, obj, old map[string]any) error {
	var errs fieldErrs
	switch res.gvr {
	case ServicesGVR, DomainMappingsGVR:
		return s.servingValidate(res, obj, old)
	case TriggersGVR:
		errs = validateTrigger(obj, old)
	case PingSourcesGVR:
		errs = validatePingSource(obj)
	default:
		return nil
	}
	if len(errs) > 0 {
		return denied(res, errs)
	}
	return nil
}

var filterAttribute = func(k string) bool {
	for _, r := range k {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return false
		}
	}
	return k != ""
}

// validateTrigger follows knative/eventing pkg/apis/eventing/v1/trigger_validation.go.
func validateTrigger(obj, old map[string]any) fieldErrs {
	var errs fieldErrs
	spec := nested(obj, "spec")
	if str(spec, "broker") == "" && spec["brokerRef"] == nil {
		errs.add("missing field(s)", "spec.broker")
	}
	for k := range stringMap(nested(spec, "filter", "attributes")) {
		if !filterAttribute(k) {
			errs.add(fmt.Sprintf("Invalid attribute name: %q", k), "spec.filter.attributes")
		}
	}
	errs = append(errs, validateDestination(nested(spec, "subscriber"), "spec.subscriber")...)
	if old != nil && str(nested(old, "spec"), "broker") != str(spec, "broker") {
		errs = append(errs, fieldErr{msg: "Immutable fields changed (-old +new)", paths: []string{"spec", "broker"},
			details: fmt.Sprintf("{string}:\n\t-: %q\n\t+: %q\n", str(nested(old, "spec"), "broker"), str(spec, "broker"))})
	}
	return errs
}

// validateDestination follows knative.dev/pkg apis/duck/v1 Destination.Validate.
func validateDestination(d map[string]any, path string) fieldErrs {
	var errs fieldErrs
	ref := nested(d, "ref")
	uri := str(d, "uri")
	switch {
	case ref == nil && uri == "":
		errs.add("expected at least one, got none", path+".ref", path+".uri")
	case ref != nil:
		for _, f := range []string{"apiVersion", "kind", "name"} {
			if str(ref, f) == "" {
				errs.add("missing field(s)", path+".ref."+f)
			}
		}
	default:
		if u, err := url.Parse(uri); err != nil || u.Host == "" {
			errs.invalid(uri, path+".uri")
		}
	}
	return errs
}

// cronParser is the PingSource schedule syntax: standard five fields, an optional
// seconds field and descriptors (knative/eventing ping_validation.go).
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// validatePingSource follows knative/eventing pkg/apis/sources/v1/ping_validation.go.
func validatePingSource(obj map[string]any) fieldErrs {
	var errs fieldErrs
	spec := nested(obj, "spec")
	schedule := str(spec, "schedule")
	if tz := str(spec, "timezone"); tz != "" {
		if _, err := time.LoadLocation(tz); err != nil {
			errs.add(fmt.Sprintf("invalid value: %s", tz), "spec.timezone")
		}
	}
	if strings.Contains(schedule, "@every") {
		errs.add(fmt.Sprintf("invalid value: %s", schedule), "spec.schedule")
		errs[len(errs)-1].details = "unsupported schedule: @every"
	} else if _, err := cronParser.Parse(schedule); err != nil {
		errs.add(fmt.Sprintf("invalid value: %s", schedule), "spec.schedule")
	}
	data, hasData := spec["data"]
	b64, hasB64 := spec["dataBase64"]
	if hasData && hasB64 && data != "" && b64 != "" {
		errs.add("expected exactly one, got both", "spec.data", "spec.dataBase64")
	}
	if ds, _ := data.(string); ds != "" && str(spec, "contentType") == "application/json" && !json.Valid([]byte(ds)) {
		errs.add("invalid value: "+ds, "spec.data")
	}
	if bs, _ := b64.(string); bs != "" {
		if _, err := base64.StdEncoding.DecodeString(bs); err != nil {
			errs.add("invalid value: "+bs, "spec.dataBase64")
		}
	}
	errs = append(errs, validateDestination(nested(spec, "sink"), "spec.sink")...)
	return errs
}
