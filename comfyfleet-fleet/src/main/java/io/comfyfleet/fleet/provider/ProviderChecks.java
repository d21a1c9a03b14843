package io.comfyfleet.fleet.provider;

import io.comfyfleet.fleet.FleetConfigException;
import java.net.URI;
import java.time.Duration;

/** The checks of the settings every provider that starts RunPod workers has: the gateway, the ping, the grace. */
public final class ProviderChecks {
    private ProviderChecks() {}

    /** @throws FleetConfigException ({@code gatewayUrl}) unless it is an http(s) URL with a host */
    public static void gatewayUrl(URI gatewayUrl) {
        if (gatewayUrl == null || !("http".equals(gatewayUrl.getScheme()) || "https".equals(gatewayUrl.getScheme()))
                || gatewayUrl.getHost() == null) {
            throw new FleetConfigException("gatewayUrl",
                    "must be an http(s) URL with a host, like http://127.0.0.1:8080, got " + gatewayUrl);
        }
    }

    /** @throws FleetConfigException ({@code pingInterval}) when under a second */
    public static void pingInterval(Duration pingInterval) {
        if (pingInterval == null || pingInterval.toMillis() < 1000) {
            throw new FleetConfigException("pingInterval",
                    "must be at least 1 s (RunPod workers ping every interval/1000 whole seconds), got " + pingInterval);
        }
    }

    /** @throws FleetConfigException ({@code stopGrace}) when negative */
    public static void stopGrace(Duration stopGrace) {
        if (stopGrace == null || stopGrace.isNegative()) {
            throw new FleetConfigException("stopGrace", "must be 0 seconds or more, got " + stopGrace);
        }
    }
}
