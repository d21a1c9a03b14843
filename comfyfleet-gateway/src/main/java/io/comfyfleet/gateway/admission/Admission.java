package io.comfyfleet.gateway.admission;

import io.comfyfleet.comfy.workflow.PromptCheck;
import io.comfyfleet.comfy.workflow.PromptValidator;
import io.comfyfleet.comfy.workflow.UploadNames;
import io.comfyfleet.comfy.workflow.ValidationContext;
import io.comfyfleet.comfy.workflow.ValidationContext.Folder;
import io.comfyfleet.gateway.jobs.InvalidRequestException;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Admission before queueing: a {@code /run} or {@code /runsync} job's workflow is checked against the node
 * catalogue of its endpoint's current worker version with ComfyUI's own validation ({@link PromptValidator}),
 * and refused with ComfyUI's 400 body when that ComfyUI would refuse it, before anything is stored and before
 * any worker wakes.
 *
 * <p>It refuses only what the worker would certainly refuse: unknown node types, values out of range or not in a
 * combo list (checkpoints, LoRAs, VAEs, samplers ... are combos), missing inputs, bad links, no outputs, and an
 * upload picker's file ({@code LoadImage}'s {@code image}) that is neither among the job's {@code input.images}
 * nor in the worker's input folder as the catalogue lists it, and an {@code input.images} name the worker would not
 * write (a path, a hidden file: {@link UploadNames}) or that two images share. Everything else is admitted and left to the worker
 * as before: no current version or no catalogue for it yet, an {@code input} without a {@code workflow} object,
 * files named in the output or temp folders ({@code "x.png [output]"}), and workflows ComfyUI would crash on
 * (its 500s) rather than refuse.
 */
public final class Admission {
    private static final Logger log = LoggerFactory.getLogger(Admission.class);

    private final Catalogues catalogues;
    private final CurrentVersion current;

    /**
     * @param current which version's catalogue applies to an endpoint's new jobs (e.g.
     *     {@link Catalogues#latestReported()})
     */
    public Admission(Catalogues catalogues, CurrentVersion current) {
        this.catalogues = Objects.requireNonNull(catalogues, "catalogues");
        this.current = Objects.requireNonNull(current, "current");
    }

    /**
     * Checks a job's {@code input} for the endpoint; returns when the job may be queued.
     *
     * @throws WorkflowRejectedException when the current version's ComfyUI would refuse the workflow (400)
     */
    public void admit(String endpoint, JsonNode input) {
        if (input == null || !input.path("workflow").isObject()) {
            return;
        }
        Optional<String> version = current.of(endpoint);
        if (version.isEmpty()) {
            return;
        }
        Optional<AdmissionCatalogue> catalogue = catalogues.catalogue(endpoint, version.get());
        if (catalogue.isEmpty()) {
            return;
        }
        requirePlainUploadNames(input.path("images"));
        PromptCheck check = PromptValidator.validate(input.get("workflow"), catalogue.get().catalog(),
                files(catalogue.get(), input.path("images")));
        if (check.httpStatus() == 400) {
            String message = check.userMessage();
            log.debug("endpoint {}: workflow refused for worker version {}: {}", endpoint, version.get(), message);
            throw new WorkflowRejectedException(endpoint, version.get(), message, check.body());
        }
    }

    /**
     * The catalogue the endpoint's new jobs are checked against now; empty when no worker of its current version
     * reported one yet. Templates read their parameters' schemas from it.
     */
    public Optional<CurrentCatalogue> currentCatalogue(String endpoint) {
        return current.of(endpoint).flatMap(version -> catalogues.catalogue(endpoint, version)
                .map(c -> new CurrentCatalogue(version, c.catalog(), c.inputFiles())));
    }

    /**
     * The job's own input files get the names the worker would write them under, each once (two of one name would
     * overwrite each other in ComfyUI's input folder), or the worker refuses the job.
     */
    private static void requirePlainUploadNames(JsonNode images) {
        java.util.Map<String, Integer> seen = new java.util.HashMap<>();
        for (int i = 0; i < images.size(); i++) {
            JsonNode name = images.get(i).path("name");
            if (name.isString()) {
                int index = i;
                UploadNames.problem(name.stringValue()).ifPresent(problem -> {
                    throw new InvalidRequestException("input.images[" + index + "].name \""
                            + UploadNames.printable(name.stringValue()) + "\" " + problem);
                });
                Integer earlier = seen.putIfAbsent(name.stringValue(), i);
                if (earlier != null) {
                    throw new InvalidRequestException("input.images[" + i + "].name \""
                            + UploadNames.printable(name.stringValue()) + "\" is used twice (also input.images[" + earlier
                            + "]); give each image its own name");
                }
            }
        }
    }

    /**
     * A file in the input folder exists when the job carries it or the worker's ComfyUI listed it; the output
     * and temp folders are unknown here, so their files count as present (the worker checks them).
     */
    private static ValidationContext files(AdmissionCatalogue catalogue, JsonNode images) {
        Set<String> carried = new HashSet<>();
        for (JsonNode image : images) {
            if (image.path("name").isString()) {
                carried.add(image.get("name").stringValue());
            }
        }
        Set<String> listed = catalogue.inputFiles();
        return ValidationContext.withFiles((folder, name) -> folder != Folder.INPUT
                || carried.contains(name) || listed.contains(name));
    }
}
