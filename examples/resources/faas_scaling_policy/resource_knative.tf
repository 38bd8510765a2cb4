# On Knative, through an aliased provider instance with a knative block (see the
# provider page). The policy becomes autoscaling.knative.dev/* annotations on the
# Service's revision template; every change rolls out a new Revision.
provider "faas" {
  alias = "knative"

  knative {
    config_path = "~/.kube/config"
  }
}

resource "faas_function" "thumbnails" {
  provider = faas.knative

  name  = "thumbnails"
  image = "ghcr.io/acme/thumbnails:1.2.0"
}

# Knative Pod Autoscaler (metric "concurrency"): aim at 70 % of 10 in-flight requests
# per replica, run at most 10 replicas, and scale to zero; the last replica stays
# 5 minutes after it goes idle (scale-to-zero-pod-retention-period).
resource "faas_scaling_policy" "thumbnails" {
  provider    = faas.knative
  function_id = faas_function.thumbnails.id

  min_replicas               = 0
  max_replicas               = 10
  metric                     = "concurrency"
  target                     = 10
  target_utilization_percent = 70
  scale_to_zero_after        = "5m"
}

resource "faas_function" "encoder" {
  provider = faas.knative

  name  = "encoder"
  image = "ghcr.io/acme/encoder:4.0.0"

  requests = {
    cpu = "500m"
  }
}

# Metric "cpu" switches the class to Kubernetes' HPA (hpa.autoscaling.knative.dev),
# which never scales to zero: min_replicas = 0 is a plan-time error here.
resource "faas_scaling_policy" "encoder" {
  provider    = faas.knative
  function_id = faas_function.encoder.id

  min_replicas = 2
  max_replicas = 8
  metric       = "cpu"
}
