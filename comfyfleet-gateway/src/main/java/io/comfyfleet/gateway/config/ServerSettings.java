package io.comfyfleet.gateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The gateway process: where it listens, where it keeps files, request limits and timings.
 *
 * @param publicUrl            base URL clients use to reach the gateway (for output links); empty: taken
 *                             from each request's Host
 * @param maxRunBody           largest {@code /run} body accepted (RunPod: 10 MB)
 * @param maxRunsyncBody       largest {@code /runsync} body accepted (RunPod: 20 MB)
 * @param maxWorkerBody        largest job-done body accepted
 * @param maxStreamChunk       largest job-stream body accepted (RunPod: 1 MB)
 * @param maxOutputFile        largest file a worker may upload to the output store
 * @param jobTakeHold          how long an empty job-take is held open (RunPod workers give up at 90 s)
 * @param jobStopHold          how long an empty job-stop is held open
 * @param lease                a taken job goes back to the queue when its worker is silent this long
 * @param retention            how long finished jobs (and their output files) are kept
 * @param runsyncRetention     how long finished {@code /runsync} jobs are kept (RunPod: 1 minute); the
 *                             shorter of this and {@code retention} applies to them
 * @param sweepInterval        how often leases, timeouts, TTL and retention are checked
 * @param metricsToken         when set, {@code /metrics} answers only requests carrying it as
 *                             {@code Authorization: Bearer <token>}; empty: {@code /metrics} is open
 * @param idleTimeout          how long a keep-alive connection may sit unused before the gateway closes it;
 *                             longer than clients' own keep-alive (JDK HttpClient 30 s, Go 90 s) so the client
 *                             closes first and never sends a request on a connection the gateway just closed
 * @param controlLease         with several gateways on PostgreSQL, how long the control-loop lease (autoscaler,
 *                             sweeper) runs without renewal: how long the others wait after its holder died
 * @param controlRenew         how often the holder renews it and the others try to take it over (at most half of
 *                             {@code controlLease}); also how often the worker registry is shared
 */
public record ServerSettings(
        String host,
        int port,
        Optional<String> publicUrl,
        Path dataDir,
        long maxRunBody,
        long maxRunsyncBody,
        long maxWorkerBody,
        long maxStreamChunk,
        long maxOutputFile,
        Duration jobTakeHold,
        Duration jobStopHold,
        Duration lease,
        Duration retention,
        Duration runsyncRetention,
        Duration sweepInterval,
        Optional<Secret> metricsToken,
        Duration idleTimeout,
        Duration controlLease,
        Duration controlRenew) {}
