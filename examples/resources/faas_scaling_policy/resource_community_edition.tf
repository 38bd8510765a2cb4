resource "faas_function" "worker" {
  name  = "worker"
  image = "ghcr.io/acme/worker:1.0.3"
}

# The Community Edition honours only the replica bounds, from 1 to 5.
resource "faas_scaling_policy" "worker" {
  function_id  = faas_function.worker.id
  min_replicas = 1
  max_replicas = 5
}
