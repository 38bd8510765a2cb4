# Added by `make demo` after a function was deployed outside Terraform: the import
# block adopts it, and the plan after the import is empty.

import {
  to = faas_function.legacy
  id = "openfaas-fn/legacy"
}

resource "faas_function" "legacy" {
  name    = "legacy"
  image   = "${var.registry}/acme/legacy:3.1"
  command = ["node", "server.js"]

  labels = {
    team = "platform"
  }
}
