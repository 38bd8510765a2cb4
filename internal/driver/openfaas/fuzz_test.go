package openfaas

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// FuzzParseTriggerID: trigger import ids never panic, and accepted ids round-trip (the
// topic takes the rest of the id, so it may contain '/').
func FuzzParseTriggerID(f *testing.F) {
	for _, s := range []string{"openfaas-fn/f/cron", "ns/f/topic/a/b/#", "ns/f/topic/", "ns/f", "", "ns/f/topic/,", "x/y/cron/z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tr, err := ParseTriggerID(s)
		if err != nil {
			return
		}
		if got := triggerID(tr); got != s {
			t.Fatalf("%q parsed as %+v renders as %q", s, tr, got)
		}
	})
}

// FuzzFunctionStatus: whatever the gateway answers (nulls in maps, odd labels, broken
// last-applied records, quantities that do not parse), decoding and mapping never panic,
// and mapping is stable.
func FuzzFunctionStatus(f *testing.F) {
	for _, s := range []string{
		`{"name":"f","image":"x","labels":{"a":null,"com.openfaas.scale.min":"0"},"annotations":null,"envVars":{"b":null}}`,
		`{"name":"f","annotations":{"faasform.dev/last-applied":"{\"envVars\":null,\"limits\":{\"cpu\":\"zz\"}}","topic":",,cron-function,"},"limits":{"memory":"0","cpu":"abc"}}`,
		`{"name":"f","annotations":{"faasform.dev/last-applied":"not json"},"secrets":["a",""],"envProcess":"  a   b  "}`,
		`{"name":"f","labels":{"com.openfaas.scale.target-proportion":"NaN","com.openfaas.scale.max":"-3","com.openfaas.scale.zero":"maybe"}}`,
	} {
		f.Add(s)
	}
	infos := []platform.Info{{Platform: "openfaas", Backend: BackendFaasNetes, Edition: EditionCE}, {Platform: "openfaas", Backend: BackendFaasd, Edition: EditionPro}}
	f.Fuzz(func(t *testing.T, body string) {
		var st functionStatus
		if json.Unmarshal([]byte(body), &st) != nil {
			return
		}
		for _, info := range infos {
			a := fromWire(&st, info, "http://gw")
			b := fromWire(&st, info, "http://gw")
			if !sameFunction(a, b) {
				t.Fatalf("mapping is not stable for %s", body)
			}
			_ = deploymentFromStatus(&st)
			_ = policyFromLabels(a.ID, st.Labels)
			_ = splitTopics(st.Annotations[TopicAnnotation])
		}
	})
}

// FuzzValidateCron: the cron check never panics, and every schedule it accepts is
// non-empty.
func FuzzValidateCron(f *testing.F) {
	for _, s := range []string{"*/5 * * * *", "@every 1h", "0 0 * * 7", "@yearly", "", "* * * * * *", "TZ=UTC 0 * * * *"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateCron(s) == nil && len(s) == 0 {
			t.Fatal("empty schedule accepted")
		}
	})
}

// sameFunction compares the settings of two functions, ignoring status, the order of
// sets and the difference between empty and absent.
func sameFunction(a, b *platform.Function) bool {
	norm := func(f *platform.Function) platform.Function {
		c := *f
		c.Status = platform.FunctionStatus{}
		c.Secrets, c.ImagePullSecrets, c.Constraints = slices.Sorted(slices.Values(c.Secrets)), slices.Sorted(slices.Values(c.ImagePullSecrets)), slices.Sorted(slices.Values(c.Constraints))
		for _, p := range []*[]string{&c.Command, &c.Args} {
			if len(*p) == 0 {
				*p = nil
			}
		}
		for _, m := range []*map[string]string{&c.Env, &c.Labels, &c.Annotations} {
			if len(*m) == 0 {
				*m = nil
			}
		}
		return c
	}
	return reflect.DeepEqual(norm(a), norm(b))
}
