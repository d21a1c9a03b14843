package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.testkit.TestPostgres;
import io.fabric8.kubernetes.api.model.Pod;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateways on one (embedded, real) PostgreSQL, both with the Kubernetes provider on one fabric8 mock API server,
 * so both follow the same worker pods: the one that runs the control loop starts a pod; its worker asks the one
 * standing by for a job, and the leader learns from the worker board that it is ready; the standby shuts down and
 * the pod stays; the leader then loses the control loop and the pod stays too, for the gateway that runs it
 * now. (A pod is the fleet's, not the gateway's that created it; {@code keepPodsOnShutdown} is left at false.)
 */
class KubernetesSeveralGatewaysTest {
    private static final String NS = "fleet-two";
    private static final String CLIENT_KEY = "k8s2-client-key-0123456789";
    private static final String WORKER_KEY = "k8s2-worker-key-0123456789";

    @TempDir
    Path dir;

    private MockCluster cluster;
    private EmbeddedPostgres postgres;
    private FleetStack leader;
    private FleetStack standby;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() throws Exception {
        for (FleetStack s : new FleetStack[] {standby, leader}) {
            if (s != null) {
                s.close();
            }
        }
        if (cluster != null) {
            cluster.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        http.close();
    }

    @Test
    void theFleetsPodsOutliveAStandbyThatStopsAndALeaderThatLosesTheControlLoop() throws Exception {
        String worker = aPodOnBothGateways();
        String pod = pods().getFirst().getMetadata().getName();

        // the pod's worker asks the standby first (one Service for both gateways): the leader learns it is ready
        // from the worker board, else it would count it as starting until its init timeout
        firstJobTakeAtTheStandby(worker);
        await("the leader sees the worker ready").atMost(Duration.ofSeconds(10))
                .until(() -> leader.provider().find(worker).orElseThrow().readyAt() != null);
        assertThat(leader.autoscaler().recentColdStarts("sdxl")).as("and counts its cold start, from its pod's"
                + " creation to its first job-take").singleElement().satisfies(d -> assertThat(d).isPositive());

        standby.close();
        standby = null;
        assertThat(pods()).as("a standby that stops leaves the leader's pod").extracting(p -> p.getMetadata().getName())
                .containsExactly(pod);

        stealTheLease();
        await("the leader notices").atMost(Duration.ofSeconds(10))
                .until(() -> leader.autoscaler().runOnce().isEmpty());
        await("the pod stays while the old leader lets go (its lease renewal runs every 500 ms)")
                .during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> pods().stream().map(p -> p.getMetadata().getName()).toList().equals(List.of(pod)));
    }

