package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// There is no kubelet in the test cluster, but `pods/log` must travel the real path: the API
// server looks up the Pod's spec.nodeName, reads that Node's InternalIP and
// status.daemonEndpoints.kubeletEndpoint.Port, and proxies GET /containerLogs/... over TLS with its
// kubelet client certificate. fakeKubelet answers that one endpoint from logs the tests provide
// through a separate, token-protected control port (PUT /logs/{ns}/{pod}/{container}[?previous=true]).

// fakeNodeName is the Node registered with the fake kubelet's endpoint. Tests schedule a Pod onto
// it by setting spec.nodeName (or through pods/binding).
const fakeNodeName = "driftwatch-fake-node"

type fakeKubelet struct {
	mu   sync.RWMutex
	logs map[string][]byte
	srv  []*http.Server
}

func logKey(ns, pod, container string, previous bool) string {
	return fmt.Sprintf("%s/%s/%s/%t", ns, pod, container, previous)
}

// kubeletClientFiles is the client certificate the API server presents to kubelets
// (--kubelet-client-certificate); the fake kubelet requires it, as a real one does.
func kubeletClientFiles(dir string) (cert, key string) {
	p := filepath.Join(dir, "pki")
	return filepath.Join(p, "kubelet-client.crt"), filepath.Join(p, "kubelet-client.key")
}

// ensureKubeletClientCert is separate from ensurePKI so that state directories made before the
// fake kubelet existed get the certificate on their next start.
func ensureKubeletClientCert(dir string, pki pkiFiles) error {
	certPath, keyPath := kubeletClientFiles(dir)
	if fileExists(certPath) && fileExists(keyPath) {
		return nil
	}
	caCertPEM, err := os.ReadFile(pki.CACert)
	if err != nil {
		return err
	}
	caKeyPEM, err := os.ReadFile(pki.CAKey)
	if err != nil {
		return err
	}
	cb, _ := pem.Decode(caCertPEM)
	kb, _ := pem.Decode(caKeyPEM)
	if cb == nil || kb == nil {
		return errors.New("CA certificate or key is not PEM")
	}
	caCert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return err
	}
	caKey, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: "kube-apiserver-kubelet-client", Organization: []string{"system:masters"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
}

func kubeletAPIServerArgs(dir string, pki pkiFiles) []string {
	cert, key := kubeletClientFiles(dir)
	return []string{
		"--kubelet-preferred-address-types=InternalIP",
		"--kubelet-certificate-authority=" + pki.CACert,
		"--kubelet-client-certificate=" + cert,
		"--kubelet-client-key=" + key,
	}
}

// startFakeKubelet serves the kubelet endpoint with the API server's own serving certificate (it
// names 127.0.0.1 and is signed by the cluster CA, which --kubelet-certificate-authority trusts).
func startFakeKubelet(pki pkiFiles, p ports, adminToken string) (*fakeKubelet, error) {
	k := &fakeKubelet{logs: map[string][]byte{}}
	ca, err := os.ReadFile(pki.CACert)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, errors.New("bad CA certificate")
	}
	cert, err := tls.LoadX509KeyPair(pki.ServingCert, pki.ServingKey)
	if err != nil {
		return nil, err
	}
	kl, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p.Kubelet))
	if err != nil {
		return nil, fmt.Errorf("fake kubelet port: %w", err)
	}
	cl, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p.KubeletControl))
	if err != nil {
		_ = kl.Close()
		return nil, fmt.Errorf("fake kubelet control port: %w", err)
	}
	kubeletMux := http.NewServeMux()
	kubeletMux.HandleFunc("GET /containerLogs/{ns}/{pod}/{container}", k.serveLog)
	kubeletMux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	ks := &http.Server{
		Handler:           kubeletMux,
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{cert},
			ClientCAs:    pool,
			ClientAuth:   tls.RequireAndVerifyClientCert,
			MinVersion:   tls.VersionTLS12,
		},
	}
	controlMux := http.NewServeMux()
	controlMux.HandleFunc("PUT /logs/{ns}/{pod}/{container}", k.requireToken(adminToken, k.putLog))
	controlMux.HandleFunc("DELETE /logs/{ns}/{pod}/{container}", k.requireToken(adminToken, k.deleteLog))
	cs := &http.Server{Handler: controlMux, ReadHeaderTimeout: 10 * time.Second}
	k.srv = []*http.Server{ks, cs}
	go func() { _ = ks.ServeTLS(kl, "", "") }()
	go func() { _ = cs.Serve(cl) }()
	return k, nil
}

