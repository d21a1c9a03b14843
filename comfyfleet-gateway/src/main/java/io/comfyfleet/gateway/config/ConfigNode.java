package io.comfyfleet.gateway.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.MissingNode;

/**
 * A position in the configuration tree that reads typed values and records, instead of throwing, every
 * problem under its full key path ({@code endpoints[1].scaler.type}), so one run reports all mistakes.
 */
final class ConfigNode {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB)?", Pattern.CASE_INSENSITIVE);

    private final JsonNode node;
    private final String path;
    private final List<String> problems;
    private final EnvExpansion env;

    ConfigNode(JsonNode node, String path, List<String> problems, EnvExpansion env) {
        this.node = node == null ? MissingNode.getInstance() : node;
        this.path = path;
        this.problems = problems;
        this.env = env;
    }

    /** The value under {@code key} as parsed (missing when absent), for sections read by their own class. */
    JsonNode value(String key) {
        return node.path(key);
    }

    /** True when {@code key} is set to something other than null. */
    boolean has(String key) {
        JsonNode child = node.path(key);
        return !child.isMissingNode() && !child.isNull();
    }

    boolean isPresent() {
        return !node.isMissingNode() && !node.isNull();
    }

    String path() {
        return path;
    }

    void problem(String key, String message) {
        problems.add(keyPath(key) + ": " + message);
    }

    /** Reports keys this section does not know: a typo otherwise silently falls back to a default. */
    void rejectUnknownKeys(Set<String> known) {
        if (!node.isObject()) {
            return;
        }
        for (String name : node.propertyNames()) {
            if (!known.contains(name)) {
                problems.add(keyPath(name) + ": unknown key; known keys here are " + new TreeSet<>(known));
            }
        }
    }

    /** The section under {@code key}; reports it when present but not a mapping. */
    ConfigNode section(String key) {
        JsonNode child = node.path(key);
        if (!child.isMissingNode() && !child.isNull() && !child.isObject()) {
            problem(key, "must be a mapping of keys to values, got " + describe(child));
            child = MissingNode.getInstance();
        }
        return new ConfigNode(child, keyPath(key), problems, env);
    }

    /** The mappings of the list under {@code key}. */
    List<ConfigNode> sections(String key) {
        JsonNode child = node.path(key);
        List<ConfigNode> result = new ArrayList<>();
        if (child.isMissingNode() || child.isNull()) {
            return result;
        }
        if (!child.isArray()) {
            problem(key, "must be a list, got " + describe(child));
            return result;
        }
        for (int i = 0; i < child.size(); i++) {
            JsonNode item = child.get(i);
            String itemPath = keyPath(key) + "[" + i + "]";
            if (!item.isObject()) {
                problems.add(itemPath + ": must be a mapping of keys to values, got " + describe(item));
                continue;
            }
            result.add(new ConfigNode(item, itemPath, problems, env));
        }
        return result;
    }

    String string(String key, String fallback) {
        JsonNode child = node.path(key);
        if (child.isMissingNode() || child.isNull()) {
            return fallback;
        }
        if (!child.isString() && !child.isNumber()) {
            problem(key, "must be text, got " + describe(child));
            return fallback;
        }
        return expand(key, child.asString());
    }

    String requiredString(String key) {
        String value = string(key, null);
        if (value == null && !problemRecordedFor(key)) {
            problem(key, "is required");
        }
        return value;
    }

    List<String> strings(String key) {
        JsonNode child = node.path(key);
        List<String> result = new ArrayList<>();
        if (child.isMissingNode() || child.isNull()) {
            return result;
        }
        if (!child.isArray()) {
            // the value may be a key written in the wrong place: say what it is, never what it says
            problem(key, "must be a list of text values, got " + typeName(child));
            return result;
        }
        for (int i = 0; i < child.size(); i++) {
            JsonNode item = child.get(i);
            if (!item.isString()) {
                problem(key + "[" + i + "]", "must be text, got " + typeName(item));
                continue;
            }
            result.add(expand(key + "[" + i + "]", item.asString()));
        }
        return result;
    }

    int integer(String key, int fallback, int min, int max) {
        JsonNode child = node.path(key);
        if (child.isMissingNode() || child.isNull()) {
            return fallback;
        }
        if (!child.isIntegralNumber() || !child.canConvertToInt()) {
            problem(key, "must be a whole number from " + min + " to " + max + ", got " + describe(child));
            return fallback;
        }
        int value = child.asInt();
        if (value < min || value > max) {
            problem(key, "must be from " + min + " to " + max + ", got " + value);
            return fallback;
        }
        return value;
    }

    boolean bool(String key, boolean fallback) {
        JsonNode child = node.path(key);
        if (child.isMissingNode() || child.isNull()) {
            return fallback;
        }
        if (!child.isBoolean()) {
            problem(key, "must be true or false, got " + describe(child));
            return fallback;
        }
        return child.asBoolean();
    }

    double decimal(String key, double fallback) {
        JsonNode child = node.path(key);
        if (child.isMissingNode() || child.isNull()) {
            return fallback;
        }
        if (!child.isNumber()) {
            problem(key, "must be a number, got " + describe(child));
            return fallback;
        }
        return child.asDouble();
    }

    /** A duration written {@code 500ms}, {@code 30s}, {@code 10m}, {@code 24h} or {@code 7d}, within bounds. */
    Duration duration(String key, Duration fallback, Duration min, Duration max) {
        String text = string(key, null);
        if (text == null) {
            return fallback;
        }
        Duration value = Durations.parse(text);
        if (value == null) {
            problem(key, "must be a duration like " + Durations.EXAMPLES + ", got \"" + text + "\"");
            return fallback;
        }
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            problem(key, "must be from " + Durations.format(min) + " to " + Durations.format(max) + ", got "
                    + text.strip());
            return fallback;
        }
        return value;
    }

    /** A byte size written {@code 1048576}, {@code 512KB}, {@code 10MB} or {@code 1GB} (binary units). */
    long size(String key, long fallback) {
        String text = string(key, null);
        if (text == null) {
            return fallback;
        }
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            problem(key, "must be a size like 1048576, 512KB, 10MB or 1GB, got \"" + text + "\"");
            return fallback;
        }
        long amount = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        long value = switch (unit) {
            case "KB" -> amount << 10;
            case "MB" -> amount << 20;
            case "GB" -> amount << 30;
            default -> amount;
        };
        if (value <= 0) {
            problem(key, "must be more than 0 bytes, got \"" + text + "\"");
            return fallback;
        }
        return value;
    }

    private String expand(String key, String raw) {
        return env.expand(raw, name -> problems.add(EnvExpansion.unsetProblem(keyPath(key), name)));
    }

    private boolean problemRecordedFor(String key) {
        String prefix = keyPath(key) + ":";
        return problems.stream().anyMatch(p -> p.startsWith(prefix));
    }

    private String keyPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static String typeName(JsonNode value) {
        return value.isString() ? "text" : describe(value);
    }

    private static String describe(JsonNode value) {
        if (value.isString()) {
            return "\"" + value.asString() + "\"";
        }
        if (value.isObject()) {
            return "a mapping";
        }
        if (value.isArray()) {
            return "a list";
        }
        return value.toString();
    }
}
