package openfaassim

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/faasform/terraform-provider-faas/internal/simulator/simcore"
)

// Faults describes misbehaviour injected into gateway API requests (see simcore.Faults;
// StatusWriteRaces does not apply: the gateway API has no resource versions).
type Faults = simcore.Faults

// Request is one gateway request as received, with the status it was answered (see
// simcore.Request); the values of secrets are replaced by "REDACTED".
type Request = simcore.Request

// platform is how the gateway answers injected faults, and the spec checks of its own
// answers.
func (s *Server) platform() *simcore.Platform {
	s.platformOnce.Do(func() {
		s.plat = &simcore.Platform{
			MaxBody: 32 << 20,
			Redact:  redactBody,
			Route:   s.route,
			Answers: FaultAnswers(),
			// Injected faults are not the gateway's answers: only its own are checked.
			Observe: func(r *http.Request, body []byte) func(int, http.Header, []byte) {
				chk := s.checkRequest(r, body)
				if chk == nil {
					return nil
				}
				return func(status int, header http.Header, body []byte) { s.checkResponse(chk, status, header, body) }
			},
		}
	})
	return s.plat
}

// FaultAnswers is how the OpenFaaS gateway answers injected faults: plain text, as its
// handlers do. A fault-injecting proxy in front of a real gateway (internal/faultproxy)
// uses it too.
func FaultAnswers() simcore.Answers {
	return simcore.Answers{
		Persistent: func(w http.ResponseWriter, _ *http.Request, code int, message string) {
			http.Error(w, message, code)
		},
		Unavailable: func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		},
		RateLimited: func(w http.ResponseWriter, _ *http.Request, _ int) {
			http.Error(w, "rate limit exceeded", http.StatusTooManyRequests)
		},
	}
}

// redactBody hides secret values from the request log.
func redactBody(path string, body []byte) []byte {
	if path != "/system/secrets" || len(body) == 0 {
		return append([]byte(nil), body...)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return []byte("REDACTED")
	}
	for _, k := range []string{"value", "rawValue"} {
		if _, ok := m[k]; ok {
			m[k] = "REDACTED"
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return []byte("REDACTED")
	}
	return b
}

// ServeHTTP serves the gateway API, and the admin API under /_sim/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.AdminHandler().ServeHTTP(w, r)
		return
	}
	s.Serve(w, r, s.platform())
}
