package k8ssim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // PingSource timezones validate without the host's zoneinfo

	"github.com/robfig/cron/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	kresource "k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Knative annotation and label keys (knative/serving pkg/apis/serving/register.go,
// pkg/apis/autoscaling/register.go; knative.dev/networking VisibilityLabelKey).
const (
	// CreatorAnnotation names the user who created a Service; the webhook sets it on
	// create and refuses any change.
	CreatorAnnotation = "serving.knative.dev/creator"
	// LastModifierAnnotation names the user who last changed a Service's spec.
	LastModifierAnnotation = "serving.knative.dev/lastModifier"
	autoscalingPrefix      = "autoscaling.knative.dev/"
	visibilityLabel        = "networking.knative.dev/visibility"
	rolloutDurationKey     = "serving.knative.dev/rollout-duration"
	kpaClass               = "kpa.autoscaling.knative.dev"
	hpaClass               = "hpa.autoscaling.knative.dev"
	userContainerName      = "user-container"
	clusterLocalDomain     = "svc.cluster.local"
	// Knative's shipped config-defaults (config/core/configmaps/defaults.yaml).
	revisionTimeoutSeconds       = 300
	maxRevisionTimeoutSeconds    = 600
	containerConcurrencyMaxLimit = 1000
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

func (fe *fieldErrs) outOfBounds(value, lo, hi any, path string) {
	fe.add(fmt.Sprintf("expected %v <= %v <= %v", lo, value, hi), path)
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
	case ServicesGVR:
		s.defaultService(obj, old)
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

// defaultService applies knative/serving's Service defaulting
// (internal/driver/knative/FACTS.md section 3; revision_defaults.go, route_defaults.go,
// metadata_validation.go SetUserInfo), as the webhook's typed round trip leaves it:
// quantities canonical, empty env values dropped.
func (s *Server) defaultService(obj, old map[string]any) {
	spec := nestedMapRef(obj, true, "spec")
	tmplSpec := nestedMapRef(spec, true, "template", "spec")
	if v, ok := tmplSpec["timeoutSeconds"].(int64); !ok || v == 0 {
		tmplSpec["timeoutSeconds"] = int64(revisionTimeoutSeconds)
	}
	if _, ok := tmplSpec["containerConcurrency"]; !ok {
		tmplSpec["containerConcurrency"] = int64(0)
	}
	if old == nil {
		if _, ok := tmplSpec["enableServiceLinks"]; !ok {
			tmplSpec["enableServiceLinks"] = false
		}
	}
	containers, _ := tmplSpec["containers"].([]any)
	writable := map[string]bool{}
	if vols, ok := tmplSpec["volumes"].([]any); ok {
		for _, v := range vols {
			vm, _ := v.(map[string]any)
			if vm == nil {
				continue
			}
			if _, ok := vm["emptyDir"]; ok {
				writable[str(vm, "name")] = true
			}
			if _, ok := vm["persistentVolumeClaim"]; ok {
				writable[str(vm, "name")] = true
			}
		}
	}
	for i, c := range containers {
		cm, _ := c.(map[string]any)
		if cm == nil {
			continue
		}
		if str(cm, "name") == "" {
			if len(containers) > 1 {
				cm["name"] = userContainerName + "-" + strconv.Itoa(i)
			} else {
				cm["name"] = userContainerName
			}
		}
		res := nestedMapRef(cm, true, "resources")
		for _, kind := range []string{"limits", "requests"} {
			if q, ok := res[kind].(map[string]any); ok {
				for k, v := range q {
					q[k] = canonicalQuantity(v)
				}
				if len(q) == 0 {
					delete(res, kind)
				}
			}
		}
		if env, ok := cm["env"].([]any); ok {
			for _, e := range env {
				if em, ok := e.(map[string]any); ok && em["value"] == "" {
					delete(em, "value")
				}
			}
		}
		if _, hasPorts := cm["ports"]; len(containers) == 1 || hasPorts {
			probe := nestedMapRef(cm, true, "readinessProbe")
			if probe["tcpSocket"] == nil && probe["httpGet"] == nil && probe["exec"] == nil && probe["grpc"] == nil {
				probe["tcpSocket"] = map[string]any{"port": int64(0)}
			}
			if v, _ := probe["successThreshold"].(int64); v == 0 {
				probe["successThreshold"] = int64(1)
			}
		}
		if mounts, ok := cm["volumeMounts"].([]any); ok {
			for _, vm := range mounts {
				if mm, ok := vm.(map[string]any); ok && !writable[str(mm, "name")] {
					mm["readOnly"] = true
				}
			}
		}
	}
	if tr, _ := spec["traffic"].([]any); len(tr) == 0 {
		spec["traffic"] = []any{map[string]any{"latestRevision": true, "percent": int64(100)}}
	} else {
		for _, t := range tr {
			if tm, ok := t.(map[string]any); ok {
				// route_defaults.go TrafficTarget.SetDefaults.
				if _, ok := tm["latestRevision"]; !ok {
					tm["latestRevision"] = str(tm, "revisionName") == ""
				}
				if _, ok := tm["percent"]; !ok {
					tm["percent"] = int64(0)
				}
			}
		}
	}
	s.setUserInfo(obj, old, "serving.knative.dev")
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

// canonicalQuantity renders a resource quantity as resource.Quantity's String does.
func canonicalQuantity(v any) any {
	var q kresource.Quantity
	var err error
	switch val := v.(type) {
	case string:
		q, err = kresource.ParseQuantity(val)
	case int64:
		q = *kresource.NewQuantity(val, kresource.DecimalSI)
	case float64:
		q, err = kresource.ParseQuantity(strconv.FormatFloat(val, 'f', -1, 64))
	default:
		return v
	}
	if err != nil {
		return v
	}
	return q.String()
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
	case ServicesGVR:
		errs = validateService(obj, old)
	case DomainMappingsGVR:
		errs = validateDomainMapping(obj)
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

// validateService follows knative/serving service_validation.go and what it calls.
func validateService(obj, old map[string]any) fieldErrs {
	var errs fieldErrs
	m := meta(obj)
	if name := str(m, "name"); name != "" {
		if msgs := validation.IsDNS1035Label(name); len(msgs) > 0 {
			errs.add(fmt.Sprintf("not a DNS 1035 label: %v", msgs), "metadata.name")
		}
	}
	ann := stringMap(nested(obj, "metadata", "annotations"))
	keys := slices.Sorted(maps.Keys(ann))
	for _, k := range keys {
		if strings.HasPrefix(k, autoscalingPrefix) {
			errs = append(errs, fieldErr{msg: fmt.Sprintf("invalid key name %q", k), paths: []string{"metadata.annotations"},
				details: `autoscaling annotations must be put under "spec.template.metadata.annotations" to work`})
		}
	}
	if v, ok := ann[rolloutDurationKey]; ok {
		if d, err := time.ParseDuration(v); err != nil {
			errs.invalid(v, "metadata.annotations."+rolloutDurationKey)
		} else if d.Round(time.Second) != d {
			errs.add(fmt.Sprintf("rollout-duration=%s is not at second precision", v), "metadata.annotations."+rolloutDurationKey)
		} else if d < 0 {
			errs.add(fmt.Sprintf("rollout-duration=%s must be positive", v), "metadata.annotations."+rolloutDurationKey)
		}
	}
	if v, ok := stringMap(nested(obj, "metadata", "labels"))[visibilityLabel]; ok && v != "cluster-local" {
		errs.invalid(v, "metadata.labels."+visibilityLabel)
	}
	tmpl := nested(obj, "spec", "template")
	tann := stringMap(nested(tmpl, "metadata", "annotations"))
	for _, e := range validateAutoscaling(tann) {
		e.paths = prefixPaths("spec.template.metadata.annotations.", e.paths)
		errs = append(errs, e)
	}
	errs = append(errs, validatePodSpec(nested(tmpl, "spec"))...)
	errs = append(errs, validateTraffic(obj)...)
	if old != nil {
		// revision_validation.go VerifyNameChange: a template that names its revision
		// must change the name whenever it changes.
		otmpl := nested(old, "spec", "template")
		if n := str(nested(tmpl, "metadata"), "name"); n != "" && n == str(nested(otmpl, "metadata"), "name") && !reflect.DeepEqual(tmpl, otmpl) {
			errs.add("Saw the following changes without a name change (-old +new)", "spec.template.metadata.name")
		}
		oann := stringMap(nested(old, "metadata", "annotations"))
		if oann[CreatorAnnotation] != ann[CreatorAnnotation] {
			errs.add("annotation value is immutable", "metadata.annotations."+CreatorAnnotation)
		}
		if reflect.DeepEqual(obj["spec"], old["spec"]) && oann[LastModifierAnnotation] != ann[LastModifierAnnotation] {
			errs.invalid(ann[LastModifierAnnotation], "metadata.annotations."+LastModifierAnnotation)
		}
	}
	return errs
}

func prefixPaths(prefix string, paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = prefix + p
	}
	return out
}

// reservedEnv are the environment variables Knative sets itself (knative/serving
// pkg/apis/serving/k8s_validation.go reservedEnvVars).
var reservedEnv = map[string]bool{"PORT": true, "K_SERVICE": true, "K_CONFIGURATION": true, "K_REVISION": true}

// reservedMountPaths cannot be mounted over (k8s_validation.go reservedPaths).
var reservedMountPaths = map[string]bool{"/": true, "/dev": true, "/dev/log": true, "/tmp": true, "/var": true, "/var/log": true}

// validatePodSpec checks the parts of the revision template Knative validates that
// matter to the provider (k8s_validation.go, revision_validation.go).
func validatePodSpec(ps map[string]any) fieldErrs {
	var errs fieldErrs
	const base = "spec.template.spec"
	if v, ok := ps["timeoutSeconds"].(int64); ok && (v < 0 || v > maxRevisionTimeoutSeconds) {
		errs.outOfBounds(v, 0, maxRevisionTimeoutSeconds, base+".timeoutSeconds")
	}
	if v, ok := ps["containerConcurrency"].(int64); ok && (v < 0 || v > containerConcurrencyMaxLimit) {
		errs.outOfBounds(v, 0, containerConcurrencyMaxLimit, base+".containerConcurrency")
	}
	containers, _ := ps["containers"].([]any)
	if len(containers) == 0 {
		errs.add("missing field(s)", base+".containers")
	}
	volumes := map[string]bool{}
	vols, _ := ps["volumes"].([]any)
	for i, v := range vols {
		vm, _ := v.(map[string]any)
		name := str(vm, "name")
		p := fmt.Sprintf("%s.volumes[%d]", base, i)
		switch {
		case name == "":
			errs.add("missing field(s)", p+".name")
		case volumes[name]:
			errs.add(fmt.Sprintf("duplicate volume name %q", name), p+".name")
		}
		volumes[name] = true
		sources := 0
		for _, src := range []string{"secret", "configMap", "projected", "emptyDir", "persistentVolumeClaim"} {
			if _, ok := vm[src]; ok {
				sources++
			}
		}
		if sources != 1 {
			errs.add("expected exactly one, got both", p)
		}
	}
	mounted := map[string]bool{}
	ports := 0
	for i, c := range containers {
		cm, _ := c.(map[string]any)
		p := fmt.Sprintf("%s.containers[%d]", base, i)
		if str(cm, "image") == "" {
			errs.add("missing field(s)", p+".image")
		}
		if _, ok := cm["ports"]; ok {
			ports++
		}
		env, _ := cm["env"].([]any)
		for j, e := range env {
			em, _ := e.(map[string]any)
			if n := str(em, "name"); reservedEnv[n] {
				errs.add(fmt.Sprintf("%q is a reserved environment variable", n), fmt.Sprintf("%s.env[%d].name", p, j))
			}
		}
		mounts, _ := cm["volumeMounts"].([]any)
		seenPaths := map[string]bool{}
		for j, vmt := range mounts {
			mm, _ := vmt.(map[string]any)
			mp := fmt.Sprintf("%s.volumeMounts[%d]", p, j)
			name, path := str(mm, "name"), str(mm, "mountPath")
			if !volumes[name] {
				errs.add("volumeMount has no matching volume", mp+".name")
			}
			mounted[name] = true
			switch {
			case path == "":
				errs.add("missing field(s)", mp+".mountPath")
			case !strings.HasPrefix(path, "/"):
				errs.invalid(path, mp+".mountPath")
			case reservedMountPaths[strings.TrimSuffix(path, "/")]:
				errs.add(fmt.Sprintf("mountPath %q is a reserved path", path), mp+".mountPath")
			case seenPaths[path]:
				errs.add(fmt.Sprintf("%q must be unique", path), mp+".mountPath")
			}
			seenPaths[path] = true
		}
	}
	if len(containers) > 1 && ports != 1 {
		errs.add("exactly one container must specify a port", base+".containers")
	}
	for i, v := range vols {
		vm, _ := v.(map[string]any)
		if name := str(vm, "name"); name != "" && !mounted[name] {
			errs.add(fmt.Sprintf("volume with name %q not mounted", name), fmt.Sprintf("%s.volumes[%d].name", base, i))
		}
	}
	return errs
}

func validateTraffic(obj map[string]any) fieldErrs {
	var errs fieldErrs
	tr, _, _ := unstructured.NestedSlice(obj, "spec", "traffic")
	sum := int64(0)
	for i, t := range tr {
		tm, _ := t.(map[string]any)
		latest, hasLatest := tm["latestRevision"].(bool)
		if hasLatest && latest && str(tm, "revisionName") != "" {
			errs.add("may not set revisionName when latestRevision is true", fmt.Sprintf("spec.traffic[%d].revisionName", i))
		}
		if p, ok := tm["percent"].(int64); ok {
			if p < 0 || p > 100 {
				errs.outOfBounds(p, 0, 100, fmt.Sprintf("spec.traffic[%d].percent", i))
			}
			sum += p
		}
	}
	if len(tr) > 0 && sum != 100 {
		errs.add(fmt.Sprintf("Traffic targets sum to %d, want 100", sum), "spec.traffic")
	}
	return errs
}

// keyPriority is knative.dev/pkg kmap.KeyPriority: the first key present wins.
type keyPriority []string

func (kp keyPriority) get(m map[string]string) (string, string, bool) {
	for _, k := range kp {
		if v, ok := m[k]; ok {
			return k, v, true
		}
	}
	return "", "", false
}

func ak(names ...string) keyPriority {
	out := make(keyPriority, len(names))
	for i, n := range names {
		out[i] = autoscalingPrefix + n
	}
	return out
}

// Autoscaling annotations and their legacy aliases (pkg/apis/autoscaling/register.go).
var (
	classKey             = ak("class")
	metricKey            = ak("metric")
	minScaleKey          = ak("min-scale", "minScale")
	maxScaleKey          = ak("max-scale", "maxScale")
	initialScaleKey      = ak("initial-scale", "initialScale")
	activationScaleKey   = ak("activation-scale")
	targetKey            = ak("target")
	targetUtilKey        = ak("target-utilization-percentage", "targetUtilizationPercentage")
	targetBurstKey       = ak("target-burst-capacity", "targetBurstCapacity")
	panicWindowKey       = ak("panic-window-percentage", "panicWindowPercentage")
	panicThresholdKey    = ak("panic-threshold-percentage", "panicThresholdPercentage")
	windowKey            = ak("window")
	scaleDownDelayKey    = ak("scale-down-delay", "scaleDownDelay")
	retentionPeriodKey   = ak("scale-to-zero-pod-retention-period")
	aggregationAlgorithm = ak("metric-aggregation-algorithm", "metricAggregationAlgorithm")
)

// Bounds from pkg/apis/autoscaling/register.go.
const (
	windowMin          = 6 * time.Second
	windowMax          = time.Hour
	targetMin          = 0.01
	panicWindowMin     = 1.0
	panicWindowMax     = 100.0
	panicThresholdMin  = 110.0
	panicThresholdMax  = 1000.0
	maxScaleLimitOfCfg = 0 // config-autoscaler max-scale-limit: 0 = no limit
)

// ValidateAutoscalingAnnotations validates template annotations as Knative's webhook
// does (knative/serving pkg/apis/autoscaling/annotation_validation.go ValidateAnnotations,
// with the shipped config-autoscaler: no max-scale-limit, allow-zero-initial-scale
// false). It returns one message per violation, "<message>: <annotation key>". The
// Knative driver uses it too, so plan-time checks and the simulator agree.
func ValidateAutoscalingAnnotations(anns map[string]string) []string {
	errs := validateAutoscaling(anns)
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = fieldErrs{e}.Error()
	}
	return out
}

func validateAutoscaling(m map[string]string) fieldErrs {
	var errs fieldErrs
	class := kpaClass
	if _, v, ok := classKey.get(m); ok {
		class = v
		if strings.HasSuffix(v, "autoscaling.knative.dev") && v != kpaClass && v != hpaClass {
			errs.invalid(v, classKey[0])
		}
	}
	// validateMinMaxScale
	minScale, maxScale := int64(0), int64(0)
	getIntGE0 := func(kp keyPriority) int64 {
		k, v, ok := kp.get(m)
		if !ok {
			return 0
		}
		i, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			if ne, isNum := err.(*strconv.NumError); isNum && ne.Err == strconv.ErrRange {
				errs.outOfBounds(v, 0, math.MaxInt32, k)
			} else {
				errs.invalid(v, k)
			}
			return 0
		}
		if i < 0 {
			errs.outOfBounds(v, 0, math.MaxInt32, k)
			return 0
		}
		return i
	}
	minScale = getIntGE0(minScaleKey)
	maxScale = getIntGE0(maxScaleKey)
	if maxScale != 0 && maxScale < minScale {
		errs.add(fmt.Sprintf("max-scale=%d is less than min-scale=%d", maxScale, minScale), maxScaleKey[0], minScaleKey[0])
	}
	if k, v, ok := activationScaleKey.get(m); ok {
		nz, err := strconv.ParseInt(v, 10, 32)
		switch {
		case err != nil:
			errs.invalid(v, k)
		case minScale > nz:
			errs.add(fmt.Sprintf("min-scale=%d is greater than min-activate-scale=%d", minScale, nz), k)
		case maxScale != 0 && maxScale < nz:
			errs.add(fmt.Sprintf("max-scale=%d is less than min-activate-scale=%d", maxScale, nz), k)
		case nz < 2:
			errs.add(fmt.Sprintf("min-activate-scale=%d must be greater than 1", nz), k)
		}
	}
	// validateFloats
	floatIn := func(kp keyPriority, lo, hi float64) {
		if k, v, ok := kp.get(m); ok {
			f, err := strconv.ParseFloat(v, 64)
			switch {
			case err != nil:
				errs.invalid(v, k)
			case f < lo || f > hi:
				errs.outOfBounds(v, lo, hi, k)
			}
		}
	}
	floatIn(panicWindowKey, panicWindowMin, panicWindowMax)
	floatIn(panicThresholdKey, panicThresholdMin, panicThresholdMax)
	if k, v, ok := targetKey.get(m); ok {
		if f, err := strconv.ParseFloat(v, 64); err != nil {
			errs.invalid(v, k)
		} else if f < targetMin {
			errs.add(fmt.Sprintf("target %s should be at least %g", v, targetMin), k)
		}
	}
	floatIn(targetUtilKey, 1, 100)
	if k, v, ok := targetBurstKey.get(m); ok {
		if f, err := strconv.ParseFloat(v, 64); err != nil || f < 0 && f != -1 {
			errs.invalid(v, k)
		}
	}
	// validateWindow
	if _, v, ok := windowKey.get(m); ok {
		switch d, err := time.ParseDuration(v); {
		case err != nil:
			errs.invalid(v, windowKey[0])
		case d < windowMin || d > windowMax:
			errs.outOfBounds(v, windowMin, windowMax, windowKey[0])
		case d.Truncate(time.Second) != d:
			errs.add("must be specified with at most second precision", windowKey[0])
		}
	}
	// validateLastPodRetention
	if k, v, ok := retentionPeriodKey.get(m); ok {
		if d, err := time.ParseDuration(v); err != nil {
			errs.invalid(v, k)
		} else if d < 0 || d > windowMax {
			errs.outOfBounds(v, time.Duration(0), windowMax, k)
		}
	}
	// validateScaleDownDelay
	if k, v, ok := scaleDownDelayKey.get(m); ok {
		if d, err := time.ParseDuration(v); err != nil {
			errs.invalid(v, k)
		} else if d < 0 || d > windowMax {
			errs.outOfBounds(v, 0*time.Second, windowMax, k)
		} else if d.Round(time.Second) != d {
			errs.add("must be specified with at most second precision", k)
		}
	}
	// validateMetric
	if _, metric, ok := metricKey.get(m); ok {
		bad := false
		switch class {
		case kpaClass:
			bad = metric != "concurrency" && metric != "rps"
		case hpaClass:
			bad = metric == ""
		}
		if bad {
			errs.invalid(metric, metricKey[0])
		}
	}
	// validateAlgorithm
	if class == kpaClass {
		if k, v, _ := aggregationAlgorithm.get(m); v != "" && v != "linear" && v != "weighted-exponential" && v != "weightedExponential" {
			errs.invalid(v, k)
		}
	}
	// validateInitialScale (allow-zero-initial-scale: false)
	if k, v, ok := initialScaleKey.get(m); ok {
		i, err := strconv.Atoi(v)
		switch {
		case err != nil:
			errs.invalid(v, k)
		case i < 0:
			errs.invalid(v, k+" must be greater than 0")
		case i == 0:
			errs.invalid(v, k+"=0 not allowed by cluster")
		}
	}
	_ = maxScaleLimitOfCfg
	return errs
}

// validateDomainMapping follows knative/serving v1beta1/domainmapping_validation.go.
func validateDomainMapping(obj map[string]any) fieldErrs {
	var errs fieldErrs
	m := meta(obj)
	name := str(m, "name")
	if str(m, "generateName") != "" {
		errs.add("must not set the field(s)", "metadata.generateName")
	}
	if fe := validation.IsFullyQualifiedDomainName(field.NewPath("name"), name); len(fe) > 0 {
		errs.add(fmt.Sprintf("invalid name %q: %s", name, fe.ToAggregate().Error()), "metadata.name")
	}
	if name == clusterLocalDomain || strings.HasSuffix(name, "."+clusterLocalDomain) {
		errs.add(fmt.Sprintf("invalid name %q: must not be a subdomain of cluster local domain %q", name, clusterLocalDomain), "metadata.name")
	}
	ref := nested(obj, "spec", "ref")
	for _, f := range []string{"apiVersion", "kind", "name"} {
		if str(ref, f) == "" {
			errs.add("missing field(s)", "spec.ref."+f)
		}
	}
	if ns := str(ref, "namespace"); ns != "" && ns != str(m, "namespace") {
		errs.add(fmt.Sprintf("mismatched namespaces: %q != %q", ns, str(m, "namespace")), "spec.ref.namespace")
	}
	return errs
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
