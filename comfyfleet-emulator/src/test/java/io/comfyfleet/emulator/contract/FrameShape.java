package io.comfyfleet.emulator.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.emulator.testing.Frame;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;

/**
 * Reduces a WebSocket transcript to comparable tokens: event type, data field names, and the values that
 * do not vary between runs (node ids, states, steps, queue counts, output kinds, error types); ids,
 * timestamps and file counters are left out. Two runs match when their token lists match one for one.
 *
 * <p>One ComfyUI nondeterminism is normalised: when two output nodes are ready together, ComfyUI runs them
 * in Python set order (hash-randomised per process), so adjacent output-node blocks are sorted by node id
 * on both sides; and a progress_state token shows only the node that changed (the map around it follows
 * from the order).
 */
final class FrameShape {
    static final String ANY_BINARY = "binary:any";

    private FrameShape() {}

    static List<String> recorded(JsonNode frames, Predicate<String> isOutputNode) {
        List<String> tokens = new ArrayList<>();
        Map<String, String> states = new HashMap<>();
        for (JsonNode frame : frames) {
            if (frame.has("text")) {
                tokens.add(token(frame.get("text"), states));
            } else if (frame.has("binary")) {
                tokens.add("binary:" + frame.get("binary").path("head").asString("").substring(0, 20));
            } else if (frame.has("other")) {
                tokens.add(ANY_BINARY);
            }
        }
        return canonical(tokens, isOutputNode);
    }

    static List<String> observed(List<Frame> frames, Predicate<String> isOutputNode) {
        List<String> tokens = new ArrayList<>();
        Map<String, String> states = new HashMap<>();
        for (Frame frame : frames) {
            if (frame.isText()) {
                tokens.add(token(frame.text(), states));
            } else {
                byte[] head = java.util.Arrays.copyOf(frame.binary(), Math.min(10, frame.binary().length));
                tokens.add("binary:" + HexFormat.of().formatHex(head));
            }
        }
        return canonical(tokens, isOutputNode);
    }

    /** One-for-one equality, where a recorded binary frame of unknown content matches any binary frame. */
    static void assertSameShape(String what, List<String> expected, List<String> actual) {
        List<String> aligned = new ArrayList<>(actual);
        for (int i = 0; i < Math.min(expected.size(), aligned.size()); i++) {
            if (expected.get(i).equals(ANY_BINARY) && aligned.get(i).startsWith("binary:")) {
                aligned.set(i, ANY_BINARY);
            }
        }
        assertThat(aligned).as(what + ": frame sequence (one token per frame)").containsExactlyElementsOf(expected);
        assertThat(countByType(aligned)).as(what + ": frames per type").isEqualTo(countByType(expected));
    }

    /**
     * The last step the node interrupted in {@code recorded} reported in {@code tokens} (0 if none), i.e. the
     * step after which the interrupt landed.
     */
    static int stepsBeforeInterrupt(List<String> recorded, List<String> tokens) {
        String node = interruptedNode(recorded);
        for (int i = tokens.size() - 1; i >= 0; i--) {
            if (tokens.get(i).startsWith("progress[") && nodeOf(tokens.get(i)).equals(node)) {
                return stepOf(tokens.get(i));
            }
        }
        return 0;
    }

    /**
     * The recorded tokens as if the interrupt had landed after step {@code until} of the interrupted node:
     * the steps after the recorded ones, up to {@code until}, inserted just before execution_interrupted.
     * Each is a copy of the recording's last step group (progress_state, progress, preview) with the node
     * and the step number replaced. An interrupt can land late but never before it was sent, so
     * {@code until} below the recorded step fails.
     */
    static List<String> withLaterSteps(List<String> recorded, int until) {
        String node = interruptedNode(recorded);
        int interrupted = indexOf(recorded, "execution_interrupted");
        int at = -1;
        for (int i = interrupted - 1; i >= 0 && at < 0; i--) {
            at = recorded.get(i).startsWith("progress[") ? i : -1;
        }
        assertThat(at).as("the recording reports steps before the interrupt").isPositive();
        List<String> group = recorded.subList(at - 1, at + 2);
        assertThat(group.get(0)).as("a recorded step opens with progress_state").startsWith("progress_state");
        assertThat(group.get(2)).as("a recorded step ends with its preview").startsWith("binary:");
        String groupNode = nodeOf(group.get(1));
        int groupStep = stepOf(group.get(1));
        int recordedSteps = groupNode.equals(node) ? groupStep : 0;
        assertThat(until).as("the run stopped at or after the recorded step").isGreaterThanOrEqualTo(recordedSteps);
        List<String> out = new ArrayList<>(recorded.subList(0, interrupted));
        for (int step = recordedSteps + 1; step <= until; step++) {
            out.add(group.get(0).replace("\u0394" + groupNode + " running " + groupStep + ".0/", "\u0394" + node + " running " + step + ".0/"));
            out.add(group.get(1).replaceFirst("^(progress\\[[^]]*] )\\d+(/\\d+ )\\S+$", "$1" + step + "$2" + node));
            out.add(group.get(2));
        }
        out.addAll(recorded.subList(interrupted, recorded.size()));
        return out;
    }

    private static String interruptedNode(List<String> recorded) {
        String token = recorded.get(indexOf(recorded, "execution_interrupted"));
        return token.substring(token.indexOf("] ") + 2).split(" ")[0];
    }

