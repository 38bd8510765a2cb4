package k8ssim

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
	"sigs.k8s.io/yaml"
)

// SpecsDirEnv names an environment variable that, when set, is the directory holding the
// upstream Knative CRDs (serving/*.yaml, eventing/*.yaml) instead of the one found from
// the module root.
const SpecsDirEnv = "FAAS_KNATIVE_SPECS_DIR"

// AllSpecsDirEnv names the environment variable of the directory of every upstream spec
// (the same as internal/conformance's); its knative subdirectory holds the CRDs.
const AllSpecsDirEnv = "FAAS_SPECS_DIR"

// FindSpecsDir returns the directory of the upstream Knative CRDs: $FAAS_KNATIVE_SPECS_DIR
// when set, else $FAAS_SPECS_DIR/knative when that is set, else
// <module root>/../shared/specs/knative, where the module root is the first directory
// holding go.mod found walking up from the working directory or, for a simulator binary
// started elsewhere, from the binary's own directory.
func FindSpecsDir() (string, error) {
	if d := os.Getenv(SpecsDirEnv); d != "" {
		return checkSpecsDir(d)
	}
	if d := os.Getenv(AllSpecsDirEnv); d != "" {
		return checkSpecsDir(filepath.Join(d, "knative"))
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	starts := []string{wd}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, start := range starts {
		if root, ok := moduleRoot(start); ok {
			return checkSpecsDir(filepath.Join(root, "..", "shared", "specs", "knative"))
		}
	}
	return "", fmt.Errorf("no go.mod above %s or the simulator binary, so the Knative specs (../shared/specs/knative beside the module) cannot be found; set %s or %s, or pass -specs-dir", wd, SpecsDirEnv, AllSpecsDirEnv)
}

// moduleRoot returns the first directory holding go.mod at or above dir.
func moduleRoot(dir string) (string, bool) {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

func checkSpecsDir(d string) (string, error) {
	abs, err := filepath.Abs(d)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(abs, "serving", "service.yaml")); err != nil {
		return "", fmt.Errorf("the Knative CRDs are not in %s: %w", abs, err)
	}
	return abs, nil
}

// crdSchema is the structural schema of one served CRD version.
type crdSchema struct {
	schema *spec.Schema
	// mu serialises validation: the schema is shared and the validator's thread safety
	// is not documented.
	mu sync.Mutex
}

// crdDocument is the part of a CustomResourceDefinition the simulator reads.
type crdDocument struct {
	Spec struct {
		Group string `json:"group"`
		Names struct {
			Kind   string `json:"kind"`
			Plural string `json:"plural"`
		} `json:"names"`
		Versions []struct {
			Name   string `json:"name"`
			Schema struct {
				OpenAPIV3Schema json.RawMessage `json:"openAPIV3Schema"`
			} `json:"schema"`
		} `json:"versions"`
	} `json:"spec"`
}

// loadSchemas reads the openAPIV3Schema of every served CRD version from dir.
func loadSchemas(dir string) (map[*resource]*crdSchema, error) {
	out := map[*resource]*crdSchema{}
	for _, r := range resources {
		if r.crdFile == "" {
			continue
		}
		s, err := loadCRDSchema(filepath.Join(dir, filepath.FromSlash(r.crdFile)), r)
		if err != nil {
			return nil, err
		}
		out[r] = &crdSchema{schema: s}
	}
	return out, nil
}

func loadCRDSchema(path string, r *resource) (*spec.Schema, error) {
	raw, err := os.ReadFile(path) //nolint:gosec // the path is built from the specs directory and a fixed file name
	if err != nil {
		return nil, err
	}
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var doc crdDocument
	if err := json.Unmarshal(js, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if doc.Spec.Group != r.gvr.Group || doc.Spec.Names.Plural != r.gvr.Resource || doc.Spec.Names.Kind != r.kind {
		return nil, fmt.Errorf("%s defines %s.%s (%s), not %s", path, doc.Spec.Names.Plural, doc.Spec.Group, doc.Spec.Names.Kind, r.groupResource())
	}
	for _, v := range doc.Spec.Versions {
		if v.Name != r.gvr.Version {
			continue
		}
		if len(v.Schema.OpenAPIV3Schema) == 0 {
			return nil, fmt.Errorf("%s: version %s has no openAPIV3Schema", path, v.Name)
		}
		var s spec.Schema
		if err := json.Unmarshal(v.Schema.OpenAPIV3Schema, &s); err != nil {
			return nil, fmt.Errorf("%s: openAPIV3Schema of %s: %w", path, v.Name, err)
		}
		return &s, nil
	}
	return nil, fmt.Errorf("%s: version %s is not defined", path, r.gvr.Version)
}

// validate checks obj against the CRD schema with the validator the API server uses for
// custom resources (k8s.io/kube-openapi's, as apiextensions-apiserver's
// NewSchemaValidator sets it up: no root schema, strfmt.Default formats). It returns
// one message per violation, sorted.
func (c *crdSchema) validate(obj map[string]any) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	res := validate.NewSchemaValidator(c.schema, nil, "", strfmt.Default).Validate(obj)
	if res == nil || res.IsValid() {
		return nil
	}
	var msgs []string
	for _, e := range res.Errors {
		msgs = append(msgs, e.Error())
	}
	sort.Strings(msgs)
	return msgs
}

// objectMetaFields are the metadata fields the API server keeps; pruning drops others.
var objectMetaFields = map[string]bool{
	"name": true, "generateName": true, "namespace": true, "selfLink": true, "uid": true,
	"resourceVersion": true, "generation": true, "creationTimestamp": true, "deletionTimestamp": true,
	"deletionGracePeriodSeconds": true, "labels": true, "annotations": true, "ownerReferences": true,
	"finalizers": true, "managedFields": true,
}

// pruneAndDefault applies what the API server does to a custom resource before
// validation (apiextensions-apiserver's structural pruning and defaulting): fields the
// schema does not declare are dropped, unless a parent carries
// x-kubernetes-preserve-unknown-fields, and absent properties with a default get it. It
// returns the paths of the dropped fields.
func pruneAndDefault(obj map[string]any, s *spec.Schema) []string {
	var unknown []string
	for k, v := range obj {
		switch k {
		case "apiVersion", "kind":
		case "metadata":
			if m, ok := v.(map[string]any); ok {
				for mk := range m {
					if !objectMetaFields[mk] {
						unknown = append(unknown, "metadata."+mk)
						delete(m, mk)
					}
				}
			}
		default:
			if s == nil {
				continue
			}
			ps, ok := s.Properties[k]
			if !ok {
				unknown = append(unknown, k)
				delete(obj, k)
				continue
			}
			walkSchema(v, &ps, k, &unknown)
		}
	}
	if s != nil {
		applyDefaults(obj, s, map[string]bool{"apiVersion": true, "kind": true, "metadata": true})
	}
	sort.Strings(unknown)
	return unknown
}

func preservesUnknown(s *spec.Schema) bool {
	v, ok := s.Extensions["x-kubernetes-preserve-unknown-fields"]
	b, isBool := v.(bool)
	return ok && isBool && b
}

func walkSchema(v any, s *spec.Schema, path string, unknown *[]string) {
	switch val := v.(type) {
	case map[string]any:
		for k, child := range val {
			if ps, ok := s.Properties[k]; ok {
				walkSchema(child, &ps, path+"."+k, unknown)
				continue
			}
			if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
				walkSchema(child, s.AdditionalProperties.Schema, path+"["+k+"]", unknown)
				continue
			}
			if preservesUnknown(s) || (s.AdditionalProperties != nil && s.AdditionalProperties.Allows) {
				continue
			}
			*unknown = append(*unknown, path+"."+k)
			delete(val, k)
		}
		applyDefaults(val, s, nil)
	case []any:
		if s.Items == nil || s.Items.Schema == nil {
			return
		}
		for i, item := range val {
			walkSchema(item, s.Items.Schema, fmt.Sprintf("%s[%d]", path, i), unknown)
		}
	}
}

func applyDefaults(obj map[string]any, s *spec.Schema, skip map[string]bool) {
	for k, ps := range s.Properties {
		if skip[k] || ps.Default == nil {
			continue
		}
		if _, ok := obj[k]; !ok {
			obj[k] = deepCopyJSON(ps.Default)
		}
	}
}

// deepCopyJSON copies a value made of JSON maps, slices and scalars.
func deepCopyJSON(v any) any {
	switch val := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(val))
		for k, c := range val {
			out[k] = deepCopyJSON(c)
		}
		return out
	case []any:
		out := make([]any, len(val))
		for i, c := range val {
			out[i] = deepCopyJSON(c)
		}
		return out
	case float64:
		// Integral JSON numbers are int64 in objects the API server decodes.
		if val == float64(int64(val)) {
			return int64(val)
		}
		return val
	default:
		return val
	}
}

// errSpecsMissing is returned by New's loader when the CRDs cannot be found.
var errSpecsMissing = errors.New("knative specs missing")

// specsRequired reports whether missing specs must fail hard (CI=true).
func specsRequired() bool { return strings.EqualFold(os.Getenv("CI"), "true") }
