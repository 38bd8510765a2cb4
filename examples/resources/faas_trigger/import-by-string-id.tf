import {
  to = faas_trigger.nightly_report
  id = "openfaas-fn/nightly-report/cron"
}
