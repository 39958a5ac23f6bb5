package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pkiFiles are the credentials one cluster needs. They are made once per state directory and
// reused on restart, so a client holding the kubeconfig keeps working across an API-server restart.
type pkiFiles struct {
	CACert, CAKey           string
	ServingCert, ServingKey string
	SAKey, SAPub            string
}

func pkiIn(dir string) pkiFiles {
	p := filepath.Join(dir, "pki")
	return pkiFiles{
		CACert: filepath.Join(p, "ca.crt"), CAKey: filepath.Join(p, "ca.key"),
		ServingCert: filepath.Join(p, "apiserver.crt"), ServingKey: filepath.Join(p, "apiserver.key"),
		SAKey: filepath.Join(p, "sa.key"), SAPub: filepath.Join(p, "sa.pub"),
	}
}

func ensurePKI(dir string) (pkiFiles, error) {
	f := pkiIn(dir)
	if fileExists(f.CACert) && fileExists(f.ServingCert) && fileExists(f.SAKey) && fileExists(f.SAPub) {
		return f, nil
	}
	if err := os.MkdirAll(filepath.Dir(f.CACert), 0o700); err != nil {
		return f, err
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return f, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "driftwatch-test-cluster-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return f, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return f, err
	}

	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return f, err
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.0.0.1")},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		return f, err
	}

	// Service-account tokens are signed with RSA: it is what every Kubernetes client expects.
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return f, err
	}
	saPub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return f, err
	}

	caKeyDER, err := x509.MarshalECPrivateKey(caKey)
	if err != nil {
		return f, err
	}
	srvKeyDER, err := x509.MarshalECPrivateKey(srvKey)
	if err != nil {
		return f, err
	}
	writes := []pemFile{
		{f.CACert, "CERTIFICATE", caDER},
		{f.CAKey, "EC PRIVATE KEY", caKeyDER},
		{f.ServingCert, "CERTIFICATE", srvDER},
		{f.ServingKey, "EC PRIVATE KEY", srvKeyDER},
		{f.SAKey, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(saKey)},
		{f.SAPub, "PUBLIC KEY", saPub},
	}
	for _, w := range writes {
		data := pem.EncodeToMemory(&pem.Block{Type: w.kind, Bytes: w.der})
		if err := os.WriteFile(w.path, data, 0o600); err != nil {
			return f, fmt.Errorf("write %s: %w", w.path, err)
		}
	}
	return f, nil
}

type pemFile struct {
	path, kind string
	der        []byte
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
