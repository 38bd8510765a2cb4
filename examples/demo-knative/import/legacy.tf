# Added by `make demo` after a Knative Service was created outside Terraform: the import
# block adopts it, and the plan after the import is empty.

import {
  to = faas_function.legacy
  id = "default/legacy"
}

resource "faas_function" "legacy" {
  name  = "legacy"
  image = "ghcr.io/acme/legacy:3.1"

  labels = {
    team = "platform"
  }
}
