package io.comfyfleet.gateway.jobs;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamConstraintsException;

/**
 * A body that is not the JSON it should be, said in the client's terms: where it broke and what to change. Jackson's
 * own messages name its settings and classes ({@code DeserializationFeature.FAIL_ON_TRAILING_TOKENS},
 * {@code StreamReadConstraints.getMaxNestingDepth()}, {@code [Source: REDACTED ...]}), which mean nothing to a
 * client and tell an attacker which library parses.
 */
public final class JsonErrors {
    private static final Pattern NESTING_LIMIT = Pattern.compile("nesting depth \\((\\d+)\\) exceeds the maximum allowed \\((\\d+)");
    /** Jackson's parenthesised pointers to its settings and to the (hidden) source, with the text before them. */
    private static final Pattern INTERNALS = Pattern.compile("\\s*\\((start marker at )?\\[Source:.*$|\\s*\\([^()]*`[^`]*`[^()]*\\)"
            + "|`[^`]*`", Pattern.DOTALL);
    /** The gzip magic's first byte, 0x1f, as Jackson names it. */
    private static final String GZIP_FIRST_BYTE = "code 31)";

    private JsonErrors() {}

    /** The 400's text for a body Jackson refused. */
    public static String describe(JacksonException e) {
        String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (message.startsWith("Trailing token")) {
            return "the body is not valid JSON: it holds more than one JSON value; send exactly one";
        }
        if (e instanceof StreamConstraintsException) {
            Matcher nesting = NESTING_LIMIT.matcher(message);
            if (nesting.find()) {
                return "the body is not valid JSON: it is nested deeper than " + nesting.group(2) + " levels of objects and arrays;"
                        + " send a flatter document";
            }
            return "the body is not valid JSON: " + clean(message);
        }
        if (message.contains(GZIP_FIRST_BYTE)) {
            return "the body is not JSON text: it starts like gzip-compressed data; send the JSON uncompressed";
        }
        return "the body is not valid JSON" + where(e.getLocation()) + ": " + clean(message);
    }

    private static String where(TokenStreamLocation at) {
        if (at == null || at.getLineNr() <= 0) {
            return "";
        }
        return " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    }

    private static String clean(String message) {
        String firstLine = message.lines().findFirst().orElse("");
        String cleaned = INTERNALS.matcher(firstLine).replaceAll("").strip();
        return cleaned.isEmpty() ? "the body could not be parsed" : cleaned;
    }
}
