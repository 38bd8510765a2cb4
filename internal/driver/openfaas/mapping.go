package openfaas

import (
	"cmp"
	"fmt"
	"slices"
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
	for _, t := range watchdogKeys(fn.Watchdog) {
		// A watchdog timeout set in the openfaas block overrides timeout for its key.
		if v := cmp.Or(t.value, fn.Timeout); v != "" {
			env[t.key] = v
		}
	}
	if fn.MaxConcurrency > 0 {
		env[envMaxInflight] = strconv.FormatInt(fn.MaxConcurrency, 10)
	}
	if len(env) == 0 {
		env = nil
	}
	la := &lastApplied{
		EnvVars:                env,
		Timeout:                fn.Timeout,
		Watchdog:               watchdogRecordOf(fn.Watchdog),
		Command:                fn.Command,
		Args:                   fn.Args,
		Constraints:            slices.Sorted(slices.Values(fn.Constraints)),
		ReadOnlyRootFilesystem: fn.ReadOnlyRootFilesystem,
		ImagePullSecrets:       slices.Sorted(slices.Values(fn.ImagePullSecrets)),
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
		Constraints:            slices.Sorted(slices.Values(fn.Constraints)),
		Secrets:                slices.Sorted(slices.Values(secrets)),
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
	if env != nil {
		fn.Timeout, fn.Watchdog = splitTimeouts(env, la)
	}
	for k, v := range env {
		switch k {
		case envReadTimeout, envWriteTimeout, envExecTimeout, envFprocess:
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
		if slices.Contains(pull, s) {
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
	case info.Capabilities.Has(platform.FeatureFunctionOpenFaaSConstraints):
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
	return injectedAnnotations[key] && (la == nil || !slices.Contains(la.Claimed, key))
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
		Secrets:    slices.Sorted(slices.Values(st.Secrets)),
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
		dep.Constraints = slices.Sorted(slices.Values(st.Constraints))
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

// watchdogKey is one of the watchdog's timeout env vars and the value the openfaas block
// sets for it ("" when unset).
type watchdogKey struct{ key, value string }

// watchdogKeys lists the three watchdog timeouts, exec_timeout first: splitTimeouts
// takes the neutral timeout from the first one the openfaas block does not override.
func watchdogKeys(w platform.WatchdogTimeouts) []watchdogKey {
	return []watchdogKey{{envExecTimeout, w.Exec}, {envReadTimeout, w.Read}, {envWriteTimeout, w.Write}}
}

// watchdogRecordOf is what the last-applied record keeps of the openfaas block's
// timeouts: nil when none is set.
func watchdogRecordOf(w platform.WatchdogTimeouts) *watchdogRecord {
	if w.IsZero() {
		return nil
	}
	return &watchdogRecord{Read: w.Read, Write: w.Write, Exec: w.Exec}
}

// mostCommon returns the value that occurs most often in values, the earliest on a tie.
func mostCommon(values []string) string {
	best, bestN := "", 0
	for _, v := range values {
		n := 0
		for _, w := range values {
			if w == v {
				n++
			}
		}
		if n > bestN {
			best, bestN = v, n
		}
	}
	return best
}

// splitTimeouts turns the watchdog's three timeout env vars back into the neutral
// timeout and the openfaas block's overrides, in the shape the last-applied record says
// the configuration used (la may be nil): with the record's timeout, the neutral
// timeout is read from the keys the record does not override, and a key is an
// override where the record has one or where its value differs from that timeout (a
// change made outside Terraform then shows on that key alone; the timeout is the value
// most of the keys it sets share, and none when one of them is gone). Without a record of
// either (an import, or a record written before the openfaas block had timeouts), three
// equal values are the neutral timeout, and anything else is per key. A timeout that
// every key overrides sets nothing on the platform; the record's value is kept.
func splitTimeouts(env map[string]string, la *lastApplied) (string, platform.WatchdogTimeouts) {
	var rec watchdogRecord
	hasTimeout := la != nil && la.Timeout != ""
	if la != nil && la.Watchdog != nil {
		rec = *la.Watchdog
	}
	recorded := platform.WatchdogTimeouts{Read: rec.Read, Write: rec.Write, Exec: rec.Exec}
	var out platform.WatchdogTimeouts
	set := func(key, v string) {
		switch key {
		case envReadTimeout:
			out.Read = v
		case envWriteTimeout:
			out.Write = v
		case envExecTimeout:
			out.Exec = v
		}
	}
	keys := watchdogKeys(recorded)
	if !hasTimeout {
		r, w, e := env[envReadTimeout], env[envWriteTimeout], env[envExecTimeout]
		if recorded.IsZero() && e != "" && r == e && w == e {
			return e, out
		}
		for _, k := range keys {
			set(k.key, env[k.key])
		}
		return "", out
	}
	timeout := la.Timeout
	var base []string
	for _, k := range keys {
		if k.value == "" {
			base = append(base, env[k.key])
		}
	}
	if len(base) > 0 {
		timeout = mostCommon(base)
		if slices.Contains(base, "") {
			// An unset key cannot be an override: only no timeout shows it.
			timeout = ""
		}
	}
	for _, k := range keys {
		if v := env[k.key]; k.value != "" || v != timeout {
			set(k.key, v)
		}
	}
	return timeout, out
}
