package io.comfyfleet.cli.client;

import io.comfyfleet.sdk.Template;
import io.comfyfleet.sdk.TemplateInfo;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Turns {@code --param k=v} texts into a template job, typed by the template's schema as the endpoint lists it:
 * {@code seed=7} is sent as the number 7 when {@code seed} is an integer parameter, {@code prompt=7} as the text
 * "7" when {@code prompt} is text. A value that does not parse as its type is sent as text, so the gateway's
 * refusal, which names the parameter and what it takes, is what the user reads.
 */
final class TemplateParams {
    private TemplateParams() {}

    /**
     * @throws UsageException for a {@code --param} without {@code =}, with an empty name, or naming a parameter
     *     an earlier {@code --param} already set
     */
    static Template of(String name, List<String> params, Optional<TemplateInfo> info) {
        Template template = Template.named(name);
        Map<String, String> given = new HashMap<>();
        for (String param : params) {
            int eq = param.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--param takes NAME=VALUE, like --param seed=42, got \"" + param + "\"");
            }
            String key = param.substring(0, eq);
            String text = param.substring(eq + 1);
            String earlier = given.putIfAbsent(key, param);
            if (earlier != null) {
                // the job could carry only one of them: keeping the last would drop the other unseen
                throw new UsageException("--param " + key + " is given twice (\"" + earlier + "\" and \"" + param
                        + "\"); give each parameter once");
            }
            JsonNode schema = info.map(i -> i.param(key)).orElse(null);
            template = template.param(key, typed(schema, text));
        }
        return template;
    }

    private static Object typed(JsonNode schema, String text) {
        String type = schema == null ? "" : schema.path("type").asString("");
        try {
            return switch (type) {
                case "integer" -> new BigInteger(text.strip());
                case "number" -> new BigDecimal(text.strip());
                case "boolean" -> switch (text.strip().toLowerCase(java.util.Locale.ROOT)) {
                    case "true" -> Boolean.TRUE;
                    case "false" -> Boolean.FALSE;
                    default -> text;
                };
                default -> text;
            };
        } catch (NumberFormatException e) {
            return text;
        }
    }
}
