package io.comfyfleet.gateway.jobs;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamReadException;

/**
 * A key written twice in one object (JSON) or mapping (YAML), as Jackson reports it with
 * {@code StreamReadFeature.STRICT_DUPLICATE_DETECTION}. Without that check the last value wins silently, so a client
 * (or a configuration) that wrote two values gets one of them with no word; with it, the reader names the key, the
 * object that holds it (a JSON Pointer, empty for the top level) and the line, so the writer knows what to remove.
 *
 * @param key    the key written twice
 * @param object a JSON Pointer to the object holding it ({@code /input/workflow/3/inputs}); empty for the top level
 * @param line   the line of the second occurrence, 1-based; 0 when unknown
 */
public record DuplicateKey(String key, String object, int line) {
    private static final Pattern MESSAGE = Pattern.compile("^Duplicate Object property \"(.*)\"$", Pattern.DOTALL);

    /** The duplicate {@code e} reports; empty when {@code e} is about anything else. */
    public static Optional<DuplicateKey> of(JacksonException e) {
        Matcher m = MESSAGE.matcher(e.getOriginalMessage() == null ? "" : e.getOriginalMessage());
        if (!m.matches()) {
            return Optional.empty();
        }
        String object = "";
        int line = e.getLocation() == null ? 0 : Math.max(0, e.getLocation().getLineNr());
        if (e instanceof StreamReadException read && read.processor() instanceof JsonParser parser) {
            // the parser stands on the second occurrence: its context is the object, named in its parent
            TokenStreamContext parent = parser.streamReadContext().getParent();
            object = parent == null ? "" : parent.pathAsPointer().toString();
            TokenStreamLocation at = parser.currentLocation();
            if (line == 0 && at != null && at.getLineNr() > 0) {
                line = at.getLineNr();
            }
        }
        return Optional.of(new DuplicateKey(m.group(1), object, line));
    }

    /** The key for a message, quoted; a client's key may be any length, so a long one is cut. */
    public String quotedKey() {
        return "\"" + cut(key, 80) + "\"";
    }

    /** Where it is, for a message: {@code in the object at /input/workflow}, or {@code at the top level}. */
    public String where() {
        return object.isEmpty() ? "at the top level" : "in the object at " + cut(object, 200);
    }

    /**
     * For a file's error: {@code line 3: the key "seed" appears twice in the object at /3/inputs; keep one}; the
     * parser's own words when {@code e} is about something else (check {@link #of} first to word those).
     */
    public static String inFile(JacksonException e) {
        return of(e).map(d -> "line " + d.line() + ": the key " + d.quotedKey() + " appears twice " + d.where()
                + "; keep one").orElse(e.getOriginalMessage());
    }

    private static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "...";
    }
}
