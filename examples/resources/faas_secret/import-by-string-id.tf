import {
  to = faas_secret.orders_db_password
  id = "openfaas-fn/orders-db-password"
}
