package platform

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// featureName is the shape of every feature: a resource type, then attribute path steps.
var featureName = regexp.MustCompile(`^faas_[a-z]+(_[a-z]+)*(\.[a-z]+(_[a-z]+)*)*$`)

// TestFeatures_catalogue: Features lists every Feature constant of features.go once, no
// other value, each well formed and documented, so that adding a constant without
// listing it (or the reverse) fails here.
func TestFeatures_catalogue(t *testing.T) {
	listed := Features()
	seen := map[Feature]bool{}
	for _, f := range listed {
		if seen[f] {
			t.Errorf("Features lists %q twice", f)
		}
		seen[f] = true
		if !featureName.MatchString(string(f)) {
			t.Errorf("feature %q is not a resource type followed by attribute names (%s)", f, featureName)
		}
	}

	file, err := parser.ParseFile(token.NewFileSet(), "features.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[Feature]string{}
	for _, decl := range file.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs, ok := spec.(*ast.ValueSpec)
			if !ok {
				continue
			}
			if typ, ok := vs.Type.(*ast.Ident); !ok || typ.Name != "Feature" || len(vs.Values) != len(vs.Names) {
				t.Errorf("constant %s in features.go is not declared as a Feature with a value", vs.Names[0])
				continue
			}
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok {
					t.Errorf("constant %s in features.go is not a string literal", name)
					continue
				}
				value, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				declared[Feature(value)] = name.Name
				if doc := vs.Doc.Text(); !strings.HasPrefix(doc, name.Name+" is ") {
					t.Errorf("constant %s has no doc comment saying what it is (%q)", name.Name, doc)
				}
			}
		}
	}
	for f, name := range declared {
		if !seen[f] {
			t.Errorf("constant %s (%q) is not in Features()", name, f)
		}
	}
	for _, f := range listed {
		if _, ok := declared[f]; !ok {
			t.Errorf("Features() lists %q, which is no constant of features.go", f)
		}
	}
}

// TestCapabilities_Has: Has finds a listed feature and no other.
func TestCapabilities_Has(t *testing.T) {
	c := Capabilities{Supported: []Feature{FeatureFunction, FeatureTriggerCron}}
	if !c.Has(FeatureTriggerCron) || c.Has(FeatureTriggerTopic) || (Capabilities{}).Has(FeatureFunction) {
		t.Errorf("Has is wrong for %v", c.Supported)
	}
}

// TestFeatures_noLiteralsOutsideTheCatalogue: no Go source of the module (tests apart)
// writes a feature as a string literal. Feature is a string type, so the compiler
// accepts Has("faas_function.limtis.cpu") and a literal in a Supported list; misspelt,
// either reads as "not supported". This finds, outside features.go:
//   - a string literal in a []Feature composite literal, in a Feature(...) conversion,
//     or as the argument of a Has call when it starts with "faas_";
//   - any string literal shaped like a feature with an attribute path (a resource type
//     and a dot, such as "faas_trigger.cron"): only a feature is written that way.
//
// A bare resource type such as "faas_route" is also the resource's type name, which the
// provider and the drivers write in messages; it is found only in the places above.
func TestFeatures_noLiteralsOutsideTheCatalogue(t *testing.T) {
	root := moduleRoot(t)
	dotted := regexp.MustCompile(`^faas_[a-z_]+\.[a-z_.]+$`)
	isFeatureType := func(e ast.Expr) bool {
		switch e := e.(type) {
		case *ast.Ident:
			return e.Name == "Feature"
		case *ast.SelectorExpr:
			return e.Sel.Name == "Feature"
		}
		return false
	}
	stringLit := func(e ast.Expr) (string, bool) {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(lit.Value)
		return s, err == nil
	}
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "testdata", "vendor", "node_modules":
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil && path != root {
				return filepath.SkipDir // another module
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			path == filepath.Join(root, "internal", "platform", "features.go") {
			return nil
		}
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files++
		rel, _ := filepath.Rel(root, path)
		reported := map[token.Pos]bool{}
		found := func(e ast.Expr, s, where string) {
			if reported[e.Pos()] {
				return
			}
			reported[e.Pos()] = true
			t.Errorf("%s:%d: %q written as a string literal %s; use its platform.Feature constant (internal/platform/features.go), adding one if the feature is new",
				rel, fset.Position(e.Pos()).Line, s, where)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if at, ok := n.Type.(*ast.ArrayType); ok && isFeatureType(at.Elt) {
					for _, e := range n.Elts {
						if s, ok := stringLit(e); ok {
							found(e, s, "in a []Feature")
						}
					}
				}
			case *ast.CallExpr:
				if len(n.Args) != 1 {
					break
				}
				s, ok := stringLit(n.Args[0])
				if !ok {
					break
				}
				if isFeatureType(n.Fun) {
					found(n.Args[0], s, "converted to a Feature")
				}
				if sel, isSel := n.Fun.(*ast.SelectorExpr); isSel && sel.Sel.Name == "Has" && strings.HasPrefix(s, "faas_") {
					found(n.Args[0], s, "passed to Has")
				}
			case *ast.BasicLit:
				if s, ok := stringLit(n); ok && dotted.MatchString(s) {
					found(n, s, "shaped like a feature")
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("read only %d Go files under %s: is it the module root?", files, root)
	}
}

// moduleRoot is the directory of this module's go.mod, above the package's directory.
func moduleRoot(t *testing.T) string {
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && slices.Contains(strings.Fields(string(data)), "github.com/faasform/terraform-provider-faas") {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod of github.com/faasform/terraform-provider-faas above the package")
		}
		dir = parent
	}
}
