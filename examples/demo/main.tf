# The demo configuration that `make demo` applies to the local OpenFaaS simulator.
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

resource "faas_function" "figlet" {
  name    = "figlet"
  image   = "ghcr.io/openfaas/figlet:latest"
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
  image = "ghcr.io/acme/orders:1.4.2"

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

  timeout         = "30s"
  max_concurrency = 50
}

resource "faas_function" "thumbnails" {
  name    = "thumbnails"
  image   = "ghcr.io/acme/thumbnails:2.0.0"
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

output "invoke_urls" {
  value = {
    figlet     = faas_function.figlet.invoke_url
    orders     = faas_function.orders.invoke_url
    thumbnails = faas_function.thumbnails.invoke_url
  }
}
