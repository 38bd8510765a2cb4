# A function is imported by its id, "namespace/name":
terraform import faas_function.orders openfaas-fn/orders

# or by its name alone, in the provider's default namespace (the platform block's
# `namespace`: default "openfaas-fn" on OpenFaaS, "default" on Knative):
terraform import faas_function.orders orders
