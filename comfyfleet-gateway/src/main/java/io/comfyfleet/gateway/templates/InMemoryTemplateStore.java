package io.comfyfleet.gateway.templates;

import io.comfyfleet.core.template.TemplateStore;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Templates for a job store that keeps none: they live as long as the gateway (the YAML seeds them again). */
public final class InMemoryTemplateStore implements TemplateStore {
    private final ConcurrentMap<List<String>, StoredTemplate> templates = new ConcurrentHashMap<>();

    @Override
    public StoredTemplate put(String endpoint, String name, String definitionJson, Instant now) {
        return templates.compute(List.of(endpoint, name), (k, old) -> new StoredTemplate(endpoint, name,
                definitionJson, old == null ? 1 : old.revision() + 1, now));
    }

    @Override
    public boolean seed(String endpoint, String name, String definitionJson, Instant now) {
        return templates.putIfAbsent(List.of(endpoint, name),
                new StoredTemplate(endpoint, name, definitionJson, 1, now)) == null;
    }

    @Override
    public Optional<StoredTemplate> get(String endpoint, String name) {
        return Optional.ofNullable(templates.get(List.of(endpoint, name)));
    }

    @Override
    public List<StoredTemplate> list(String endpoint) {
        return templates.values().stream().filter(t -> t.endpoint().equals(endpoint))
                .sorted(Comparator.comparing(StoredTemplate::name)).toList();
    }

    @Override
    public boolean delete(String endpoint, String name) {
        return templates.remove(List.of(endpoint, name)) != null;
    }
}
