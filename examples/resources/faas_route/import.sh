# Knative: a route is imported by its DomainMapping, "namespace/host".
terraform import faas_route.api default/api.example.com
