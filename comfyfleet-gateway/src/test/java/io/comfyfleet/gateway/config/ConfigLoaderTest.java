package io.comfyfleet.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.core.endpoint.ScalerType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

class ConfigLoaderTest {
    private static final Path BASE = Path.of("/srv/fleet");
    private static final Map<String, String> ENV = Map.of(
            "COMFYFLEET_CLIENT_KEY", "client-key-0123456789",
            "COMFYFLEET_WORKER_KEY", "worker-key-0123456789",
            "COMFYFLEET_WEBHOOK_SECRET", "webhook-secret-0123456789",
            "COMFYFLEET_ADMIN_KEY", "admin-key-0123456789");

    private final ConfigLoader loader = new ConfigLoader(ENV::get);

    @Test
    void theCheckedInExampleLoads() throws Exception {
        Path example = Path.of(System.getProperty("comfyfleet.repo.dir", "..")).resolve("comfyfleet.yaml");
        // the file is comfyfleet up's: up takes its workers section out and hands the gateway the rest
        ObjectNode root = (ObjectNode) YAMLMapper.builder().build().readTree(Files.readString(example));
        assertThat(root.remove("workers")).isNotNull();
        GatewayConfig config = loader.parse(root, example.toString(), example.toAbsolutePath().getParent());

        EndpointConfig sdxl = config.endpoint("sdxl").orElseThrow();
        assertThat(sdxl.clientKeys().accepts("client-key-0123456789")).isTrue();
        assertThat(sdxl.workerKeys().accepts("client-key-0123456789")).isFalse();
        assertThat(sdxl.scalerType()).isEqualTo(ScalerType.QUEUE_DELAY);
        assertThat(sdxl.webhookSecret()).isPresent();
        assertThat(config.server().port()).isEqualTo(8080);
        assertThat(config.adminKeys().accepts("admin-key-0123456789")).isTrue();
        assertThat(config.server().maxRunBody()).isEqualTo(10L << 20);
        assertThat(config.store().kind()).isEqualTo(StoreSettings.Kind.SQLITE);
        assertThat(config.store().sqlitePath()).isEqualTo(example.toAbsolutePath().getParent().resolve("data/jobs.db"));
    }

    @Test
    void aMinimalFileGetsRunPodDefaults() {
        GatewayConfig config = parse("""
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                """);

        EndpointConfig ep = config.endpoints().getFirst();
        assertThat(ep.executionTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(ep.ttl()).isEqualTo(Duration.ofHours(24));
        assertThat(ep.idleTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(ep.scalerValue()).isEqualTo(4.0);
        assertThat(ep.webhookSecret()).isEmpty();
        assertThat(config.server().dataDir()).isEqualTo(BASE.resolve("data"));
        assertThat(config.server().lease()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.server().retention()).isEqualTo(Duration.ofMinutes(30));
        assertThat(config.server().runsyncRetention()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.server().controlLease()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.server().controlRenew()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.webhooks().attempts()).isEqualTo(3);
        assertThat(config.webhooks().allowPrivateTargets()).isFalse();
    }

    @Test
    void theControlLeaseMustOutlastTwoRenewals() {
        assertThatThrownBy(() -> parse("""
                server:
                  controlLease: 3s
                  controlRenew: 2s
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                """)).isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "server.controlRenew: must be at most half of server.controlLease (3s) so one failed"
                                + " renewal does not lose the lease, got 2s"));
    }

