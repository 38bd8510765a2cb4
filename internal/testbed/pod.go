package testbed

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Some components run in a "pod": a network namespace of their own, joined to the
// testbed's by a veth pair, as each would on a cluster. Every Knative component built on
// knative.dev/pkg's sharedmain serves its health probes on port 8080, hard-coded, and
// several data-plane components listen there too, so no two of them can share a network
// namespace; some also read their POD_IP, which must not be a loopback address.
//
// Pod i has the /30 network 10.255.0.4i: the testbed's end is .4i+1, the pod's .4i+2.
// The API server binds every address (Options.Knative) and its serving certificate names
// the testbed's end of every pod (podHostIPs), so a pod reaches it at https://<host
// end>:<port>.
const (
	// maxPods bounds the pods of one testbed (the API server's certificate names them).
	maxPods    = 16
	podNetmask = "/30"
	// vethPrefix names the interfaces the testbed makes itself (CheckIsolated allows them).
	vethPrefix = "tbk-"
)

// podAddrs returns the testbed's and the pod's addresses of pod i.
func podAddrs(i int) (host, pod string) {
	return fmt.Sprintf("10.255.0.%d", 4*i+1), fmt.Sprintf("10.255.0.%d", 4*i+2)
}

// podHostIPs are the testbed's ends of every possible pod.
func podHostIPs() []string {
	ips := make([]string, 0, maxPods)
	for i := range maxPods {
		h, _ := podAddrs(i)
		ips = append(ips, h)
	}
	return ips
}

// pod is a component started by runInPod.
type pod struct {
	*process
	// IP is the pod's address: where the testbed and the API server's egress reach it.
	IP string
}

// runInPod starts bin as component name in a pod of its own (see above), with env plus
// KUBECONFIG (a kubeconfig reaching the API server from the pod, with cluster-admin
// rights as user: a pod's service account, system:serviceaccount:<namespace>:<name>,
// where a component checks who made a change) and POD_IP.
func (t *Testbed) runInPod(ctx context.Context, name, user, bin string, env []string, args ...string) (*pod, error) {
	if t.pods >= maxPods {
		return nil, fmt.Errorf("starting %s: the testbed has room for %d pods", name, maxPods)
	}
	i := t.pods
	t.pods++
	hostIP, podIP := podAddrs(i)
	kubeconfig := filepath.Join(t.Dir, name+".kubeconfig")
	if err := t.writeKubeconfigFor(kubeconfig, "https://"+hostIP+":"+t.serverPort(), user, []string{"system:masters"}); err != nil {
		return nil, err
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		return nil, err
	}
	// The child waits for its end of the veth pair, configures it, and becomes bin.
	script := `while ! ip link show eth0 >/dev/null 2>&1; do sleep 0.05; done
ip link set lo up && ip addr add ` + podIP + podNetmask + ` dev eth0 && ip link set eth0 up && exec "$@"`
	env = append(env, "KUBECONFIG="+kubeconfig, "POD_IP="+podIP)
	p, err := t.runEnv(name, unshare, env, append([]string{"--net", "--", "sh", "-c", script, name, bin}, args...)...)
	if err != nil {
		return nil, err
	}
	// unshare(1) calls unshare(2) only after it has started: a veth peer moved into its
	// namespace before then lands in ours, and the child waits for eth0 forever.
	if err := inOwnNetns(ctx, p); err != nil {
		return nil, err
	}
	host := vethPrefix + strconv.Itoa(i)
	for _, c := range [][]string{
		{"ip", "link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", strconv.Itoa(p.cmd.Process.Pid)},
		{"ip", "addr", "add", hostIP + podNetmask, "dev", host},
		{"ip", "link", "set", host, "up"},
	} {
		if out, err := exec.CommandContext(ctx, c[0], c[1:]...).CombinedOutput(); err != nil { //nolint:gosec // fixed commands
			return nil, fmt.Errorf("%s: %w: %s", strings.Join(c, " "), err, out)
		}
	}
	t.cleanup = append(t.cleanup, func() { _ = exec.Command("ip", "link", "del", host).Run() }) //nolint:gosec // fixed command
	return &pod{process: p, IP: podIP}, nil
}

// inOwnNetns waits until process p is in a network namespace other than this process's.
func inOwnNetns(ctx context.Context, p *process) error {
	self, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		return err
	}
	nsOf := fmt.Sprintf("/proc/%d/ns/net", p.cmd.Process.Pid)
	return waitFor(ctx, p.name+"'s own network namespace", p, func(context.Context) error {
		ns, err := os.Readlink(nsOf)
		if err != nil {
			return err
		}
		if ns == self {
			return errNotReady
		}
		return nil
	})
}
