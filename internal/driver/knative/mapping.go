package knative

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"knative.dev/networking/pkg/apis/networking"
	"knative.dev/pkg/apis"
	"knative.dev/serving/pkg/apis/autoscaling"
	"knative.dev/serving/pkg/apis/serving"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// The faas_function mapping (DESIGN.md section 3.2, Knative column; FACTS.md section 3):
//
//	name, namespace              Service metadata.name/namespace (a DNS-1035 label)
//	image, command, args         the user container's image, command, args
//	env                          the user container's env, sorted by name; entries with valueFrom are not env's:
//	                             never read into it, kept by every write unless env sets the name (applyContainer)
//	env_value_from               the user container's env entries with valueFrom secretKeyRef or configMapKeyRef,
//	                             sorted by name, before env's; the names written are recorded (lastApplied.EnvFrom),
//	                             so only they are read back, and valueFrom entries set outside Terraform stay theirs
//	secrets                      one projected volume SecretsVolume of Secret sources, mounted read-only at
//	                             SecretsMountPath, so /var/openfaas/secrets/<name> holds the secret as on OpenFaaS
//	labels, annotations          Service metadata (user keys only; ReservedAnnotationOwner lists the others)
//	limits, requests             the user container's resources.limits/requests cpu and memory
//	timeout                      spec.template.spec.timeoutSeconds (whole seconds; Knative defaults 300)
//	max_concurrency              spec.template.spec.containerConcurrency (Knative defaults 0 = unlimited)
//	read_only_root_filesystem    the user container's securityContext.readOnlyRootFilesystem
//	image_pull_secrets           spec.template.spec.imagePullSecrets
//	openfaas.constraints         unsupported (CheckFunction)
//	revision_name                spec.template.metadata.name (must start with "<name>-"; Knative names it when unset)
//	latest_*_revision            status.latestCreatedRevisionName, status.latestReadyRevisionName
//	invoke_url                   status.url
//	ready                        status.observedGeneration == metadata.generation and condition Ready=True

// Keys inside a Knative Service and who owns them (DESIGN.md section 5.1).
const (
	// SecretsMountPath is where the function's secrets appear as files, one per secret
	// key, exactly as on OpenFaaS (/var/openfaas/secrets/<name>, DESIGN.md section 3.2), so a
	// function moves between platforms unchanged.
	SecretsMountPath = "/var/openfaas/secrets"
	// SecretsVolume is the projected volume that carries them: one Secret source per
	// faas_function secret, like faas-netes' "<fn>-projected-secrets" volume.
	SecretsVolume = "faasform-secrets"
	// LastAppliedAnnotation, on the Service's metadata, records as JSON what the
	// provider wrote where Knative defaults a value (timeoutSeconds), and the token of a
	// create, so a read maps back to exactly what was written and an ambiguous create
	// can be recognised (the kubectl last-applied pattern). Changing it creates no
	// Revision.
	LastAppliedAnnotation = "faasform.dev/last-applied"
	// ScalingAnnotation, on the Service's metadata, is where versions before 0.1.0
	// recorded the faas_scaling_policy as written, when it had two fields for scale to
	// zero. The policy is now its autoscaling.knative.dev/* template annotations alone;
	// every write of a policy removes this key, and it stays reserved.
	ScalingAnnotation = "faasform.dev/scaling-policy"
	// AutoscalingPrefix starts every Knative autoscaling annotation
	// (knative/serving pkg/apis/autoscaling/register.go); faas_scaling_policy owns them.
	AutoscalingPrefix = autoscaling.GroupName + "/"
	// CreatorAnnotation and LastModifierAnnotation are injected by the Knative webhook
	// (FACTS.md section 3, pkg/apis/serving/register.go); the creator is immutable.
	CreatorAnnotation = serving.CreatorAnnotation
	// LastModifierAnnotation names the user who last changed the Service's spec.
	LastModifierAnnotation = serving.UpdaterAnnotation
	// VisibilityLabel makes a Service cluster-local (knative.dev/networking); its only
	// valid value is serving.VisibilityClusterLocal, "cluster-local".
	VisibilityLabel = networking.VisibilityLabelKey
	// kubectlLastApplied is kubectl apply's record; it is neither the user's nor ours.
	kubectlLastApplied = "kubectl.kubernetes.io/last-applied-configuration"
	// defaultTimeoutSeconds is config-defaults' revision-timeout-seconds as shipped.
	defaultTimeoutSeconds = 300
)

