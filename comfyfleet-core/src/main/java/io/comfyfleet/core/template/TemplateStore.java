package io.comfyfleet.core.template;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Workflow templates registered per endpoint (a workflow and the parameters it exposes), kept in the job store so
 * they survive a restart and every gateway on the same database serves the same ones.
 *
 * <p>The store keeps a template's definition as JSON text it does not interpret; the gateway checks it before it
 * stores it. A failure of the database gives {@link io.comfyfleet.core.job.JobStoreException}.
 */
public interface TemplateStore {
    /**
     * One stored template.
     *
     * @param revision grows by one at every change of the template, starting at 1
     */
    record StoredTemplate(String endpoint, String name, String definitionJson, long revision, Instant updatedAt) {}

    /** Stores the template, replacing one of the same name; returns what is stored now. */
    StoredTemplate put(String endpoint, String name, String definitionJson, Instant now);

    /** Stores the template only when the endpoint has none of that name; true when it did. */
    boolean seed(String endpoint, String name, String definitionJson, Instant now);

    /** The template of that name. */
    Optional<StoredTemplate> get(String endpoint, String name);

    /** Every template of the endpoint, by name. */
    List<StoredTemplate> list(String endpoint);

    /** Removes the template; true when there was one. */
    boolean delete(String endpoint, String name);
}
