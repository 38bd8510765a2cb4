package knative

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/retry"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// ManagedByLabel marks the Secrets faas_secret writes (app.kubernetes.io/managed-by,
// the Kubernetes recommended label).
const ManagedByLabel = "app.kubernetes.io/managed-by"

// managedBy is ManagedByLabel's value.
const managedBy = "terraform-provider-faas"

// secretsGVR is the core v1 Secret.
var secretsGVR = corev1.SchemeGroupVersion.WithResource("secrets")

// secretObject is an Opaque core v1 Secret holding the value under one key named like
// the secret, as faas-netes stores OpenFaaS secrets, so the function's projected
// volume shows it as the file /var/openfaas/secrets/<name> on both platforms.
func secretObject(s *platform.Secret) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: toUnstructured(&corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: secretsGVR.GroupVersion().String(), Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: s.Namespace, Labels: map[string]string{ManagedByLabel: managedBy}},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{s.Name: []byte(s.Value)},
	})}
}

func (d *Driver) secrets(ns string) interface {
	Create(context.Context, *unstructured.Unstructured, metav1.CreateOptions, ...string) (*unstructured.Unstructured, error)
	Get(context.Context, string, metav1.GetOptions, ...string) (*unstructured.Unstructured, error)
	Update(context.Context, *unstructured.Unstructured, metav1.UpdateOptions, ...string) (*unstructured.Unstructured, error)
	Delete(context.Context, string, metav1.DeleteOptions, ...string) error
} {
	return d.dyn.Resource(secretsGVR).Namespace(ns)
}

// CreateSecret implements platform.SecretDriver: one POST that never overwrites an
// existing Secret (409 AlreadyExists → ErrConflict). The Secret carries a random create
// token (CreateTokenAnnotation), and a create whose answer was lost is resolved by the
// rule every driver shares (platform.CreateOnce): a Secret read back is adopted only
// when it carries this create's token, never because it holds the same value.
func (d *Driver) CreateSecret(ctx context.Context, s *platform.Secret) error {
	d.addRedacted(s.Value)
	obj := secretObject(s)
	token := newToken()
	obj.SetAnnotations(map[string]string{CreateTokenAnnotation: token})
	_, err := platform.CreateOnce(ctx, platform.Create[struct{}]{
		Send: func(ctx context.Context) (struct{}, error) {
			_, err := d.secrets(s.Namespace).Create(ctx, obj.DeepCopy(), metav1.CreateOptions{FieldValidation: metav1.FieldValidationStrict})
			if err != nil {
				return struct{}{}, d.apiError(http.MethodPost, collectionPath(secretsGVR, s.Namespace), err)
			}
			return struct{}{}, nil
		},
		ReadBack: func(ctx context.Context) (struct{}, bool, error) {
			cur, err := d.secrets(s.Namespace).Get(ctx, s.Name, metav1.GetOptions{})
			if err != nil {
				return struct{}{}, false, d.apiError(http.MethodGet, itemPath(secretsGVR, s.Namespace, s.Name), err)
			}
			return struct{}{}, cur.GetAnnotations()[CreateTokenAnnotation] == token, nil
		},
		Exists: func(error) error { return secretExists(s) },
	})
	if err != nil && !errors.Is(err, platform.ErrConflict) {
		return fmt.Errorf("creating secret %s/%s: %w", s.Namespace, s.Name, err)
	}
	return err
}

// holds reports whether a Secret read back carries exactly the value s sends.
func holds(u *unstructured.Unstructured, s *platform.Secret) bool {
	var got corev1.Secret
	if runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &got) != nil {
		return false
	}
	return len(got.Data) == 1 && bytes.Equal(got.Data[s.Name], []byte(s.Value))
}

func secretExists(s *platform.Secret) error {
	return fmt.Errorf("secret %s/%s already exists on the cluster and is not managed by this resource (%w; its value cannot be read back, so set value_wo and value_wo_version). %s",
		s.Namespace, s.Name, platform.ErrConflict, platform.ImportHint(s.Namespace+"/"+s.Name))
}

// UpdateSecret implements platform.SecretDriver: a read-modify-write of the Secret's
// data (other metadata kept), retried on 409 Conflict; ErrNotFound when it is gone.
func (d *Driver) UpdateSecret(ctx context.Context, s *platform.Secret) error {
	d.addRedacted(s.Value)
	path := itemPath(secretsGVR, s.Namespace, s.Name)
	err := retry.RetryOnConflict(conflictBackoff, func() error {
		cur, err := d.secrets(s.Namespace).Get(ctx, s.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		want := secretObject(s)
		next := cur.DeepCopy()
		next.Object["data"] = want.Object["data"]
		next.Object["type"] = "Opaque"
		delete(next.Object, "stringData")
		if holds(cur, s) {
			return nil
		}
		_, err = d.secrets(s.Namespace).Update(ctx, next, metav1.UpdateOptions{FieldValidation: metav1.FieldValidationStrict})
		return err
	})
	if err != nil {
		return fmt.Errorf("updating secret %s/%s: %w", s.Namespace, s.Name, d.apiError(http.MethodPut, path, err))
	}
	return nil
}

// SecretExists implements platform.SecretDriver.
func (d *Driver) SecretExists(ctx context.Context, namespace, name string) (bool, error) {
	_, err := d.secrets(namespace).Get(ctx, name, metav1.GetOptions{})
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsNotFound(err):
		return false, nil
	}
	return false, fmt.Errorf("reading secret %s/%s: %w", namespace, name, d.apiError(http.MethodGet, itemPath(secretsGVR, namespace, name), err))
}

// DeleteSecret implements platform.SecretDriver; a missing secret is not an error. It
// waits until the API server no longer returns the Secret (a finalizer may hold it), as
// DeleteFunction does (DESIGN.md section 6.7): a create of the same name right after the
// delete, as a replace does, must not find it still there.
func (d *Driver) DeleteSecret(ctx context.Context, namespace, name string) error {
	path := itemPath(secretsGVR, namespace, name)
	err := d.secrets(namespace).Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting secret %s/%s: %w", namespace, name, d.apiError(http.MethodDelete, path, err))
	}
	return d.waitGone(ctx, "secret "+namespace+"/"+name, path, func(ctx context.Context) error {
		_, err := d.secrets(namespace).Get(ctx, name, metav1.GetOptions{})
		return err
	})
}
