# An ephemeral variable (Terraform 1.10 and later) keeps the value out of the plan and
# the state; value_wo is write-only, so the provider never stores it either.
variable "orders_db_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "faas_secret" "orders_db_password" {
  name     = "orders-db-password"
  value_wo = var.orders_db_password

  # Terraform cannot compare write-only values: increment this to send a new value.
  value_wo_version = 1
}

# The function reads the value from /var/openfaas/secrets/orders-db-password.
# Referencing the secret's name makes Terraform create the secret first.
resource "faas_function" "orders" {
  name    = "orders"
  image   = "ghcr.io/acme/orders:1.4.2"
  secrets = [faas_secret.orders_db_password.name]
}