// ReservedAnnotationOwner names who owns a Service annotation, or "" when the user may
// set it on faas_function.
func ReservedAnnotationOwner(key string) string {
	switch {
	case strings.HasPrefix(key, AutoscalingPrefix):
		return "the faas_scaling_policy resource (Knative rejects autoscaling annotations on the Service's own metadata; they belong on the revision template)"
	case key == ScalingAnnotation:
		return "the faas_scaling_policy resource"
	case key == TrafficAnnotation:
		return "the faas_traffic_split resource"
	case key == CreatorAnnotation || key == LastModifierAnnotation:
		return "the platform (the Knative webhook sets it)"
	case key == LastAppliedAnnotation:
		return "terraform-provider-faas (it records what the provider wrote)"
	case key == kubectlLastApplied:
		return "kubectl"
	}
	return ""
}

// lastApplied is the JSON in LastAppliedAnnotation.
type lastApplied struct {
	// Timeout is faas_function.timeout as the user wrote it.
	Timeout string `json:"timeout,omitempty"`
	// Limits and Requests are the quantities as the user wrote them; Knative's webhook
	// returns them canonical ("0.5" as "500m"), and a read keeps the user's spelling
	// while the amounts are equal.
	Limits   *quantities `json:"limits,omitempty"`
	Requests *quantities `json:"requests,omitempty"`
	// Token marks the create that wrote the Service.
	Token string `json:"token,omitempty"`
	// EnvFrom names the env entries faas_function.env_value_from wrote: only these
	// valueFrom entries are the provider's (read back, replaced, removed); others were
	// set outside Terraform and are kept.
	EnvFrom []string `json:"envFrom,omitempty"`
}

func (la *lastApplied) isZero() bool {
	return la.Timeout == "" && la.Token == "" && la.Limits == nil && la.Requests == nil && len(la.EnvFrom) == 0
}

type quantities struct {
	CPU    string `json:"cpu,omitempty"`
	Memory string `json:"memory,omitempty"`
}

func quantitiesOf(r platform.Resources) *quantities {
	if r.IsZero() {
		return nil
	}
	return &quantities{CPU: r.CPU, Memory: r.Memory}
}

func (q *quantities) resources() platform.Resources {
	if q == nil {
		return platform.Resources{}
	}
	return platform.Resources{CPU: q.CPU, Memory: q.Memory}
}

func decodeLastApplied(s string) (lastApplied, bool) {
	var la lastApplied
	if s == "" || json.Unmarshal([]byte(s), &la) != nil {
		return lastApplied{}, false
	}
	return la, true
}

// servicesGVR is the Knative Service (serving.knative.dev/v1), the function.
var servicesGVR = servingv1.SchemeGroupVersion.WithResource("services")

// toService converts an unstructured Service to knative.dev/serving's own type, for
// reading only: writes edit the unstructured object as read (applyFunction), so fields
// the driver does not own, or that this version of the type does not know, are kept.
func toService(u *unstructured.Unstructured) (*servingv1.Service, error) {
	var s servingv1.Service
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &s); err != nil {
		return nil, fmt.Errorf("decoding Service %s/%s: %w", u.GetNamespace(), u.GetName(), err)
	}
	return &s, nil
}

// userContainerIndex is the index of the container the function maps to, given the
// containers' names: the one named user-container (Knative's default name), or the
// first.
func userContainerIndex(names []string) int {
	return max(slices.Index(names, "user-container"), 0)
}

