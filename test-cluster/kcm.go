package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	kcmapp "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

// The controllers that make workloads behave as in a real cluster: a Deployment gets a
// ReplicaSet and Pods with owner references, namespaces get their default ServiceAccount and
// root CA ConfigMap, deletions cascade. Node-, volume- and cloud-related controllers are left out:
// there are no nodes.
var controllers = []string{
	"deployment-controller", "replicaset-controller", "statefulset-controller", "daemonset-controller",
	"job-controller", "cronjob-controller", "ttl-after-finished-controller", "namespace-controller",
	"serviceaccount-controller", "serviceaccount-token-controller", "garbage-collector-controller",
	"root-ca-certificate-publisher-controller", "endpointslice-controller", "disruption-controller",
}

// child is a started process whose exit is observable without polling.
type child struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

func startControllerManager(stateDir, kubeconfig string, pki pkiFiles) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(stateDir, "controller-manager.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	// Separate process: kube-apiserver and kube-controller-manager both own process-global state
	// (signal handler, feature gates, klog flags), which does not survive sharing one process.
	cmd := exec.Command(self, "kcm",
		"--kubeconfig="+kubeconfig,
		"--leader-elect=false",
		"--use-service-account-credentials=false",
		"--controllers="+strings.Join(controllers, ","),
		"--service-account-private-key-file="+pki.SAKey,
		"--root-ca-file="+pki.CACert,
		"--secure-port=0",
		"--kube-api-qps=500",
		"--kube-api-burst=1000",
		"--concurrent-deployment-syncs=10",
		"--concurrent-replicaset-syncs=10",
		"--v=0",
	)
	// client-go derives the user agent, and so the managedFields manager name, from argv[0]; a
	// real cluster shows "kube-controller-manager" there, and drift attribution relies on it.
	cmd.Args[0] = "kube-controller-manager"
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	// If this process dies without cleaning up, the kernel takes the controller manager with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("start controller manager: %w", err)
	}
	c := &child{cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		_ = logFile.Close()
		close(c.exited)
	}()
	return c, nil
}

// stop asks the child to exit and kills it if it has not within five seconds.
func (c *child) stop() {
	if c == nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}

func runControllerManager(args []string) error {
	cmd := kcmapp.NewControllerManagerCommand()
	cmd.SetArgs(args)
	return cmd.Execute()
}
