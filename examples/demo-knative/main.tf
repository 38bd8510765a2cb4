# The Knative demo configuration that `make demo` applies to the real Knative Serving and
# Eventing on the testbed (TESTBED.md). The provider reads the testbed's kubeconfig,
# named by KUBE_CONFIG_PATH.

terraform {
  required_providers {
    faas = {
      source = "faasform/faas"
    }
  }
}

provider "faas" {
  knative {}
}

resource "faas_function" "orders" {
  name  = "orders"
  image = "ghcr.io/acme/orders:1.4.2"

  env = {
    LOG_LEVEL = "info"
  }

  labels = {
    team = "payments"
  }

  limits = {
    cpu    = "500m"
    memory = "256Mi"
  }

  timeout         = "30s"
  max_concurrency = 50
}

# Knative Pod Autoscaler on concurrency, scaling to zero after ten idle minutes.
resource "faas_scaling_policy" "orders" {
  function_id                = faas_function.orders.id
  min_replicas               = 0
  max_replicas               = 10
  metric                     = "concurrency"
  target                     = 20
  target_utilization_percent = 70
  scale_to_zero_after        = "10m"
}

# A PingSource: every weekday at 09:30:00 Paris time (PingSource accepts a seconds field).
resource "faas_trigger" "daily_report" {
  function_id = faas_function.orders.id
  type        = "cron"
  schedule    = "0 30 9 * * 1-5"
  time_zone   = "Europe/Paris"
  payload     = jsonencode({ report = "daily" })
}

# An Eventing Trigger on the namespace's "default" Broker for one CloudEvent type.
resource "faas_trigger" "order_created" {
  function_id = faas_function.orders.id
  type        = "topic"
  topic       = "com.acme.order.created"
}

# A DomainMapping; the cluster holds a ClusterDomainClaim for the host.
resource "faas_route" "orders" {
  function_id = faas_function.orders.id
  host        = "orders.acme.example"
}

output "urls" {
  value = {
    invoke = faas_function.orders.invoke_url
    route  = faas_route.orders.url
  }
}
