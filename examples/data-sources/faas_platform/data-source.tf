# What the gateway is, and what the provider accepts there.
data "faas_platform" "this" {}

output "platform" {
  value = "${data.faas_platform.this.backend} (${data.faas_platform.this.edition}) ${data.faas_platform.this.version}"
}

output "can_scale_to_zero" {
  value = contains(data.faas_platform.this.capabilities, "faas_scaling_policy.min_replicas.zero")
}
