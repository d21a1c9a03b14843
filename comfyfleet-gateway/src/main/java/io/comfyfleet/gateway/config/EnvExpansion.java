package io.comfyfleet.gateway.config;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * {@code ${NAME}} in configuration text, replaced by the environment variable's value so keys and passwords need not
 * sit in the file. The one place ComfyFleet's configuration expands variables: the gateway's settings (through
 * {@link ConfigNode}) and {@code comfyfleet up}'s {@code workers} section use it alike. There is no default syntax:
 * a variable that is not set is a problem naming the key and the variable.
 */
public final class EnvExpansion {
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    private final UnaryOperator<String> env;

    /** @param env the variables by name, null when not set ({@code System::getenv}, or a map's {@code get} in tests) */
    public EnvExpansion(UnaryOperator<String> env) {
        this.env = env;
    }

    /** {@code text} with every {@code ${NAME}} replaced; each variable not set is given to {@code unset} and left empty. */
    public String expand(String text, Consumer<String> unset) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = env.apply(m.group(1));
            if (value == null) {
                unset.accept(m.group(1));
                value = "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * A copy of {@code tree} with {@code ${NAME}} expanded in every text value (keys stay as written). A variable that
     * is not set adds {@code path: environment variable NAME is not set} to {@code problems}, the path written as
     * the configuration's errors write it ({@code workers.kubernetes.env.TOKEN}, {@code workers.comfyui.args[1]}).
     *
     * @param path the key path of {@code tree} itself
     * @return the expanded copy; {@code tree} itself when it is null or missing
     */
    public JsonNode expandTree(JsonNode tree, String path, List<String> problems) {
        if (tree == null) {
            return null;
        }
        if (tree.isString()) {
            return StringNode.valueOf(expand(tree.asString(), name -> problems.add(unsetProblem(path, name))));
        }
        if (tree.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            for (int i = 0; i < tree.size(); i++) {
                copy.add(expandTree(tree.get(i), path + "[" + i + "]", problems));
            }
            return copy;
        }
        if (tree.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, JsonNode> e : tree.properties()) {
                copy.set(e.getKey(), expandTree(e.getValue(), path + "." + e.getKey(), problems));
            }
            return copy;
        }
        return tree;
    }

    /** How a variable that is not set is reported under its key path. */
    static String unsetProblem(String keyPath, String name) {
        return keyPath + ": environment variable " + name + " is not set";
    }
}
