# A secret is imported by "namespace/name", or by its name alone in the provider's
# default namespace ("openfaas-fn" on OpenFaaS, "default" on Knative, unless the
# platform block sets `namespace`). Its value cannot be read back: keep value_wo and
# value_wo_version in the configuration.
terraform import faas_secret.orders_db_password openfaas-fn/orders-db-password
terraform import faas_secret.orders_db_password orders-db-password
