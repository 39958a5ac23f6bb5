package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// clusterState is written to <state-dir>/state.json once the cluster is ready. The Node.js helper
// and tests read it; field names are part of that contract.
type clusterState struct {
	PID             int    `json:"pid"`
	ControllerPID   int    `json:"controllerManagerPid"`
	Server          string `json:"server"`
	APIServerPort   int    `json:"apiServerPort"`
	EtcdClientURL   string `json:"etcdClientUrl"`
	Kubeconfig      string `json:"kubeconfig"`
	AdminToken      string `json:"adminToken"`
	ViewerToken     string `json:"viewerToken"`
	CACert          string `json:"caCert"`
	StartedAt       string `json:"startedAt"`
	ReadyAt         string `json:"readyAt"`
	ReadyAfterMilli int64  `json:"readyAfterMs"`
	// When /readyz first answered 200; readyAfterMs also waits for the controller manager.
	APIReadyAfterMilli int64 `json:"apiServerReadyAfterMs"`
	// The fake kubelet (kubelet.go): the Node it is registered as, its port, and the control URL
	// where tests PUT container logs (admin token required).
	KubeletNodeName   string `json:"kubeletNodeName"`
	KubeletPort       int    `json:"kubeletPort"`
	KubeletControlURL string `json:"kubeletControlUrl"`
}

// ports are remembered per state directory so that a restarted cluster comes back at the same
// address: clients that hold the kubeconfig (and their watches) see a restart, not a new cluster.
type ports struct {
	APIServer  int `json:"apiServer"`
	EtcdClient int `json:"etcdClient"`
	EtcdPeer   int `json:"etcdPeer"`
	// The fake kubelet's HTTPS endpoint and its test-only control port.
	Kubelet        int `json:"kubelet"`
	KubeletControl int `json:"kubeletControl"`
}

func loadOrPickPorts(dir string, wantAPI int) (ports, error) {
	path := filepath.Join(dir, "ports.json")
	var p ports
	if data, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(data, &p)
	}
	if wantAPI != 0 {
		p.APIServer = wantAPI
	}
	// Every port, kept or new, stays held until all are chosen, so that no two slots share one.
	// They are released when this returns; the components bind them a few seconds later, and a
	// port another process takes in between fails the start (the Node.js helper starts again).
	var held []net.Listener
	defer func() {
		for _, l := range held {
			_ = l.Close()
		}
	}()
	for _, slot := range []*int{&p.APIServer, &p.EtcdClient, &p.EtcdPeer, &p.Kubelet, &p.KubeletControl} {
		if *slot != 0 {
			if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *slot)); err == nil {
				held = append(held, l)
				continue
			}
			if slot == &p.APIServer && wantAPI != 0 {
				return p, fmt.Errorf("requested API server port %d is in use", wantAPI)
			}
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return p, err
		}
		held = append(held, l)
		*slot = l.Addr().(*net.TCPAddr).Port
	}
	return p, writeJSONAtomic(path, p)
}

type tokens struct {
	Admin  string `json:"admin"`
	Viewer string `json:"viewer"`
}

// ensureTokens writes the static token file: an admin in system:masters, and an unprivileged
// "viewer" user that tests bind to roles to exercise RBAC (forbidden resources).
func ensureTokens(dir string) (tokens, string, error) {
	jsonPath := filepath.Join(dir, "tokens.json")
	csvPath := filepath.Join(dir, "tokens.csv")
	var t tokens
	if data, err := os.ReadFile(jsonPath); err == nil && json.Unmarshal(data, &t) == nil && t.Admin != "" && t.Viewer != "" {
		return t, csvPath, nil
	}
	t = tokens{Admin: randomToken(), Viewer: randomToken()}
	csv := strings.Join([]string{
		fmt.Sprintf("%s,admin,admin-uid,\"system:masters\"", t.Admin),
		fmt.Sprintf("%s,viewer,viewer-uid,\"driftwatch:test-viewers\"", t.Viewer),
	}, "\n") + "\n"
	if err := os.WriteFile(csvPath, []byte(csv), 0o600); err != nil {
		return t, csvPath, err
	}
	return t, csvPath, writeJSONAtomic(jsonPath, t)
}

func randomToken() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func writeKubeconfig(path, server, caPath string, t tokens) error {
	ca, err := os.ReadFile(caPath)
	if err != nil {
		return err
	}
	caB64 := base64Std(ca)
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test-cluster
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: admin
  user:
    token: %s
- name: viewer
  user:
    token: %s
contexts:
- name: test-cluster
  context:
    cluster: test-cluster
    user: admin
- name: test-cluster-viewer
  context:
    cluster: test-cluster
    user: viewer
current-context: test-cluster
`, server, caB64, t.Admin, t.Viewer)
	return writeFileAtomic(path, []byte(cfg), 0o600)
}

func writeJSONAtomic(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(data, '\n'), 0o600)
}

// writeFileAtomic renames into place so a reader polling for the file never sees half of it.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