// fromService maps a Service to the neutral function: user-owned keys only, server
// defaults and injected annotations left out (FACTS.md section 3).
func fromService(u *unstructured.Unstructured) (*platform.Function, error) {
	s, err := toService(u)
	if err != nil {
		return nil, err
	}
	fn := &platform.Function{ID: platform.FunctionID{Namespace: s.Namespace, Name: s.Name}}
	la, hasLA := decodeLastApplied(s.Annotations[LastAppliedAnnotation])
	rs := s.Spec.Template.Spec
	if len(rs.Containers) > 0 {
		names := make([]string, len(rs.Containers))
		for i, c := range rs.Containers {
			names[i] = c.Name
		}
		c := rs.Containers[userContainerIndex(names)]
		fn.Image = c.Image
		fn.Command = nilIfEmpty(c.Command)
		fn.Args = nilIfEmpty(c.Args)
		owned := map[string]bool{}
		for _, n := range la.EnvFrom {
			owned[n] = true
		}
		for _, e := range c.Env {
			if e.ValueFrom != nil {
				if owned[e.Name] {
					if fn.EnvFrom == nil {
						fn.EnvFrom = map[string]platform.EnvSource{}
					}
					fn.EnvFrom[e.Name] = envSourceFrom(e.ValueFrom)
				}
				continue
			}
			if fn.Env == nil {
				fn.Env = map[string]string{}
			}
			fn.Env[e.Name] = e.Value
		}
		fn.Limits = sameResources(resourcesFrom(c.Resources.Limits), la.Limits.resources())
		fn.Requests = sameResources(resourcesFrom(c.Resources.Requests), la.Requests.resources())
		if sc := c.SecurityContext; sc != nil && sc.ReadOnlyRootFilesystem != nil {
			fn.ReadOnlyRootFilesystem = *sc.ReadOnlyRootFilesystem
		}
		for _, m := range c.VolumeMounts {
			if m.MountPath != SecretsMountPath {
				continue
			}
			for _, v := range rs.Volumes {
				if v.Name == m.Name && v.Projected != nil {
					for _, src := range v.Projected.Sources {
						if src.Secret != nil {
							fn.Secrets = append(fn.Secrets, src.Secret.Name)
						}
					}
				}
			}
		}
	}
	for _, p := range rs.ImagePullSecrets {
		fn.ImagePullSecrets = append(fn.ImagePullSecrets, p.Name)
	}
	if rs.ContainerConcurrency != nil {
		fn.MaxConcurrency = *rs.ContainerConcurrency
	}
	fn.Timeout = timeoutFrom(rs.TimeoutSeconds, la, hasLA)
	fn.RevisionName = s.Spec.Template.Name
	for k, v := range s.Labels {
		if fn.Labels == nil {
			fn.Labels = map[string]string{}
		}
		fn.Labels[k] = v
	}
	for k, v := range s.Annotations {
		if ReservedAnnotationOwner(k) != "" {
			continue
		}
		if fn.Annotations == nil {
			fn.Annotations = map[string]string{}
		}
		fn.Annotations[k] = v
	}
	fn.Status = statusFrom(s)
	return fn, nil
}

// timeoutFrom maps timeoutSeconds back to faas_function.timeout: the spelling the user
// wrote while it still equals the Service's value; "" when the user set none and the
// Service has Knative's default (300 s as shipped), so the server default never shows
// as drift; otherwise the Service's value in seconds.
func timeoutFrom(ts *int64, la lastApplied, hasLA bool) string {
	if ts == nil {
		return ""
	}
	if la.Timeout != "" {
		if d, err := time.ParseDuration(la.Timeout); err == nil && int64(d/time.Second) == *ts {
			return la.Timeout
		}
	}
	if *ts == defaultTimeoutSeconds && (!hasLA || la.Timeout == "") {
		return ""
	}
	return strconv.FormatInt(*ts, 10) + "s"
}

// envSourceFrom reads an env entry's valueFrom: a Secret's or a ConfigMap's key, or
// neither for a reference of another kind (fieldRef, resourceFieldRef).
func envSourceFrom(vf *corev1.EnvVarSource) platform.EnvSource {
	var src platform.EnvSource
	if r := vf.SecretKeyRef; r != nil {
		src.SecretKeyRef = &platform.KeyRef{Name: r.Name, Key: r.Key, Optional: r.Optional}
	}
	if r := vf.ConfigMapKeyRef; r != nil {
		src.ConfigMapKeyRef = &platform.KeyRef{Name: r.Name, Key: r.Key, Optional: r.Optional}
	}
	return src
}

// envVarSource is an EnvSource as an env entry's valueFrom.
func envVarSource(src platform.EnvSource) *corev1.EnvVarSource {
	var vf corev1.EnvVarSource
	if r := src.SecretKeyRef; r != nil {
		vf.SecretKeyRef = &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: r.Name}, Key: r.Key, Optional: r.Optional}
	}
	if r := src.ConfigMapKeyRef; r != nil {
		vf.ConfigMapKeyRef = &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: r.Name}, Key: r.Key, Optional: r.Optional}
	}
	return &vf
}

func resourcesFrom(q corev1.ResourceList) platform.Resources {
	var r platform.Resources
	if v, ok := q[corev1.ResourceCPU]; ok {
		r.CPU = v.String()
	}
	if v, ok := q[corev1.ResourceMemory]; ok {
		r.Memory = v.String()
	}
	return r
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return append([]string(nil), s...)
}

