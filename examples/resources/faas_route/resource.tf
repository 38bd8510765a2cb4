resource "faas_function" "api" {
  name  = "api"
  image = "ghcr.io/acme/api:2.3.0"
}

# Knative: a DomainMapping named api.example.com that sends every request for that host
# to the function's Service. Knative maps hosts only, so path stays "/" and methods
# stays unset. The TLS secret must exist in the function's namespace, and the cluster
# needs a ClusterDomainClaim for the host (or autocreate-cluster-domain-claims).
# On OpenFaaS, faas_route is a plan-time error.
resource "faas_route" "api" {
  function_id = faas_function.api.id
  host        = "api.example.com"
  tls_secret  = "api-example-com-tls"
}