    @Test
    void rateLimitsAreOptionalAndChecked() {
        GatewayConfig config = parse("""
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                    rateLimit: {requestsPerSecond: 2.5}
                    statusRateLimit: {requestsPerSecond: 50, burst: 200}
                  - name: ep2
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                """);
        assertThat(config.endpoints().get(0).rateLimit()).contains(new RateLimit(2.5, 3));
        assertThat(config.endpoints().get(0).statusRateLimit()).contains(new RateLimit(50, 200));
        assertThat(config.endpoints().get(1).rateLimit()).isEmpty();

        assertThatThrownBy(() -> parse("""
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                    rateLimit: {burst: 5, perMinute: 3}
                    statusRateLimit: {requestsPerSecond: 0, burst: 0}
                """))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        "endpoints[0].rateLimit.perMinute: unknown key; known keys here are [burst, requestsPerSecond]",
                        "endpoints[0].rateLimit.requestsPerSecond: is required, e.g. requestsPerSecond: 10 (0.5 is one request every 2 s)",
                        "endpoints[0].statusRateLimit.requestsPerSecond: must be from 0.001 to 1000000, got 0.0"));
    }

    @Test
    void privateWebhookTargetsAreAllowedOnlyByAFlag() {
        String endpoints = """
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                """;
        assertThat(parse("webhooks: {allowPrivateTargets: true}\n" + endpoints).webhooks().allowPrivateTargets()).isTrue();
        assertThatThrownBy(() -> parse("webhooks: {allowPrivateTargets: yes please}\n" + endpoints))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("webhooks.allowPrivateTargets: must be true or false, got \"yes please\""));
    }

    @Test
    void aBadScalerTypeIsNamedByItsKeyPath() {
        assertThatThrownBy(() -> parse("""
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                  - name: ep2
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                    scaler: {type: FOO}
                """))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("endpoints[1].scaler.type: must be QUEUE_DELAY, REQUEST_COUNT, COLD_START_AWARE or TARGET_WAIT, got \"FOO\""));
    }

    /** One endpoint whose {@code scaler} is the {@code %s}. */
    private static final String ONE_ENDPOINT_WITH_SCALER = """
            endpoints:
              - name: ep1
                clientKeys: [client-key-0123456789]
                workerKeys: [worker-key-0123456789]
                scaler: %s
            """;

    @Test
    void theColdStartAwareScalerTakesAWaitWeightWithFourByDefault() {
        String endpoint = ONE_ENDPOINT_WITH_SCALER;
        EndpointConfig byDefault = parse(endpoint.formatted("{type: COLD_START_AWARE}")).endpoints().getFirst();
        assertThat(byDefault.scalerType()).isEqualTo(ScalerType.COLD_START_AWARE);
        assertThat(byDefault.scalerValue()).isEqualTo(4.0);
        assertThat(parse(endpoint.formatted("{type: COLD_START_AWARE, value: 0.5}")).endpoints().getFirst()
                .scalerValue()).isEqualTo(0.5);
        assertThatThrownBy(() -> parse(endpoint.formatted("{type: COLD_START_AWARE, value: 0}")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "endpoints[0].scaler.value: for COLD_START_AWARE must be a wait weight above 0 and at most"
                                + " 1000 (GPU-seconds one second of a job's wait is worth), got 0"));
    }

    @Test
    void theTargetWaitScalerTakesSecondsWithTwentyByDefault() {
        String endpoint = ONE_ENDPOINT_WITH_SCALER;
        EndpointConfig byDefault = parse(endpoint.formatted("{type: TARGET_WAIT}")).endpoints().getFirst();
        assertThat(byDefault.scalerType()).isEqualTo(ScalerType.TARGET_WAIT);
        assertThat(byDefault.scalerValue()).isEqualTo(20.0);
        assertThat(parse(endpoint.formatted("{type: TARGET_WAIT, value: 45}")).endpoints().getFirst()
                .scalerValue()).isEqualTo(45.0);
        assertThatThrownBy(() -> parse(endpoint.formatted("{type: TARGET_WAIT, value: 0.5}")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "endpoints[0].scaler.value: for TARGET_WAIT must be from 1 to 3600 (seconds a job should wait"
                                + " in the queue at most), got 0.5"));
    }

    @Test
    void theQueueDelayAndRequestCountHaveTheUpperBoundsTheAdminApiHas() {
        String endpoint = ONE_ENDPOINT_WITH_SCALER;
        assertThat(parse(endpoint.formatted("{type: QUEUE_DELAY, value: 3600}")).endpoints().getFirst()
                .scalerValue()).isEqualTo(3600.0);
        assertThatThrownBy(() -> parse(endpoint.formatted("{type: QUEUE_DELAY, value: 3601}")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "endpoints[0].scaler.value: for QUEUE_DELAY must be from 0.5 to 3600 (seconds in queue),"
                                + " got 3601"));
        assertThatThrownBy(() -> parse(endpoint.formatted("{type: REQUEST_COUNT, value: 1000001}")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "endpoints[0].scaler.value: for REQUEST_COUNT must be a whole number from 1 to 1000000 (jobs"
                                + " per worker), got 1000001"));
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        assertThatThrownBy(() -> parse("""
                server:
                  port: 70000
                  lease: 3 minutes
                  maxRunBody: lots
                  prot: 1
                store: {type: oracle}
                endpoints:
                  - name: "bad name"
                    clientKeys: [short]
                    workerKeys: []
                    executionTimeout: 1s
                    maxWorkers: 1
                    minWorkers: 2
                    scaler: {type: REQUEST_COUNT, value: 0.5}
                  - name: ep
                    clientKeys: [same-key-0123456789]
                    workerKeys: [same-key-0123456789]
                  - name: ep
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                """))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        "server.prot: unknown key; known keys here are [adminKey, controlLease, controlRenew, dataDir, host, idleTimeout, jobStopHold, jobTakeHold, lease,"
                                + " maxOutputFile, maxRunBody, maxRunsyncBody, maxStreamChunk, maxWorkerBody, metricsToken, port,"
                                + " publicUrl, retention, runsyncRetention, sweepInterval]",
                        "server.port: must be from 0 to 65535, got 70000",
                        "server.maxRunBody: must be a size like 1048576, 512KB, 10MB or 1GB, got \"lots\"",
                        "server.lease: must be a duration like 500ms, 30s, 10m, 24h or 7d, got \"3 minutes\"",
                        "store.type: must be sqlite or postgres, got \"oracle\"",
                        "endpoints[0].name: must be 1 to 64 letters, digits, '-' or '_', got \"bad name\"",
                        "endpoints[0].clientKeys[0]: must be at least 16 characters long",
                        "endpoints[0].workerKeys: list at least one key",
                        "endpoints[0].maxWorkers: must be at least minWorkers (2), got 1",
                        "endpoints[0].scaler.value: for REQUEST_COUNT must be a whole number from 1 to 1000000 (jobs per worker), got 0.5",
                        "endpoints[0].executionTimeout: must be from 5s to 168h, got 1s",
                        "endpoints[1].workerKeys: a worker key must differ from every client key of the endpoint",
                        "endpoints[2].name: \"ep\" is already the name of an earlier endpoint"));
    }

    @Test
    void aMissingEnvironmentVariableIsNamedAndKeysAreNeverEchoed() {
        assertThatThrownBy(() -> parse("""
                endpoints:
                  - name: ep1
                    clientKeys: ["${NOT_SET_ANYWHERE}"]
                    workerKeys: secret-worker-key-in-wrong-shape
                """))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.problems()).contains(
                            "endpoints[0].clientKeys[0]: environment variable NOT_SET_ANYWHERE is not set",
                            "endpoints[0].workerKeys: must be a list of text values, got text");
                    assertThat(e.getMessage()).doesNotContain("secret-worker-key-in-wrong-shape");
                });
    }

    @Test
    void postgresNeedsAJdbcUrlAndHidesItsPassword() {
        GatewayConfig config = parse("""
                store: {type: postgres, url: "jdbc:postgresql://db/fleet", user: fleet, password: hunter2-hunter2}
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                """);
        assertThat(config.store().postgresPassword().reveal()).isEqualTo("hunter2-hunter2");
        assertThat(config.toString()).doesNotContain("hunter2").doesNotContain("client-key-0123456789");

        assertThatThrownBy(() -> parse("""
                store: {type: postgres}
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                """)).hasMessageContaining("store.url: is required");
    }

    @Test
    void notYamlAtAllSaysSo() {
        assertThatThrownBy(() -> parse("endpoints: [unclosed")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> parse("- just\n- a list\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("must be a YAML mapping");
    }

    @Test
    void theGatewayKnowsOnlyItsOwnSections() {
        // comfyfleet up's workers section is taken out before the gateway reads the file
        assertThatThrownBy(() -> parse("""
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                workers: {provider: local}
                """))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "workers: unknown key; known keys here are [endpoints, server, store, webhooks]"));
    }

    @Test
    void aDayIsADurationLikeAnyOther() {
        GatewayConfig config = parse("""
                server: {retention: 1d}
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                    ttl: 1d
                    executionTimeout: 2d
                """);

        assertThat(config.server().retention()).isEqualTo(Duration.ofDays(1));
        assertThat(config.endpoints().getFirst().ttl()).isEqualTo(Duration.ofDays(1));
        assertThat(config.endpoints().getFirst().executionTimeout()).isEqualTo(Duration.ofDays(2));
    }

    private GatewayConfig parse(String yaml) {
        return loader.parse(yaml, "test.yaml", BASE);
    }
}
