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
            + "|:?\\s*enable `[^`]*` to allow|\\s*\\(not recognized as one since Feature '[^']*' not enabled for parser\\)"
            + "|`[^`]*`", Pattern.DOTALL);
    /** The gzip magic's first byte, 0x1f, as Jackson names it. */
    private static final String GZIP_FIRST_BYTE = "code 31)";
    /**
     * NaN and the infinities as Python's {@code json.dumps} and JavaScript write them, which Jackson calls
     * non-standard, and spellings of them it does not know at all ({@code nan}, {@code inf}).
     */
    private static final Pattern NOT_A_NUMBER = Pattern.compile(
            "^(?:Non-standard|Unrecognized) token '([-+]?(?i:nan|inf|infinity))'");
    /** Where a comment starts: {@code //} and {@code /*} (Jackson guesses "comment"), and {@code #}. */
    private static final Pattern COMMENT = Pattern.compile(
            "^Unexpected character \\('(?:/' \\(code 47\\)\\): maybe a \\(non-standard\\) comment|#' \\(code 35\\))");

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
        var duplicate = DuplicateKey.of(e);
        if (duplicate.isPresent()) {
            DuplicateKey d = duplicate.get();
            return "the body is not valid JSON" + (d.line() > 0 ? " at line " + d.line() : "") + ": the key "
                    + d.quotedKey() + " appears twice " + d.where() + "; a key may appear once in an object: keep the value"
                    + " you mean and remove the other";
        }
        if (message.contains(GZIP_FIRST_BYTE)) {
            return "the body is not JSON text: it starts like gzip-compressed data; send the JSON uncompressed";
        }
        return "the body is not valid JSON" + where(e.getLocation()) + ": " + whatToChange(message);
    }

    /**
     * What is wrong in the client's terms, for the mistakes of almost-JSON (what other languages' serializers and
     * hand-edited files produce); Jackson's own text, cleaned, for the rest. Jackson's advice for those is to
     * enable a feature of its parser, which is nothing a client can do.
     */
    private static String whatToChange(String message) {
        Matcher nan = NOT_A_NUMBER.matcher(message);
        if (nan.find()) {
            return nan.group(1) + " is not a JSON number; send a number, null, or the value as text (\""
                    + nan.group(1) + "\")";
        }
        if (COMMENT.matcher(message).find()) {
            return "JSON has no comments; remove the comment";
        }
        if (message.contains("does not allow numbers to have plus signs")) {
            return "a JSON number has no leading plus sign; remove the +";
        }
        if (message.startsWith("Invalid UTF-8")) {
            // JSON is UTF-8 (RFC 8259): a body in Latin-1 or a Windows code page breaks at its first accented letter
            return clean(message) + "; send the body encoded as UTF-8";
        }
        if (message.contains("was expecting double-quote to start property name")) {
            return "a property name must be in double quotes, like {\"input\": ...}";
        }
        return clean(message);
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
