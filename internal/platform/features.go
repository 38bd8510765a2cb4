package platform

// Feature names one thing a platform may support: a resource type ("faas_secret"), one of
// its attributes ("faas_function.limits.cpu"), or a use of them ("faas_trigger.topic.multiple").
// The names are neutral attribute paths and are what the faas_platform data source lists,
// so they are part of the provider's interface: renaming one is a breaking change.
//
// Every feature is one of the constants below, and Features lists them all. Drivers report
// theirs in Capabilities.Supported and checks ask Capabilities.Has; both take the constants,
// never a literal, because a misspelt literal still compiles and reads as "not supported".
//
// The platforms named in each comment are those whose driver reports the feature today:
// faas-netes and faasd, each in the Community Edition (CE) and Pro, for OpenFaaS
// (internal/driver/openfaas), Knative (internal/driver/knative), and memfake, the
// in-memory test platform (internal/platformtest/memdriver).
type Feature string

// String returns the name as the faas_platform data source shows it.
func (f Feature) String() string { return string(f) }

// The faas_function resource and its attributes.
const (
	// FeatureFunction is the faas_function resource. All platforms.
	FeatureFunction Feature = "faas_function"
	// FeatureFunctionCommand is faas_function.command. All platforms.
	FeatureFunctionCommand Feature = "faas_function.command"
	// FeatureFunctionArgs is faas_function.args. All platforms: Knative and memfake pass
	// them to the container as written (spaces included); OpenFaaS joins them into the
	// watchdog's fprocess, so an element with whitespace is refused at plan.
	FeatureFunctionArgs Feature = "faas_function.args"
	// FeatureFunctionEnv is faas_function.env. All platforms.
	FeatureFunctionEnv Feature = "faas_function.env"
	// FeatureFunctionEnvValueFrom is faas_function.env_value_from: environment variables
	// taken from a Secret's or a ConfigMap's key. Knative.
	FeatureFunctionEnvValueFrom Feature = "faas_function.env_value_from"
	// FeatureFunctionSecrets is faas_function.secrets, mounted as files. All platforms.
	FeatureFunctionSecrets Feature = "faas_function.secrets"
	// FeatureFunctionLabels is faas_function.labels. All platforms.
	FeatureFunctionLabels Feature = "faas_function.labels"
	// FeatureFunctionAnnotations is faas_function.annotations. All platforms.
	FeatureFunctionAnnotations Feature = "faas_function.annotations"
	// FeatureFunctionLimitsCPU is faas_function.limits.cpu. faas-netes CE and Pro, Knative,
	// memfake; not faasd, which applies only a memory limit.
	FeatureFunctionLimitsCPU Feature = "faas_function.limits.cpu"
	// FeatureFunctionLimitsMemory is faas_function.limits.memory. All platforms.
	FeatureFunctionLimitsMemory Feature = "faas_function.limits.memory"
	// FeatureFunctionRequests is faas_function.requests (cpu and memory). faas-netes CE and
	// Pro, Knative, memfake; not faasd, which reserves nothing for a container.
	FeatureFunctionRequests Feature = "faas_function.requests"
	// FeatureFunctionTimeout is faas_function.timeout. All platforms.
	FeatureFunctionTimeout Feature = "faas_function.timeout"
	// FeatureFunctionMaxConcurrency is faas_function.max_concurrency. All platforms.
	FeatureFunctionMaxConcurrency Feature = "faas_function.max_concurrency"
	// FeatureFunctionReadOnlyRootFilesystem is faas_function.read_only_root_filesystem.
	// All platforms.
	FeatureFunctionReadOnlyRootFilesystem Feature = "faas_function.read_only_root_filesystem"
	// FeatureFunctionImagePullSecrets is faas_function.image_pull_secrets. faas-netes Pro
	// and Knative; not faas-netes CE (public images only) nor faasd (credentials on the host).
	FeatureFunctionImagePullSecrets Feature = "faas_function.image_pull_secrets"
	// FeatureFunctionNamespaceMultiple is a faas_function.namespace other than the
	// provider's namespace. faas-netes Pro, faasd Pro, Knative, memfake; not the OpenFaaS
	// Community Edition, which serves one function namespace.
	FeatureFunctionNamespaceMultiple Feature = "faas_function.namespace.multiple"
	// FeatureFunctionOpenFaaSConstraints is faas_function.openfaas.constraints (node
	// selectors). faas-netes Pro only: faas-netes CE ignores them, faasd has one host, and
	// the other platforms have no equivalent.
	FeatureFunctionOpenFaaSConstraints Feature = "faas_function.openfaas.constraints"
	// FeatureFunctionRevisionName is faas_function.revision_name, the name of the revision
	// a deployment creates. Knative; an OpenFaaS function has no revisions.
	FeatureFunctionRevisionName Feature = "faas_function.revision_name"
)

// The faas_secret resource.
const (
	// FeatureSecret is the faas_secret resource. All platforms.
	FeatureSecret Feature = "faas_secret"
)

