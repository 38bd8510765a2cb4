package openfaas

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// toWire renders a neutral function as a FunctionDeployment holding only the keys the
// function owns, with the last-applied annotation. token, when not empty, marks a create.
func toWire(fn *platform.Function, token string) functionDeployment {
	env := map[string]string{}
	for k, v := range fn.Env {
		env[k] = v
	}
	if fn.Timeout != "" {
		env[envReadTimeout], env[envWriteTimeout], env[envExecTimeout] = fn.Timeout, fn.Timeout, fn.Timeout
	}
	if fn.MaxConcurrency > 0 {
		env[envMaxInflight] = strconv.FormatInt(fn.MaxConcurrency, 10)
	}
	if len(env) == 0 {
		env = nil
	}
	la := &lastApplied{
		EnvVars:                env,
		Command:                fn.Command,
		Args:                   fn.Args,
		Constraints:            sortedCopy(fn.Constraints),
		ReadOnlyRootFilesystem: fn.ReadOnlyRootFilesystem,
		ImagePullSecrets:       sortedCopy(fn.ImagePullSecrets),
		Limits:                 resourcesToWire(fn.Limits),
		Requests:               resourcesToWire(fn.Requests),
		Token:                  token,
	}
	annotations := map[string]string{}
	for k, v := range fn.Annotations {
		annotations[k] = v
		if injectedAnnotations[k] {
			la.Claimed = append(la.Claimed, k)
		}
	}
	sort.Strings(la.Claimed)
	annotations[LastAppliedAnnotation] = la.encode()
	var labels map[string]string
	if len(fn.Labels) > 0 {
		labels = map[string]string{}
		for k, v := range fn.Labels {
			labels[k] = v
		}
	}
	secrets := append(append([]string(nil), fn.Secrets...), fn.ImagePullSecrets...)
	return functionDeployment{
		Service:                fn.ID.Name,
		Image:                  fn.Image,
		Namespace:              fn.ID.Namespace,
		EnvProcess:             strings.Join(append(append([]string(nil), fn.Command...), fn.Args...), " "),
		EnvVars:                env,
		Constraints:            sortedCopy(fn.Constraints),
		Secrets:                sortedCopy(secrets),
		Labels:                 labels,
		Annotations:            annotations,
		Limits:                 resourcesToWire(fn.Limits),
		Requests:               resourcesToWire(fn.Requests),
		ReadOnlyRootFilesystem: fn.ReadOnlyRootFilesystem,
	}
}

func resourcesToWire(r platform.Resources) *functionResources {
	if r.IsZero() {
		return nil
	}
	return &functionResources{Memory: r.Memory, CPU: r.CPU}
}

// resourcesFromWire drops the "0" faas-netes returns for a memory (or cpu) that was
// never set (FACTS.md section 5).
func resourcesFromWire(r *functionResources) platform.Resources {
	if r == nil {
		return platform.Resources{}
	}
	out := platform.Resources{CPU: r.CPU, Memory: r.Memory}
	if out.CPU == "0" {
		out.CPU = ""
	}
	if out.Memory == "0" {
		out.Memory = ""
	}
	return out
}

