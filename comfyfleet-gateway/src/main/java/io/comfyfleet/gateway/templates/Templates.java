package io.comfyfleet.gateway.templates;

import io.comfyfleet.comfy.workflow.NodeCatalog;
import io.comfyfleet.core.template.TemplateStore;
import io.comfyfleet.core.template.TemplateStore.StoredTemplate;
import io.comfyfleet.gateway.admission.CurrentCatalogue;
import io.comfyfleet.gateway.jobs.EndpointNotFoundException;
import io.comfyfleet.gateway.jobs.InvalidRequestException;
import io.comfyfleet.gateway.jobs.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Workflow templates: the front door. An operator registers a workflow under a name with the parameters it
 * exposes ({@link #put}, or the YAML through {@link #seed}); clients send {@code {"input": {"template": NAME,
 * "params": {...}}}} on {@code /run} and {@code /runsync}, which {@link #expand} turns into the full workflow
 * before anything else looks at the job; {@link #list} gives every template with its JSON Schema.
 *
 * <p>Schemas are derived at each use from the node catalogue of the endpoint's current worker version, so a new
 * version's checkpoints or samplers show up without re-registering. Before any worker reported a catalogue,
 * templates are still accepted and served, with each parameter typed by the workflow's own value and no bounds
 * ({@code "catalogue": null} in the listing); the worker then checks the values as it would a full workflow.
 */
public final class Templates {
    private static final Logger log = LoggerFactory.getLogger(Templates.class);
    /** How long a gateway trusts a template it read: a change through another gateway shows within it. */
    static final Duration REFRESH = Duration.ofSeconds(2);

    private record Cached(StoredTemplate stored, TemplateDefinition definition, Instant readAt) {}

    private final TemplateStore store;
    private final Function<String, Optional<CurrentCatalogue>> catalogues;
    private final Set<String> endpoints;
    private final Clock clock;
    private final ConcurrentMap<String, Optional<Cached>> cache = new ConcurrentHashMap<>();

    /**
     * @param catalogues the endpoint's current catalogue (e.g. {@code Admission::currentCatalogue})
     * @param endpoints  the configured endpoints' names
     */
    public Templates(TemplateStore store, Function<String, Optional<CurrentCatalogue>> catalogues,
            Set<String> endpoints, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.catalogues = Objects.requireNonNull(catalogues, "catalogues");
        this.endpoints = Set.copyOf(endpoints);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Registers or replaces a template. With a catalogue, every parameter must name an input its node type has
     * and that takes a value.
     *
     * @throws EndpointNotFoundException when the endpoint is not configured
     * @throws InvalidRequestException naming what to change in the name or the definition
     */
    public ObjectNode put(String endpoint, String name, JsonNode definition) {
        known(endpoint);
        checkName(name);
        TemplateDefinition parsed = TemplateDefinition.parse(definition);
        Optional<CurrentCatalogue> catalogue = catalogues.apply(endpoint);
        catalogue.ifPresent(c -> ParamSchemas.check(parsed, c.catalog(), c.version()));
        StoredTemplate stored = store.put(endpoint, name, Json.mapper().writeValueAsString(parsed.toJson()),
                clock.instant());
        cache.put(key(endpoint, name), Optional.of(new Cached(stored, parsed, clock.instant())));
        log.info("endpoint {}: template {} stored (revision {}, parameters {}{})", endpoint, name, stored.revision(),
                parsed.params().keySet(), catalogue.isPresent() ? "" : "; no node catalogue yet, so parameters are"
                        + " typed by the workflow's values until a worker reports one");
        return describe(stored, parsed, catalogue, true);
    }

    /**
     * Checks a template's name and definition as {@link #put} does, without a catalogue (the configuration is read
     * before any worker reported one).
     *
     * @throws InvalidRequestException naming what to change
     */
    public static void check(String name, JsonNode definition) {
        checkName(name);
        TemplateDefinition.parse(definition);
    }

    /**
     * Stores a template from the configuration unless the endpoint already has one of that name (the admin API's
     * changes win, as for endpoint settings); logs which one is used.
     *
     * @throws InvalidRequestException when the definition is malformed
     */
    public void seed(String endpoint, String name, JsonNode definition) {
        checkName(name);
        TemplateDefinition parsed = TemplateDefinition.parse(definition);
        String json = Json.mapper().writeValueAsString(parsed.toJson());
        if (store.seed(endpoint, name, json, clock.instant())) {
            log.info("endpoint {}: template {} seeded from the configuration", endpoint, name);
        } else if (!store.get(endpoint, name).map(StoredTemplate::definitionJson).orElse("").equals(json)) {
            log.warn("endpoint {}: template {} in the job store differs from the configuration's, which is ignored:"
                    + " the file only seeds a new template. Change it with PUT /admin/endpoints/{}/templates/{}",
                    endpoint, name, endpoint, name);
        }
    }

    /**
     * One template with its workflow and schema (the admin view).
     *
     * @throws TemplateNotFoundException when there is none of that name
     */
    public ObjectNode get(String endpoint, String name) {
        known(endpoint);
        Cached t = cached(endpoint, name).orElseThrow(() -> new TemplateNotFoundException(endpoint, name));
        return describe(t.stored(), t.definition(), catalogues.apply(endpoint), true);
    }

    /** Removes a template; jobs already queued from it keep their expanded workflow. */
    public void delete(String endpoint, String name) {
        known(endpoint);
        if (!store.delete(endpoint, name)) {
            throw new TemplateNotFoundException(endpoint, name);
        }
        cache.remove(key(endpoint, name));
        log.info("endpoint {}: template {} deleted", endpoint, name);
    }

    /**
     * Every template of the endpoint with its parameters' JSON Schema, for clients:
     * {@code {"endpoint", "catalogue": {"version"} | null, "templates": [{"name", "description", "revision",
     * "schema"}]}}.
     */
    public ObjectNode list(String endpoint) {
        known(endpoint);
        Optional<CurrentCatalogue> catalogue = catalogues.apply(endpoint);
        ObjectNode root = Json.mapper().createObjectNode().put("endpoint", endpoint);
        if (catalogue.isPresent()) {
            root.putObject("catalogue").put("version", catalogue.get().version());
        } else {
            root.putNull("catalogue");
        }
        ArrayNode items = root.putArray("templates");
        for (StoredTemplate stored : store.list(endpoint)) {
            TemplateDefinition definition = TemplateDefinition.parse(Json.mapper().readTree(stored.definitionJson()));
            items.add(describe(stored, definition, catalogue, false));
        }
        return root;
    }

    /**
     * The job body with a template input expanded to the full workflow; any other body unchanged.
     *
     * @throws InvalidRequestException for an unknown template, a template input that also has a workflow, or a
     *     parameter its schema refuses (the message names the parameter and what it takes)
     */
    public JsonNode expand(String endpoint, JsonNode root) {
        JsonNode input = root.path("input");
        if (!input.isObject() || !input.has("template")) {
            return root;
        }
        if (input.has("workflow")) {
            throw new InvalidRequestException("input has both \"workflow\" and \"template\"; send a full workflow or"
                    + " a template name with params, not both");
        }
        JsonNode nameNode = input.get("template");
        if (!nameNode.isString() || !TemplateDefinition.NAME.matcher(nameNode.stringValue()).matches()) {
            throw new InvalidRequestException("input.template must be the name of one of the endpoint's templates"
                    + " (GET /v2/" + endpoint + "/templates lists them), got " + Texts.abbreviate(nameNode.toString()));
        }
        String name = nameNode.stringValue();
        Cached t = cached(endpoint, name).orElseThrow(() -> new InvalidRequestException("endpoint " + endpoint
                + " has no template \"" + name + "\"; its templates are "
                + Texts.list(store.list(endpoint).stream().map(StoredTemplate::name).toList())));
        Optional<CurrentCatalogue> catalogue = catalogues.apply(endpoint);
        Map<String, ParamSchema> schemas = ParamSchemas.of(t.definition(), catalogue.map(CurrentCatalogue::catalog));
        ObjectNode expanded = TemplateExpansion.expand(name, t.definition(), schemas, (ObjectNode) input,
                catalogue.map(CurrentCatalogue::inputFiles).orElse(Set.of()));
        ((ObjectNode) root).set("input", expanded);
        return root;
    }

    private Optional<Cached> cached(String endpoint, String name) {
        Instant now = clock.instant();
        String key = key(endpoint, name);
        Optional<Cached> hit = cache.get(key);
        if (hit != null && hit.map(c -> now.isBefore(c.readAt().plus(REFRESH))).orElse(false)) {
            return hit;
        }
        Optional<Cached> fresh = store.get(endpoint, name).map(stored -> {
            // parse again only when the template changed since it was read
            TemplateDefinition definition = hit != null && hit.isPresent()
                    && hit.get().stored().revision() == stored.revision()
                    && hit.get().stored().definitionJson().equals(stored.definitionJson())
                    ? hit.get().definition()
                    : TemplateDefinition.parse(Json.mapper().readTree(stored.definitionJson()));
            return new Cached(stored, definition, now);
        });
        // a name that is not there is not cached: a template registered through another gateway shows at once
        fresh.ifPresentOrElse(c -> cache.put(key, fresh), () -> cache.remove(key));
        return fresh;
    }

    /** JSON Schema of a template's {@code params} object, with the listing fields around it. */
    private static ObjectNode describe(StoredTemplate stored, TemplateDefinition definition,
            Optional<CurrentCatalogue> catalogue, boolean withWorkflow) {
        Optional<NodeCatalog> catalog = catalogue.map(CurrentCatalogue::catalog);
        ObjectNode node = Json.mapper().createObjectNode().put("name", stored.name());
        if (definition.description() != null) {
            node.put("description", definition.description());
        }
        node.put("revision", stored.revision()).put("updatedAt", stored.updatedAt().toString());
        node.set("schema", ParamSchemaDocument.of(ParamSchemas.of(definition, catalog)));
        if (withWorkflow) {
            node.set("definition", definition.toJson());
            catalogue.ifPresentOrElse(c -> node.putObject("catalogue").put("version", c.version()),
                    () -> node.putNull("catalogue"));
        }
        return node;
    }

    private void known(String endpoint) {
        if (!endpoints.contains(endpoint)) {
            throw new EndpointNotFoundException(endpoint);
        }
    }

    private static void checkName(String name) {
        if (name == null || !TemplateDefinition.NAME.matcher(name).matches()) {
            throw new InvalidRequestException("a template name must be 1 to 64 letters, digits, '.', '-' or '_',"
                    + " starting with a letter or digit, got \"" + Texts.abbreviate(String.valueOf(name)) + "\"");
        }
    }

    private static String key(String endpoint, String name) {
        return endpoint + '\u0000' + name;
    }
}
