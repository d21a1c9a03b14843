package io.comfyfleet.sdk;

import io.comfyfleet.gateway.Gateway;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.config.GatewayConfig;
import io.comfyfleet.testkit.FreePorts;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * The real ComfyFleet gateway, in-process on a free port over SQLite in a temporary folder, with one endpoint
 * "ep" and a client built for it. Short long-poll holds so the test worker's empty polls end quickly.
 */
final class LiveGateway implements AutoCloseable {
    static final String CLIENT_KEY = "sdk-client-key-0123456789";
    static final String WORKER_KEY = "sdk-worker-key-0123456789";

    final Gateway gateway;
    final String base;
    final ComfyFleetClient client;

    LiveGateway(Path dir) {
        this(dir, "");
    }

    /** @param endpointExtras more YAML for endpoint "ep", each line indented four spaces (e.g. its templates) */
    LiveGateway(Path dir, String endpointExtras) {
        this(dir, endpointExtras, 0);
    }

    /** @param port the port to listen on, 0 for a free one; a given port lets a test restart the gateway there */
    LiveGateway(Path dir, String endpointExtras, int port) {
        GatewayConfig config = new ConfigLoader(name -> null).parse("""
                server:
                  host: 127.0.0.1
                  port: %d
                  dataDir: data
                  jobTakeHold: 1s
                  jobStopHold: 1s
                  lease: 30s
                  retention: 30m
                  sweepInterval: 1m
                endpoints:
                  - name: ep
                    clientKeys: [%s]
                    workerKeys: [%s]
                    executionTimeout: 10m
                    ttl: 1h
                    maxRetries: 1
                %s
                """.formatted(port, CLIENT_KEY, WORKER_KEY, endpointExtras), "sdk test config", dir);
        this.gateway = Gateway.start(config, Gateway.openStore(config.store()), Clock.systemUTC());
        this.base = "http://127.0.0.1:" + gateway.port() + "/v2";
        this.client = client(CLIENT_KEY, true);
    }

    /** A port free now, for a gateway a test starts (or starts again) there later. */
    static int freePort() {
        return FreePorts.one();
    }

    ComfyFleetClient client(String key, boolean events) {
        return ComfyFleetClient.builder().baseUrl(base).apiKey(key).useEvents(events)
                .pollInterval(Duration.ofMillis(50)).requestTimeout(Duration.ofSeconds(10)).build();
    }

    TestWorker worker() {
        return new TestWorker(base + "/ep", WORKER_KEY);
    }

    @Override
    public void close() {
        gateway.close();
    }
}
