//go:build generate

// Package tools pins the documentation generator and holds the go:generate steps that
// `make generate` runs (cd tools && go generate ./...). It is a separate module so the
// provider's go.mod does not carry tfplugindocs and its dependencies.
package tools

import (
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
)

// Format the examples, then render docs/ from templates/, examples/ and the provider's
// schema. tfplugindocs builds the provider from the repository root and runs the
// terraform found on PATH (never pass --tf-version: it downloads Terraform).
//go:generate terraform fmt -recursive ../examples/
//go:generate go run github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs generate --provider-dir .. --provider-name faas