// The faas_scaling_policy resource and its attributes.
const (
	// FeatureScalingPolicy is the faas_scaling_policy resource, with min_replicas and
	// max_replicas at least (Capabilities.MaxReplicas bounds them). faas-netes CE and Pro,
	// Knative, memfake; not faasd, which runs one container per function.
	FeatureScalingPolicy Feature = "faas_scaling_policy"
	// FeatureScalingPolicyMetric is faas_scaling_policy.metric and its targets, with the
	// values in Capabilities.ScalingMetrics. faas-netes Pro, Knative, memfake.
	FeatureScalingPolicyMetric Feature = "faas_scaling_policy.metric"
	// FeatureScalingPolicyMinReplicasZero is faas_scaling_policy.min_replicas = 0, scale to
	// zero, and scale_to_zero_after. faas-netes Pro, Knative, memfake.
	FeatureScalingPolicyMinReplicasZero Feature = "faas_scaling_policy.min_replicas.zero"
)

// The faas_trigger resource and its attributes.
const (
	// FeatureTriggerCron is a faas_trigger of type "cron". All platforms.
	FeatureTriggerCron Feature = "faas_trigger.cron"
	// FeatureTriggerTopic is a faas_trigger of type "topic". All platforms.
	FeatureTriggerTopic Feature = "faas_trigger.topic"
	// FeatureTriggerTopicMultiple is several topic triggers on one function. faas-netes
	// Pro, faasd Pro, Knative, memfake; the OpenFaaS Community Edition allows one topic.
	FeatureTriggerTopicMultiple Feature = "faas_trigger.topic.multiple"
	// FeatureTriggerCronAndTopic is a cron trigger and a topic trigger on one function.
	// faas-netes Pro, faasd Pro, Knative, memfake; on the OpenFaaS Community Edition both
	// need the single-valued topic annotation.
	FeatureTriggerCronAndTopic Feature = "faas_trigger.cron_and_topic"
	// FeatureTriggerTimeZone is faas_trigger.time_zone for a cron trigger. All platforms:
	// Knative's PingSource spec.timezone; OpenFaaS writes it as the schedule's CRON_TZ=
	// prefix, which the cron-connector reads.
	FeatureTriggerTimeZone Feature = "faas_trigger.time_zone"
	// FeatureTriggerPayload is faas_trigger.payload, the body a cron trigger sends.
	// Knative and memfake; the OpenFaaS cron-connector sends an empty body.
	FeatureTriggerPayload Feature = "faas_trigger.payload"
	// FeatureTriggerBroker is faas_trigger.broker, the event bus a topic is read from.
	// Knative; OpenFaaS has one bus, its connector.
	FeatureTriggerBroker Feature = "faas_trigger.broker"
)

// The faas_route resource and its attributes.
const (
	// FeatureRoute is the faas_route resource. Knative (host only) and memfake; the
	// OpenFaaS gateway API has no routes.
	FeatureRoute Feature = "faas_route"
	// FeatureRouteTLSSecret is faas_route.tls_secret. Knative and memfake.
	FeatureRouteTLSSecret Feature = "faas_route.tls_secret"
)

// The faas_traffic_split resource and its attributes.
const (
	// FeatureTrafficSplit is the faas_traffic_split resource: weighted traffic across a
	// function's revisions. Knative; an OpenFaaS function has no revisions.
	FeatureTrafficSplit Feature = "faas_traffic_split"
	// FeatureTrafficSplitTag is a tag on a faas_traffic_split target, with a URL of its
	// own. Knative.
	FeatureTrafficSplitTag Feature = "faas_traffic_split.tag"
)

// Features returns every feature, in the order of the declarations above. It is a new
// slice on each call, so callers may sort or change it.
func Features() []Feature {
	return []Feature{
		FeatureFunction, FeatureFunctionCommand, FeatureFunctionArgs, FeatureFunctionEnv,
		FeatureFunctionEnvValueFrom, FeatureFunctionSecrets, FeatureFunctionLabels,
		FeatureFunctionAnnotations, FeatureFunctionLimitsCPU, FeatureFunctionLimitsMemory,
		FeatureFunctionRequests, FeatureFunctionTimeout, FeatureFunctionMaxConcurrency,
		FeatureFunctionReadOnlyRootFilesystem, FeatureFunctionImagePullSecrets,
		FeatureFunctionNamespaceMultiple, FeatureFunctionOpenFaaSConstraints, FeatureFunctionRevisionName,
		FeatureSecret,
		FeatureScalingPolicy, FeatureScalingPolicyMetric, FeatureScalingPolicyMinReplicasZero,
		FeatureTriggerCron, FeatureTriggerTopic, FeatureTriggerTopicMultiple, FeatureTriggerCronAndTopic,
		FeatureTriggerTimeZone, FeatureTriggerPayload, FeatureTriggerBroker,
		FeatureRoute, FeatureRouteTLSSecret,
		FeatureTrafficSplit, FeatureTrafficSplitTag,
	}
}
