package knative

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// A small typed view of the Secret the driver writes, written by hand from FACTS.md
// section 7. It is converted to an unstructured object with
// runtime.DefaultUnstructuredConverter. Services are read as knative.dev/serving's own
// servingv1.Service (mapping.go).

var secretsGVR = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}

type objectMeta struct {
	Name              string            `json:"name,omitempty"`
	Namespace         string            `json:"namespace,omitempty"`
	Generation        int64             `json:"generation,omitempty"`
	ResourceVersion   string            `json:"resourceVersion,omitempty"`
	DeletionTimestamp string            `json:"deletionTimestamp,omitempty"`
	Labels            map[string]string `json:"labels,omitempty"`
	Annotations       map[string]string `json:"annotations,omitempty"`
}

// secret is a core v1 Secret as the driver writes it.
type secret struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   objectMeta        `json:"metadata"`
	Type       string            `json:"type,omitempty"`
	Data       map[string][]byte `json:"data,omitempty"`
}
