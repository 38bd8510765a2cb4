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
// duplicate (FACTS.md section 4.2). An existing secret is never overwritten: the create
// first checks that the name is free, then POSTs once through the rule every driver
// shares (platform.CreateOnce).
//
// The gateway's secret API carries a name, a namespace and a value, nothing else
// (openfaas/faas-provider types/secret.go), so an OpenFaaS secret cannot hold a create
// token. A create whose answer was lost is therefore taken as this create's when the
// secret exists on read-back, because it did not exist when this create checked just
// before sending; its value is then written once more with an idempotent PUT. Another
// writer creating the same secret within that moment would have its value replaced:
// the one case in which this provider cannot tell its own create from another's.
func (d *Driver) CreateSecret(ctx context.Context, s *platform.Secret) error {
	d.client.AddSecrets(s.Value)
	exists, err := d.SecretExists(ctx, s.Namespace, s.Name)
	if err != nil {
		return err
	}
	if exists {
		return secretExists(s)
	}
	adopted, err := platform.CreateOnce(ctx, platform.Create[bool]{
		Send: func(ctx context.Context) (bool, error) {
			resp, err := d.writeSecret(ctx, s.Namespace, httpclient.Request{Method: http.MethodPost, Path: "/system/secrets", Body: secretBody{s.Name, s.Namespace, s.Value}, NotIdempotent: true})
			switch {
			case err != nil:
				return false, fmt.Errorf("creating secret %s/%s: %w", s.Namespace, s.Name, err)
			case isSuccess(resp.StatusCode):
				return false, nil
			}
			apiErr := d.apiError(http.MethodPost, "/system/secrets", resp)
			if errors.Is(apiErr, platform.ErrConflict) {
				return false, apiErr
			}
			return false, fmt.Errorf("creating secret %s/%s: %w", s.Namespace, s.Name, apiErr)
		},
		ReadBack: func(ctx context.Context) (bool, bool, error) {
			exists, err := d.SecretExists(ctx, s.Namespace, s.Name)
			switch {
			case err != nil:
				return false, false, fmt.Errorf("checking for it: %w", err)
			case !exists:
				return false, false, platform.ErrNotFound
			}
			return true, true, nil
		},
		Exists: func(cause error) error {
			if errors.Is(cause, platform.ErrConflict) {
				return fmt.Errorf("%w (the platform said: %v)", secretExists(s), cause)
			}
			return secretExists(s)
		},
	})
	if err != nil || !adopted {
		return err
	}
	return d.UpdateSecret(ctx, s)
}

func secretExists(s *platform.Secret) error {
	return fmt.Errorf("secret %s/%s already exists on the platform and is not managed by this resource (%w; its value cannot be read, so set value_wo and value_wo_version). %s", s.Namespace, s.Name, platform.ErrConflict, platform.ImportHint(s.Namespace+"/"+s.Name))
}

// UpdateSecret implements platform.SecretDriver with PUT /system/secrets. faas-netes
// replaces a secret with a Kubernetes get and update and answers a conflict with another
// writer in between with 409 (pkg/handlers/secrets.go, ProcessErrorReasons): the replace
// carries the whole value, so it is written again, up to updateAttempts times. Unlike a
// function update, a secret write always answers its outcome, and the value cannot be
// read back.
//
// faasd writes a secret's file whether or not it exists (its PUT creates, as the
// simulator models it), so on faasd the update first checks that the secret exists and
// otherwise fails with ErrNotFound, as the interface promises: an update must not
// recreate a secret deleted behind Terraform's back.
func (d *Driver) UpdateSecret(ctx context.Context, s *platform.Secret) error {
	d.client.AddSecrets(s.Value)
	info, err := d.Info(ctx)
	if err != nil {
		return err
	}
	if info.Backend == BackendFaasd {
		exists, err := d.SecretExists(ctx, s.Namespace, s.Name)
		if err != nil {
			return fmt.Errorf("updating secret %s/%s: %w", s.Namespace, s.Name, err)
		}
		if !exists {
			return fmt.Errorf("updating secret %s/%s: it does not exist (%w)", s.Namespace, s.Name, platform.ErrNotFound)
		}
	}
	delay := updateRetry.DelayFunc()
	for attempt := 1; ; attempt++ {
		resp, err := d.writeSecret(ctx, s.Namespace, httpclient.Request{Method: http.MethodPut, Path: "/system/secrets", Body: secretBody{s.Name, s.Namespace, s.Value}})
		if err != nil {
			return fmt.Errorf("updating secret %s/%s: %w", s.Namespace, s.Name, err)
		}
		if isSuccess(resp.StatusCode) {
			return nil
		}
		apiErr := d.apiError(http.MethodPut, "/system/secrets", resp)
		if resp.StatusCode != http.StatusConflict || attempt >= updateAttempts || sleep(ctx, delay()) != nil {
			return fmt.Errorf("updating secret %s/%s: %w", s.Namespace, s.Name, apiErr)
		}
	}
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
