# Read a function deployed outside this configuration, for example by another team.
data "faas_function" "auth" {
  name      = "auth"
  namespace = "openfaas-fn"
}

output "auth_url" {
  value = data.faas_function.auth.invoke_url
}
