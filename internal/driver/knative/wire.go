package knative

import (
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Small typed views of the objects the driver reads and writes, written by hand from
// FACTS.md sections 3 to 7 and the upstream CRDs (knative/serving
// config/core/300-resources/service.yaml, the PodSpec subset Knative allows). They are
// converted from and to unstructured objects with runtime.DefaultUnstructuredConverter;
// fields the driver does not own are never dropped, because writes edit the object as
// read (see mapping.go).

var (
	servicesGVR = schema.GroupVersionResource{Group: "serving.knative.dev", Version: "v1", Resource: "services"}
	secretsGVR  = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
)

// service is a serving.knative.dev/v1 Service as the driver reads it.
type service struct {
	Metadata objectMeta    `json:"metadata"`
	Spec     serviceSpec   `json:"spec"`
	Status   serviceStatus `json:"status"`
}

type objectMeta struct {
	Name              string            `json:"name,omitempty"`
	Namespace         string            `json:"namespace,omitempty"`
	Generation        int64             `json:"generation,omitempty"`
	ResourceVersion   string            `json:"resourceVersion,omitempty"`
	DeletionTimestamp string            `json:"deletionTimestamp,omitempty"`
	Labels            map[string]string `json:"labels,omitempty"`
	Annotations       map[string]string `json:"annotations,omitempty"`
}

type serviceSpec struct {
	Template revisionTemplate `json:"template"`
}

type revisionTemplate struct {
	Metadata templateMeta `json:"metadata"`
	Spec     revisionSpec `json:"spec"`
}

type templateMeta struct {
	Name        string            `json:"name,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// revisionSpec is the Knative RevisionSpec: a PodSpec subset plus timeoutSeconds and
// containerConcurrency (knative/serving pkg/apis/serving/v1/revision_types.go).
type revisionSpec struct {
	Containers           []container      `json:"containers,omitempty"`
	Volumes              []volume         `json:"volumes,omitempty"`
	ImagePullSecrets     []localObjectRef `json:"imagePullSecrets,omitempty"`
	TimeoutSeconds       *int64           `json:"timeoutSeconds,omitempty"`
	ContainerConcurrency *int64           `json:"containerConcurrency,omitempty"`
}

type container struct {
	Name            string           `json:"name,omitempty"`
	Image           string           `json:"image,omitempty"`
	Command         []string         `json:"command,omitempty"`
	Args            []string         `json:"args,omitempty"`
	Env             []envVar         `json:"env,omitempty"`
	Resources       resources        `json:"resources,omitempty"`
	SecurityContext *securityContext `json:"securityContext,omitempty"`
	VolumeMounts    []volumeMount    `json:"volumeMounts,omitempty"`
}

type envVar struct {
	Name  string `json:"name"`
	Value string `json:"value,omitempty"`
	// ValueFrom is kept opaque: the driver never writes it and reports no value for it.
	ValueFrom map[string]any `json:"valueFrom,omitempty"`
}

type resources struct {
	Limits   map[string]resource.Quantity `json:"limits,omitempty"`
	Requests map[string]resource.Quantity `json:"requests,omitempty"`
}

type securityContext struct {
	ReadOnlyRootFilesystem *bool `json:"readOnlyRootFilesystem,omitempty"`
}

type volumeMount struct {
	Name      string `json:"name"`
	MountPath string `json:"mountPath"`
	ReadOnly  bool   `json:"readOnly,omitempty"`
}

type volume struct {
	Name      string           `json:"name"`
	Projected *projectedVolume `json:"projected,omitempty"`
}

type projectedVolume struct {
	Sources []volumeProjection `json:"sources"`
}

type volumeProjection struct {
	Secret *localObjectRef `json:"secret,omitempty"`
}

type localObjectRef struct {
	Name string `json:"name"`
}

type serviceStatus struct {
	ObservedGeneration int64       `json:"observedGeneration,omitempty"`
	URL                string      `json:"url,omitempty"`
	Conditions         []condition `json:"conditions,omitempty"`

	LatestCreatedRevisionName string `json:"latestCreatedRevisionName,omitempty"`
	LatestReadyRevisionName   string `json:"latestReadyRevisionName,omitempty"`
}

type condition struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// secret is a core v1 Secret as the driver writes it.
type secret struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   objectMeta        `json:"metadata"`
	Type       string            `json:"type,omitempty"`
	Data       map[string][]byte `json:"data,omitempty"`
}
