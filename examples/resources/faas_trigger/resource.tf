resource "faas_function" "nightly_report" {
  name  = "nightly-report"
  image = "ghcr.io/acme/nightly-report:3.2.0"
}

# Invoked by the OpenFaaS cron-connector at 02:30 every day, in the connector's time
# zone (usually UTC). The connector must be deployed.
resource "faas_trigger" "nightly_report" {
  function_id = faas_function.nightly_report.id
  type        = "cron"
  schedule    = "30 2 * * *"
}
