# Adopt a function that already runs on the platform. The id is "namespace/name",
# or "name" alone in the provider's default namespace.
import {
  to = faas_function.orders
  id = "openfaas-fn/orders"
}
