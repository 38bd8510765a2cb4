# A scaling policy is imported by its function's id, "namespace/function".
terraform import faas_scaling_policy.api openfaas-fn/api
