package testbed

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

const (
	knativeEventingNS = "knative-eventing"
	// eventingDir is where scripts/testbed-build.sh puts Eventing's binaries and its
	// config/core, config/channels/in-memory-channel and config/brokers/mt-channel-broker.
	eventingDir = "knative-eventing"
	// eventingWebhookPort is the port of both Eventing webhooks, each in its own pod.
	eventingWebhookPort = 8443
)

// EventingBinaries are the files in BinDir/knative-eventing that Options.Knative needs
// besides KnativeBinaries: Eventing's controller and webhook, the PingSource adapter,
// the in-memory channel's controller and dispatcher, and the multi-tenant channel-based
// broker's controller, ingress and filter.
var EventingBinaries = []string{"controller", "webhook", "mtping", "channel_controller", "channel_dispatcher", "mtchannel_broker", "ingress", "filter"}

// GVRs of the Eventing objects the testbed reads or writes.
var (
	// BrokersGVR is eventing.knative.dev/v1 brokers.
	BrokersGVR           = schema.GroupVersionResource{Group: "eventing.knative.dev", Version: "v1", Resource: "brokers"}
	pingSourcesGVR       = schema.GroupVersionResource{Group: "sources.knative.dev", Version: "v1", Resource: "pingsources"}
	inMemoryChannelsGVR  = schema.GroupVersionResource{Group: "messaging.knative.dev", Version: "v1", Resource: "inmemorychannels"}
	eventingDeployedByUs = map[string]bool{
		// Deployments whose component runs here as a process in a pod of its own, and
		// whose readiness no reconciler reads; the others (the PingSource adapter, the
		// dispatcher, the broker's ingress and filter) stay: their reconcilers read the
		// Deployment's availability or its Service's EndpointSlices, which kwok's pods give.
		"eventing-controller": true, "eventing-webhook": true, "imc-controller": true, "mt-broker-controller": true,
	}
)

// eventingComponent is one Eventing process: its name (as its Deployment's), its service
// account (the in-memory channel's webhook lets only eventing-controller change a
// channel's subscribers), its binary in BinDir/knative-eventing, its environment as its
// Deployment sets it, and the Service by which the API server calls it when it is a
// webhook.
type eventingComponent struct {
	name, serviceAccount, bin, webhookService string
	env                                       []string
}

var eventingComponents = []eventingComponent{
	{name: "eventing-webhook", serviceAccount: "eventing-webhook", bin: "webhook", webhookService: "eventing-webhook",
		env: []string{"WEBHOOK_NAME=eventing-webhook", "WEBHOOK_PORT=" + strconv.Itoa(eventingWebhookPort), "SINK_BINDING_SELECTION_MODE=exclusion"}},
	{name: "imc-controller", serviceAccount: "imc-controller", bin: "channel_controller", webhookService: "inmemorychannel-webhook",
		env: []string{"WEBHOOK_NAME=inmemorychannel-webhook", "WEBHOOK_PORT=" + strconv.Itoa(eventingWebhookPort),
			"METRICS_DOMAIN=knative.dev/inmemorychannel-controller", "DISPATCHER_IMAGE=knative.dev/eventing/cmd/in_memory/channel_dispatcher"}},
	{name: "eventing-controller", serviceAccount: "eventing-controller", bin: "controller", env: []string{
		"APISERVER_RA_IMAGE=knative.dev/eventing/cmd/apiserver_receive_adapter", "AUTH_PROXY_IMAGE=knative.dev/eventing/cmd/auth_proxy"}},
	{name: "imc-dispatcher", serviceAccount: "imc-dispatcher", bin: "channel_dispatcher", env: []string{
		"METRICS_DOMAIN=knative.dev/inmemorychannel-dispatcher", "CONTAINER_NAME=dispatcher", "MAX_IDLE_CONNS=1000", "MAX_IDLE_CONNS_PER_HOST=1000"}},
	{name: "mt-broker-controller", serviceAccount: "eventing-controller", bin: "mtchannel_broker"},
	{name: "mt-broker-ingress", serviceAccount: "mt-broker-ingress", bin: "ingress", env: []string{
		"NAMESPACE=" + knativeEventingNS, "CONTAINER_NAME=ingress", "METRICS_DOMAIN=knative.dev/internal/eventing", "INGRESS_PORT=8080", "INGRESS_PORT_HTTPS=8443"}},
	{name: "mt-broker-filter", serviceAccount: "mt-broker-filter", bin: "filter", env: []string{
		"NAMESPACE=" + knativeEventingNS, "CONTAINER_NAME=filter", "METRICS_DOMAIN=knative.dev/internal/eventing", "FILTER_PORT=8080", "FILTER_PORT_HTTPS=8443"}},
	{name: "pingsource-mt-adapter", serviceAccount: "pingsource-mt-adapter", bin: "mtping", env: []string{
		"NAMESPACE=" + knativeEventingNS, "K_OBSERVABILITY_CONFIG={}", "K_LOGGING_CONFIG=", "K_LEADER_ELECTION_CONFIG=", "K_NO_SHUTDOWN_AFTER=", "K_SINK_TIMEOUT=-1"}},
}

