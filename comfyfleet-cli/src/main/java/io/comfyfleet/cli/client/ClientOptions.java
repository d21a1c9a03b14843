package io.comfyfleet.cli.client;

import io.comfyfleet.sdk.ComfyFleetClient;
import io.comfyfleet.sdk.Endpoint;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every client command shares: which gateway, which endpoint, which key. */
final class ClientOptions {
    static final String KEY_ENV = "COMFYFLEET_CLIENT_KEY";

    @Option(names = "--url", description = "API root (default: from ./comfyfleet.yaml, else http://127.0.0.1:8080/v2)")
    String url;
    @Option(names = "--endpoint", description = "Endpoint name (default: first endpoint of ./comfyfleet.yaml, else comfyui)")
    String endpoint;
    @Option(names = "--key", defaultValue = "${env:" + KEY_ENV + "}",
            description = "Client key of the endpoint (default: $" + KEY_ENV + ", else the one comfyfleet up keeps in"
                    + " its data folder)")
    String key;

    private String resolvedUrl;

    /**
     * What to tell the user about a failed request: for no answer at all, which URL did not answer and how to start a
     * gateway there; else the gateway's own message.
     */
    String explain(io.comfyfleet.sdk.ComfyFleetException e) {
        if (e.httpStatus() != 0 || resolvedUrl == null) {
            return e.getMessage();
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String why = root == e ? e.getMessage() : root.getClass().getSimpleName()
                + (root.getMessage() == null ? "" : ": " + root.getMessage());
        return "no answer from the gateway at " + resolvedUrl + " (" + why + "). Is it running? ./comfyfleet up"
                + " starts one; --url points elsewhere";
    }

    /**
     * The endpoint to call, with defaults from {@code ./comfyfleet.yaml}.
     *
     * @throws UsageException when no key is given or the URL or endpoint name is malformed
     */
    Endpoint endpoint() {
        if (key == null || key.isBlank()) {
            key = url == null ? ClientDefaults.storedKey(Path.of("")).orElse(null) : null;
        }
        if (key == null || key.isBlank()) {
            throw new UsageException("no client key: pass --key KEY or set " + KEY_ENV
                    + " (comfyfleet up prints one when it starts; comfyfleet keys --show prints it later)");
        }
        try {
            ClientDefaults defaults = url == null || endpoint == null ? ClientDefaults.in(Path.of("")) : null;
            resolvedUrl = url != null ? url : defaults.url();
            ComfyFleetClient client = ComfyFleetClient.builder()
                    .baseUrl(resolvedUrl).apiKey(key.strip()).build();
            return client.endpoint(endpoint != null ? endpoint : defaults.endpoint());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
