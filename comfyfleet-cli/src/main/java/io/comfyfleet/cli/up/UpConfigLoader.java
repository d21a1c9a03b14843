package io.comfyfleet.cli.up;

import io.comfyfleet.fleet.scale.EndpointScaling;
import io.comfyfleet.gateway.config.ConfigException;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.config.GatewayConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads {@code comfyfleet.yaml} for {@code comfyfleet up}: the gateway's sections (checked by the gateway's own
 * {@link ConfigLoader}) plus the {@code workers:} section. Without a file it uses built-in defaults: one endpoint
 * {@code comfyui}, 0 to 2 workers that stay 10 minutes after their last job (see comfyfleet.yaml for what that
 * costs), generated keys. Keys not set in the environment come from the data folder's
 * {@link KeyFile} (generated when it has none); the caller keeps them there with {@link KeyFile#keep}. Every problem in the file is reported at once, each naming its key.
 */
public final class UpConfigLoader {
    /** The endpoint and settings used when there is no configuration file. */
    static final String DEFAULTS = """
            server:
              host: 127.0.0.1
              port: 8080
              dataDir: data
              adminKey: "${COMFYFLEET_ADMIN_KEY}"
            endpoints:
              - name: comfyui
                clientKeys: ["${COMFYFLEET_CLIENT_KEY}"]
                workerKeys: ["${COMFYFLEET_WORKER_KEY}"]
                minWorkers: 0
                maxWorkers: 2
                idleTimeout: 10m
                scaler: {type: QUEUE_DELAY, value: 1}
            """;

    private static final Pattern ENV = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private final UnaryOperator<String> env;

    /** @param env the process environment ({@code System::getenv}); unset keys are generated */
    public UpConfigLoader(UnaryOperator<String> env) {
        this.env = env;
    }

    /**
     * @param file    the configuration file, or null for the built-in defaults (data under {@code baseDir/data})
     * @param baseDir folder for relative paths when there is no file
     * @throws ConfigException naming every bad key, or the file that cannot be read
     */
    public UpConfig load(Path file, Path baseDir) {
        String text;
        String source;
        Path base;
        if (file == null) {
            text = DEFAULTS;
            source = "built-in defaults";
            base = baseDir.toAbsolutePath();
        } else {
            try {
                text = Files.readString(file);
            } catch (IOException e) {
                throw new ConfigException(file.toString(), "cannot read the file: " + e.getMessage(), e);
            }
            source = file.toString();
            base = file.toAbsolutePath().getParent();
        }
        JsonNode root = yaml(text);
        KeyFile keyFile = KeyFile.forConfig(root, base);
        GeneratedSecrets secrets;
        try {
            secrets = new GeneratedSecrets(env, keyFile.read());
        } catch (java.io.UncheckedIOException e) {
            throw new ConfigException(source, e.getMessage() + ": " + e.getCause().getMessage(), e);
        }
        List<String> problems = new ArrayList<>();
        GatewayConfig gateway = null;
        try {
            gateway = new ConfigLoader(secrets).parse(text, source, base);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        FleetSettings fleet = new FleetSettingsParser(problems, base).parse(root == null ? null : root.get("workers"));
        String clientKey = null;
        String workerKey = null;
        if (gateway != null) {
            clientKey = firstKey(root, "clientKeys", secrets);
            workerKey = firstKey(root, "workerKeys", secrets);
            for (int i = 0; i < gateway.endpoints().size(); i++) {
                if (!gateway.endpoints().get(i).workerKeys().accepts(workerKey)) {
                    problems.add("endpoints[" + i + "].workerKeys: comfyfleet up starts every worker with the first"
                            + " endpoint's first worker key; list that key here too");
                }
            }
            for (int i = 0; i < gateway.endpoints().size(); i++) {
                try {
                    scaling(gateway.endpoints().get(i));
                } catch (RuntimeException e) {
                    problems.add("endpoints[" + i + "]: " + e.getMessage());
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(source, problems);
        }
        return new UpConfig(source, gateway, fleet, secrets.generated(), clientKey, workerKey, keyFile);
    }

    /** The autoscaler's settings for one configured endpoint. */
    public static EndpointScaling scaling(EndpointConfig e) {
        return EndpointScaling.of(e.name(), e.minWorkers(), e.maxWorkers(), e.idleTimeout(), e.scalerType().name(),
                e.scalerValue());
    }

    private static JsonNode yaml(String text) {
        try {
            return YAMLMapper.builder().build().readTree(text);
        } catch (JacksonException e) {
            return null; // the gateway's loader has reported the YAML error already
        }
    }

    /** endpoints[0].{list}[0] with ${NAME} expanded as the gateway's loader did (it validated it already). */
    private static String firstKey(JsonNode root, String list, UnaryOperator<String> secrets) {
        String raw = root.path("endpoints").path(0).path(list).path(0).asString("");
        Matcher m = ENV.matcher(raw);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = secrets.apply(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(value == null ? "" : value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