// startEventing installs Knative Eventing (config/core, the in-memory channel and the
// multi-tenant channel-based broker), starts each component in a pod of its own, and
// returns when both webhooks admit objects and a Broker becomes Ready through the real
// reconcilers (which needs the controller, the broker's controller, the in-memory
// channel's controller and its dispatcher).
func (t *Testbed) startEventing(ctx context.Context, dyn dynamic.Interface) error {
	dir := filepath.Join(t.binDir, eventingDir)
	for _, name := range EventingBinaries {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("Knative Eventing is not built (%w): run `make testbed-build` first", err)
		}
	}
	t.progress("installing Knative Eventing's config/core, in-memory channel and multi-tenant channel-based broker")
	roots := []string{filepath.Join(dir, "config", "core"), filepath.Join(dir, "config", "in-memory-channel"), filepath.Join(dir, "config", "mt-channel-broker")}
	if err := t.installManifests(ctx, dyn, roots, func(u *unstructured.Unstructured) bool {
		switch u.GetKind() {
		case "HorizontalPodAutoscaler", "PodDisruptionBudget":
			return false
		case "Deployment":
			return !eventingDeployedByUs[u.GetName()]
		}
		return true
	}); err != nil {
		return err
	}
	t.progress("starting Knative Eventing's " + fmt.Sprint(len(eventingComponents)) + " components")
	procs := map[string]*pod{}
	for _, c := range eventingComponents {
		prof, err := freePort()
		if err != nil {
			return err
		}
		env := append([]string{"SYSTEM_NAMESPACE=" + knativeEventingNS, "POD_NAME=" + c.name, "PROFILING_PORT=" + strconv.Itoa(prof),
			"CONFIG_LOGGING_NAME=config-logging", "CONFIG_OBSERVABILITY_NAME=config-observability", "METRICS_DOMAIN=knative.dev/eventing"}, c.env...)
		p, err := t.runInPod(ctx, c.name, "system:serviceaccount:"+knativeEventingNS+":"+c.serviceAccount, filepath.Join(dir, c.bin), env)
		if err != nil {
			return err
		}
		procs[c.name] = p
		if c.webhookService != "" {
			t.egress.route(knativeEventingNS, c.webhookService, p.IP+":"+strconv.Itoa(eventingWebhookPort))
		}
	}
	// Both webhooks are up when they admit an object (server-side dry run).
	for _, probe := range []struct {
		by  string
		gvr schema.GroupVersionResource
		obj map[string]any
	}{
		{"eventing-webhook", pingSourcesGVR, map[string]any{"apiVersion": "sources.knative.dev/v1", "kind": "PingSource",
			"metadata": map[string]any{"name": "testbed-probe", "namespace": "default"},
			"spec":     map[string]any{"schedule": "* * * * *", "sink": map[string]any{"uri": "http://testbed-probe.example.com"}}}},
		{"imc-controller", inMemoryChannelsGVR, map[string]any{"apiVersion": "messaging.knative.dev/v1", "kind": "InMemoryChannel",
			"metadata": map[string]any{"name": "testbed-probe", "namespace": "default"}}},
	} {
		if err := waitFor(ctx, "Knative Eventing's "+probe.by+" to admit "+probe.gvr.Resource, procs[probe.by].process, func(ctx context.Context) error {
			if err := t.checkRunning(); err != nil {
				return err
			}
			_, err := dyn.Resource(probe.gvr).Namespace("default").Create(ctx, &unstructured.Unstructured{Object: probe.obj}, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
			if err != nil {
				return fmt.Errorf("%w: %w", err, errNotReady)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return t.waitBrokerReady(ctx, dyn)
}

// waitBrokerReady creates a Broker, waits until it is Ready and deletes it again: the
// proof that the broker class, its channel and their reconcilers all work.
func (t *Testbed) waitBrokerReady(ctx context.Context, dyn dynamic.Interface) error {
	brokers := dyn.Resource(BrokersGVR).Namespace("default")
	probe := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "eventing.knative.dev/v1", "kind": "Broker",
		"metadata": map[string]any{"name": "testbed-probe", "namespace": "default"}}}
	if _, err := brokers.Create(ctx, probe, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("creating a probe Broker: %w", err)
	}
	defer func() { _ = brokers.Delete(context.Background(), "testbed-probe", metav1.DeleteOptions{}) }()
	var last *unstructured.Unstructured
	err := waitFor(ctx, "a Broker to become Ready on Knative Eventing", nil, func(ctx context.Context) error {
		if err := t.checkRunning(); err != nil {
			return err
		}
		b, err := brokers.Get(ctx, "testbed-probe", metav1.GetOptions{})
		if err != nil {
			return err
		}
		last = b
		if !conditionTrue(b, "Ready") {
			return errNotReady
		}
		return nil
	})
	if err != nil && last != nil {
		return fmt.Errorf("%w; the Broker's status: %v", err, last.Object["status"])
	}
	return err
}