    /**
     * Both gateways' fleets see the pod's worker become ready: the standby hears its first job-take, the leader reads
     * it from the worker board. Prometheus sums {@code comfyfleet_worker_cold_start_seconds} over the replicas, so
     * only one of them counts it (before, both did: a sum of 2 for one pod).
     */
    @Test
    void aPodsColdStartIsCountedInTheMetricsOfOneGatewayThoughBothSeeItReady() throws Exception {
        String worker = aPodOnBothGateways();
        firstJobTakeAtTheStandby(worker);
        await("both fleets see the worker ready").atMost(Duration.ofSeconds(10))
                .until(() -> leader.provider().find(worker).orElseThrow().readyAt() != null
                        && standby.provider().find(worker).orElseThrow().readyAt() != null);

        await("a gateway counts the cold start").atMost(Duration.ofSeconds(10))
                .until(() -> coldStartsCounted(leader) + coldStartsCounted(standby) >= 1);
        await("and only one").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> coldStartsCounted(leader) + coldStartsCounted(standby) == 1);
    }

    /**
     * Two gateways on one database and one cluster, the first running the control loop, and a job submitted to it:
     * its pod, followed by both fleets. Returns the pod's worker id.
     */
    private String aPodOnBothGateways() throws Exception {
        cluster = MockCluster.start(NS).withWorkerKeySecret("comfyfleet-keys", "worker-key", WORKER_KEY);
        postgres = TestPostgres.start();
        leader = start("a");
        await("the first gateway takes the control loop").atMost(Duration.ofSeconds(20))
                .until(() -> leaseHolder() != null);
        standby = start("b");
        submit(leader);
        await("the leader starts a pod for the job").atMost(Duration.ofSeconds(30)).until(() -> pods().size() == 1);
        await("the standby follows the same pod").atMost(Duration.ofSeconds(10))
                .until(() -> standby.provider().list().size() == 1);
        return leader.provider().list().getFirst().workerId();
    }

    /** The worker's first job-take, at the standby (it gets the job submitted to the leader). */
    private void firstJobTakeAtTheStandby(String worker) throws Exception {
        HttpResponse<String> take = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + standby.port()
                        + "/v2/sdxl/job-take/" + worker + "?job_in_progress=0"))
                .header("Authorization", WORKER_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(take.statusCode()).as(take.body()).isEqualTo(200);
    }

    /** The sum of comfyfleet_worker_cold_start_seconds_count over its labels, at one gateway. */
    private double coldStartsCounted(FleetStack gateway) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                + "/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body().lines().filter(l -> l.startsWith("comfyfleet_worker_cold_start_seconds_count"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private FleetStack start(String name) throws Exception {
        Path home = Files.createDirectories(dir.resolve(name));
        Path file = home.resolve("comfyfleet.yaml");
        Files.writeString(file, """
                server: {host: 127.0.0.1, port: 0, dataDir: data, controlLease: 3s, controlRenew: 500ms}
                store: {type: postgres, url: "%s", user: postgres}
                endpoints:
                  - name: sdxl
                    clientKeys: ["%s"]
                    workerKeys: ["%s"]
                    minWorkers: 0
                    maxWorkers: 1
                    idleTimeout: 10m
                    scaler: {type: QUEUE_DELAY, value: 1}
                workers:
                  provider: kubernetes
                  jobGrace: 5s
                  kubernetes:
                    namespace: %s
                    image: registry.example.com/comfyfleet/worker:two
                    gatewayUrl: http://comfyfleet-gateway:8080
                    workerKeySecret: {name: comfyfleet-keys, key: worker-key}
                    gpus: 0
                    cache: {type: none}
                    maxPods: 2
                """.formatted(postgres.getJdbcUrl("postgres", "postgres"), CLIENT_KEY, WORKER_KEY, NS));
        UpConfig config = new UpConfigLoader(Map.<String, String>of()::get).load(file, home);
        return FleetStack.start(config, Duration.ofMillis(200), Clock.systemUTC());
    }

    private List<Pod> pods() {
        return cluster.client().pods().inNamespace(NS).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }

    private void submit(FleetStack to) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + to.port()
                        + "/v2/sdxl/run")).header("Authorization", "Bearer " + CLIENT_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":{\"prompt\":\"a\"}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private String leaseHolder() throws Exception {
        try (Connection c = DriverManager.getConnection(postgres.getJdbcUrl("postgres", "postgres"));
                PreparedStatement ps = c.prepareStatement(
                        "SELECT holder FROM leases WHERE name = 'control-loop' AND expires_at > ?")) {
            ps.setLong(1, System.currentTimeMillis());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (java.sql.SQLException e) {
            return null; // the table appears with the first gateway's migration
        }
    }

    /** Another gateway took the lease over (as after a pause of the leader longer than the lease). */
    private void stealTheLease() throws Exception {
        try (Connection c = DriverManager.getConnection(postgres.getJdbcUrl("postgres", "postgres"));
                PreparedStatement ps = c.prepareStatement("UPDATE leases SET holder = 'another-gateway',"
                        + " token = token + 1, expires_at = ? WHERE name = 'control-loop'")) {
            ps.setLong(1, System.currentTimeMillis() + 60_000);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }
}