// keepSpelling returns got with each quantity replaced by the one the user wrote when
// both are the same amount.
func keepSpelling(got platform.Resources, sent *functionResources) platform.Resources {
	if sent == nil {
		return got
	}
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

// fromWire maps a FunctionStatus to the neutral model: user-owned keys only, with the
// fields faas-netes does not return restored from the last-applied annotation.
func fromWire(st *functionStatus, info platform.Info, endpoint string) *platform.Function {
	la, hasLA := decodeLastApplied(st.Annotations[LastAppliedAnnotation])
	fn := &platform.Function{
		ID:       platform.FunctionID{Namespace: st.Namespace, Name: st.Name},
		Image:    st.Image,
		Limits:   resourcesFromWire(st.Limits),
		Requests: resourcesFromWire(st.Requests),
	}
	if hasLA {
		fn.Limits = keepSpelling(fn.Limits, la.Limits)
		fn.Requests = keepSpelling(fn.Requests, la.Requests)
	}

	var env map[string]string
	switch {
	case st.EnvVars != nil || info.Backend == BackendFaasd:
		env = st.EnvVars
	case hasLA:
		env = la.EnvVars
	default:
		fn.Status.Unreadable = append(fn.Status.Unreadable, platform.AttrEnv, "timeout", "max_concurrency")
	}
	for k, v := range env {
		switch k {
		case envExecTimeout:
			fn.Timeout = v
		case envReadTimeout, envWriteTimeout, envFprocess:
		case envMaxInflight:
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				fn.MaxConcurrency = n
			}
		default:
			if fn.Env == nil {
				fn.Env = map[string]string{}
			}
			fn.Env[k] = v
		}
	}

	if st.EnvProcess != "" {
		if hasLA && strings.Join(append(append([]string(nil), la.Command...), la.Args...), " ") == st.EnvProcess {
			fn.Command, fn.Args = la.Command, la.Args
		} else {
			fn.Command = strings.Fields(st.EnvProcess)
		}
	}

	var pull []string
	if hasLA {
		pull = la.ImagePullSecrets
	}
	for _, s := range st.Secrets {
		if contains(pull, s) {
			fn.ImagePullSecrets = append(fn.ImagePullSecrets, s)
		} else {
			fn.Secrets = append(fn.Secrets, s)
		}
	}
	switch {
	case st.Constraints != nil:
		fn.Constraints = st.Constraints
	case hasLA:
		fn.Constraints = la.Constraints
	case info.Capabilities.Has("faas_function.openfaas.constraints"):
		// Only where constraints are honoured: faas-netes CE deploys every function with
		// an empty node selector, so a write cannot lose any there.
		fn.Status.Unreadable = append(fn.Status.Unreadable, platform.AttrConstraints)
	}
	switch {
	case hasLA:
		fn.ReadOnlyRootFilesystem = la.ReadOnlyRootFilesystem
	default:
		fn.ReadOnlyRootFilesystem = st.ReadOnlyRootFilesystem
		if !st.ReadOnlyRootFilesystem {
			fn.Status.Unreadable = append(fn.Status.Unreadable, platform.AttrReadOnlyRootFilesystem)
		}
	}

	for k, v := range st.Labels {
		if ReservedLabelOwner(k) == "" {
			if fn.Labels == nil {
				fn.Labels = map[string]string{}
			}
			fn.Labels[k] = v
		}
	}
	for k, v := range st.Annotations {
		if ReservedAnnotationOwner(k) != "" {
			continue
		}
		if injectedNotClaimed(k, la) {
			continue
		}
		if fn.Annotations == nil {
			fn.Annotations = map[string]string{}
		}
		fn.Annotations[k] = v
	}

	minScale := st.Labels[ScaleLabelPrefix+"min"]
	fn.Status = platform.FunctionStatus{
		InvokeURL:         invokeURL(endpoint, fn.ID),
		Replicas:          int64(st.Replicas),          //nolint:gosec // replica counts are small
		AvailableReplicas: int64(st.AvailableReplicas), //nolint:gosec // replica counts are small
		ScaleToZero:       st.Labels[ScaleLabelPrefix+"zero"] == "true" || minScale == "0",
		Unreadable:        fn.Status.Unreadable,
	}
	// Ready: a replica is available; or the policy allows scale to zero; or faas-netes
	// reports zero desired replicas, i.e. the function is scaled to zero and the gateway
	// scales it up on the first request (FACTS.md section 5).
	fn.Status.Ready = fn.Status.AvailableReplicas >= 1 || fn.Status.ScaleToZero ||
		(info.Backend == BackendFaasNetes && st.Replicas == 0)
	fn.Status.Reason = fmt.Sprintf("%d of %d replicas available", st.AvailableReplicas, st.Replicas)
	return fn
}

// injectedNotClaimed reports an annotation the platform injected and the user did not
// set (la may be nil).
func injectedNotClaimed(key string, la *lastApplied) bool {
	return injectedAnnotations[key] && (la == nil || !contains(la.Claimed, key))
}

// deploymentFromStatus rebuilds the deployment as it would be sent again: injected keys
// dropped, and env, constraints and readOnlyRootFilesystem taken from the platform when
// it returns them and otherwise from the last-applied annotation. Without either, they
// are left empty: fromWire lists them in Status.Unreadable, and modify refuses to send
// such a deployment (platform.WriteUnknowns).
func deploymentFromStatus(st *functionStatus) functionDeployment {
	la, hasLA := decodeLastApplied(st.Annotations[LastAppliedAnnotation])
	dep := functionDeployment{
		Service:    st.Name,
		Image:      st.Image,
		Namespace:  st.Namespace,
		EnvProcess: st.EnvProcess,
		Secrets:    sortedCopy(st.Secrets),
		Limits:     resourcesToWire(resourcesFromWire(st.Limits)),
		Requests:   resourcesToWire(resourcesFromWire(st.Requests)),
	}
	switch {
	case st.EnvVars != nil:
		dep.EnvVars = st.EnvVars
	case hasLA:
		dep.EnvVars = la.EnvVars
	}
	switch {
	case st.Constraints != nil:
		dep.Constraints = sortedCopy(st.Constraints)
	case hasLA:
		dep.Constraints = la.Constraints
	}
	if hasLA {
		dep.ReadOnlyRootFilesystem = la.ReadOnlyRootFilesystem
	} else {
		dep.ReadOnlyRootFilesystem = st.ReadOnlyRootFilesystem
	}
	for k, v := range st.Labels {
		if !injectedLabels[k] {
			dep.Labels = setKey(dep.Labels, k, v)
		}
	}
	for k, v := range st.Annotations {
		if injectedNotClaimed(k, la) {
			continue
		}
		dep.Annotations = setKey(dep.Annotations, k, v)
	}
	return dep
}
