# The cron trigger of a function: "namespace/function/cron".
terraform import faas_trigger.nightly_report openfaas-fn/nightly-report/cron

# A topic trigger: "namespace/function/topic/<topic>". The topic takes the rest of the
# id, so a topic that contains "/" needs no escaping.
terraform import faas_trigger.orders_created openfaas-fn/order-events/topic/orders.created
terraform import faas_trigger.room_sensor openfaas-fn/sensors/topic/building-1/room-7
