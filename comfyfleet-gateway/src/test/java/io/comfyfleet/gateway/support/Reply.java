package io.comfyfleet.gateway.support;

import java.net.http.HttpHeaders;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.MissingNode;

/** One HTTP answer: status, headers, and the body as JSON when it is JSON. */
public record Reply(int status, HttpHeaders headers, String text) {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    public JsonNode json() {
        if (text == null || text.isEmpty()) {
            return MissingNode.getInstance();
        }
        return MAPPER.readTree(text);
    }

    public String field(String name) {
        return json().path(name).asString(null);
    }

    @Override
    public String toString() {
        return status + " " + text;
    }
}
