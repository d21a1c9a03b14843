package io.comfyfleet.cli.admin;

import io.comfyfleet.cli.client.ClientDefaults;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which gateway and which admin key the admin commands use. */
final class AdminOptions {
    static final String KEY_ENV = "COMFYFLEET_ADMIN_KEY";

    @Option(names = "--url", description = "The gateway (default: from ./comfyfleet.yaml, else http://127.0.0.1:8080)")
    String url;
    @Option(names = "--key", defaultValue = "${env:" + KEY_ENV + "}",
            description = "The gateway's admin key (default: $" + KEY_ENV + ")")
    String key;

    /** @throws IllegalArgumentException when no key is given or ./comfyfleet.yaml cannot be read */
    AdminClient client() {
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("no admin key: pass --key KEY or set " + KEY_ENV
                    + " (the gateway's server.adminKey; comfyfleet up prints a generated one)");
        }
        String root = url != null ? url : ClientDefaults.in(Path.of("")).url();
        // the client commands' --url names the API root (.../v2): accept it here too
        root = root.replaceAll("/+$", "").replaceAll("/v2$", "");
        return new AdminClient(root, key.strip());
    }
}