    private static int indexOf(List<String> tokens, String type) {
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.get(i).startsWith(type + "[")) {
                return i;
            }
        }
        throw new AssertionError("no " + type + " frame in " + tokens);
    }

    private static String nodeOf(String progressToken) {
        return progressToken.substring(progressToken.lastIndexOf(' ') + 1);
    }

    private static int stepOf(String progressToken) {
        return Integer.parseInt(progressToken.replaceFirst("^progress\\[[^]]*] (\\d+)/.*$", "$1"));
    }

    static Map<String, Integer> countByType(List<String> tokens) {
        Map<String, Integer> counts = new HashMap<>();
        tokens.forEach(t -> counts.merge(t.split("[ {:]", 2)[0], 1, Integer::sum));
        return counts;
    }

    private static String token(JsonNode message, Map<String, String> states) {
        String type = message.path("type").asString("");
        JsonNode data = message.path("data");
        String keys = new TreeSet<>(data.propertyNames()).toString();
        return switch (type) {
            case "status" -> "status" + keys + " q=" + data.path("status").path("exec_info").path("queue_remaining").asInt();
            case "execution_cached" -> "execution_cached" + keys + " " + data.get("nodes");
            case "progress_state" -> "progress_state" + keys + " " + changed(data.path("nodes"), states);
            case "executing" -> "executing" + keys + " " + data.path("node");
            case "executed" -> "executed" + keys + " " + data.path("node").asString() + " " + outputShape(data.path("output"));
            case "progress" -> "progress" + keys + " " + data.path("value").asInt() + "/" + data.path("max").asInt()
                    + " " + data.path("node").asString();
            case "execution_error" -> "execution_error" + keys + " " + data.path("node_id").asString() + " "
                    + data.path("node_type").asString() + " " + data.path("exception_type").asString() + " "
                    + data.path("exception_message").asString().lines().findFirst().orElse("")
                            .replaceAll("'.*'", "'…'")
                    + " executed=" + data.get("executed") + " inputs=" + new TreeSet<>(data.path("current_inputs").propertyNames())
                    + " outputs=" + sorted(data.path("current_outputs")) + " traceback=" + (data.path("traceback").size() > 0);
            case "execution_interrupted" -> "execution_interrupted" + keys + " " + data.path("node_id").asString() + " "
                    + data.path("node_type").asString() + " executed=" + data.get("executed");
            default -> type + keys;
        };
    }

    /** The node whose entry changed since the last progress_state of this transcript. */
    private static String changed(JsonNode nodes, Map<String, String> states) {
        List<String> changes = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : nodes.properties()) {
            JsonNode n = entry.getValue();
            String state = n.path("state").asString() + " " + n.path("value").asDouble() + "/" + n.path("max").asDouble()
                    + " " + new TreeSet<>(n.propertyNames());
            if (!state.equals(states.put(entry.getKey(), state))) {
                changes.add("\u0394" + entry.getKey() + " " + state);
            }
        }
        return String.join(" ", changes);
    }

    static String outputShape(JsonNode output) {
        if (output == null || output.isNull()) {
            return "null";
        }
        StringBuilder shape = new StringBuilder("{");
        for (String key : new TreeSet<>(output.propertyNames())) {
            shape.append(key).append('=');
            for (JsonNode item : output.get(key)) {
                if (item.isObject()) {
                    shape.append('(').append(normaliseName(item.path("filename").asString())).append(',')
                            .append(item.path("subfolder").asString()).append(',').append(item.path("type").asString()).append(')');
                } else {
                    shape.append(item);
                }
            }
            shape.append(';');
        }
        return shape.append('}').toString();
    }

    static String normaliseName(String filename) {
        return filename.replaceAll("^ComfyUI_temp_[a-z]{5}_", "ComfyUI_temp_xxxxx_").replaceAll("_\\d{5}_", "_#####_");
    }

    private static String sorted(JsonNode list) {
        List<String> values = new ArrayList<>();
        list.forEach(v -> values.add(v.asString()));
        return new TreeSet<>(values).toString();
    }

    /** Sorts adjacent blocks of output nodes by node id (see the class comment). */
    private static List<String> canonical(List<String> tokens, Predicate<String> isOutputNode) {
        List<int[]> blocks = new ArrayList<>();
        List<String> blockNodes = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            String node = startedNode(tokens.get(i));
            if (node == null) {
                continue;
            }
            for (int j = i + 1; j < tokens.size(); j++) {
                if (tokens.get(j).startsWith("progress_state") && tokens.get(j).contains("\u0394" + node + " finished")) {
                    blocks.add(new int[] {i, j});
                    blockNodes.add(node);
                    break;
                }
            }
        }
        List<String> out = new ArrayList<>(tokens);
        int b = 0;
        while (b < blocks.size()) {
            int e = b;
            while (e + 1 < blocks.size() && blocks.get(e + 1)[0] == blocks.get(e)[1] + 1
                    && isOutputNode.test(blockNodes.get(e)) && isOutputNode.test(blockNodes.get(e + 1))) {
                e++;
            }
            if (e > b) {
                List<Integer> order = new ArrayList<>();
                for (int k = b; k <= e; k++) {
                    order.add(k);
                }
                order.sort((x, y) -> blockNodes.get(x).compareTo(blockNodes.get(y)));
                int at = blocks.get(b)[0];
                for (int k : order) {
                    for (int t = blocks.get(k)[0]; t <= blocks.get(k)[1]; t++) {
                        out.set(at++, tokens.get(t));
                    }
                }
            }
            b = e + 1;
        }
        return out;
    }

    private static String startedNode(String token) {
        int delta = token.indexOf('\u0394');
        if (!token.startsWith("progress_state") || delta < 0) {
            return null;
        }
        String[] change = token.substring(delta + 1).split(" ");
        return change.length > 2 && change[1].equals("running") && change[2].equals("0.0/1.0") ? change[0] : null;
    }

}
