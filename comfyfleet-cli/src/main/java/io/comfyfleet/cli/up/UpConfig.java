package io.comfyfleet.cli.up;

import io.comfyfleet.gateway.config.GatewayConfig;
import java.util.Map;

/**
 * Everything {@code comfyfleet up} runs: the gateway's configuration and the local worker fleet.
 *
 * @param source    the file it came from, or "built-in defaults"
 * @param gateway   the validated gateway configuration
 * @param fleet     how workers run
 * @param generated environment variables that were not set: their value kept in {@code keyFile} or generated now
 * @param clientKey the first endpoint's first client key, for the printed curl command
 * @param workerKey the key every started worker presents (every endpoint accepts it)
 * @param keyFile   where generated keys are kept between runs ({@link KeyFile#keep} writes {@code generated} there)
 */
public record UpConfig(String source, GatewayConfig gateway, FleetSettings fleet, Map<String, String> generated,
        String clientKey, String workerKey, KeyFile keyFile) {
    public UpConfig {
        generated = Map.copyOf(generated);
    }

    /** A copy whose workers launch {@code launch} (the command line wins over the file). */
    public UpConfig with(FleetSettings.ComfyLaunch launch) {
        return new UpConfig(source, gateway, fleet.with(launch), generated, clientKey, workerKey, keyFile);
    }
}
