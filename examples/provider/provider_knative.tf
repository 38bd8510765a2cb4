# Knative Serving on a Kubernetes cluster, as another provider instance: a provider
# block holds exactly one platform block, so each platform gets its own (aliased)
# block. The knative block takes the Terraform Kubernetes provider's settings and
# KUBE_* environment variables. It never reads ~/.kube/config or KUBECONFIG unless
# config_path or config_paths names the file.
provider "faas" {
  alias = "knative"

  knative {
    config_path    = "~/.kube/config"
    config_context = "prod-eu"
    namespace      = "functions"
  }
}

# Without a kubeconfig: the API server, its CA and a bearer token, for example from
# the module that creates the cluster. Values that are unknown until that module is
# applied configure the provider lazily: its plan-time checks then run at apply.
variable "cluster_endpoint" {
  description = "URL of the cluster's Kubernetes API server, such as https://203.0.113.10:6443."
  type        = string
}

variable "cluster_ca_certificate" {
  description = "PEM-encoded CA certificate of the API server."
  type        = string
}

variable "cluster_token" {
  description = "Bearer token of a service account allowed to manage Knative Services and Secrets."
  type        = string
  sensitive   = true
}

provider "faas" {
  alias = "staging"

  knative {
    host                   = var.cluster_endpoint
    cluster_ca_certificate = var.cluster_ca_certificate
    token                  = var.cluster_token
  }
}

# A Knative Service named hello in the "functions" namespace.
resource "faas_function" "hello" {
  provider = faas.knative

  name  = "hello"
  image = "ghcr.io/acme/hello:1.0.0"
}
