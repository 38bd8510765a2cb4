resource "faas_function" "nightly_report" {
  name  = "nightly-report"
  image = "ghcr.io/acme/nightly-report:3.2.0"
}

# Invoked by the OpenFaaS cron-connector at 02:30 every day, Paris time: the provider
# writes the schedule annotation "CRON_TZ=Europe/Paris 30 2 * * *". Without time_zone
# the schedule runs in the connector's time zone (usually UTC). The connector must be
# deployed.
resource "faas_trigger" "nightly_report" {
  function_id = faas_function.nightly_report.id
  type        = "cron"
  schedule    = "30 2 * * *"
  time_zone   = "Europe/Paris"
}
