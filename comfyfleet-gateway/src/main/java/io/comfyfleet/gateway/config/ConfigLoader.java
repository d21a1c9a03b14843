package io.comfyfleet.gateway.config;

import io.comfyfleet.core.endpoint.ScalerType;
import io.comfyfleet.core.endpoint.ScalingBounds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Reads the gateway's YAML configuration, checks all of it, and returns it frozen.
 *
 * <p>Every problem is reported at once, each naming its key, e.g.
 * {@code endpoints[1].scaler.type: must be QUEUE_DELAY, REQUEST_COUNT or COLD_START_AWARE, got "FOO"}. Text values may
 * reference environment variables as {@code ${NAME}} so keys and passwords need not sit in the file.
 */
public final class ConfigLoader {
    // RunPod's bounds (PROTOCOL.md §1.2, §4)
    static final Duration MIN_EXECUTION_TIMEOUT = Duration.ofSeconds(5);
    static final Duration MIN_TTL = Duration.ofSeconds(10);
    static final Duration MAX_JOB_DURATION = Duration.ofDays(7);
    private static final Pattern ENDPOINT_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final int MIN_KEY_LENGTH = 16;
    /** As the provider SPI checks it: registry/path:tag@digest; the engine has the final word. */
    public static final Pattern IMAGE = Pattern.compile("[a-z0-9][A-Za-z0-9._:/@+-]{0,254}");

    private final EnvExpansion env;

    /** A loader that expands {@code ${NAME}} from the process environment. */
    public ConfigLoader() {
        this(System::getenv);
    }

    /** A loader that expands {@code ${NAME}} with {@code env} (tests pass a map's {@code get}). */
    public ConfigLoader(UnaryOperator<String> env) {
        this.env = new EnvExpansion(env);
    }

