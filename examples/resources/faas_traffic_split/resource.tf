# A canary release on Knative. Each step is one apply; the plan shows the percentages.
#
# 1. Today: revision shop-v1 (image 1.0) takes all traffic.
# 2. Canary: set image 1.1 and revision_name "shop-v2" on the function, and split 90/10
#    with a "canary" tag (as below); test the canary at tag_urls["canary"].
# 3. Widen: 50/50.
# 4. Promote: one target, latest_revision = true, percent = 100 (or remove the split).
# 5. Roll back instead: one target, revision_name = "shop-v1", percent = 100.
#
# On OpenFaaS, faas_traffic_split and revision_name are plan-time errors: an OpenFaaS
# function has no revisions.
resource "faas_function" "shop" {
  name          = "shop"
  image         = "ghcr.io/acme/shop:1.1"
  revision_name = "shop-v2"
}

resource "faas_traffic_split" "shop" {
  function_id = faas_function.shop.id
  targets = [
    {
      revision_name = "shop-v1"
      percent       = 90
    },
    {
      revision_name = faas_function.shop.revision_name
      percent       = 10
      tag           = "canary"
    },
  ]
}

output "canary_url" {
  value = faas_traffic_split.shop.tag_urls["canary"]
}
