package io.comfyfleet.gateway.jobs;

import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Refuses what a client's JSON may say but the job store cannot keep as it was sent, so a job is never accepted and
 * then run on other values than the client's:
 * <ul>
 *   <li>a number too large for a 64-bit float, such as {@code 1e400}: Jackson reads it as Infinity without a word,
 *       and Infinity written back out is not JSON, so every client reading the job's status or result would fail to
 *       parse the answer;</li>
 *   <li>text with a lone surrogate, such as a backslash-u escape of D800: JSON syntax for half of a UTF-16 pair, which is no
 *       character (Python's {@code json.dumps} writes it for text decoded with {@code errors="surrogateescape"}).
 *       UTF-8 cannot hold it, so the store kept {@code "?"} in its place and the worker got another input.</li>
 * </ul>
 */
final class StorableJson {
    /** Longer keys are cut in the message's path: it must say where, not echo the body. */
    private static final int MAX_KEY = 40;

    private StorableJson() {}

    /**
     * @throws InvalidRequestException naming the first such value's path, as {@code input.steps} or
     *         {@code input.sizes[2]}
     */
    static void check(JsonNode node, String path) {
        if (node.isFloatingPointNumber() && !Double.isFinite(node.asDouble())) {
            throw new InvalidRequestException("\"" + path + "\" is a number out of range: beyond ±1.8e308, the"
                    + " largest a JSON number may be here (a 64-bit float); send a smaller number, or send it as text");
        }
        if (node.isString()) {
            checkText(node.asString(), "\"" + path + "\"");
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                // a name is not checked: the parser refuses a lone surrogate there itself ("Broken surrogate pair")
                String key = field.getKey();
                String shown = key.length() <= MAX_KEY ? key : key.substring(0, MAX_KEY) + "...";
                check(field.getValue(), path.isEmpty() ? shown : path + "." + shown);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                check(node.get(i), path + "[" + i + "]");
            }
        }
    }

    /** @param where how the message names the text, e.g. {@code "input.prompt"} */
    static void checkText(String text, String where) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++; // a whole pair: one character beyond the 16-bit range, such as an emoji
                continue;
            }
            throw new InvalidRequestException(where + " holds a lone surrogate (\\u"
                    + Integer.toHexString(c).toLowerCase(Locale.ROOT) + "), half of a UTF-16 pair and no character,"
                    + " which cannot be stored (it would reach the worker as \"?\"); send whole characters");
        }
    }
}
