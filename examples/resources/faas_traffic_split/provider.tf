# Not rendered into the docs: tfplugindocs reads only resource*.tf, import.sh and
# import-by-*.tf here. This file makes the directory a root module that
# `terraform validate` and `terraform plan` accept on their own. faas_traffic_split is meant
# for Knative (an OpenFaaS function has no revisions), so the knative block here
# takes the cluster from KUBE_CONFIG_PATH (and KUBE_CTX), or from KUBE_HOST,
# KUBE_TOKEN and KUBE_CLUSTER_CA_CERT_DATA.
terraform {
  required_providers {
    faas = {
      source = "faasform/faas"
    }
  }
}

provider "faas" {
  knative {}
}
