package knative

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
	"k8s.io/client-go/rest"
)

// TestEchoedAuthorizationIsRedacted: an API server, or a proxy in front of it, that
// answers 500 quoting the request's Authorization header shows the credentials as
// client-go sent them: Basic base64(user:password) from a kubeconfig's basic auth, or a
// bearer token, also one read from a token file that the driver never saw in its
// configuration. Neither the driver's errors nor its log lines may carry them (issue 12).
func TestEchoedAuthorizationIsRedacted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_ = json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 500,
			"message": "authenticating proxy failed for Authorization: " + auth + " (see /login?auth=" + url.QueryEscape(auth) + ")"})
	}))
	defer srv.Close()
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("file-token-3b9d+/q=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		rc   rest.Config
		sent string
	}{
		"basic":      {rest.Config{Username: "admin", Password: "kube-pw-41f0"}, base64.StdEncoding.EncodeToString([]byte("admin:kube-pw-41f0"))},
		"bearer":     {rest.Config{BearerToken: "kube-token-8e7a+/z="}, "kube-token-8e7a+/z="},
		"token file": {rest.Config{BearerTokenFile: tokenFile}, "file-token-3b9d+/q="},
	} {
		t.Run(name, func(t *testing.T) {
			rc := c.rc
			rc.Host, rc.QPS = srv.URL, -1
			d, err := New(Config{RESTConfig: &rc, UserAgent: "test", RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, PollBackoff: fastPoll})
			if err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			ctx := tflogtest.RootLogger(context.Background(), &logs)
			var errs []string
			if _, err := d.Info(ctx); err != nil {
				errs = append(errs, err.Error())
			}
			if _, err := d.SecretExists(ctx, "default", "api-key"); err != nil {
				errs = append(errs, err.Error())
			}
			if len(errs) != 2 || !strings.Contains(errs[1], "authenticating proxy failed") {
				t.Fatalf("want two errors quoting the API server's message, got %q", errs)
			}
			if !strings.Contains(logs.String(), "platform request") {
				t.Fatalf("no request was logged: the log check would prove nothing:\n%s", logs.String())
			}
			for _, leak := range []string{c.sent, url.QueryEscape(c.sent)} {
				for _, e := range errs {
					if strings.Contains(e, leak) {
						t.Errorf("%q leaked into an error: %s", leak, e)
					}
				}
				if strings.Contains(logs.String(), leak) {
					t.Errorf("%q leaked into the log:\n%s", leak, logs.String())
				}
			}
		})
	}
}
