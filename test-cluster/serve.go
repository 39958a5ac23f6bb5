package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	apiserverapp "k8s.io/kubernetes/cmd/kube-apiserver/app"
)

type serveOptions struct {
	stateDir       string
	port           int
	exitOnStdinEOF bool
	extraAPIArgs   []string
}

func parseServe(args []string) (serveOptions, error) {
	var o serveOptions
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&o.stateDir, "state-dir", "", "directory for certificates, etcd data, kubeconfig and state.json (reused on restart)")
	fs.IntVar(&o.port, "port", 0, "API server port on 127.0.0.1 (default: the port this state dir used before, else a free one)")
	fs.BoolVar(&o.exitOnStdinEOF, "exit-on-stdin-eof", false, "shut down when standard input closes (the parent process is gone)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.extraAPIArgs = fs.Args()
	if o.stateDir == "" {
		return o, errors.New("--state-dir is required")
	}
	abs, err := filepath.Abs(o.stateDir)
	o.stateDir = abs
	return o, err
}

func serve(args []string) error {
	started := time.Now()
	o, err := parseServe(args)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.stateDir, 0o700); err != nil {
		return err
	}
	// A stale state.json from a previous run must not be mistaken for this run's readiness.
	_ = os.Remove(filepath.Join(o.stateDir, "state.json"))

	pki, err := ensurePKI(o.stateDir)
	if err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	if err := ensureKubeletClientCert(o.stateDir, pki); err != nil {
		return fmt.Errorf("kubelet client certificate: %w", err)
	}
	tok, tokenFile, err := ensureTokens(o.stateDir)
	if err != nil {
		return fmt.Errorf("tokens: %w", err)
	}
	p, err := loadOrPickPorts(o.stateDir, o.port)
	if err != nil {
		return err
	}
	server := fmt.Sprintf("https://127.0.0.1:%d", p.APIServer)
	kubeconfig := filepath.Join(o.stateDir, "kubeconfig")
	if err := writeKubeconfig(kubeconfig, server, pki.CACert, tok); err != nil {
		return err
	}

	etcd, etcdURL, err := startEtcd(o.stateDir, p)
	if err != nil {
		return err
	}
	defer etcd.Close()
	kubelet, err := startFakeKubelet(pki, p, tok.Admin)
	if err != nil {
		return err
	}
	defer kubelet.stop()

	// NewAPIServerCommand installs the process's SIGINT/SIGTERM handler; every other way of
	// stopping (stdin EOF, a failed controller manager) signals ourselves so there is one path.
	cmd := apiserverapp.NewAPIServerCommand()
	apiArgs := append(apiServerArgs(o.stateDir, p, etcdURL, pki, tokenFile), kubeletAPIServerArgs(o.stateDir, pki)...)
	cmd.SetArgs(append(apiArgs, o.extraAPIArgs...))
	if o.exitOnStdinEOF {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			fmt.Fprintln(os.Stderr, "test-cluster: standard input closed, shutting down")
			_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
		}()
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var kcm atomic.Pointer[child]
	// The API server's own handler also sees this signal and starts draining; the controller
	// manager's watches would hold that drain open, so it goes first.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, os.Interrupt)
	go func() {
		<-sigs
		cancel()
		kcm.Load().stop()
	}()
	go func() {
		if err := afterReady(ctx, o, server, kubeconfig, pki, tok, etcdURL, p, started, &kcm); err != nil && ctx.Err() == nil {
			fmt.Fprintf(os.Stderr, "test-cluster: %v\n", err)
			// One signal, one shutdown path: the API server's handler exits hard on a second.
			_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
		}
	}()

	runErr := cmd.Execute()
	cancel()
	kcm.Load().stop()
	_ = os.Remove(filepath.Join(o.stateDir, "state.json"))
	return runErr
}

