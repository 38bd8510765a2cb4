# A second platform, here a faasd host, through an aliased provider block. Resources
# choose it with `provider = faas.edge`; each provider instance detects its own
# backend and edition.
variable "edge_password" {
  description = "Password of the faasd gateway's admin user."
  type        = string
  sensitive   = true
}

provider "faas" {
  alias = "edge"

  openfaas {
    gateway_url = "http://edge-01.example.com:8080"
    username    = "admin"
    password    = var.edge_password
  }
}

resource "faas_function" "edge_echo" {
  provider = faas.edge

  name    = "echo"
  image   = "ghcr.io/openfaas/alpine:latest"
  command = ["cat"]

  # faasd honours only a memory limit.
  limits = {
    memory = "64Mi"
  }
}
