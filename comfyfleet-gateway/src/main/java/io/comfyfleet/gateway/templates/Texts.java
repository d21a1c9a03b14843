package io.comfyfleet.gateway.templates;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Client text quoted in messages: bounded, so a hostile name cannot blow up an error body or a log line. */
final class Texts {
    static final int MAX_QUOTED = 80;
    /** Options named in a message; the rest are in the template's schema. */
    static final int MAX_LISTED = 20;

    private Texts() {}

    static String abbreviate(String text) {
        String clean = text.codePoints().anyMatch(Character::isISOControl)
                ? text.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString()
                : text;
        return clean.length() <= MAX_QUOTED ? clean : clean.substring(0, MAX_QUOTED) + "...";
    }

    /** {@code [a, b, c]}, or the first {@value #MAX_LISTED} and how many there are in all. */
    static String list(Collection<?> items) {
        List<String> shown = new ArrayList<>();
        for (Object item : items) {
            if (shown.size() == MAX_LISTED) {
                return shown + " ... (" + items.size() + " in all)";
            }
            shown.add(abbreviate(String.valueOf(item)));
        }
        return shown.toString();
    }
}
