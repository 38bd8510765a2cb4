package openfaas

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/faasform/terraform-provider-faas/internal/httpclient"
	"github.com/faasform/terraform-provider-faas/internal/platform"
)

var (
	_ platform.SecretDriver = (*Driver)(nil)
	_ platform.Redactor     = (*Driver)(nil)
)

// AddRedacted implements platform.Redactor.
func (d *Driver) AddRedacted(values ...string) { d.client.AddSecrets(values...) }

// secretBody is the body of /system/secrets (openfaas/faas-provider types/secret.go).
type secretBody struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	Value     string `json:"value,omitempty"`
}

// CreateSecret implements platform.SecretDriver. faas-netes answers 202 and 409 on a
// duplicate (platforms.md 2.2). An existing secret is never overwritten: the create
// first checks that the name is free, and a create whose answer was lost is resolved by
// finding the secret and then writing the value once more with an idempotent PUT.
func (d *Driver) CreateSecret(ctx context.Context, s *platform.Secret) error {
	d.client.AddSecrets(s.Value)
	exists, err := d.SecretExists(ctx, s.Namespace, s.Name)
	if err != nil {
		return err
	}
	if exists {
		return secretExists(s)
	}
	for attempt := 0; ; attempt++ {
		resp, err := d.writeSecret(ctx, s.Namespace, httpclient.Request{Method: http.MethodPost, Path: "/system/secrets", Body: secretBody{s.Name, s.Namespace, s.Value}, NotIdempotent: true})
		var amb *httpclient.AmbiguousError
		if errors.As(err, &amb) {
			exists, rerr := d.SecretExists(ctx, s.Namespace, s.Name)
			switch {
			case rerr != nil:
				return fmt.Errorf("creating secret %s/%s: %w; checking for it also failed: %w", s.Namespace, s.Name, err, rerr)
			case exists:
				return d.UpdateSecret(ctx, s)
			case attempt < 3:
				continue
			}
		}
		if err != nil {
			return fmt.Errorf("creating secret %s/%s: %w", s.Namespace, s.Name, err)
		}
		if isSuccess(resp.StatusCode) {
			return nil
		}
		apiErr := d.apiError(http.MethodPost, "/system/secrets", resp)
		if errors.Is(apiErr, platform.ErrConflict) {
			return fmt.Errorf("%w (the platform said: %v)", secretExists(s), apiErr)
		}
		return fmt.Errorf("creating secret %s/%s: %w", s.Namespace, s.Name, apiErr)
	}
}

func secretExists(s *platform.Secret) error {
	return fmt.Errorf("secret %s/%s already exists on the platform and is not managed by this resource (%w; its value cannot be read, so set value_wo and value_wo_version). %s", s.Namespace, s.Name, platform.ErrConflict, platform.ImportHint(s.Namespace+"/"+s.Name))
}

// UpdateSecret implements platform.SecretDriver with PUT /system/secrets.
func (d *Driver) UpdateSecret(ctx context.Context, s *platform.Secret) error {
	d.client.AddSecrets(s.Value)
	resp, err := d.writeSecret(ctx, s.Namespace, httpclient.Request{Method: http.MethodPut, Path: "/system/secrets", Body: secretBody{s.Name, s.Namespace, s.Value}})
	if err != nil {
		return fmt.Errorf("updating secret %s/%s: %w", s.Namespace, s.Name, err)
	}
	if !isSuccess(resp.StatusCode) {
		return fmt.Errorf("updating secret %s/%s: %w", s.Namespace, s.Name, d.apiError(http.MethodPut, "/system/secrets", resp))
	}
	return nil
}

// SecretExists implements platform.SecretDriver: the gateway lists secret names only.
func (d *Driver) SecretExists(ctx context.Context, namespace, name string) (bool, error) {
	var list []secretBody
	if err := d.getJSON(ctx, "/system/secrets", url.Values{"namespace": {namespace}}, &list); err != nil {
		return false, fmt.Errorf("listing secrets in %q: %w", namespace, err)
	}
	for _, s := range list {
		if s.Name == name {
			return true, nil
		}
	}
	return false, nil
}

// DeleteSecret implements platform.SecretDriver. A secret that is already gone is
// success: faas-netes answers 404, while faasd answers 500 with the error of removing a
// file that does not exist (pkg/provider/handlers/secret.go), so any other failure is
// checked against the list of secrets before it is reported. That also makes a retried
// DELETE whose first answer was lost succeed on faasd.
func (d *Driver) DeleteSecret(ctx context.Context, namespace, name string) error {
	resp, err := d.writeSecret(ctx, namespace, httpclient.Request{Method: http.MethodDelete, Path: "/system/secrets",
		Query: url.Values{"namespace": {namespace}}, Body: secretBody{Name: name, Namespace: namespace}})
	if err != nil {
		return fmt.Errorf("deleting secret %s/%s: %w", namespace, name, err)
	}
	if isSuccess(resp.StatusCode) {
		return nil
	}
	apiErr := d.apiError(http.MethodDelete, "/system/secrets", resp)
	if errors.Is(apiErr, platform.ErrNotFound) {
		return nil
	}
	if exists, lerr := d.SecretExists(ctx, namespace, name); lerr == nil && !exists {
		return nil
	}
	return fmt.Errorf("deleting secret %s/%s: %w", namespace, name, apiErr)
}
