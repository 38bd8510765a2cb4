# A scaling policy is imported by its function's id, "namespace/function":
terraform import faas_scaling_policy.api openfaas-fn/api

# or by the function's name alone, in the provider's default namespace (as for
# faas_function):
terraform import faas_scaling_policy.api api
