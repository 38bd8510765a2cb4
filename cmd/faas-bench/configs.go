package main

// The two configurations the benchmark applies, for n given with -var n=N. Both have 3N
// resources in the same shape: a function, and a scaling policy and a trigger that refer
// to it by id; -var update=true changes every tenth function in place.

// faasConfig is the provider's configuration, with the platform's provider block.
func faasConfig(providerBlock string) string {
	return faasConfigHead + providerBlock + faasConfigResources
}

const faasConfigHead = `terraform {
  required_providers {
    faas = {
      source = "faasform/faas"
    }
  }
}

variable "n" {
  type = number
}

variable "update" {
  type    = bool
  default = false
}

`

const faasConfigResources = `
resource "faas_function" "f" {
  count = var.n
  name  = format("bench-%04d", count.index)
  image = var.update && count.index % 10 == 0 ? "ghcr.io/acme/bench:2" : "ghcr.io/acme/bench:1"
}

resource "faas_scaling_policy" "f" {
  count        = var.n
  function_id  = faas_function.f[count.index].id
  min_replicas = 1
  max_replicas = 4
  metric       = "rps"
  target       = 50
}

resource "faas_trigger" "f" {
  count       = var.n
  function_id = faas_function.f[count.index].id
  type        = "cron"
  schedule    = "*/5 * * * *"
}
`

// floorConfig is Terraform's own floor: built-in terraform_data resources, which run
// inside the terraform process and talk to nothing, holding as little as possible (a
// short input, whose change is an in-place update) so that the floor is Terraform's
// cost per resource and nothing else.
const floorConfig = `variable "n" {
  type = number
}

variable "update" {
  type    = bool
  default = false
}

resource "terraform_data" "f" {
  count = var.n
  input = var.update && count.index % 10 == 0 ? "2" : "1"
}

resource "terraform_data" "p" {
  count = var.n
  input = terraform_data.f[count.index].id
}

resource "terraform_data" "t" {
  count = var.n
  input = terraform_data.f[count.index].id
}
`
