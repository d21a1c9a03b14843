package io.comfyfleet.comfy.workflow;

import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * Answers what ComfyUI 0.3.64's POST /prompt would answer, without a ComfyUI: the same status (200, 400 or 500),
 * the same 400 body ({@code error} + {@code node_errors}), the outputs it would queue and the partial-success
 * {@code node_errors} of a 200. It follows {@code validate_prompt} / {@code validate_inputs} step by step, with
 * Python's semantics for the values a client may send.
 *
 * <p>Where ComfyUI's answer depends on Python set order (the order of the errors of one node, the order of
 * outputs), this answers in prompt and catalogue order; every other part is reproduced exactly. Tracebacks of
 * exceptions other than a link to a missing node are close to, not identical with, ComfyUI's.
 *
 * <p>Thread-safe: it keeps no state between calls.
 */
public final class PromptValidator {
    private PromptValidator() {}

    /**
     * Validates a {@code prompt} value (the API-format graph ComfyUI receives as the body's {@code prompt}).
     * Never throws for any JSON value: what ComfyUI would crash on is a 500 result.
     *
     * @param prompt  the prompt; {@code null} reads as JSON null
     * @param catalog the node types of the ComfyUI to answer for
     * @param context which files exist, the partial execution targets, the install path for tracebacks
     */
    public static PromptCheck validate(JsonNode prompt, NodeCatalog catalog, ValidationContext context) {
        Objects.requireNonNull(catalog, "catalog");
        Objects.requireNonNull(context, "context");
        return new PromptValidation(catalog, context).prompt(prompt);
    }

    /** Validates a parsed workflow (its {@link Workflow#toJson() API JSON}) as ComfyUI would. */
    public static PromptCheck validate(Workflow workflow, NodeCatalog catalog, ValidationContext context) {
        Objects.requireNonNull(workflow, "workflow");
        return validate(workflow.toJson(), catalog, context);
    }

    /** {@link #validate(JsonNode, NodeCatalog, ValidationContext)} with files as the catalogue lists them. */
    public static PromptCheck validate(JsonNode prompt, NodeCatalog catalog) {
        return validate(prompt, catalog, ValidationContext.filesListedInCatalog());
    }

    /**
     * Validates a whole POST /prompt body: 400 {@code no_prompt} without a {@code prompt} key, the body's
     * {@code partial_execution_targets} applied (it replaces the context's), and the 500s the handler hits around
     * validation (a {@code number} float() rejects, an {@code extra_data} that is no object next to a
     * {@code client_id}). The caller still assigns {@code number} (ComfyUI counts every request without one, even
     * rejected ones) and {@code prompt_id}.
     */
    public static PromptCheck validateRequest(JsonNode body, NodeCatalog catalog, ValidationContext context) {
        Objects.requireNonNull(catalog, "catalog");
        Objects.requireNonNull(context, "context");
        return new PromptValidation(catalog, context).request(body);
    }
}
