package platform

import (
	"net/url"
	"strings"
	"testing"
)

func TestRedactionsHideCredentialsAsSent(t *testing.T) {
	var r Redactions
	basic := BasicAuthorization("admin", "pa ss+word/1")
	r.AddAuthorization(basic)
	r.AddAuthorization(BearerAuthorization("tok+en/abc="))
	r.Add("ab", "") // too short to hide safely: ignored
	cred := strings.TrimPrefix(basic, "Basic ")
	in := strings.Join([]string{
		"header " + basic, "escaped " + url.QueryEscape(basic), "decoded admin:pa ss+word/1",
		"bearer tok+en/abc=", "redirect ?t=" + url.QueryEscape("tok+en/abc="), "path /" + url.PathEscape("tok+en/abc="), "ab stays",
	}, "; ")
	got := r.Redact(in)
	for _, leak := range []string{cred, url.QueryEscape(cred), "pa ss+word/1", "tok+en/abc=", url.QueryEscape("tok+en/abc=")} {
		if strings.Contains(got, leak) {
			t.Errorf("%q leaked: %s", leak, got)
		}
	}
	want := "header Basic ***; escaped Basic+***; decoded admin:***; bearer ***; redirect ?t=***; path /***; ab stays"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestRedactionsLongestFirst(t *testing.T) {
	var r Redactions
	r.Add("abc")
	r.Add("xxabcxx")
	if got := r.Redact("xxabcxx abc"); got != "*** ***" {
		t.Fatalf("a value containing another must be hidden whole: %q", got)
	}
}
