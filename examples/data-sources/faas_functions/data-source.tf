# Every function of the payments team in the default namespace.
data "faas_functions" "payments" {
  labels = {
    team = "payments"
  }
}

output "payments_functions" {
  value = [for f in data.faas_functions.payments.functions : f.name]
}