func apiServerArgs(dir string, p ports, etcdURL string, pki pkiFiles, tokenFile string) []string {
	return []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", p.APIServer),
		"--cert-dir=" + filepath.Join(dir, "pki"),
		"--tls-cert-file=" + pki.ServingCert,
		"--tls-private-key-file=" + pki.ServingKey,
		"--client-ca-file=" + pki.CACert,
		"--token-auth-file=" + tokenFile,
		"--authorization-mode=RBAC",
		"--service-cluster-ip-range=10.0.0.0/16",
		"--allow-privileged=true",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + pki.SAPub,
		"--service-account-signing-key-file=" + pki.SAKey,
		"--endpoint-reconciler-type=none",
		"--shutdown-delay-duration=0s",
		"--profiling=false",
		// Benchmarks push hundreds of mutations per second; the defaults would throttle them.
		"--max-requests-inflight=1600",
		"--max-mutating-requests-inflight=800",
		"--v=0",
	}
}

// afterReady waits for /readyz, starts the controller manager, waits until it works (the
// serviceaccount controller has made default/default) and then publishes state.json.
func afterReady(ctx context.Context, o serveOptions, server, kubeconfig string, pki pkiFiles, tok tokens,
	etcdURL string, p ports, started time.Time, kcmRef *atomic.Pointer[child]) error {
	client, err := httpClientFor(pki.CACert)
	if err != nil {
		return err
	}
	if err := waitFor(ctx, 3*time.Minute, func() bool { return get(client, server+"/readyz", tok.Admin) == 200 }); err != nil {
		return fmt.Errorf("API server not ready: %w", err)
	}
	apiReady := time.Since(started)
	kcm, err := startControllerManager(o.stateDir, kubeconfig, pki)
	if err != nil {
		return err
	}
	kcmRef.Store(kcm)
	if ctx.Err() != nil { // shutdown began while it was starting
		kcm.stop()
		return ctx.Err()
	}
	go func() {
		<-kcm.exited
		if ctx.Err() == nil {
			fmt.Fprintln(os.Stderr, "test-cluster: controller manager exited unexpectedly; see controller-manager.log")
			_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
		}
	}()
	saURL := server + "/api/v1/namespaces/default/serviceaccounts/default"
	if err := waitFor(ctx, 2*time.Minute, func() bool {
		select {
		case <-kcm.exited:
			return false
		default:
		}
		return get(client, saURL, tok.Admin) == 200
	}); err != nil {
		return fmt.Errorf("controller manager not working: %w", err)
	}
	// Registered while the controller manager's first lists load the API server: one slow or
	// refused answer (5 s client timeout, 429, 5xx) must not end the whole cluster.
	var nodeErr error
	if err := waitFor(ctx, time.Minute, func() bool {
		nodeErr = registerFakeNode(ctx, client, server, tok.Admin, p.Kubelet)
		return nodeErr == nil
	}); err != nil {
		return fmt.Errorf("fake kubelet's node not registered (%w): %v", err, nodeErr)
	}
	now := time.Now()
	st := clusterState{
		PID: os.Getpid(), ControllerPID: kcm.cmd.Process.Pid, Server: server, APIServerPort: p.APIServer,
		EtcdClientURL: etcdURL, Kubeconfig: kubeconfig, AdminToken: tok.Admin, ViewerToken: tok.Viewer,
		CACert: pki.CACert, StartedAt: started.UTC().Format(time.RFC3339Nano),
		ReadyAt: now.UTC().Format(time.RFC3339Nano), ReadyAfterMilli: now.Sub(started).Milliseconds(),
		APIReadyAfterMilli: apiReady.Milliseconds(),
		KubeletNodeName:    fakeNodeName, KubeletPort: p.Kubelet,
		KubeletControlURL: fmt.Sprintf("http://127.0.0.1:%d", p.KubeletControl),
	}
	if err := writeJSONAtomic(filepath.Join(o.stateDir, "state.json"), st); err != nil {
		return err
	}
	fmt.Printf("test-cluster ready in %dms: server=%s kubeconfig=%s\n", st.ReadyAfterMilli, server, kubeconfig)
	return nil
}

func httpClientFor(caPath string) (*http.Client, error) {
	ca, err := os.ReadFile(caPath)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, errors.New("bad CA certificate")
	}
	return &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}, nil
}

func get(c *http.Client, url, token string) int {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

func waitFor(ctx context.Context, limit time.Duration, ok func() bool) error {
	deadline := time.Now().Add(limit)
	for {
		if ok() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("gave up after %s", limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
