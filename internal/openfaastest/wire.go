package openfaastest

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/faasform/terraform-provider-faas/internal/driver/openfaas"
)

// Wire shapes of the gateway API (internal/driver/openfaas/FACTS.md section 3),
// written by hand: the openfaas Go modules are not available here.

// Resources are the memory and cpu quantities of limits or requests.
type Resources struct {
	// Memory is a Kubernetes quantity such as "128Mi".
	Memory string `json:"memory,omitempty"`
	// CPU is a Kubernetes quantity such as "100m".
	CPU string `json:"cpu,omitempty"`
}

// Deployment is a FunctionDeployment, the body of POST and PUT /system/functions.
type Deployment struct {
	// Service is the function's name.
	Service string `json:"service"`
	// Image is the container image.
	Image string `json:"image"`
	// Namespace is the function namespace.
	Namespace string `json:"namespace,omitempty"`
	// EnvProcess is the watchdog's fprocess.
	EnvProcess string `json:"envProcess,omitempty"`
	// EnvVars are the environment variables.
	EnvVars map[string]string `json:"envVars,omitempty"`
	// Constraints are placement constraints.
	Constraints []string `json:"constraints,omitempty"`
	// Secrets are the names of the secrets to mount.
	Secrets []string `json:"secrets,omitempty"`
	// Labels are the function's labels.
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations are the function's annotations.
	Annotations map[string]string `json:"annotations,omitempty"`
	// Limits are the resource limits.
	Limits *Resources `json:"limits,omitempty"`
	// Requests are the resource requests.
	Requests *Resources `json:"requests,omitempty"`
	// ReadOnlyRootFilesystem makes the root filesystem read-only.
	ReadOnlyRootFilesystem bool `json:"readOnlyRootFilesystem,omitempty"`
}

// Status is a FunctionStatus, as GET /system/function/{name} and the list return it.
type Status struct {
	// Name is the function's name.
	Name string `json:"name"`
	// Image is the container image.
	Image string `json:"image"`
	// Namespace is the function namespace.
	Namespace string `json:"namespace,omitempty"`
	// EnvProcess is the watchdog's fprocess.
	EnvProcess string `json:"envProcess,omitempty"`
	// EnvVars are the environment variables; faas-netes does not return them.
	EnvVars map[string]string `json:"envVars,omitempty"`
	// Constraints are placement constraints; faas-netes does not return them.
	Constraints []string `json:"constraints,omitempty"`
	// Secrets are the mounted secrets.
	Secrets []string `json:"secrets,omitempty"`
	// Labels are the labels, with those the platform injects.
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations are the annotations, with those the platform injects.
	Annotations map[string]string `json:"annotations,omitempty"`
	// Limits are the resource limits, normalised by Kubernetes on faas-netes.
	Limits *Resources `json:"limits,omitempty"`
	// Requests are the resource requests, normalised by Kubernetes on faas-netes.
	Requests *Resources `json:"requests,omitempty"`
	// ReadOnlyRootFilesystem is not returned by faas-netes.
	ReadOnlyRootFilesystem bool `json:"readOnlyRootFilesystem,omitempty"`
	// Replicas is the desired replica count.
	Replicas uint64 `json:"replicas,omitempty"`
	// AvailableReplicas is the count of ready replicas.
	AvailableReplicas uint64 `json:"availableReplicas,omitempty"`
}

// Keys faas-netes adds to every function (internal/driver/openfaas/FACTS.md section 5).
var (
	injectedLabels     = map[string]bool{"faas_function": true, "uid": true}
	injectedAnnotation = "prometheus.io.scrape"
)

// record is the part of the provider's last-applied annotation (the settings faas-netes
// does not return) that a redeploy needs.
type record struct {
	EnvVars                map[string]string `json:"envVars,omitempty"`
	Constraints            []string          `json:"constraints,omitempty"`
	ReadOnlyRootFilesystem bool              `json:"readOnlyRootFilesystem,omitempty"`
	Claimed                []string          `json:"claimed,omitempty"`
}

// Redeployable returns the deployment that would deploy st again as it is, as a person
// redeploying it by hand would write it: without the labels and the annotation
// faas-netes injects (unless the provider's record says the user set the annotation),
// without the "0" faas-netes returns for a quantity that is not set, and with the
// environment, constraints and readOnlyRootFilesystem, which faas-netes does not
// return, taken from the provider's record (the faasform.dev/last-applied annotation)
// when st lacks them. Checks of those three fields on faas-netes therefore see what the
// provider sent, not what runs.
func Redeployable(st Status) Deployment {
	var rec *record
	if raw, ok := st.Annotations[openfaas.LastAppliedAnnotation]; ok {
		var r record
		if json.Unmarshal([]byte(raw), &r) == nil {
			rec = &r
		}
	}
	d := Deployment{
		Service: st.Name, Image: st.Image, Namespace: st.Namespace, EnvProcess: st.EnvProcess,
		EnvVars: maps.Clone(st.EnvVars), Constraints: append([]string(nil), st.Constraints...), Secrets: append([]string(nil), st.Secrets...),
		Limits: setResources(st.Limits), Requests: setResources(st.Requests), ReadOnlyRootFilesystem: st.ReadOnlyRootFilesystem,
		Labels: map[string]string{}, Annotations: map[string]string{},
	}
	if rec != nil {
		if d.EnvVars == nil {
			d.EnvVars = maps.Clone(rec.EnvVars)
		}
		if d.Constraints == nil {
			d.Constraints = append([]string(nil), rec.Constraints...)
		}
		d.ReadOnlyRootFilesystem = d.ReadOnlyRootFilesystem || rec.ReadOnlyRootFilesystem
	}
	for k, v := range st.Labels {
		if !injectedLabels[k] {
			d.Labels[k] = v
		}
	}
	for k, v := range st.Annotations {
		if k == injectedAnnotation && (rec == nil || !slices.Contains(rec.Claimed, k)) {
			continue
		}
		d.Annotations[k] = v
	}
	return d
}

// setResources drops the "0" faas-netes returns for a quantity that was never set.
func setResources(r *Resources) *Resources {
	if r == nil {
		return nil
	}
	out := *r
	if out.Memory == "0" {
		out.Memory = ""
	}
	if out.CPU == "0" {
		out.CPU = ""
	}
	if out == (Resources{}) {
		return nil
	}
	return &out
}