// statusFrom computes readiness as Knative defines it (service_lifecycle.go IsReady):
// the controller observed the current generation and the Ready condition is True.
func statusFrom(s *servingv1.Service) platform.FunctionStatus {
	st := platform.FunctionStatus{InvokeURL: s.Status.URL.String(),
		LatestCreatedRevision: s.Status.LatestCreatedRevisionName, LatestReadyRevision: s.Status.LatestReadyRevisionName}
	ready := s.Status.GetCondition(servingv1.ServiceConditionReady)
	_, minScale, hasMin := autoscaling.MinScaleAnnotation.Get(s.Spec.Template.Annotations)
	hpa := autoscaling.ClassAnnotation.Value(s.Spec.Template.Annotations) == autoscaling.HPA
	// KPA scales to zero unless min-scale says otherwise (config-autoscaler min-scale 0,
	// enable-scale-to-zero true); HPA never does (FACTS.md section 4).
	st.ScaleToZero = !hpa && (!hasMin || minScale == "0")
	switch {
	case s.DeletionTimestamp != nil:
		st.Reason = "the Service is being deleted"
	case s.Status.ObservedGeneration != s.Generation:
		st.Reason = fmt.Sprintf("the Knative controller has not yet reconciled generation %d (it last observed %d)", s.Generation, s.Status.ObservedGeneration)
	case ready == nil:
		st.Reason = "the Service reports no Ready condition yet"
	default:
		st.Ready = ready.IsTrue()
		st.Reason = notReadyText(s, ready)
		st.Failed = ready.IsFalse()
	}
	return st
}

// notReadyText is the Ready condition's text and, when it is not True, the text of the
// Service's other conditions that are False. The real Serving's Ready often carries the
// Route's "Configuration X does not have any ready Revision" while the cause, such as
// an image that cannot be fetched, is only in ConfigurationsReady (observed on the real
// Knative Serving, TESTBED.md).
func notReadyText(s *servingv1.Service, ready *apis.Condition) string {
	text := conditionText(ready)
	if ready.IsTrue() {
		return text
	}
	for i := range s.Status.Conditions {
		c := &s.Status.Conditions[i]
		if c.Type == servingv1.ServiceConditionReady || !c.IsFalse() {
			continue
		}
		if t := conditionText(c); !strings.Contains(text, t) {
			text += "; " + string(c.Type) + ": " + t
		}
	}
	return text
}

// failed reports a Service whose current generation failed, with the reason: statusFrom's
// Failed, the rule platform.ReadyCheck applies in every readiness wait.
func failed(s *servingv1.Service) (bool, string) {
	st := statusFrom(s)
	return st.Failed, st.Reason
}

func conditionText(c *apis.Condition) string {
	switch {
	case c.IsTrue():
		return "Ready"
	case c.Reason != "" && c.Message != "":
		return c.Reason + ": " + c.Message
	case c.Reason != "":
		return c.Reason
	case c.Message != "":
		return c.Message
	}
	return "Ready is " + string(c.Status)
}

// ---- writing ---------------------------------------------------------------------------

func mapAt(obj map[string]any, fields ...string) map[string]any {
	cur := obj
	for _, f := range fields {
		next, ok := cur[f].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[f] = next
		}
		cur = next
	}
	return cur
}

// toUnstructured converts an API value the driver builds to its unstructured form: a
// new Secret, or a volume, mount, env entry or traffic target to insert into a Service
// as read.
func toUnstructured(v any) map[string]any {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(v)
	if err != nil {
		// Only API structs built here, of strings, bools, maps, slices and pointers,
		// are converted; they always convert.
		panic(fmt.Sprintf("converting %T: %v", v, err))
	}
	return m
}

// setOrDelete sets m[k] = v, or deletes k when v is empty.
func setOrDelete(m map[string]any, k string, v any, empty bool) {
	if empty {
		delete(m, k)
		return
	}
	m[k] = v
}

func stringsToAny(in []string) []any {
	out := make([]any, len(in))
	for i, s := range in {
		out[i] = s
	}
	return out
}