    /**
     * Loads and validates a configuration file. Relative paths in it are resolved against the file's folder.
     *
     * @throws ConfigException when the file cannot be read, is not YAML, or has any bad value
     */
    public GatewayConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), "cannot read the file: " + e.getMessage(), e);
        }
        Path base = file.toAbsolutePath().getParent();
        return parse(text, file.toString(), base);
    }

    /**
     * Validates configuration text.
     *
     * @param source   names the text in error messages (a file name)
     * @param baseDir  folder against which relative paths are resolved
     * @throws ConfigException on any bad value
     */
    public GatewayConfig parse(String yaml, String source, Path baseDir) {
        JsonNode root;
        try {
            root = ConfigYaml.read(yaml);
        } catch (JacksonException e) {
            throw new ConfigException(source, ConfigYaml.why(e), e);
        }
        return parse(root, source, baseDir);
    }

    /**
     * Validates a configuration parsed already, for a caller that reads the file itself ({@code comfyfleet up} reads
     * it once and hands the gateway its sections: server, store, webhooks, endpoints).
     *
     * @param source   names the configuration in error messages (a file name)
     * @param baseDir  folder against which relative paths are resolved
     * @throws ConfigException on any bad value
     */
    public GatewayConfig parse(JsonNode root, String source, Path baseDir) {
        List<String> problems = new ArrayList<>();
        if (root == null || !root.isObject()) {
            throw new ConfigException(source, List.of("the file must be a YAML mapping with server, store and endpoints"));
        }
        ConfigNode top = new ConfigNode(root, "", problems, env);
        top.rejectUnknownKeys(Set.of("server", "store", "webhooks", "endpoints"));
        ServerSettings server = server(top.section("server"), baseDir);
        StoreSettings store = store(top.section("store"), baseDir, server.dataDir());
        WebhookSettings webhooks = webhooks(top.section("webhooks"));
        List<EndpointConfig> endpoints = endpoints(top, problems, baseDir);
        ApiKeys adminKeys = adminKeys(top.section("server"), endpoints);
        if (!problems.isEmpty()) {
            throw new ConfigException(source, problems);
        }
        return new GatewayConfig(server, store, webhooks, endpoints, adminKeys);
    }

    private static ServerSettings server(ConfigNode n, Path baseDir) {
        n.rejectUnknownKeys(Set.of("host", "port", "publicUrl", "dataDir", "maxRunBody", "maxRunsyncBody",
                "maxWorkerBody", "maxStreamChunk", "maxOutputFile", "jobTakeHold", "jobStopHold", "lease",
                "retention", "runsyncRetention", "sweepInterval", "metricsToken", "idleTimeout", "controlLease",
                "controlRenew", "adminKey"));
        String publicUrl = n.string("publicUrl", null);
        if (publicUrl != null && !publicUrl.matches("https?://[^\\s/]+(/\\S*)?")) {
            n.problem("publicUrl", "must be an http:// or https:// URL, got \"" + publicUrl + "\"");
            publicUrl = null;
        }
        Duration longPollMax = Duration.ofSeconds(85); // RunPod workers give up on a poll after 90 s
        Duration controlLease = n.duration("controlLease", Duration.ofSeconds(5), Duration.ofSeconds(1),
                Duration.ofMinutes(5));
        Duration controlRenew = n.duration("controlRenew", Duration.ofSeconds(1), Duration.ofMillis(100),
                Duration.ofMinutes(1));
        if (controlRenew.multipliedBy(2).compareTo(controlLease) > 0) {
            n.problem("controlRenew", "must be at most half of server.controlLease (" + Durations.format(controlLease)
                    + ") so one failed renewal does not lose the lease, got " + Durations.format(controlRenew));
            controlRenew = controlLease.dividedBy(2);
        }
        return new ServerSettings(
                n.string("host", "127.0.0.1"),
                n.integer("port", 8080, 0, 65535),
                Optional.ofNullable(publicUrl).map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u),
                baseDir.resolve(n.string("dataDir", "data")).normalize(),
                n.size("maxRunBody", 10L << 20),
                n.size("maxRunsyncBody", 20L << 20),
                n.size("maxWorkerBody", 64L << 20),
                n.size("maxStreamChunk", 1L << 20),
                n.size("maxOutputFile", 1L << 30),
                n.duration("jobTakeHold", Duration.ofSeconds(50), Duration.ofMillis(100), longPollMax),
                n.duration("jobStopHold", Duration.ofSeconds(50), Duration.ofMillis(100), longPollMax),
                n.duration("lease", Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofHours(1)),
                n.duration("retention", Duration.ofMinutes(30), Duration.ofSeconds(1), MAX_JOB_DURATION),
                n.duration("runsyncRetention", Duration.ofMinutes(1), Duration.ofSeconds(1), MAX_JOB_DURATION),
                n.duration("sweepInterval", Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMinutes(1)),
                metricsToken(n),
                n.duration("idleTimeout", Duration.ofMinutes(2), Duration.ofSeconds(1), Duration.ofHours(1)),
                controlLease, controlRenew);
    }

    private static Optional<Secret> metricsToken(ConfigNode n) {
        String token = n.string("metricsToken", null);
        if (token != null && token.length() < MIN_KEY_LENGTH) {
            n.problem("metricsToken", "must be at least " + MIN_KEY_LENGTH + " characters long");
        }
        return Optional.ofNullable(token).map(Secret::new);
    }

    /** {@code server.adminKey}: opens only the admin API, so it must differ from every client and worker key. */
    private static ApiKeys adminKeys(ConfigNode server, List<EndpointConfig> endpoints) {
        String key = server.string("adminKey", null);
        if (key == null || key.isEmpty()) {
            return ApiKeys.of(List.of());
        }
        if (key.length() < MIN_KEY_LENGTH) {
            server.problem("adminKey", "must be at least " + MIN_KEY_LENGTH + " characters long");
        }
        ApiKeys keys = ApiKeys.of(List.of(key));
        for (EndpointConfig e : endpoints) {
            if (e.clientKeys() != null && (keys.overlaps(e.clientKeys()) || keys.overlaps(e.workerKeys()))) {
                server.problem("adminKey", "must differ from every client and worker key (endpoint \"" + e.name()
                        + "\" has it)");
            }
        }
        return keys;
    }

    private static StoreSettings store(ConfigNode n, Path baseDir, Path dataDir) {
        n.rejectUnknownKeys(Set.of("type", "path", "url", "user", "password"));
        String type = n.string("type", "sqlite").toLowerCase(Locale.ROOT);
        return switch (type) {
            case "sqlite" -> new StoreSettings(StoreSettings.Kind.SQLITE,
                    Optional.ofNullable(n.string("path", null)).map(baseDir::resolve).orElse(dataDir.resolve("jobs.db")),
                    null, null, null);
            case "postgres", "postgresql" -> {
                String url = n.requiredString("url");
                if (url != null && !url.startsWith("jdbc:postgresql://")) {
                    n.problem("url", "must start with jdbc:postgresql://, got \"" + url + "\"");
                }
                String password = n.string("password", null);
                yield new StoreSettings(StoreSettings.Kind.POSTGRES, null, url, n.string("user", null),
                        password == null ? null : new Secret(password));
            }
            default -> {
                n.problem("type", "must be sqlite or postgres, got \"" + type + "\"");
                yield new StoreSettings(StoreSettings.Kind.SQLITE, dataDir.resolve("jobs.db"), null, null, null);
            }
        };
    }

    private static WebhookSettings webhooks(ConfigNode n) {
        n.rejectUnknownKeys(Set.of("attempts", "backoff", "timeout", "allowPrivateTargets"));
        return new WebhookSettings(
                n.integer("attempts", 3, 1, 20),
                n.duration("backoff", Duration.ofSeconds(10), Duration.ofMillis(1), Duration.ofHours(1)),
                n.duration("timeout", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofMinutes(5)),
                n.bool("allowPrivateTargets", false));
    }

    private static List<EndpointConfig> endpoints(ConfigNode top, List<String> problems, Path baseDir) {
        List<ConfigNode> nodes = top.sections("endpoints");
        if (nodes.isEmpty() && problems.stream().noneMatch(p -> p.startsWith("endpoints"))) {
            top.problem("endpoints", "list at least one endpoint (name, clientKeys, workerKeys)");
        }
        List<EndpointConfig> result = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ConfigNode n : nodes) {
            EndpointConfig endpoint = endpoint(n, baseDir);
            if (endpoint.name() != null && !names.add(endpoint.name())) {
                n.problem("name", "\"" + endpoint.name() + "\" is already the name of an earlier endpoint");
            }
            result.add(endpoint);
        }
        return result;
    }

    private static EndpointConfig endpoint(ConfigNode n, Path baseDir) {
        n.rejectUnknownKeys(Set.of("name", "clientKeys", "workerKeys", "executionTimeout", "ttl", "maxRetries",
                "minWorkers", "maxWorkers", "idleTimeout", "scaler", "webhookSecret", "rateLimit", "statusRateLimit",
                "image", "templates", "routing", "affinityWait"));
        String name = n.requiredString("name");
        if (name != null && !ENDPOINT_NAME.matcher(name).matches()) {
            n.problem("name", "must be 1 to 64 letters, digits, '-' or '_', got \"" + name + "\"");
        }
        ApiKeys clientKeys = keys(n, "clientKeys");
        ApiKeys workerKeys = keys(n, "workerKeys");
        if (clientKeys.overlaps(workerKeys)) {
            n.problem("workerKeys", "a worker key must differ from every client key of the endpoint");
        }
        int minWorkers = n.integer("minWorkers", 0, 0, ScalingBounds.MAX_WORKERS);
        int maxWorkers = n.integer("maxWorkers", 3, 0, ScalingBounds.MAX_WORKERS);
        if (maxWorkers < minWorkers) {
            n.problem("maxWorkers", "must be at least minWorkers (" + minWorkers + "), got " + maxWorkers);
        }
        ConfigNode scaler = n.section("scaler");
        scaler.rejectUnknownKeys(Set.of("type", "value"));
        String typeText = scaler.string("type", "QUEUE_DELAY");
        ScalerType type = ScalerType.named(typeText);
        if (type == null) {
            scaler.problem("type", "must be " + ScalerType.NAMES + ", got \"" + typeText + "\"");
            type = ScalerType.QUEUE_DELAY;
        }
        double value = scaler.decimal("value", type.defaultValue());
        if (!type.accepts(value)) {
            scaler.problem("value", type.refusal(scaler.value("value").toString()));
        }
        String image = n.string("image", null);
        if (image != null && !IMAGE.matcher(image).matches()) {
            n.problem("image", "must be an image reference like registry.example.com/team/worker:1.2, got \""
                    + image + "\"");
        }
        String secret = n.string("webhookSecret", null);
        if (secret != null && secret.length() < MIN_KEY_LENGTH) {
            n.problem("webhookSecret", "must be at least " + MIN_KEY_LENGTH + " characters long");
        }
        return new EndpointConfig(
                name,
                clientKeys,
                workerKeys,
                n.duration("executionTimeout", Duration.ofMinutes(10), MIN_EXECUTION_TIMEOUT, MAX_JOB_DURATION),
                n.duration("ttl", Duration.ofHours(24), MIN_TTL, MAX_JOB_DURATION),
                n.integer("maxRetries", 3, 0, 100),
                minWorkers,
                maxWorkers,
                n.duration("idleTimeout", Duration.ofSeconds(5), ScalingBounds.MIN_IDLE_TIMEOUT,
                        ScalingBounds.MAX_IDLE_TIMEOUT),
                type,
                value,
                Optional.ofNullable(secret).map(Secret::new),
                rateLimit(n, "rateLimit"),
                rateLimit(n, "statusRateLimit"),
                Optional.ofNullable(image),
                TemplateSeeds.read(n, baseDir),
                Routing.read(n));
    }

    private static Optional<RateLimit> rateLimit(ConfigNode endpoint, String key) {
        if (!endpoint.has(key)) {
            return Optional.empty();
        }
        ConfigNode n = endpoint.section(key);
        if (!n.isPresent()) {
            return Optional.empty(); // not a mapping: section() reported it
        }
        n.rejectUnknownKeys(Set.of("requestsPerSecond", "burst"));
        double rate = n.decimal("requestsPerSecond", Double.NaN);
        if (Double.isNaN(rate)) {
            n.problem("requestsPerSecond", "is required, e.g. requestsPerSecond: 10 (0.5 is one request every 2 s)");
            return Optional.empty();
        }
        if (rate < 0.001 || rate > 1_000_000) {
            n.problem("requestsPerSecond", "must be from 0.001 to 1000000, got " + rate);
            return Optional.empty();
        }
        int burst = n.integer("burst", (int) Math.ceil(rate), 1, 1_000_000);
        return Optional.of(new RateLimit(rate, burst));
    }

    private static ApiKeys keys(ConfigNode n, String key) {
        List<String> keys = n.strings(key);
        if (keys.isEmpty()) {
            n.problem(key, "list at least one key");
        }
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i).length() < MIN_KEY_LENGTH) {
                n.problem(key + "[" + i + "]", "must be at least " + MIN_KEY_LENGTH + " characters long");
            }
        }
        return ApiKeys.of(keys);
    }
}
