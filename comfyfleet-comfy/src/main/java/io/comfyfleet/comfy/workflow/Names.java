package io.comfyfleet.comfy.workflow;

/** How ids and names appear in messages: quoted, and cut short so a hostile id cannot flood a log line. */
final class Names {
    private static final int MAX = 80;

    private Names() {}

    static String quote(String s) {
        if (s == null) {
            return "null";
        }
        String shown = s.length() > MAX ? s.substring(0, MAX) + "...(" + s.length() + " chars)" : s;
        return "\"" + shown + "\"";
    }

    static String shortJson(Object node) {
        String s = String.valueOf(node);
        return s.length() > MAX ? s.substring(0, MAX) + "..." : s;
    }
}
