# The demo configuration that `make demo` applies to the real OpenFaaS Community Edition
# on the local testbed (TESTBED.md).
# The gateway URL and credentials come from OPENFAAS_URL, OPENFAAS_USERNAME and
# OPENFAAS_PASSWORD, as faas-cli reads them.

terraform {
  required_providers {
    faas = {
      source = "faasform/faas"
    }
  }
}

provider "faas" {
  openfaas {}
}

# The registry the images come from. The Community Edition deploys only images that it
# can read anonymously; make demo sets this to the testbed's registry on 127.0.0.1.
variable "registry" {
  type    = string
  default = "ghcr.io"
}

# The database password reaches the platform as a write-only value: it is never in
# the state or the plan. make demo sets it through TF_VAR_db_password.
variable "db_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "faas_secret" "db_password" {
  name             = "orders-db-password"
  value_wo         = var.db_password
  value_wo_version = 1
}

resource "faas_function" "figlet" {
  name    = "figlet"
  image   = "${var.registry}/openfaas/figlet:latest"
  command = ["figlet"]

  labels = {
    team = "demo"
  }

  limits = {
    memory = "64Mi"
  }
}

resource "faas_function" "orders" {
  name  = "orders"
  image = "${var.registry}/acme/orders:1.4.2"

  env = {
    LOG_LEVEL = "info"
    DB_HOST   = "postgres.orders.svc"
  }

  labels = {
    team = "payments"
    tier = "critical"
  }

  annotations = {
    "example.com/runbook" = "https://runbooks.example.com/orders"
  }

  limits = {
    cpu    = "0.5"
    memory = "256Mi"
  }

  requests = {
    cpu    = "100m"
    memory = "128Mi"
  }

  secrets = [faas_secret.db_password.name]

  timeout         = "30s"
  max_concurrency = 50
}

# Autoscaling for orders. The Community Edition allows min and max up to 5.
resource "faas_scaling_policy" "orders" {
  function_id  = faas_function.orders.id
  min_replicas = 1
  max_replicas = 4
}

resource "faas_function" "thumbnails" {
  name    = "thumbnails"
  image   = "${var.registry}/acme/thumbnails:2.0.0"
  command = ["python3", "index.py"]

  env = {
    MAX_WIDTH = "1024"
  }

  labels = {
    team = "media"
  }

  limits = {
    memory = "512Mi"
  }

  read_only_root_filesystem = true
}

# Rebuild missing thumbnails every 30 minutes (the cron-connector's dialect).
resource "faas_trigger" "thumbnails_sweep" {
  function_id = faas_function.thumbnails.id
  type        = "cron"
  schedule    = "*/30 * * * *"
}

output "invoke_urls" {
  value = {
    figlet     = faas_function.figlet.invoke_url
    orders     = faas_function.orders.invoke_url
    thumbnails = faas_function.thumbnails.invoke_url
  }
}
