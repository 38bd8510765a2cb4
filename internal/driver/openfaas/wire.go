package openfaas

// Wire structs for the OpenFaaS gateway API, written by hand from FACTS.md section 3
// (field names as openfaas/faas-provider types/*.go put them on the wire) and the
// gateway OpenAPI spec (openfaas/faas api-docs/spec.openapi.yml).

// functionResources is the limits/requests object: Kubernetes quantities as strings.
type functionResources struct {
	Memory string `json:"memory,omitempty"`
	CPU    string `json:"cpu,omitempty"`
}

// functionDeployment is the body of POST and PUT /system/functions.
type functionDeployment struct {
	Service                string             `json:"service"`
	Image                  string             `json:"image"`
	Namespace              string             `json:"namespace,omitempty"`
	EnvProcess             string             `json:"envProcess,omitempty"`
	EnvVars                map[string]string  `json:"envVars,omitempty"`
	Constraints            []string           `json:"constraints,omitempty"`
	Secrets                []string           `json:"secrets,omitempty"`
	Labels                 map[string]string  `json:"labels,omitempty"`
	Annotations            map[string]string  `json:"annotations,omitempty"`
	Limits                 *functionResources `json:"limits,omitempty"`
	Requests               *functionResources `json:"requests,omitempty"`
	ReadOnlyRootFilesystem bool               `json:"readOnlyRootFilesystem,omitempty"`
}

// functionStatus is one element of GET /system/functions and the body of
// GET /system/function/{name}.
type functionStatus struct {
	Name                   string             `json:"name"`
	Image                  string             `json:"image"`
	Namespace              string             `json:"namespace,omitempty"`
	EnvProcess             string             `json:"envProcess,omitempty"`
	EnvVars                map[string]string  `json:"envVars,omitempty"`
	Constraints            []string           `json:"constraints,omitempty"`
	Secrets                []string           `json:"secrets,omitempty"`
	Labels                 map[string]string  `json:"labels,omitempty"`
	Annotations            map[string]string  `json:"annotations,omitempty"`
	Limits                 *functionResources `json:"limits,omitempty"`
	Requests               *functionResources `json:"requests,omitempty"`
	ReadOnlyRootFilesystem bool               `json:"readOnlyRootFilesystem,omitempty"`
	InvocationCount        float64            `json:"invocationCount,omitempty"`
	Replicas               uint64             `json:"replicas,omitempty"`
	AvailableReplicas      uint64             `json:"availableReplicas,omitempty"`
	CreatedAt              string             `json:"createdAt,omitempty"`
}

// deleteFunctionRequest is the body of DELETE /system/functions.
type deleteFunctionRequest struct {
	FunctionName string `json:"functionName"`
	Namespace    string `json:"namespace,omitempty"`
}

// gatewayInfo is the body of GET /system/info.
type gatewayInfo struct {
	Provider struct {
		Provider      string `json:"provider"`
		Orchestration string `json:"orchestration"`
		Version       struct {
			SHA     string `json:"sha"`
			Release string `json:"release"`
		} `json:"version"`
	} `json:"provider"`
	Version struct {
		SHA     string `json:"sha"`
		Release string `json:"release"`
	} `json:"version"`
	Arch string `json:"arch"`
}
