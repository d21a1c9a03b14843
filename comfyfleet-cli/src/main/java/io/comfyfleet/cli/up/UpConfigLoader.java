package io.comfyfleet.cli.up;

import io.comfyfleet.fleet.scale.EndpointScaling;
import io.comfyfleet.gateway.config.ConfigException;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.config.EnvExpansion;
import io.comfyfleet.gateway.config.GatewayConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import tools.jackson.databind.JsonNode;

/**
 * Reads {@code comfyfleet.yaml} for {@code comfyfleet up}, parsed once ({@link ConfigFile}): the gateway's sections
 * (checked by the gateway's own {@link ConfigLoader}) plus the {@code workers:} section, whose text values expand
 * {@code ${NAME}} as the gateway's do ({@link EnvExpansion}). Without a file it uses built-in defaults: one endpoint
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
        ConfigFile config = file == null
                ? ConfigFile.parse(DEFAULTS, "built-in defaults", baseDir.toAbsolutePath())
                : ConfigFile.read(file);
        String source = config.source();
        Path base = config.baseDir();
        JsonNode root = config.root();
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
            gateway = new ConfigLoader(secrets).parse(config.gatewaySections(), source, base);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        EnvExpansion expansion = new EnvExpansion(secrets);
        FleetSettings fleet = new FleetSettingsParser(problems, base)
                .parse(expansion.expandTree(config.workers(), ConfigFile.WORKERS, problems));
        String clientKey = null;
        String workerKey = null;
        if (gateway != null) {
            clientKey = firstKey(root, "clientKeys", expansion);
            workerKey = firstKey(root, "workerKeys", expansion);
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

    /** endpoints[0].{list}[0], expanded as the gateway's loader did (it reported any variable not set). */
    private static String firstKey(JsonNode root, String list, EnvExpansion expansion) {
        return expansion.expand(root.path("endpoints").path(0).path(list).path(0).asString(""), name -> {});
    }
}
