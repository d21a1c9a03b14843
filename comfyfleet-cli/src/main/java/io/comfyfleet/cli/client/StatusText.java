package io.comfyfleet.cli.client;

import io.comfyfleet.sdk.JobState;
import io.comfyfleet.sdk.JobStatus;
import io.comfyfleet.sdk.Progress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A job's status for people: one labelled line per field, and the output with long strings (base64 images,
 * preview frames) cut down to their length, so a finished job's status fits on a screen.
 */
final class StatusText {
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** Longer strings are almost always inline files; nobody reads them on a terminal. */
    static final int LONG_STRING = 120;

    private StatusText() {}

    static List<String> lines(JobStatus s) {
        List<String> lines = new ArrayList<>();
        lines.add("id:             " + s.id());
        lines.add("status:         " + s.state());
        lines.add("delay time:     " + io.comfyfleet.core.HumanDuration.millis(s.delayTimeMillis()));
        lines.add("execution time: " + io.comfyfleet.core.HumanDuration.millis(s.executionTimeMillis()));
        lines.add("worker:         " + (s.workerId() == null ? "-" : s.workerId()));
        if (s.error() != null) {
            lines.add("error:          " + s.error());
        }
        s.progress().ifPresent(p -> lines.add("progress:       " + ProgressLine.format(p)));
        lastProgress(s).ifPresent(p -> lines.add("stopped at:     " + ProgressLine.format(p)));
        JsonNode output = s.output();
        // a running, cancelled or timed-out job's output is its last progress, shown above in words: as raw JSON
        // under "output" it reads as if the job had produced something
        if (output != null && !isProgress(s)) {
            JsonNode files = output.path("outputs").isArray() ? output.get("outputs") : output.path("images");
            if (files.isArray() && !files.isEmpty()) {
                lines.add("files:          " + files.size());
                for (JsonNode f : files) {
                    lines.add("  " + describeFile(f));
                }
            }
            lines.add("output:         " + JSON.writeValueAsString(shorten(output)));
        }
        return lines;
    }

    /** The progress a cancelled or timed-out job had reached: its worker's last report, kept as its output. */
    private static Optional<Progress> lastProgress(JobStatus s) {
        if ((s.state() != JobState.CANCELLED && s.state() != JobState.TIMED_OUT) || !isProgress(s)) {
            return Optional.empty();
        }
        // the SDK reads progress only from a running job's status: read this one as the running job it was
        return new JobStatus(s.id(), JobState.IN_PROGRESS, s.delayTimeMillis(), s.executionTimeMillis(), s.output(),
                null, s.workerId()).progress();
    }

    private static boolean isProgress(JobStatus s) {
        return s.state() != JobState.COMPLETED && s.state() != JobState.FAILED && s.output() != null
                && s.output().path("percent").isNumber();
    }

    /** The status as JSON, with every field the gateway sent that the SDK reads; the output untouched. */
    static String json(JobStatus s) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", s.id());
        node.put("status", s.state().name());
        node.put("delayTime", s.delayTimeMillis());
        node.put("executionTime", s.executionTimeMillis());
        if (s.workerId() != null) {
            node.put("workerId", s.workerId());
        }
        if (s.output() != null) {
            node.set("output", s.output());
        }
        if (s.error() != null) {
            node.put("error", s.error());
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    }

    private static String describeFile(JsonNode f) {
        StringBuilder s = new StringBuilder(f.path("filename").asString("(no name)"));
        if (f.path("node_id").isString()) {
            s.append("  node ").append(f.get("node_id").asString());
        }
        if (f.path("mime_type").isString()) {
            s.append("  ").append(f.get("mime_type").asString());
        }
        String type = f.path("type").asString(f.has("url") ? "url" : "base64");
        s.append("  ").append(type);
        if (f.path("url").isString()) {
            s.append(' ').append(f.get("url").asString());
        } else if (f.path("data").isString()) {
            // base64: 4 characters carry 3 bytes
            s.append(" ~").append(f.get("data").asString().length() / 4 * 3).append(" bytes");
        }
        return s.toString();
    }

    /** A copy of {@code node} with each long string replaced by {@code "<N chars>"}. */
    static JsonNode shorten(JsonNode node) {
        if (node.isString() && node.asString().length() > LONG_STRING) {
            return JSON.getNodeFactory().stringNode("<" + node.asString().length() + " chars>");
        }
        if (node.isObject()) {
            ObjectNode copy = JSON.createObjectNode();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                copy.set(e.getKey(), shorten(e.getValue()));
            }
            return copy;
        }
        if (node.isArray()) {
            var copy = JSON.createArrayNode();
            node.forEach(e -> copy.add(shorten(e)));
            return copy;
        }
        return node;
    }
}
