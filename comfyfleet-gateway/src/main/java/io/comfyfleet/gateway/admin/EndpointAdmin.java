package io.comfyfleet.gateway.admin;

import io.comfyfleet.core.HumanDuration;
import io.comfyfleet.core.endpoint.EndpointSettings;
import io.comfyfleet.core.endpoint.EndpointSettingsStore;
import io.comfyfleet.core.endpoint.RolloutStatus;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.config.Routing;
import io.comfyfleet.gateway.dispatch.WorkerRegistry;
import io.comfyfleet.gateway.jobs.EndpointNotFoundException;
import io.comfyfleet.gateway.jobs.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The admin API's work, without HTTP: every configured endpoint's settings as the job store keeps them (scaling,
 * image, routing), changes to them, and the state of its roll-out; and each endpoint's current routing for the
 * dispatcher.
 *
 * <p>{@code comfyfleet.yaml} seeds an endpoint's row only when the store has none ({@link #seed()}); from then on
 * the store wins, so a change made through the admin API survives restarts and is the same on every gateway. Keys
 * of the file that differ from the store are named in the startup log.
 */
public final class EndpointAdmin {
    private static final Logger log = LoggerFactory.getLogger(EndpointAdmin.class);
    /** Optimistic updates tried before a PATCH gives up with 409 (another admin changed the endpoint meanwhile). */
    private static final int ATTEMPTS = 5;
    /**
     * How long a routing read from the store serves claims before it is read again: every job-take asks for it, and
     * a change made through another gateway may take this long to apply here.
     */
    static final Duration ROUTING_FRESH = Duration.ofSeconds(1);

    private final EndpointSettingsStore store;
    private final Map<String, EndpointConfig> configured = new LinkedHashMap<>();
    private final Clock clock;
    /** Where the provider's word on each worker comes from; none until {@link #showWorkerProblemsFrom}. */
    private volatile WorkerRegistry workers;
    private final Map<String, ReadRouting> routingRead = new ConcurrentHashMap<>();

    private record ReadRouting(Routing routing, Instant at) {}

    public EndpointAdmin(EndpointSettingsStore store, List<EndpointConfig> endpoints, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        endpoints.forEach(e -> configured.put(e.name(), e));
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Lists, with each endpoint, its workers the provider reports a problem for ({@code "workerProblems"}): a pod
     * Pending past its limit because no GPU node came, an image that cannot be pulled, why a worker ended.
     */
    public void showWorkerProblemsFrom(WorkerRegistry registry) {
        this.workers = Objects.requireNonNull(registry, "registry");
    }

    /** The store behind it (the autoscaler reads the same one). */
    public EndpointSettingsStore store() {
        return store;
    }

    /** Seeds every configured endpoint that has no row yet; logs where each endpoint's settings come from. */
    public void seed() {
        for (EndpointConfig e : configured.values()) {
            EndpointSettings fromFile = fromFile(e);
            if (store.seed(fromFile)) {
                log.info("endpoint {}: settings seeded into the job store from the configuration", e.name());
                continue;
            }
            EndpointSettings stored = store.get(e.name()).orElseThrow();
            List<String> differ = differences(fromFile, stored);
            if (differ.isEmpty()) {
                log.info("endpoint {}: settings from the job store (revision {})", e.name(), stored.revision());
            } else {
                log.warn("endpoint {}: settings from the job store (revision {}, changed {}); the configuration's {}"
                        + " differ and are ignored: the file only seeds a new endpoint. To use the file's, send"
                        + " PATCH /admin/endpoints/{} {} with the admin key{}", e.name(), stored.revision(),
                        stored.updatedAt(), differ, e.name(), patchBody(fromFile, differ),
                        differ.contains("image") ? " (or, for the image, comfyfleet rollout " + e.name()
                                + " --image REF)" : "");
            }
        }
    }

    private EndpointSettings fromFile(EndpointConfig e) {
        return new EndpointSettings(e.name(), e.image().orElse(null), null, false, e.minWorkers(), e.maxWorkers(),
                e.idleTimeout(), e.scalerType().name(), e.scalerValue(), EndpointSettings.DEFAULT_MAX_SURGE,
                e.routing().mode().name(), e.routing().affinityWait(), 0, clock.instant());
    }

    /**
     * The PATCH body that sets the {@code keys} (named as by {@link #differences}) to the file's values: what the
     * startup warning tells a user to send, since {@code comfyfleet rollout} changes only the image.
     */
    static String patchBody(EndpointSettings file, List<String> keys) {
        ObjectNode body = Json.mapper().createObjectNode();
        for (String key : keys) {
            switch (key) {
                case "image" -> body.put("image", file.image());
                case "minWorkers" -> body.put("minWorkers", file.minWorkers());
                case "maxWorkers" -> body.put("maxWorkers", file.maxWorkers());
                case "idleTimeout" -> body.put("idleTimeout", file.idleTimeout().toSeconds());
                case "scaler" -> {
                    ObjectNode scaler = body.putObject("scaler").put("type", file.scalerType());
                    double value = file.scalerValue();
                    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
                        scaler.put("value", (long) value);
                    } else {
                        scaler.put("value", value);
                    }
                }
                case "routing" -> body.put("routing", file.routing().toLowerCase(Locale.ROOT));
                case "affinityWait" -> body.put("affinityWait", file.affinityWait().toMillis() / 1000.0);
                default -> { }
            }
        }
        return body.toString();
    }

