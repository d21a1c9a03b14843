package io.comfyfleet.gateway.templates;

import io.comfyfleet.comfy.workflow.InputSpec;
import io.comfyfleet.comfy.workflow.NodeCatalog;
import io.comfyfleet.comfy.workflow.NodeType;
import io.comfyfleet.gateway.jobs.InvalidRequestException;
import io.comfyfleet.gateway.templates.ParamSchema.Kind;
import io.comfyfleet.gateway.templates.TemplateDefinition.Param;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Derives each parameter's schema from the node catalogue: INT, FLOAT, STRING, BOOLEAN and combo inputs give
 * integer, number, text, boolean and enum parameters with the catalogue's min, max and step; an upload picker
 * (LoadImage's {@code image}) gives an image parameter. With no catalogue, or a node type the catalogue lacks, the
 * type of the workflow's value decides (any number: a number) and there are no bounds.
 */
final class ParamSchemas {
    private ParamSchemas() {}

    /** The schemas of every parameter of the definition, in its order. */
    static Map<String, ParamSchema> of(TemplateDefinition definition, Optional<NodeCatalog> catalog) {
        Map<String, ParamSchema> result = new LinkedHashMap<>();
        definition.params().forEach((name, p) -> result.put(name, of(name, p, definition, catalog)));
        return result;
    }

    /**
     * Refuses a definition whose parameters the catalogue says cannot be set: a node type it lacks, an input the
     * type lacks, or an input that takes a link (MODEL, IMAGE ...) rather than a value.
     *
     * @throws InvalidRequestException naming the parameter, node and input
     */
    static void check(TemplateDefinition definition, NodeCatalog catalog, String version) {
        definition.params().forEach((name, p) -> {
            String classType = definition.classType(p);
            NodeType type = catalog.type(classType).orElseThrow(() -> new InvalidRequestException("params." + name
                    + ": node " + p.node() + " is a " + Texts.abbreviate(classType) + ", which the endpoint's workers"
                    + " (version " + version + ") do not have; install its custom node or fix the workflow"));
            InputSpec spec = type.input(p.input()).orElseThrow(() -> new InvalidRequestException("params." + name
                    + ": " + classType + " has no input \"" + p.input() + "\"; its inputs are "
                    + Texts.list(type.inputs().stream().map(InputSpec::name).toList())));
            if (kind(spec) == null) {
                throw new InvalidRequestException("params." + name + ": " + classType + " input " + p.input()
                        + " takes a link (" + spec.typeName() + "), not a value; expose an INT, FLOAT, STRING,"
                        + " BOOLEAN or combo input");
            }
        });
    }

    private static ParamSchema of(String name, Param p, TemplateDefinition definition, Optional<NodeCatalog> catalog) {
        String classType = definition.classType(p);
        JsonNode literal = definition.literal(p);
        Optional<InputSpec> spec = catalog.flatMap(c -> c.type(classType)).flatMap(t -> t.input(p.input()));
        Kind kind = spec.map(ParamSchemas::kind).orElse(null);
        if (kind == null) {
            return new ParamSchema(name, guess(literal), p.node(), classType, p.input(), null, null, null, List.of(),
                    literal, p.required(), p.description(), false);
        }
        InputSpec s = spec.get();
        boolean numeric = kind == Kind.INTEGER || kind == Kind.NUMBER;
        String description = p.description() != null ? p.description()
                : s.option("tooltip").filter(JsonNode::isString).map(JsonNode::stringValue).orElse(null);
        return new ParamSchema(name, kind, p.node(), classType, p.input(),
                numeric ? number(s.min()) : null, numeric ? number(s.max()) : null, numeric ? number(s.step()) : null,
                kind == Kind.ENUM ? s.comboOptions().orElse(List.of()) : List.of(), literal, p.required(),
                description, true);
    }

    /** The parameter kind of a catalogue input; null for inputs that take links. */
    static Kind kind(InputSpec spec) {
        if (spec.isCombo()) {
            return spec.uploadKind().filter("image"::equals).isPresent() ? Kind.IMAGE : Kind.ENUM;
        }
        return switch (spec.typeName()) {
            case "INT" -> Kind.INTEGER;
            case "FLOAT" -> Kind.NUMBER;
            case "STRING" -> Kind.STRING;
            case "BOOLEAN" -> Kind.BOOLEAN;
            default -> null;
        };
    }

    private static Kind guess(JsonNode literal) {
        // not INTEGER for a whole number: ComfyUI writes a FLOAT input's whole value without a fraction (cfg 8,
        // denoise 1), so an integer guess refused cfg 7.5 until a worker reported; a fraction sent for an INT input
        // meanwhile is truncated by ComfyUI, as in a workflow sent whole
        if (literal.isNumber()) {
            return Kind.NUMBER;
        }
        return literal.isBoolean() ? Kind.BOOLEAN : Kind.STRING;
    }

    private static BigDecimal number(Optional<JsonNode> value) {
        return value.filter(JsonNode::isNumber).map(JsonNode::decimalValue).orElse(null);
    }
}
