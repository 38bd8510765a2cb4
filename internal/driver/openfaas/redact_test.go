package openfaas

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/faasform/terraform-provider-faas/internal/httpclient"
)

// TestEchoedAuthorizationIsRedacted: a gateway (or a proxy in front of it) that answers
// 500 quoting the request's Authorization header shows the credentials as sent, not as
// configured: Basic base64(user:password), or the bearer token. Neither the errors the
// driver returns nor its log lines may carry them (issue 12).
func TestEchoedAuthorizationIsRedacted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		http.Error(w, "upstream rejected the request with Authorization: "+auth+" (retry at /login?auth="+url.QueryEscape(auth)+")", http.StatusInternalServerError)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	for name, cfg := range map[string]httpclient.Config{
		"basic":  {Username: "admin", Password: "gateway-pw-7c1e"},
		"bearer": {Token: "gateway-token-5d2a+/x="},
	} {
		t.Run(name, func(t *testing.T) {
			sent := cfg.Token
			if sent == "" {
				sent = base64.StdEncoding.EncodeToString([]byte(cfg.Username + ":" + cfg.Password))
			}
			cfg.BaseURL, cfg.UserAgent, cfg.RetryWaitMin, cfg.RetryWaitMax = u, "test", time.Millisecond, 5*time.Millisecond
			c, err := httpclient.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			d := New(Config{Client: c})
			var logs bytes.Buffer
			ctx := tflogtest.RootLogger(context.Background(), &logs)
			var errs []string
			if _, err := d.Info(ctx); err != nil {
				errs = append(errs, err.Error())
			}
			if _, err := d.SecretExists(ctx, DefaultNamespace, "api-key"); err != nil {
				errs = append(errs, err.Error())
			}
			if len(errs) != 2 || !strings.Contains(errs[0], "upstream rejected the request") {
				t.Fatalf("want two errors quoting the gateway's message, got %q", errs)
			}
			if !strings.Contains(logs.String(), "platform request") {
				t.Fatalf("no request was logged: the log check would prove nothing:\n%s", logs.String())
			}
			for _, leak := range []string{sent, url.QueryEscape(sent)} {
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
