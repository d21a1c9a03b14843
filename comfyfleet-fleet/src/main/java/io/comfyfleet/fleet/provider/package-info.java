/**
 * The worker provider SPI: {@link io.comfyfleet.fleet.provider.WorkerProvider} starts, stops and lists workers
 * somewhere (local processes, Kubernetes pods, ...). Every implementation passes the same contract test
 * ({@code WorkerProviderContract} in the tests).
 */
package io.comfyfleet.fleet.provider;
