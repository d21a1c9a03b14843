package io.comfyfleet.gateway.support;

import io.comfyfleet.gateway.Gateway;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.config.GatewayConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.time.Instant;
import io.comfyfleet.testkit.SettableClock;

/**
 * A real gateway on a free port over a real SQLite file in a temporary folder (or the store a test names),
 * with a clock the test moves.
 * Holds are short so empty long-polls end quickly; the background sweeper runs once a minute, so tests
 * run sweeps themselves after moving the clock.
 */
public final class TestGateway implements AutoCloseable {
    public static final String CLIENT_KEY = "client-key-0123456789";
    public static final String WORKER_KEY = "worker-key-0123456789";
    public static final String OTHER_CLIENT_KEY = "other-client-key-0123456789";
    public static final String WEBHOOK_SECRET = "webhook-secret-0123456789";

    public final SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
    public final Gateway gateway;
    public final GatewayConfig config;
    public final Api client;
    public final Api worker;

    public TestGateway(Path dir) {
        this(dir, "");
    }

    /** @param serverExtras extra YAML lines for the server section (indented two spaces) */
    public TestGateway(Path dir, String serverExtras) {
        this(dir, serverExtras, "");
    }

    /** @param topLevelExtras extra top-level YAML sections, e.g. a {@code store:} section (default: SQLite) */
    public TestGateway(Path dir, String serverExtras, String topLevelExtras) {
        this(new ConfigLoader(name -> null).parse(yaml(serverExtras) + topLevelExtras, "test config", dir));
    }

    /** A gateway on a configuration the test wrote in full (e.g. {@link #yaml} with a setting changed). */
    public TestGateway(GatewayConfig config) {
        this(config, java.util.function.UnaryOperator.identity());
    }

    /** @param wrap wraps the gateway's store, e.g. to count the calls a route makes */
    public TestGateway(GatewayConfig config, java.util.function.UnaryOperator<io.comfyfleet.core.job.JobStore> wrap) {
        this.config = config;
        this.gateway = Gateway.start(config, wrap.apply(Gateway.openStore(config.store())), clock);
        String base = "http://127.0.0.1:" + gateway.port();
        this.client = new Api(base, CLIENT_KEY);
        this.worker = new Api(base, WORKER_KEY);
    }

    /** The server settings {@link #yaml} starts from; a test's extras replace those of the same key. */
    private static final List<String> SERVER_DEFAULTS = List.of("host: 127.0.0.1", "port: 0", "dataDir: data",
            "jobTakeHold: 1s", "jobStopHold: 1s", "lease: 30s", "retention: 30m", "sweepInterval: 1m");

    /**
     * The test configuration, with {@code serverExtras} (lines indented two spaces) in its server section; an extra
     * that sets a default's key takes that default's place, as a configuration may name a key only once.
     */
    public static String yaml(String serverExtras) {
        Set<String> overridden = serverExtras.lines().filter(l -> l.startsWith("  ") && !l.startsWith("   ") && l.contains(":"))
                .map(l -> l.substring(2, l.indexOf(':'))).collect(Collectors.toSet());
        String server = SERVER_DEFAULTS.stream().filter(d -> !overridden.contains(d.substring(0, d.indexOf(':'))))
                .map(d -> "  " + d + "\n").collect(Collectors.joining());
        return """
                server:
                %s%s
                webhooks: {attempts: 3, backoff: 50ms, timeout: 2s, allowPrivateTargets: true}
                endpoints:
                  - name: ep1
                    clientKeys: [%s]
                    workerKeys: [%s]
                    executionTimeout: 10m
                    ttl: 1h
                    maxRetries: 1
                    webhookSecret: %s
                  - name: ep2
                    clientKeys: [%s]
                    workerKeys: [other-worker-key-0123456789]
                """.formatted(server, serverExtras, CLIENT_KEY, WORKER_KEY, WEBHOOK_SECRET, OTHER_CLIENT_KEY);
    }

    /**
     * Submits {@code {"input": <input>}} and returns the job id. The clock moves 1 ms after each, so jobs
     * submitted one after another are taken oldest first, as they would be in real time.
     */
    public String run(String input) {
        Reply reply = client.post("/v2/ep1/run", "{\"input\":" + input + "}");
        clock.advance(java.time.Duration.ofMillis(1));
        if (reply.status() != 200) {
            throw new AssertionError("run failed: " + reply);
        }
        return reply.field("id");
    }

    /** Takes one job as {@code workerId}; fails if none arrives within the hold. */
    public String take(String workerId) {
        Reply reply = worker.get("/v2/ep1/job-take/" + workerId + "?gpu=SIM&job_in_progress=0");
        if (reply.status() != 200) {
            throw new AssertionError("job-take got no job: " + reply);
        }
        return reply.field("id");
    }

    public Reply status(String id) {
        return client.get("/v2/ep1/status/" + id);
    }

    @Override
    public void close() {
        gateway.close();
    }
}
