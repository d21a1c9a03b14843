package io.comfyfleet.worker.input;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A job's {@code input}, in worker-comfyui's shape: {@code {"workflow": {…API format…}, "images": [{"name",
 * "image"}]}} where {@code image} is base64, a data URI, or an http(s) URL (also accepted as {@code "url"}).
 * ComfyFleet adds {@code "preview": true} (send preview frames with progress) and {@code "s3Config"}.
 * {@code comfy_org_api_key} is passed to ComfyUI for its API (partner) nodes, as worker-comfyui does.
 *
 * @param workflow the API-format prompt, not yet validated against this ComfyUI's nodes
 * @param images the images to upload before the run
 * @param preview whether progress updates carry a small preview image
 * @param s3Config the job's own S3 settings, or null
 * @param comfyOrgApiKey the key for ComfyUI's API nodes, or null
 */
public record JobInput(ObjectNode workflow, List<InputImage> images, boolean preview, JsonNode s3Config,
                       String comfyOrgApiKey) {

    public JobInput {
        images = List.copyOf(images);
    }

    /**
     * This input with the S3 settings RunPod's {@code /run} carries beside {@code input} (the gateway hands the
     * job's top-level {@code s3Config} to the worker), unless the input names its own.
     *
     * @throws InvalidJobInputException when {@code s3Config} is not an object
     */
    public JobInput withJobS3Config(JsonNode jobS3Config) {
        if (s3Config != null || jobS3Config == null || jobS3Config.isNull()) {
            return this;
        }
        if (!jobS3Config.isObject()) {
            throw new InvalidJobInputException("s3Config must be an object {accessId, accessSecret, bucketName,"
                    + " endpointUrl, objectPath}");
        }
        return new JobInput(workflow, images, preview, jobS3Config, comfyOrgApiKey);
    }

    /**
     * Reads a job's input.
     *
     * @throws InvalidJobInputException when {@code workflow} is missing or not an object, or an image entry
     *     has a bad name, bad base64, a duplicate name, or an unusable URL
     */
    public static JobInput parse(JsonNode input) {
        if (input == null || !input.isObject()) {
            throw new InvalidJobInputException("input must be an object such as {\"workflow\": {...}}, got "
                    + (input == null ? "nothing" : input.getNodeType().toString().toLowerCase()));
        }
        JsonNode workflow = input.get("workflow");
        if (workflow == null || workflow.isNull()) {
            throw new InvalidJobInputException("input.workflow is missing: send the workflow exported with"
                    + " \"Export (API)\" in ComfyUI as input.workflow");
        }
        if (workflow.isString()) {
            throw new InvalidJobInputException("input.workflow is a string; send the workflow as a JSON object, not"
                    + " as JSON text inside a string");
        }
        if (!(workflow instanceof ObjectNode workflowObject)) {
            throw new InvalidJobInputException("input.workflow must be a JSON object (the API-format workflow)");
        }
        List<InputImage> images = new ArrayList<>();
        JsonNode list = input.get("images");
        if (list != null && !list.isNull()) {
            if (!list.isArray()) {
                throw new InvalidJobInputException("input.images must be a list of {\"name\", \"image\"} objects");
            }
            Set<String> names = new HashSet<>();
            for (int i = 0; i < list.size(); i++) {
                InputImage image = parseImage(list.get(i), "input.images[" + i + "]");
                if (!names.add(image.name())) {
                    throw new InvalidJobInputException("input.images[" + i + "].name \"" + image.name()
                            + "\" is used twice; give each image its own name");
                }
                images.add(image);
            }
        }
        JsonNode s3 = input.get("s3Config");
        if (s3 != null && !s3.isNull() && !s3.isObject()) {
            throw new InvalidJobInputException("input.s3Config must be an object {accessId, accessSecret, bucketName,"
                    + " endpointUrl, objectPath}");
        }
        JsonNode apiKey = input.get("comfy_org_api_key");
        if (apiKey != null && !apiKey.isNull() && !apiKey.isString()) {
            throw new InvalidJobInputException("input.comfy_org_api_key must be a string");
        }
        return new JobInput(workflowObject, images, input.path("preview").asBoolean(false),
                s3 == null || s3.isNull() ? null : s3, apiKey == null || apiKey.isNull() ? null : apiKey.asString());
    }

    private static InputImage parseImage(JsonNode entry, String where) {
        if (!entry.isObject()) {
            throw new InvalidJobInputException(where + " must be an object {\"name\", \"image\"}");
        }
        String name = ImageNames.requireSafe(entry.path("name").isString() ? entry.get("name").asString() : null,
                where + ".name");
        String url = entry.path("url").isString() ? entry.get("url").asString() : null;
        String image = entry.path("image").isString() ? entry.get("image").asString() : null;
        if (url == null && image != null && (image.startsWith("https://") || image.startsWith("http://"))) {
            url = image;
        }
        if (url != null) {
            try {
                return new InputImage(name, new InputImage.Remote(new URI(url.trim())));
            } catch (URISyntaxException e) {
                throw new InvalidJobInputException(where + " has an invalid URL: " + e.getMessage());
            }
        }
        if (image == null || image.isBlank()) {
            throw new InvalidJobInputException(where + ".image is missing: give the image as base64, a data URI"
                    + " (data:image/png;base64,...) or an https URL");
        }
        return new InputImage(name, new InputImage.Inline(decode(image, where + ".image")));
    }

    private static byte[] decode(String value, String where) {
        String data = value;
        if (data.startsWith("data:")) {
            int comma = data.indexOf(',');
            if (comma < 0 || !data.substring(0, comma).endsWith(";base64")) {
                throw new InvalidJobInputException(where + " is a data URI without ';base64,'; only base64 data URIs are"
                        + " supported");
            }
            data = data.substring(comma + 1);
        }
        data = data.replaceAll("\\s", "");
        try {
            byte[] bytes = Base64.getDecoder().decode(data);
            if (bytes.length == 0) {
                throw new InvalidJobInputException(where + " is empty");
            }
            return bytes;
        } catch (IllegalArgumentException e) {
            throw new InvalidJobInputException(where + " is not valid base64 (" + e.getMessage() + ")");
        }
    }
}
