package io.comfyfleet.sdk;

/**
 * The Server-Sent Events line grammar (WHATWG): field lines build an event, an empty line dispatches it,
 * comment lines (keep-alives) are skipped. One parser per connection; not thread-safe.
 */
final class SseParser {
    /** One dispatched event; {@code type} is "message" when the server named none. */
    record Event(String type, String id, String data) {}

    private final long maxData;
    private String type;
    private String id;
    private StringBuilder data;

    /**
     * @param maxData the most characters one event's data may have: a server that sends data lines without ever
     *                ending the event would otherwise grow it without bound
     */
    SseParser(long maxData) {
        this.maxData = maxData;
    }

    /**
     * The event this line completes, or null.
     *
     * @throws java.io.UncheckedIOException with a {@link BodyLimit.Exceeded} when the event's data passes the cap
     */
    Event accept(String line) {
        if (line.isEmpty()) {
            if (data == null) {
                type = null;
                return null;
            }
            Event event = new Event(type == null ? "message" : type, id, data.toString());
            type = null;
            data = null;
            return event;
        }
        if (line.startsWith(":")) {
            return null; // a keep-alive comment
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "event":
                type = value;
                break;
            case "data":
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                if (data.length() > maxData) {
                    data = null;
                    throw new java.io.UncheckedIOException(new BodyLimit.Exceeded(maxData, "an event of its event stream"));
                }
                break;
            case "id":
                id = value;
                break;
            default:
                break;
        }
        return null;
    }
}
