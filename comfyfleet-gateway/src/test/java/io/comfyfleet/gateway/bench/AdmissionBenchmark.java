package io.comfyfleet.gateway.bench;

import io.comfyfleet.gateway.admission.Admission;
import io.comfyfleet.gateway.admission.Catalogues;
import io.comfyfleet.gateway.admission.InMemoryCatalogueStore;
import io.comfyfleet.gateway.support.TestGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What admission adds to {@code /run}: the same realistic SDXL job (21 nodes: base + refiner, a hires pass and an
 * image-to-image branch, with its 48 KB reference image) sent alternately to an endpoint whose worker reported
 * the real H100 catalogue (validated) and to one without a catalogue (queued unchecked), one request at a time
 * over real HTTP on a SQLite file; then {@link Admission#admit} alone, in process.
 *
 * <p>Run as {@code GatewayBenchmark} is (docs/performance.md, "Admission"): build the test classpath, then from
 * the repository root {@code java -Dcomfyfleet.repo.dir=. -XX:TieredStopAtLevel=1 -cp ...
 * io.comfyfleet.gateway.bench.AdmissionBenchmark [requests per endpoint]}.
 */
public final class AdmissionBenchmark {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private AdmissionBenchmark() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        Path repo = Path.of(System.getProperty("comfyfleet.repo.dir", ".")).toAbsolutePath();
        Path captures = repo.resolve("contracts/comfyui/captures/h100-0.3.64");
        ObjectNode objectInfo = (ObjectNode) MAPPER.readTree(captures.resolve("GET_object_info.json").toFile()).get("body");
        byte[] catalogue = MAPPER.writeValueAsBytes(objectInfo);
        String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(catalogue));
        JsonNode workflow = MAPPER.readTree(repo.resolve(
                "comfyfleet-gateway/src/test/resources/io/comfyfleet/gateway/admission/sdxl-workflow.json").toFile());
        byte[] png = new byte[36 * 1024];
        new Random(7).nextBytes(png);
        ObjectNode input = MAPPER.createObjectNode();
        input.set("workflow", workflow);
        input.putArray("images").addObject().put("name", "reference.png")
                .put("image", "data:image/png;base64," + Base64.getEncoder().encodeToString(png));
        String body = MAPPER.createObjectNode().set("input", input).toString();
        System.out.printf("body %d bytes, workflow %d nodes, catalogue %d bytes (%d node types)%n", body.length(),
                workflow.size(), catalogue.length, objectInfo.size());

        inProcess(catalogue, digest, input, n * 5);

        Path dir = Files.createTempDirectory("admission-bench");
        try (TestGateway gw = new TestGateway(dir)) {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + gw.gateway.port();
            send(http, HttpRequest.newBuilder(URI.create(base + "/v2/ep1/catalogue/w1?digest=" + digest + "&version=v1"))
                    .header("Authorization", TestGateway.WORKER_KEY)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(catalogue)).build(), 200);
            HttpRequest checked = run(base + "/v2/ep1/run", TestGateway.CLIENT_KEY, body);
            HttpRequest unchecked = run(base + "/v2/ep2/run", TestGateway.OTHER_CLIENT_KEY, body);
            for (int i = 0; i < 300; i++) { // warm-up, both paths
                send(http, checked, 200);
                send(http, unchecked, 200);
            }
            long[] with = new long[n];
            long[] without = new long[n];
            for (int i = 0; i < n; i++) {
                without[i] = send(http, unchecked, 200);
                with[i] = send(http, checked, 200);
            }
            report("/run without catalogue (queued unchecked)", without);
            report("/run with catalogue (validated, then queued)", with);
            HttpRequest refused = run(base + "/v2/ep1/run", TestGateway.CLIENT_KEY,
                    body.replace("\"KSamplerAdvanced\"", "\"KSamplerAdvancedX\""));
            long[] refusals = new long[n];
            for (int i = 0; i < n; i++) {
                refusals[i] = send(http, refused, 400);
            }
            report("/run refused at admission (unknown node, 400)", refusals);
        }
    }

    private static void inProcess(byte[] catalogue, String digest, JsonNode input, int n) {
        Catalogues catalogues = new Catalogues(new InMemoryCatalogueStore(), Clock.systemUTC());
        catalogues.report("ep", "v1", digest, catalogue);
        Admission admission = new Admission(catalogues, catalogues.latestReported());
        for (int i = 0; i < 2000; i++) {
            admission.admit("ep", input);
        }
        long[] took = new long[n];
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            admission.admit("ep", input);
            took[i] = System.nanoTime() - t;
        }
        report("Admission.admit alone, in process", took);
    }

    private static HttpRequest run(String url, String key, String body) {
        return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static long send(HttpClient http, HttpRequest request, int expected) throws Exception {
        long t = System.nanoTime();
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        long took = System.nanoTime() - t;
        if (r.statusCode() != expected) {
            throw new IllegalStateException(request.uri() + " answered " + r.statusCode() + ": " + r.body());
        }
        return took;
    }

    private static void report(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf("%-48s n=%d  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms%n", what, sorted.length,
                sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.9)] / 1e6,
                sorted[(int) (sorted.length * 0.99)] / 1e6, sorted[sorted.length - 1] / 1e6);
    }
}
