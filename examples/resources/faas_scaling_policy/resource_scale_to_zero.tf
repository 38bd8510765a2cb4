resource "faas_function" "reports" {
  name  = "reports"
  image = "ghcr.io/acme/reports:0.9.0"
}

# OpenFaaS Pro on faas-netes: min_replicas = 0 is scale to zero, here after 30 minutes
# without requests. The function counts as ready with zero replicas.
resource "faas_scaling_policy" "reports" {
  function_id = faas_function.reports.id

  min_replicas        = 0
  max_replicas        = 4
  scale_to_zero_after = "30m"
}
