# Not rendered into the docs: tfplugindocs reads only data-source.tf here.
# This file makes the directory a root module that
# `terraform validate` and `terraform plan` accept on their own; the openfaas block
# takes the gateway and credentials from OPENFAAS_URL, OPENFAAS_USERNAME and
# OPENFAAS_PASSWORD.
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
