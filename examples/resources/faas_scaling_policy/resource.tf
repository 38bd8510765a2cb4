resource "faas_function" "api" {
  name  = "api"
  image = "ghcr.io/acme/api:2.3.0"
}

# OpenFaaS Pro on faas-netes: scale on requests per second, between 2 and 20
# replicas, aiming at 80 % of 100 requests per second per replica.
resource "faas_scaling_policy" "api" {
  function_id = faas_function.api.id

  min_replicas               = 2
  max_replicas               = 20
  metric                     = "rps"
  target                     = 100
  target_utilization_percent = 80
}
