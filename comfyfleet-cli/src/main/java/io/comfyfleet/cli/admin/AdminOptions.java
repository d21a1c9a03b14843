package io.comfyfleet.cli.admin;

import io.comfyfleet.cli.client.ClientDefaults;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Which gateway and which admin key the admin commands use: {@code --key}, else {@code $COMFYFLEET_ADMIN_KEY}, else
 * (without {@code --url}, so a kept key goes only to the gateway it belongs to) the admin key {@code comfyfleet up}
 * keeps in the data folder of the {@code comfyfleet.yaml} of the current folder, as {@code submit} finds its client
 * key.
 */
final class AdminOptions {
    static final String KEY_ENV = "COMFYFLEET_ADMIN_KEY";

    @Option(names = "--url", description = "The gateway (default: from ./comfyfleet.yaml, else http://127.0.0.1:8080)")
    String url;
    @Option(names = "--key", defaultValue = "${env:" + KEY_ENV + "}",
            description = "The gateway's admin key (default: $" + KEY_ENV + ", else the one comfyfleet up keeps in"
                    + " its data folder)")
    String key;
    /** Where {@code comfyfleet.yaml} is looked for: the current folder; tests use another. */
    Path folder = Path.of("");

    /** @throws IllegalArgumentException when no key is given or found, or ./comfyfleet.yaml cannot be read */
    AdminClient client() {
        String admin = key;
        if ((admin == null || admin.isBlank()) && url == null) {
            admin = ClientDefaults.storedKey(folder, KEY_ENV).orElse(null);
        }
        if (admin == null || admin.isBlank()) {
            throw new IllegalArgumentException("no admin key: pass --key KEY or set " + KEY_ENV
                    + " (the gateway's server.adminKey; comfyfleet up generates one and keeps it in its data folder,"
                    + " which this command reads when run without --url in the folder of up's comfyfleet.yaml;"
                    + " comfyfleet keys --show prints it)");
        }
        String root = url != null ? url : ClientDefaults.in(folder).url();
        // the client commands' --url names the API root (.../v2): accept it here too
        root = root.replaceAll("/+$", "").replaceAll("/v2$", "");
        return new AdminClient(root, admin.strip());
    }
}
