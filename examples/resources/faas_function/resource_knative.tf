# On Knative, through an aliased provider instance with a knative block (see the
# provider page). The function becomes the Knative Service media/resize.
provider "faas" {
  alias = "knative"

  knative {
    config_path = "~/.kube/config"
  }
}

resource "faas_function" "resize" {
  provider = faas.knative

  name      = "resize"
  namespace = "media"
  image     = "registry.example.com/media/resize:3.0.1"

  # The container's command and args, passed as they are: unlike on OpenFaaS, an
  # element may contain spaces.
  command = ["/app/resize"]
  args    = ["--format", "webp", "--caption", "Example Media"]

  # The pod's imagePullSecrets: a kubernetes.io/dockerconfigjson Secret in the same
  # namespace, created outside this provider (faas_secret writes Opaque secrets).
  image_pull_secrets = ["registry-example-com"]

  # Kubernetes reads these values from a Secret's and a ConfigMap's key when the pod
  # starts: they never pass through Terraform. They come before env's entries, so env
  # can refer to them as $(NAME). (A plan-time error on OpenFaaS.)
  env_value_from = {
    DB_PASSWORD = { secret_key_ref = { name = "resize-db", key = "password" } }
    REGION      = { config_map_key_ref = { name = "site", key = "region", optional = true } }
  }
  env = {
    DATABASE_URL = "postgres://resize:$(DB_PASSWORD)@db.media:5432/resize"
  }

  labels = {
    team = "media"
    # Reachable only from inside the cluster; "cluster-local" is the only value
    # Knative accepts for this label.
    "networking.knative.dev/visibility" = "cluster-local"
  }

  limits = {
    cpu    = "1"
    memory = "512Mi"
  }

  # The revision template's timeoutSeconds (whole seconds) and containerConcurrency.
  timeout         = "2m"
  max_concurrency = 10
}
