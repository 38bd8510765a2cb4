resource "faas_function" "orders" {
  name  = "orders"
  image = "ghcr.io/acme/orders:1.4.2"

  # Joined into the watchdog's fprocess: "node index.js". No element may contain spaces.
  command = ["node", "index.js"]

  # Plain settings only: env values are shown in plans and stored in the state and in
  # the function's faasform.dev/last-applied annotation. Mount secrets instead.
  env = {
    LOG_LEVEL = "info"
    DB_HOST   = "postgres.orders.svc.cluster.local"
  }

  # Mounted at /var/openfaas/secrets/orders-db-password. The secret must exist in the
  # function's namespace: manage it with faas_secret and reference
  # faas_secret.<name>.name here, so that Terraform creates it first.
  secrets = ["orders-db-password"]

  labels = {
    team = "payments"
  }

  annotations = {
    "example.com/runbook" = "https://runbooks.example.com/orders"
  }

  limits = {
    cpu    = "500m"
    memory = "256Mi"
  }

  requests = {
    cpu    = "100m"
    memory = "128Mi"
  }

  timeout                   = "30s"
  max_concurrency           = 50
  read_only_root_filesystem = true

  timeouts {
    create = "5m"
    update = "5m"
  }
}