// applyFunction writes the settings faas_function owns into a Service object as read
// (or a new one), leaving everything else alone: the keys of sibling resources
// (autoscaling template annotations, ScalingAnnotation), injected annotations, server
// defaults (readiness probe, container name, traffic, enableServiceLinks) and fields
// set by others. Unset settings are removed, so Knative's defaults apply again.
func applyFunction(obj map[string]any, fn *platform.Function, token string) {
	m := mapAt(obj, "metadata")
	m["name"], m["namespace"] = fn.ID.Name, fn.ID.Namespace

	labels := map[string]any{}
	for k, v := range fn.Labels {
		labels[k] = v
	}
	setOrDelete(m, "labels", labels, len(labels) == 0)

	// The env entries the previous write's env_value_from owned.
	var prevOwned []string
	if old, ok := m["annotations"].(map[string]any); ok {
		if s, ok := old[LastAppliedAnnotation].(string); ok {
			prev, _ := decodeLastApplied(s)
			prevOwned = prev.EnvFrom
		}
	}
	anns := map[string]any{}
	if token == "" {
		// An update keeps the create's token: rewriting the record without it would be
		// a write that changes nothing the user asked for.
		if old, ok := m["annotations"].(map[string]any); ok {
			if s, ok := old[LastAppliedAnnotation].(string); ok {
				prev, _ := decodeLastApplied(s)
				token = prev.Token
			}
		}
	}
	if old, ok := m["annotations"].(map[string]any); ok {
		for k, v := range old {
			if ReservedAnnotationOwner(k) != "" && k != LastAppliedAnnotation {
				anns[k] = v
			}
		}
	}
	for k, v := range fn.Annotations {
		anns[k] = v
	}
	la := lastApplied{Timeout: fn.Timeout, Token: token, Limits: quantitiesOf(fn.Limits), Requests: quantitiesOf(fn.Requests),
		EnvFrom: slices.Sorted(maps.Keys(fn.EnvFrom))}
	if !la.isZero() {
		b, _ := json.Marshal(la) // strings and string slices always encode
		anns[LastAppliedAnnotation] = string(b)
	}
	setOrDelete(m, "annotations", anns, len(anns) == 0)

	// The revision's name (bring-your-own revision names); unset lets Knative name it.
	tmpl := mapAt(obj, "spec", "template")
	if _, had := tmpl["metadata"]; had || fn.RevisionName != "" {
		setOrDelete(mapAt(tmpl, "metadata"), "name", fn.RevisionName, fn.RevisionName == "")
	}

	ps := mapAt(obj, "spec", "template", "spec")
	containers, _ := ps["containers"].([]any)
	if len(containers) == 0 {
		containers = []any{map[string]any{}}
	}
	names := make([]string, len(containers))
	for i, c := range containers {
		cm, _ := c.(map[string]any)
		names[i], _ = cm["name"].(string)
	}
	idx := userContainerIndex(names)
	c, ok := containers[idx].(map[string]any)
	if !ok {
		c = map[string]any{}
	}
	applyContainer(c, fn, prevOwned)
	containers[idx] = c
	ps["containers"] = containers

	// The secrets volume.
	var vols []any
	if old, ok := ps["volumes"].([]any); ok {
		for _, v := range old {
			if vm, ok := v.(map[string]any); ok && vm["name"] == SecretsVolume {
				continue
			}
			vols = append(vols, v)
		}
	}
	if len(fn.Secrets) > 0 {
		pv := &corev1.ProjectedVolumeSource{}
		for _, name := range slices.Compact(slices.Sorted(slices.Values(fn.Secrets))) {
			pv.Sources = append(pv.Sources, corev1.VolumeProjection{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: name}}})
		}
		vols = append(vols, toUnstructured(&corev1.Volume{Name: SecretsVolume, VolumeSource: corev1.VolumeSource{Projected: pv}}))
	}
	setOrDelete(ps, "volumes", vols, len(vols) == 0)

	var pulls []any
	for _, name := range slices.Compact(slices.Sorted(slices.Values(fn.ImagePullSecrets))) {
		pulls = append(pulls, map[string]any{"name": name})
	}
	setOrDelete(ps, "imagePullSecrets", pulls, len(pulls) == 0)

	// Unset values are removed so Knative defaults them again, unless the Service
	// already holds the default: removing it would only make the webhook write it back.
	secs, _ := timeoutSeconds(fn.Timeout)
	switch cur, _ := ps["timeoutSeconds"].(int64); {
	case fn.Timeout != "":
		ps["timeoutSeconds"] = secs
	case cur != defaultTimeoutSeconds:
		delete(ps, "timeoutSeconds")
	}
	switch cur, has := ps["containerConcurrency"].(int64); {
	case fn.MaxConcurrency != 0:
		ps["containerConcurrency"] = fn.MaxConcurrency
	case !has || cur != 0:
		delete(ps, "containerConcurrency")
	}
}

