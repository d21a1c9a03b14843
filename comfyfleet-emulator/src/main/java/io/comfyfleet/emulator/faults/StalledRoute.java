package io.comfyfleet.emulator.faults;

import java.util.Locale;

/**
 * A route the {@code stall} knob holds: its requests are read and then never answered, as a ComfyUI whose event
 * loop is stuck accepts connections and says nothing. {@code GET /history} also holds {@code GET /history/{id}}.
 *
 * @param method an HTTP method, upper case
 * @param path   a route path without the {@code /api} prefix, e.g. {@code /prompt}
 */
public record StalledRoute(String method, String path) {

    /**
     * Reads {@code "POST /prompt"}.
     *
     * @throws IllegalArgumentException when it is not a method, one space and a path, or names the control route
     */
    public static StalledRoute parse(String route) {
        String[] parts = route == null ? new String[0] : route.strip().split(" ");
        if (parts.length != 2 || !parts[1].startsWith("/")) {
            throw new IllegalArgumentException("a stalled route is \"METHOD /path\", like \"POST /prompt\", not \""
                    + route + "\"");
        }
        if (parts[1].startsWith("/emulator")) {
            throw new IllegalArgumentException("the control route /emulator/faults cannot be stalled: it lifts the stall");
        }
        return new StalledRoute(parts[0].toUpperCase(Locale.ROOT), parts[1]);
    }

    boolean matches(String requestMethod, String requestPath) {
        return method.equalsIgnoreCase(requestMethod)
                && (requestPath.equals(path) || requestPath.startsWith(path.endsWith("/") ? path : path + "/"));
    }

    @Override
    public String toString() {
        return method + " " + path;
    }
}
