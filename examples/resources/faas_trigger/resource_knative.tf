# On Knative, through an aliased provider instance with a knative block (see the
# provider page). Each trigger is an object of its own in the function's namespace.
provider "faas" {
  alias = "knative"

  knative {
    config_path = "~/.kube/config"
  }
}

resource "faas_function" "orders" {
  provider = faas.knative

  name  = "orders"
  image = "ghcr.io/acme/orders:1.4.2"
}

# A PingSource named "orders-cron", every weekday at 09:30:00 Paris time. The
# PingSource dialect accepts an optional seconds field and descriptors, not @every.
resource "faas_trigger" "daily_report" {
  provider = faas.knative

  function_id = faas_function.orders.id
  type        = "cron"
  schedule    = "0 30 9 * * 1-5"
  time_zone   = "Europe/Paris"
  payload     = jsonencode({ report = "daily" })
}

# An Eventing Trigger named "orders-com-acme-order-created" on the "default" Broker of
# the function's namespace, for CloudEvents of this type. The Broker must exist.
resource "faas_trigger" "order_created" {
  provider = faas.knative

  function_id = faas_function.orders.id
  type        = "topic"
  topic       = "com.acme.order.created"
  broker      = "default"
}
