package testbed

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// ClusterRanges are the address ranges the testbed's cluster hands out: Service
// ClusterIPs and pod IPs (kwok assigns them from PodCIDR). Real controllers dial them.
// Inside the testbed's network namespace they are routed to the loopback interface, so
// such a dial is refused at once and no packet can leave the machine.
var ClusterRanges = []string{ServiceCIDR, PodCIDR}

const (
	// ServiceCIDR is the cluster's Service ClusterIP range (kube-apiserver
	// --service-cluster-ip-range).
	ServiceCIDR = "10.96.0.0/12"
	// PodCIDR is the range of pod IPs that kwok assigns (kwok --cidr).
	PodCIDR = "10.244.0.0/16"
)

// CheckIsolated returns an error unless this process runs in a network namespace that
// cannot reach anything beyond this machine: no route other than through the loopback
// interface, or through the veth pairs the testbed makes itself to network namespaces of
// its own (named tbk-*). The testbed refuses to start anywhere else, because its controllers dial
// cluster addresses (private-range IPs) that must never leave the machine.
func CheckIsolated() error {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return fmt.Errorf("reading the routing table: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 0 && fields[0] != "lo" && !strings.HasPrefix(fields[0], vethPrefix) {
			return fmt.Errorf("this network namespace routes through %s: the testbed runs only in a namespace of its own (use `faas-testbed run`, which creates one)", fields[0])
		}
	}
	return sc.Err()
}

// SetUpNamespace configures a fresh network namespace for the testbed: the loopback
// interface up and the cluster ranges routed to it as local addresses. It must run as
// root inside a namespace made by unshare(1) --net.
func SetUpNamespace() error {
	if err := CheckIsolated(); err != nil {
		return err
	}
	cmds := [][]string{{"ip", "link", "set", "lo", "up"}}
	for _, r := range ClusterRanges {
		cmds = append(cmds, []string{"ip", "route", "add", "local", r, "dev", "lo"})
	}
	for _, c := range cmds {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil { //nolint:gosec // fixed commands
			return fmt.Errorf("%s: %w: %s", strings.Join(c, " "), err, out)
		}
	}
	return nil
}
