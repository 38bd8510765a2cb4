package openfaas

import (
	"encoding/json"
	"strings"
)

// Keys inside an OpenFaaS function object and who owns them (DESIGN.md section 5.1).
const (
	// ScaleLabelPrefix starts every autoscaling label; faas_scaling_policy owns them
	// (https://docs.openfaas.com/architecture/autoscaling/).
	ScaleLabelPrefix = "com.openfaas.scale."
	// TopicAnnotation lists the topics a function subscribes to, comma separated;
	// each faas_trigger of type "topic" owns one element, type "cron" owns "cron-function".
	TopicAnnotation = "topic"
	// ScheduleAnnotation is the cron-connector's schedule; faas_trigger of type "cron" owns it.
	ScheduleAnnotation = "schedule"
	// LastAppliedAnnotation holds, as JSON, the settings faas-netes does not return on
	// read (envVars, constraints, readOnlyRootFilesystem) and how secrets split into
	// secrets and image pull secrets, as kubectl's last-applied-configuration does.
	LastAppliedAnnotation = "faasform.dev/last-applied"
	// faasdAnnotationPrefix is how faasd stores annotations as container labels.
	faasdAnnotationPrefix = "com.openfaas.annotations."
)

// Environment variables the provider derives from other attributes (watchdog
// configuration, https://docs.openfaas.com/architecture/watchdog/).
const (
	envFprocess     = "fprocess"
	envReadTimeout  = "read_timeout"
	envWriteTimeout = "write_timeout"
	envExecTimeout  = "exec_timeout"
	envMaxInflight  = "max_inflight"
)

// injectedLabels are added by faas-netes and never owned by the user.
var injectedLabels = map[string]bool{"faas_function": true, "uid": true}

// injectedAnnotations are added by faas-netes when absent; a user may still set them.
var injectedAnnotations = map[string]bool{"prometheus.io.scrape": true}

// ReservedEnvOwner names the attribute that owns a reserved environment variable, or ""
// when key is free for the user.
func ReservedEnvOwner(key string) string {
	switch key {
	case envFprocess:
		return "command and args"
	case envReadTimeout, envWriteTimeout, envExecTimeout:
		return "timeout or openfaas." + key
	case envMaxInflight:
		return "max_concurrency"
	}
	return ""
}

// ReservedLabelOwner names the resource or attribute that owns label key, or "" when the
// user may set it on faas_function.
func ReservedLabelOwner(key string) string {
	switch {
	case strings.HasPrefix(key, ScaleLabelPrefix):
		return "the faas_scaling_policy resource"
	case injectedLabels[key]:
		return "the platform (faas-netes sets it on every function)"
	case strings.HasPrefix(key, faasdAnnotationPrefix):
		return "the platform (faasd stores annotations under this prefix)"
	}
	return ""
}

// ReservedAnnotationOwner names the resource that owns annotation key, or "" when the
// user may set it on faas_function.
func ReservedAnnotationOwner(key string) string {
	switch key {
	case TopicAnnotation, ScheduleAnnotation:
		return "the faas_trigger resource"
	case LastAppliedAnnotation:
		return "terraform-provider-faas (it records what faas-netes does not return)"
	}
	return ""
}

// lastApplied is the JSON held in LastAppliedAnnotation.
type lastApplied struct {
	EnvVars map[string]string `json:"envVars,omitempty"`
	// Timeout and Watchdog are how the configuration set the watchdog's timeouts in
	// EnvVars (faas_function's timeout and openfaas block), so that a read gives them
	// back in the same shape (splitTimeouts).
	Timeout                string          `json:"timeout,omitempty"`
	Watchdog               *watchdogRecord `json:"watchdog,omitempty"`
	Command                []string        `json:"command,omitempty"`
	Args                   []string        `json:"args,omitempty"`
	Constraints            []string        `json:"constraints,omitempty"`
	ReadOnlyRootFilesystem bool            `json:"readOnlyRootFilesystem,omitempty"`
	ImagePullSecrets       []string        `json:"imagePullSecrets,omitempty"`
	// Limits and Requests are the quantities as the user wrote them; faas-netes returns
	// them normalised ("0.5" as "500m"), and a read keeps the user's spelling while the
	// values are equal.
	Limits   *functionResources `json:"limits,omitempty"`
	Requests *functionResources `json:"requests,omitempty"`
	// Claimed lists injected annotation keys (prometheus.io.scrape) the user set.
	Claimed []string `json:"claimed,omitempty"`
	// Token is a random value written at create and kept by updates, so that an
	// ambiguous create can be recognised as ours when read back.
	Token string `json:"token,omitempty"`
}

// watchdogRecord is the openfaas block's watchdog timeouts in the last-applied record.
type watchdogRecord struct {
	Read  string `json:"read,omitempty"`
	Write string `json:"write,omitempty"`
	Exec  string `json:"exec,omitempty"`
}

func (l *lastApplied) encode() string {
	b, _ := json.Marshal(l) // a struct of strings, maps and slices always encodes
	return string(b)
}

func decodeLastApplied(s string) (*lastApplied, bool) {
	if s == "" {
		return nil, false
	}
	var l lastApplied
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, false
	}
	return &l, true
}
