# A traffic split is imported by its function's id, "namespace/name" (or "name" in the
# provider's default namespace); it reads the Service's spec.traffic.
terraform import faas_traffic_split.shop default/shop
