terraform {
  required_providers {
    faas = {
      source = "faasform/faas"
    }
  }
}

variable "openfaas_password" {
  description = "Password of the gateway's admin user (or leave it unset and export OPENFAAS_PASSWORD)."
  type        = string
  sensitive   = true
}

# One platform block per provider instance. Every attribute of the openfaas block
# falls back to faas-cli's environment variables (OPENFAAS_URL, OPENFAAS_USERNAME,
# OPENFAAS_PASSWORD, OPENFAAS_TOKEN), so `openfaas {}` is enough when they are set.
provider "faas" {
  openfaas {
    gateway_url = "https://gateway.example.com"
    username    = "admin"
    password    = var.openfaas_password
  }

  request_timeout = "30s"
  max_retries     = 4
}