    private static List<String> differences(EndpointSettings file, EndpointSettings stored) {
        List<String> keys = new ArrayList<>();
        if (!Objects.equals(file.image(), stored.image())) {
            keys.add("image");
        }
        if (file.minWorkers() != stored.minWorkers()) {
            keys.add("minWorkers");
        }
        if (file.maxWorkers() != stored.maxWorkers()) {
            keys.add("maxWorkers");
        }
        if (!file.idleTimeout().equals(stored.idleTimeout())) {
            keys.add("idleTimeout");
        }
        if (!file.scalerType().equals(stored.scalerType()) || file.scalerValue() != stored.scalerValue()) {
            keys.add("scaler");
        }
        // a row from before routing was stored follows the file: nothing differs
        if (stored.routing() != null && !stored.routing().equals(file.routing())) {
            keys.add("routing");
        }
        if (stored.affinityWait() != null && !stored.affinityWait().equals(file.affinityWait())) {
            keys.add("affinityWait");
        }
        return keys;
    }

    /** Every configured endpoint, in configuration order: {@code {"endpoints": [...]}}. */
    public JsonNode list() {
        ObjectNode root = Json.mapper().createObjectNode();
        ArrayNode items = root.putArray("endpoints");
        configured.keySet().forEach(name -> items.add(describe(name)));
        return root;
    }

    /**
     * One endpoint's settings, version and roll-out.
     *
     * @throws EndpointNotFoundException when it is not configured
     */
    public JsonNode get(String endpoint) {
        return describe(known(endpoint));
    }

    /**
     * Changes the endpoint's settings; the autoscaler applies them at its next pass (a new image starts a roll-out).
     *
     * @throws EndpointNotFoundException when it is not configured
     * @throws io.comfyfleet.gateway.jobs.InvalidRequestException naming the field, for a bad body
     * @throws SettingsConflictException when other changes kept winning the race
     */
    public JsonNode patch(String endpoint, JsonNode body) {
        known(endpoint);
        for (int i = 0; i < ATTEMPTS; i++) {
            EndpointSettings current = settings(endpoint);
            EndpointSettings next = EndpointPatch.apply(current, body, effective(current));
            next = next.at(current.revision(), clock.instant());
            Optional<EndpointSettings> stored = store.update(next);
            if (stored.isPresent()) {
                EndpointSettings s = stored.get();
                routingRead.remove(endpoint);
                Routing routing = effective(s);
                log.info("endpoint {}: settings changed through the admin API (revision {}): image {}, workers {}..{},"
                        + " idle timeout {}, scaler {} {}, max surge {}, routing {} (affinity wait {})", endpoint,
                        s.revision(), s.image(), s.minWorkers(), s.maxWorkers(), HumanDuration.of(s.idleTimeout()),
                        s.scalerType(), s.scalerValue(), s.maxSurge(), routing.mode(),
                        HumanDuration.of(routing.affinityWait()));
                return describe(endpoint);
            }
        }
        throw new SettingsConflictException(endpoint, ATTEMPTS);
    }

    /**
     * The endpoint's routing now, for the dispatcher: the stored one (the admin API may have changed it), or the
     * configuration's when the store keeps none; read from the store at most once per {@link #ROUTING_FRESH}. When
     * the store cannot be read, the last routing read (or the configuration's) goes on serving.
     *
     * @return null for an endpoint that is not configured
     */
    public Routing routing(String endpoint) {
        EndpointConfig config = configured.get(endpoint);
        if (config == null) {
            return null;
        }
        Instant now = clock.instant();
        ReadRouting last = routingRead.get(endpoint);
        if (last != null && !now.isBefore(last.at()) && now.isBefore(last.at().plus(ROUTING_FRESH))) {
            return last.routing();
        }
        Routing routing;
        try {
            routing = effective(settings(endpoint));
        } catch (RuntimeException e) {
            routing = last != null ? last.routing() : config.routing();
            log.warn("endpoint {}: its routing could not be read from the job store; routing stays {} (affinity wait"
                    + " {})", endpoint, routing.mode(), routing.affinityWait(), e);
        }
        routingRead.put(endpoint, new ReadRouting(routing, now));
        return routing;
    }