// applyContainer writes image, command, args, env, env_value_from, resources, the root
// filesystem setting and the secrets mount into the user container as read. prevOwned
// names the valueFrom entries the previous write's env_value_from wrote.
func applyContainer(c map[string]any, fn *platform.Function, prevOwned []string) {
	c["image"] = fn.Image
	setOrDelete(c, "command", stringsToAny(fn.Command), len(fn.Command) == 0)
	setOrDelete(c, "args", stringsToAny(fn.Args), len(fn.Args) == 0)

	// Entries whose value comes from elsewhere (valueFrom: a Secret's or ConfigMap's
	// key, a field of the pod) that env_value_from did not write are not the provider's:
	// they stay, in their order and before the provider's entries (which may refer to
	// them as $(NAME)), unless the configuration sets the same name. Then come
	// env_value_from's entries, then env's, each sorted by name.
	owned := map[string]bool{}
	for _, n := range prevOwned {
		owned[n] = true
	}
	var env []any
	cur, _ := c["env"].([]any)
	for _, e := range cur {
		m, _ := e.(map[string]any)
		name, _ := m["name"].(string)
		_, literal := fn.Env[name]
		_, from := fn.EnvFrom[name]
		if m["valueFrom"] != nil && !literal && !from && !owned[name] {
			env = append(env, m)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(fn.EnvFrom)) {
		env = append(env, toUnstructured(&corev1.EnvVar{Name: k, ValueFrom: envVarSource(fn.EnvFrom[k])}))
	}
	for _, k := range slices.Sorted(maps.Keys(fn.Env)) {
		env = append(env, toUnstructured(&corev1.EnvVar{Name: k, Value: fn.Env[k]}))
	}
	setOrDelete(c, "env", env, len(env) == 0)

	_, hadResources := c["resources"].(map[string]any)
	res := mapAt(c, "resources")
	for kind, want := range map[string]platform.Resources{"limits": fn.Limits, "requests": fn.Requests} {
		q, _ := res[kind].(map[string]any)
		if q == nil {
			q = map[string]any{}
		}
		setQuantity(q, "cpu", want.CPU)
		setQuantity(q, "memory", want.Memory)
		setOrDelete(res, kind, q, len(q) == 0)
	}
	if len(res) == 0 && !hadResources {
		// Knative writes "resources: {}" itself; an empty map it holds is left alone.
		delete(c, "resources")
	}

	sc, hadSC := c["securityContext"].(map[string]any)
	if sc == nil {
		sc = map[string]any{}
	}
	setOrDelete(sc, "readOnlyRootFilesystem", true, !fn.ReadOnlyRootFilesystem)
	setOrDelete(c, "securityContext", sc, len(sc) == 0 && !hadSC)

	var mounts []any
	if old, ok := c["volumeMounts"].([]any); ok {
		for _, v := range old {
			if vm, ok := v.(map[string]any); ok && vm["name"] == SecretsVolume {
				continue
			}
			mounts = append(mounts, v)
		}
	}
	if len(fn.Secrets) > 0 {
		mounts = append(mounts, toUnstructured(&corev1.VolumeMount{Name: SecretsVolume, MountPath: SecretsMountPath, ReadOnly: true}))
	}
	setOrDelete(c, "volumeMounts", mounts, len(mounts) == 0)
}

// setQuantity writes a quantity unless the object already holds the same amount
// (Knative returns quantities canonical; rewriting "0.5" over "500m" is no change).
func setQuantity(q map[string]any, k, want string) {
	if want == "" {
		delete(q, k)
		return
	}
	if cur, ok := q[k].(string); ok && sameQuantity(cur, want) == want {
		return
	}
	q[k] = want
}

// newServiceObject is a Service holding only what faas_function sets.
func newServiceObject(fn *platform.Function, token string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": servicesGVR.GroupVersion().String(), "kind": "Service"}}
	applyFunction(u.Object, fn, token)
	return u
}

// timeoutSeconds converts faas_function.timeout to whole seconds.
func timeoutSeconds(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d%time.Second != 0 || d < time.Second {
		return 0, fmt.Errorf("%q is not a whole number of seconds of at least 1s", s)
	}
	return int64(d / time.Second), nil
}

func sameResources(got, sent platform.Resources) platform.Resources {
	got.CPU = sameQuantity(got.CPU, sent.CPU)
	got.Memory = sameQuantity(got.Memory, sent.Memory)
	return got
}

func sameQuantity(got, sent string) string {
	if got == "" || sent == "" {
		return got
	}
	a, errA := platform.ParseQuantity(got)
	b, errB := platform.ParseQuantity(sent)
	if errA == nil && errB == nil && a.Cmp(b) == 0 {
		return sent
	}
	return got
}
