package platform

import (
	"encoding/base64"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
)

// minRedacted is the shortest value Redactions hides: shorter ones are too common in
// ordinary text to replace safely.
const minRedacted = 3

// Redactions is the set of values a driver must never show in a log line or an error
// message: credentials, secret values, and the forms in which they travel. A platform
// or a proxy may echo a request back (in an error body, in a redirect message), and then
// shows the credentials as they were sent, not as they were configured: the Authorization
// header carries base64("user:password"), and a redirect URL carries them URL-escaped.
// The zero value is empty and ready to use; it is safe for concurrent use.
type Redactions struct {
	mu     sync.RWMutex
	values []string // longest first, so that a value containing another is hidden whole
}

// Add registers values, each also in its URL-escaped forms (query and path escaping).
// Values shorter than three characters are ignored.
func (r *Redactions) Add(values ...string) {
	var forms []string
	for _, v := range values {
		if len(v) >= minRedacted {
			forms = append(forms, v, url.QueryEscape(v), url.PathEscape(v))
		}
	}
	if len(forms) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	added := false
	for _, f := range forms {
		if !slices.Contains(r.values, f) {
			r.values = append(r.values, f)
			added = true
		}
	}
	if added {
		sort.SliceStable(r.values, func(i, j int) bool { return len(r.values[i]) > len(r.values[j]) })
	}
}

// AddAuthorization registers the credentials of an Authorization header value exactly
// as it was sent: the part after the scheme ("Basic <base64 of user:password>",
// "Bearer <token>", or any other scheme), and for Basic also the password it encodes, so
// that an echo of the header, of its URL-escaped form or of the decoded pair shows none
// of them.
func (r *Redactions) AddAuthorization(header string) {
	scheme, credentials, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok {
		r.Add(scheme)
		return
	}
	credentials = strings.TrimSpace(credentials)
	r.Add(credentials)
	if strings.EqualFold(scheme, "Basic") {
		if pair, err := base64.StdEncoding.DecodeString(credentials); err == nil {
			if _, password, ok := strings.Cut(string(pair), ":"); ok {
				r.Add(password)
			}
		}
	}
}

// Redact replaces every registered value in s with "***", the longest values first.
func (r *Redactions) Redact(s string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, v := range r.values {
		s = strings.ReplaceAll(s, v, "***")
	}
	return s
}

// BasicAuthorization is the Authorization header value of HTTP basic auth as Go's
// net/http (http.Request.SetBasicAuth) and client-go send it: "Basic " and the standard
// base64 of "username:password".
func BasicAuthorization(username, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(username+":"+password))
}

// BearerAuthorization is the Authorization header value of a bearer token.
func BearerAuthorization(token string) string { return "Bearer " + token }
