package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocs_childImportSaysHowToReferenceTheFunction: the Import section of each child
// resource's page (faas_trigger, faas_scaling_policy, faas_route, faas_traffic_split) tells a user who
// imported with -generate-config-out, on that page, that the generated function_id is a
// literal because Terraform cannot generate references, shows the rewrite into
// function_id = faas_function.<name>.id for that resource, and says what a literal
// still does: the child waits for its function within its create timeout (issue 12).
// It reads docs/, which `make generate` renders from templates/ (docs-check keeps them
// in step).
func TestDocs_childImportSaysHowToReferenceTheFunction(t *testing.T) {
	for _, c := range []struct{ page, resource string }{
		{"trigger.md", "faas_trigger"},
		{"scaling_policy.md", "faas_scaling_policy"},
		{"route.md", "faas_route"},
		{"traffic_split.md", "faas_traffic_split"},
	} {
		t.Run(c.resource, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "..", "docs", "resources", c.page))
			if err != nil {
				t.Fatal(err)
			}
			doc := string(data)
			i := strings.Index(doc, "\n## Import\n")
			if i < 0 {
				t.Fatalf("docs/resources/%s has no Import section", c.page)
			}
			section := doc[i:]
			if j := strings.Index(section[1:], "\n## "); j >= 0 {
				section = section[:j+1]
			}
			for what, re := range map[string]*regexp.Regexp{
				"the limitation":        regexp.MustCompile(`(?s)-generate-config-out.*Terraform cannot generate references`),
				"a rewrite example":     regexp.MustCompile(`(?s)resource "` + c.resource + `" "[a-z_]+" \{\s*function_id\s+=\s+faas_function\.[a-z_]+\.id\s+# was "[a-z0-9-]+/[a-z0-9-]+"`),
				"the reason":            regexp.MustCompile(`(?s)order`),
				"what a literal does":   regexp.MustCompile(`(?s)literal.*waits for the function.*create\s+` + "`timeouts`" + `.*Function not found`),
				"replacement caveat":    regexp.MustCompile(`(?s)literal.*(-replace|taint)`),
				"the generated literal": regexp.MustCompile(`function_id = "[a-z0-9-]+/[a-z0-9-]+"`),
			} {
				if !re.MatchString(section) {
					t.Errorf("the Import section of docs/resources/%s does not give %s (%s):\n%s", c.page, what, re, section)
				}
			}
		})
	}
}
