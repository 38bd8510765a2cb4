package k8ssim

import (
	"encoding/json"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/faasform/terraform-provider-faas/internal/simulator/simcore"
)

// Faults describes misbehaviour injected into API requests (see simcore.Faults,
// including StatusWriteRaces, which races updates with a controller's status write).
type Faults = simcore.Faults

// Request is one API request as received, with the status it was answered (see
// simcore.Request); the values of Secret data and stringData are replaced by
// "REDACTED".
type Request = simcore.Request

// platform is how the API server answers injected faults: Status objects, as the real
// one does.
func (s *Server) platform() *simcore.Platform {
	s.platformOnce.Do(func() {
		s.plat = &simcore.Platform{
			MaxBody: 8 << 20,
			Redact:  redactBody,
			Route:   s.route,
			Answers: FaultAnswers(),
		}
	})
	return s.plat
}

// FaultAnswers is how the Kubernetes API server answers injected faults: Status
// objects, as the real one does. A fault-injecting proxy in front of a real API server
// (internal/faultproxy) uses it too.
func FaultAnswers() simcore.Answers {
	return simcore.Answers{
		Persistent: func(w http.ResponseWriter, r *http.Request, code int, message string) {
			se := apierrors.NewGenericServerResponse(code, r.Method, resourceOf(r.URL.Path), "", message, 0, true)
			if message != "" {
				se.ErrStatus.Message = message
			}
			writeStatus(w, se)
		},
		Unavailable: func(w http.ResponseWriter, _ *http.Request) {
			writeStatus(w, apierrors.NewServiceUnavailable("the server is currently unable to handle the request"))
		},
		RateLimited: func(w http.ResponseWriter, _ *http.Request, retryAfter int) {
			writeStatus(w, &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusTooManyRequests,
				Reason: metav1.StatusReasonTooManyRequests, Message: "Too many requests, please try again later.",
				Details: &metav1.StatusDetails{RetryAfterSeconds: int32(retryAfter)}}}) //nolint:gosec // small test values
		},
	}
}

func resourceOf(path string) schemaGroupResource {
	parts := splitPath(path)
	if rr, err := parseResourcePath(parts); err == nil {
		return rr.res.groupResource()
	}
	return schemaGroupResource{}
}

// redactBody hides Secret values from the request log: the values of data and
// stringData in a Secret body, or the whole body of a Secret write that is not a JSON
// object (a JSON patch).
func redactBody(path string, body []byte) []byte {
	if len(body) == 0 || !isSecretPath(path) {
		return append([]byte(nil), body...)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return []byte("REDACTED")
	}
	for _, k := range []string{"data", "stringData"} {
		if d, ok := m[k].(map[string]any); ok {
			for dk := range d {
				d[dk] = "REDACTED"
			}
		} else if _, ok := m[k]; ok {
			m[k] = "REDACTED"
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return []byte("REDACTED")
	}
	return b
}

func isSecretPath(path string) bool {
	parts := splitPath(path)
	for i, p := range parts {
		if p == "secrets" && i >= 2 && parts[0] == "api" {
			return true
		}
	}
	return false
}
