package io.comfyfleet.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.comfyfleet.common.json.Json;
import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.FileRef;
import io.comfyfleet.comfy.client.events.ComfyEvent;
import io.comfyfleet.comfy.client.outputs.RunOutputs;
import io.comfyfleet.worker.output.InlineSink;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * Outputs of an attached ComfyUI are fetched as their node's {@code executed} event names them, and the
 * collector delivers those bytes without asking {@code /view} again. A stand-in ComfyUI serves {@code /view}
 * and counts the requests per file.
 */
class OutputPrefetchTest {
    private static final String NODE_OUTPUT = """
            {"images":[{"filename":"a_00001_.png","subfolder":"p1","type":"output"},
                       {"filename":"preview.png","subfolder":"","type":"temp"}]}""";
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 7, 7, 7, 7, 7};

    private HttpServer server;
    private final Map<String, Integer> viewsByFile = new ConcurrentHashMap<>();
    private ComfyClient comfy;

    @BeforeEach
    void serveView() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/view", exchange -> {
            String query = exchange.getRequestURI().getQuery();
            String name = query.replaceAll(".*filename=([^&]*).*", "$1");
            viewsByFile.merge(name, 1, Integer::sum);
            exchange.sendResponseHeaders(200, PNG.length);
            exchange.getResponseBody().write(PNG);
            exchange.close();
        });
        server.start();
        comfy = ComfyClient.create(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static ComfyEvent.Executed executed() {
        return new ComfyEvent.Executed("p", "9", "9", Json.MAPPER.readTree(NODE_OUTPUT));
    }

    @Test
    void anExecutedOutputIsFetchedOnceAndTheCollectorDeliversThoseBytes() {
        List<ComfyEvent> passedOn = new CopyOnWriteArrayList<>();
        OutputPrefetch prefetch = new OutputPrefetch(comfy, 1024, 1024, passedOn::add);

        prefetch.onEvent(executed());
        ObjectNode output = Json.MAPPER.createObjectNode();
        new OutputCollector(comfy).collect("j1", RunOutputs.fromNodeOutput("9", Json.MAPPER.readTree(NODE_OUTPUT)),
                new InlineSink(1024), output, null, prefetch);

        assertThat(passedOn).hasSize(1).allMatch(e -> e instanceof ComfyEvent.Executed);
        assertThat(output.has("errors")).as("%s", output).isFalse();
        assertThat(Base64.getDecoder().decode(output.get("outputs").get(0).get("data").asString())).isEqualTo(PNG);
        // one /view for the saved image (the prefetch), none from the collector, none for the temp preview
        assertThat(viewsByFile).isEqualTo(Map.of("a_00001_.png", 1));
    }

    @Test
    void aFileOverTheLimitIsNotKeptAndTheCollectorFetchesItItself() {
        OutputPrefetch prefetch = new OutputPrefetch(comfy, PNG.length - 1, 1024, event -> { });

        prefetch.onEvent(executed());
        assertThat(prefetch.take(new FileRef("a_00001_.png", "p1", "output"))).isEmpty();
        ObjectNode output = Json.MAPPER.createObjectNode();
        new OutputCollector(comfy).collect("j2", RunOutputs.fromNodeOutput("9", Json.MAPPER.readTree(NODE_OUTPUT)),
                new InlineSink(1024), output, null, prefetch);

        assertThat(Base64.getDecoder().decode(output.get("outputs").get(0).get("data").asString())).isEqualTo(PNG);
        assertThat(viewsByFile).isEqualTo(Map.of("a_00001_.png", 2));
    }

    @Test
    void aFileNoExecutedEventNamedIsNotPrefetchedAndAFailedFetchIsNotKept() {
        OutputPrefetch prefetch = new OutputPrefetch(ComfyClient.create(URI.create("http://127.0.0.1:9")), 1024,
                1024, event -> { });

        assertThat(prefetch.take(new FileRef("a_00001_.png", "p1", "output"))).isEmpty();
        prefetch.onEvent(executed()); // nobody answers on port 9
        assertThat(prefetch.take(new FileRef("a_00001_.png", "p1", "output"))).isEmpty();
    }

    @Test
    void filesBeyondThePromptsTotalAreNotKeptAndTheCollectorFetchesThem() {
        String twoFiles = """
                {"images":[{"filename":"a_00001_.png","subfolder":"p1","type":"output"},
                           {"filename":"a_00002_.png","subfolder":"p1","type":"output"}]}""";
        // room for one file of PNG.length bytes, not two
        OutputPrefetch prefetch = new OutputPrefetch(comfy, 1024, PNG.length + 1, event -> { });

        prefetch.onEvent(new ComfyEvent.Executed("p", "9", "9", Json.MAPPER.readTree(twoFiles)));
        ObjectNode output = Json.MAPPER.createObjectNode();
        new OutputCollector(comfy).collect("j3", RunOutputs.fromNodeOutput("9", Json.MAPPER.readTree(twoFiles)),
                new InlineSink(1024), output, null, prefetch);

        assertThat(output.get("outputs")).hasSize(2);
        for (var delivered : output.get("outputs")) {
            assertThat(Base64.getDecoder().decode(delivered.get("data").asString())).isEqualTo(PNG);
        }
        // one file kept from its prefetch (one /view), the other fetched again by the collector (two)
        assertThat(viewsByFile.values()).containsExactlyInAnyOrder(1, 2);
    }
}