func (k *fakeKubelet) stop() {
	if k == nil {
		return
	}
	for _, s := range k.srv {
		_ = s.Close()
	}
}

func (k *fakeKubelet) requireToken(token string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h(w, r)
	}
}

func (k *fakeKubelet) putLog(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	key := logKey(r.PathValue("ns"), r.PathValue("pod"), r.PathValue("container"), r.URL.Query().Get("previous") == "true")
	k.mu.Lock()
	k.logs[key] = body
	k.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (k *fakeKubelet) deleteLog(w http.ResponseWriter, r *http.Request) {
	key := logKey(r.PathValue("ns"), r.PathValue("pod"), r.PathValue("container"), r.URL.Query().Get("previous") == "true")
	k.mu.Lock()
	delete(k.logs, key)
	k.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// serveLog honours tailLines and then limitBytes, in that order, as the kubelet does.
func (k *fakeKubelet) serveLog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ns, pod, container := r.PathValue("ns"), r.PathValue("pod"), r.PathValue("container")
	previous := q.Get("previous") == "true"
	k.mu.RLock()
	data, ok := k.logs[logKey(ns, pod, container, previous)]
	k.mu.RUnlock()
	if !ok {
		if previous {
			http.Error(w, fmt.Sprintf("previous terminated container %q in pod %q not found", container, pod), http.StatusBadRequest)
		} else {
			http.Error(w, fmt.Sprintf("container %q in pod %q has no log", container, pod), http.StatusNotFound)
		}
		return
	}
	if s := q.Get("tailLines"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			http.Error(w, "invalid tailLines", http.StatusBadRequest)
			return
		}
		data = tailLines(data, n)
	}
	if s := q.Get("limitBytes"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			http.Error(w, "invalid limitBytes", http.StatusBadRequest)
			return
		}
		if int64(len(data)) > n {
			data = data[:n]
		}
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

func tailLines(data []byte, n int64) []byte {
	if n == 0 {
		return nil
	}
	end := len(data)
	// A final newline ends the last line rather than starting an empty one.
	if end > 0 && data[end-1] == '\n' {
		end--
	}
	for i := end - 1; i >= 0; i-- {
		if data[i] == '\n' {
			n--
			if n == 0 {
				return data[i+1:]
			}
		}
	}
	return data
}

// registerFakeNode creates (or, after a restart, updates) the Node whose kubelet endpoint is the
// fake kubelet. Admission taints a new Node not-ready:NoSchedule; the taint stays, so controllers
// (the DaemonSet controller) do not place Pods on it unless a test asks for it.
func registerFakeNode(ctx context.Context, client *http.Client, server, token string, kubeletPort int) error {
	status := map[string]any{
		"addresses":       []map[string]string{{"type": "InternalIP", "address": "127.0.0.1"}, {"type": "Hostname", "address": fakeNodeName}},
		"daemonEndpoints": map[string]any{"kubeletEndpoint": map[string]int{"Port": kubeletPort}},
		"nodeInfo":        map[string]string{"kubeletVersion": "v1.37.2-fake", "operatingSystem": "linux", "architecture": "amd64"},
	}
	node := map[string]any{
		"apiVersion": "v1", "kind": "Node",
		"metadata": map[string]any{"name": fakeNodeName, "labels": map[string]string{"driftwatch.dev/fake-kubelet": "true"}},
		"status":   status,
	}
	code, body, err := send(ctx, client, http.MethodPost, server+"/api/v1/nodes", token, "application/json", node)
	if err != nil {
		return err
	}
	if code == http.StatusConflict {
		code, body, err = send(ctx, client, http.MethodPatch, server+"/api/v1/nodes/"+fakeNodeName+"/status", token,
			"application/merge-patch+json", map[string]any{"status": status})
		if err != nil {
			return err
		}
	}
	if code < 200 || code >= 300 {
		return fmt.Errorf("register node %s: HTTP %d: %s", fakeNodeName, code, strings.TrimSpace(string(body)))
	}
	return nil
}

func send(ctx context.Context, c *http.Client, method, url, token, contentType string, body any) (int, []byte, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(data))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}
