/**
 * The Kubernetes worker provider: {@link io.comfyfleet.kubernetes.KubernetesProvider} runs each worker as a pod and
 * follows the pods with an informer; {@link io.comfyfleet.kubernetes.KubernetesConfig} says what the pods look like.
 * Only the command line ({@code comfyfleet-cli}) imports this package, so nothing else depends on fabric8.
 */
package io.comfyfleet.kubernetes;
