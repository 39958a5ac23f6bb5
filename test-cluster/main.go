// Command test-cluster runs a real Kubernetes control plane for Driftwatch's tests and demo:
// embedded etcd, kube-apiserver in-process and kube-controller-manager as a child process of
// the same binary. There is no scheduler and no kubelet, so Pods stay Pending.
package main

import (
	"fmt"
	"os"
)

const usage = `usage:
  test-cluster serve --state-dir DIR [--port N] [--exit-on-stdin-eof] [-- extra kube-apiserver flags]
  test-cluster compact --state-dir DIR     compact etcd to its current revision (forces 410 Gone)
  test-cluster kcm [kube-controller-manager flags]   (internal: started by serve)
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "kcm":
		err = runControllerManager(os.Args[2:])
	case "compact":
		err = compact(os.Args[2:])
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "test-cluster: %v\n", err)
		os.Exit(1)
	}
}
