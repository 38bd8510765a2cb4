import {
  to = faas_scaling_policy.api
  id = "openfaas-fn/api"
}
