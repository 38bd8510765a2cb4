package faultproxy

import "k8s.io/client-go/rest"

// KubeBackend returns the Options of a proxy in front of the kube-apiserver that cfg
// (a client-go config, for example from a kubeconfig) points at: its URL, the CA it
// trusts, and its client certificate or token, read from their files when cfg names
// files. Answers and the other settings are left for the caller.
func KubeBackend(cfg *rest.Config) (Options, error) {
	c := rest.CopyConfig(cfg)
	if err := rest.LoadTLSFiles(c); err != nil {
		return Options{}, err
	}
	return Options{Backend: c.Host, BackendCAPEM: c.CAData, ClientCertPEM: c.CertData,
		ClientKeyPEM: c.KeyData, BearerToken: c.BearerToken}, nil
}
