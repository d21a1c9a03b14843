package io.comfyfleet.worker;

import io.comfyfleet.worker.gateway.GatewayClient;
import java.time.Duration;

/**
 * Ends a worker whose gateway has not answered for {@code limit}: a worker a provider started (a container, a pod)
 * reports to that gateway only, and when it is gone for good nothing the worker does can be reported, while the
 * worker would go on holding (and billing) its GPU. The local provider's workers have {@code --exit-with-pid} for
 * this; a container or a pod cannot see the process that started it, so the gateway's silence is the signal.
 * Polled from a daemon thread; {@code onSilent} runs once, on that thread.
 */
final class GatewayWatch {
    private GatewayWatch() {}

    static Thread start(GatewayClient gateway, Duration limit, Runnable onSilent) {
        // a tenth of the limit, so the worker ends within 10 % of it; between 0.1 s (tests) and 10 s
        long pollMs = Math.clamp(limit.toMillis() / 10, 100, 10_000);
        return Thread.ofPlatform().daemon().name("gateway-watch").start(() -> {
            try {
                while (gateway.silentFor().compareTo(limit) < 0) {
                    Thread.sleep(pollMs);
                }
            } catch (InterruptedException e) {
                return;
            }
            onSilent.run();
        });
    }
}
