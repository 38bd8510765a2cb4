resource "faas_function" "order_events" {
  name  = "order-events"
  image = "ghcr.io/acme/order-events:1.1.0"
}

# Invoked for each message on the topic "orders.created", by an OpenFaaS event
# connector (Kafka, NATS, SQS, ...). Several topics on one function, or a topic and a
# schedule on one function, need OpenFaaS Pro.
resource "faas_trigger" "orders_created" {
  function_id = faas_function.order_events.id
  type        = "topic"
  topic       = "orders.created"
}
