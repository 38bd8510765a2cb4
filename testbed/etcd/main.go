// Command etcd is the testbed's etcd server (v3.6.17, from Go modules): the upstream etcdmain
// entry point, built in a module of its own because Kubernetes v1.37.2 requires a newer etcd
// client library than the server the testbed pins.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
