package io.comfyfleet.gateway.templates;

import io.comfyfleet.gateway.jobs.InvalidRequestException;
import java.math.BigDecimal;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** Checks one value a client sent for a template parameter against its schema; the refusal says what is allowed. */
final class ParamCheck {
    private ParamCheck() {}

    /**
     * @param carried the names of the files the job sends in {@code input.images}
     * @param listed  the files the endpoint's ComfyUI has in its input folder (empty with no catalogue)
     * @throws InvalidRequestException naming the template, the parameter, what was sent and what is allowed
     */
    static JsonNode check(String template, ParamSchema schema, JsonNode value, Set<String> carried, Set<String> listed) {
        boolean ok = switch (schema.kind()) {
            case INTEGER -> value.isIntegralNumber() && inRange(schema, value.decimalValue());
            case NUMBER -> value.isNumber() && inRange(schema, value.decimalValue());
            case STRING -> value.isString() && value.stringValue().length() <= ParamSchema.MAX_TEXT;
            case BOOLEAN -> value.isBoolean();
            case ENUM -> schema.options().contains(value);
            case IMAGE -> value.isString() && !value.stringValue().isEmpty()
                    && (carried.contains(value.stringValue()) || listed.contains(value.stringValue()));
        };
        if (!ok) {
            throw new InvalidRequestException("template \"" + template + "\": parameter \"" + schema.name() + "\" got "
                    + describe(value) + "; it takes " + schema.allowed() + hint(schema, value, carried));
        }
        return value;
    }

    private static boolean inRange(ParamSchema schema, BigDecimal v) {
        return (schema.min() == null || v.compareTo(schema.min()) >= 0)
                && (schema.max() == null || v.compareTo(schema.max()) <= 0);
    }

    private static String hint(ParamSchema schema, JsonNode value, Set<String> carried) {
        if (schema.kind() == ParamSchema.Kind.IMAGE && value.isString()) {
            return "; input.images holds " + Texts.list(carried)
                    + ": add {\"name\": \"...\", \"image\": \"<base64>\"} to it";
        }
        if ((schema.kind() == ParamSchema.Kind.INTEGER || schema.kind() == ParamSchema.Kind.NUMBER)
                && value.isString() && numeric(value.stringValue())) {
            return "; send the number without quotes";
        }
        return "";
    }

    private static boolean numeric(String text) {
        if (text.length() > 40) { // no number anyone means; and parsing a huge one would cost
            return false;
        }
        try {
            new BigDecimal(text.strip());
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String describe(JsonNode value) {
        if (value.isString()) {
            String s = value.stringValue();
            return s.length() > Texts.MAX_QUOTED ? "text of " + s.length() + " characters"
                    : "\"" + Texts.abbreviate(s) + "\"";
        }
        if (value.isContainer()) {
            return value.isArray() ? "a list" : "an object";
        }
        return value.toString();
    }
}
