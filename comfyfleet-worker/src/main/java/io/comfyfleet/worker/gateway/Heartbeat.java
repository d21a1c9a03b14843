package io.comfyfleet.worker.gateway;

import java.util.Collection;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pings the gateway every interval with the ids of the jobs in progress, so it keeps their leases alive.
 * A failed ping is logged and the next one goes out on schedule.
 */
public final class Heartbeat implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);

    private final ScheduledExecutorService scheduler;

    private Heartbeat(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    /** Starts pinging now and every {@code gateway.endpoints().pingInterval()}; a no-op without a ping URL. */
    public static Heartbeat start(GatewayClient gateway, Supplier<Collection<String>> jobsInProgress) {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("heartbeat").factory());
        if (gateway.endpoints().pingEnabled()) {
            long ms = gateway.endpoints().pingInterval().toMillis();
            scheduler.scheduleWithFixedDelay(() -> {
                try {
                    gateway.ping(jobsInProgress.get());
                } catch (RuntimeException e) {
                    log.warn("Heartbeat failed; the next one follows in {} ms: {}", ms, e.getMessage());
                }
            }, 0, ms, TimeUnit.MILLISECONDS);
        }
        return new Heartbeat(scheduler);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
