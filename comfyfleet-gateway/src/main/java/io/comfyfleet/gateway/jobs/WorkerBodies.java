package io.comfyfleet.gateway.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * Reads the JSON a worker posts (job-done, job-stream). RunPod's Python worker writes its bodies with
 * {@code json.dumps}, which writes a float that is NaN or infinite as {@code NaN}, {@code Infinity} or
 * {@code -Infinity}: not JSON, but the job's output all the same. Refusing the body would lose that output (the
 * worker does not post it again after a 4xx, PROTOCOL.md §2.3, and the job would run again after its lease), so
 * such numbers are read and kept as text ({@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}): the job keeps
 * its output, and every client reading it gets JSON.
 */
public final class WorkerBodies {
    private WorkerBodies() {}

    /**
     * The body as a JSON tree, its non-finite numbers as text.
     *
     * @throws InvalidRequestException when it is empty or not JSON (but for those numbers), saying where it broke
     */
    public static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw new InvalidRequestException("the body is empty; send a JSON object");
        }
        JsonNode root;
        try {
            root = Json.workerMapper().readTree(body);
        } catch (JacksonException e) {
            throw new InvalidRequestException(JsonErrors.describe(e), e);
        }
        return nonFiniteAsText(root);
    }

    /**
     * The JSON text to store for a value a worker posted: as Jackson writes it, but with each lone surrogate (half of a
     * UTF-16 pair, which Python's json.dumps writes as an escape for text decoded with errors="surrogateescape") kept as
     * that escape. Written as a character, it is no character UTF-8 can hold, and the store kept "?" in its place, so
     * clients read another output than the worker sent. In JSON text written by Jackson such a character can only stand
     * inside a string, where the escape means the same.
     */
    public static String storable(JsonNode value) {
        String json = value.toString();
        int first = firstLoneSurrogate(json, 0);
        if (first < 0) {
            return json;
        }
        StringBuilder kept = new StringBuilder(json.length() + 16);
        int from = 0;
        for (int at = first; at >= 0; at = firstLoneSurrogate(json, at + 1)) {
            kept.append(json, from, at).append(String.format("\\u%04x", (int) json.charAt(at)));
            from = at + 1;
        }
        return kept.append(json, from, json.length()).toString();
    }

    /** Text a worker posted (an error), to store: a lone surrogate becomes U+FFFD, the replacement character. */
    public static String storableText(String text) {
        if (text == null || firstLoneSurrogate(text, 0) < 0) {
            return text;
        }
        StringBuilder kept = new StringBuilder(text);
        for (int at = firstLoneSurrogate(text, 0); at >= 0; at = firstLoneSurrogate(text, at + 1)) {
            kept.setCharAt(at, '\uFFFD');
        }
        return kept.toString();
    }

    /** The index of the first lone surrogate at or after {@code from}, or -1. */
    private static int firstLoneSurrogate(String text, int from) {
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++; // a whole pair
                continue;
            }
            return i;
        }
        return -1;
    }

    /** The tree with every NaN or infinite number replaced by its name as text; changed in place but for the root. */
    static JsonNode nonFiniteAsText(JsonNode node) {
        if (node.isFloatingPointNumber() && !Double.isFinite(node.asDouble())) {
            // Double.toString names them as json.dumps writes them: NaN, Infinity, -Infinity
            return StringNode.valueOf(Double.toString(node.asDouble()));
        }
        if (node instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            for (Map.Entry<String, JsonNode> field : object.properties()) {
                names.add(field.getKey());
            }
            for (String name : names) {
                JsonNode value = object.get(name);
                JsonNode kept = nonFiniteAsText(value);
                if (kept != value) {
                    object.set(name, kept);
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                JsonNode value = array.get(i);
                JsonNode kept = nonFiniteAsText(value);
                if (kept != value) {
                    array.set(i, kept);
                }
            }
        }
        return node;
    }
}