    /** The routing the settings say, each part the configuration's where they keep none. */
    private Routing effective(EndpointSettings s) {
        Routing configured = this.configured.get(s.endpoint()).routing();
        Routing.Mode mode = configured.mode();
        if (s.routing() != null) {
            try {
                mode = Routing.Mode.valueOf(s.routing());
            } catch (IllegalArgumentException e) {
                log.warn("endpoint {}: the job store holds an unknown routing \"{}\"; using the configuration's {}",
                        s.endpoint(), s.routing(), mode);
            }
        }
        return new Routing(mode, s.affinityWait() != null ? s.affinityWait() : configured.affinityWait());
    }

    private String known(String endpoint) {
        if (!configured.containsKey(endpoint)) {
            throw new EndpointNotFoundException(endpoint);
        }
        return endpoint;
    }

    private EndpointSettings settings(String endpoint) {
        Optional<EndpointSettings> s = store.get(endpoint);
        if (s.isPresent()) {
            return s.get();
        }
        // seeded at start; another gateway's store that lost the row gets it back from this one's file
        store.seed(fromFile(configured.get(endpoint)));
        return store.get(endpoint).orElseThrow();
    }

    private ObjectNode describe(String endpoint) {
        EndpointSettings s = settings(endpoint);
        Optional<RolloutStatus> rollout = store.rollout(endpoint);
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("name", endpoint);
        n.put("image", s.image());
        n.put("previousImage", s.previousImage());
        // previousImage null is the provider's default when the image was changed, else there is nothing to go back to
        n.put("imageChanged", s.imageChanged());
        n.put("version", rollout.map(EndpointAdmin::serving).orElse(s.image()));
        n.put("minWorkers", s.minWorkers());
        n.put("maxWorkers", s.maxWorkers());
        n.put("idleTimeout", s.idleTimeout().toMillis() / 1000.0);
        ObjectNode scaler = n.putObject("scaler");
        scaler.put("type", s.scalerType());
        scaler.put("value", s.scalerValue());
        n.put("maxSurge", s.maxSurge());
        Routing routing = effective(s);
        n.put("routing", routing.mode().name().toLowerCase(Locale.ROOT));
        n.put("affinityWait", routing.affinityWait().toMillis() / 1000.0);
        n.put("revision", s.revision());
        n.put("updatedAt", s.updatedAt().toString());
        rollout.ifPresentOrElse(r -> n.set("rollout", rolloutJson(r)), () -> n.putNull("rollout"));
        ArrayNode problems = n.putArray("workerProblems");
        WorkerRegistry registry = workers;
        if (registry != null) {
            new java.util.TreeMap<>(registry.provisioning().workers(endpoint)).forEach((id, w) -> {
                if (w.problem() != null) {
                    problems.addObject().put("workerId", id).put("state", w.state()).put("problem", w.problem());
                }
            });
        }
        // each worker's cold start as it reported it: ComfyFleet's share apart from ComfyUI's (RunPod's workers: none)
        ArrayNode coldStarts = n.putArray("coldStarts");
        if (registry != null) {
            registry.coldStarts(endpoint).forEach((id, c) -> {
                ObjectNode row = coldStarts.addObject().put("workerId", id);
                c.writeTo(row);
            });
        }
        return n;
    }

    /** The version the endpoint serves: the roll-out's target, or while it is halted the one it replaces. */
    public static String serving(RolloutStatus r) {
        return r.state() == RolloutStatus.State.HALTED && r.fromVersion() != null ? r.fromVersion() : r.toVersion();
    }

    /** A roll-out as the admin API and the dashboard show it. */
    public static ObjectNode rolloutJson(RolloutStatus r) {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("state", r.state().name());
        n.put("fromVersion", r.fromVersion());
        n.put("toVersion", r.toVersion());
        n.put("startedAt", r.startedAt().toString());
        n.put("oldWorkers", r.oldWorkers());
        n.put("newWorkers", r.newWorkers());
        n.put("readyNewWorkers", r.readyNew());
        n.put("failures", r.failures());
        n.put("halted", r.state() == RolloutStatus.State.HALTED);
        n.put("reason", r.reason());
        n.put("updatedAt", r.updatedAt().toString());
        return n;
    }
}
