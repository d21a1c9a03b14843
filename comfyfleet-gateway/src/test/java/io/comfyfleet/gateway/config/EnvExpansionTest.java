package io.comfyfleet.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

class EnvExpansionTest {
    private final EnvExpansion expansion = new EnvExpansion(Map.of("HOST", "db.internal", "PORT", "5432")::get);

    @Test
    void everyVariableInATextIsReplaced() {
        List<String> unset = new ArrayList<>();

        String text = expansion.expand("jdbc:postgresql://${HOST}:${PORT}/fleet", unset::add);

        assertThat(text).isEqualTo("jdbc:postgresql://db.internal:5432/fleet");
        assertThat(unset).isEmpty();
    }

    @Test
    void aVariableNotSetIsNamedAndLeftEmpty() {
        List<String> unset = new ArrayList<>();

        String text = expansion.expand("${HOST}/${NOT_SET_ANYWHERE}", unset::add);

        assertThat(text).isEqualTo("db.internal/");
        assertThat(unset).containsExactly("NOT_SET_ANYWHERE");
    }

    @Test
    void textWithoutTheDollarBraceFormStaysAsWritten() {
        // $NAME, ${} and ${1X} are not variables here: only ${NAME} with a name a shell accepts
        assertThat(expansion.expand("$HOST ${} ${1X} ${HOST:-x}", name -> {})).isEqualTo("$HOST ${} ${1X} ${HOST:-x}");
    }

    @Test
    void aTreeIsExpandedInEveryTextValueAndEachUnsetVariableNamesItsKeyPath() {
        JsonNode tree = YAMLMapper.builder().build().readTree("""
                comfyui: {dir: "${HOST}/ComfyUI", args: [--listen, "${MISSING_ARG}"]}
                env: {"${HOST}": "${MISSING_ENV}"}
                slots: 2
                """);
        List<String> problems = new ArrayList<>();

        JsonNode expanded = expansion.expandTree(tree, "workers", problems);

        assertThat(expanded.path("comfyui").path("dir").asString()).isEqualTo("db.internal/ComfyUI");
        assertThat(expanded.path("comfyui").path("args").path(1).asString()).isEmpty();
        assertThat(expanded.path("env").has("${HOST}")).as("keys stay as written").isTrue();
        assertThat(expanded.path("slots").isInt()).isTrue();
        assertThat(problems).containsExactly(
                "workers.comfyui.args[1]: environment variable MISSING_ARG is not set",
                "workers.env.${HOST}: environment variable MISSING_ENV is not set");
        assertThat(tree.path("comfyui").path("dir").asString()).as("the input is not changed")
                .isEqualTo("${HOST}/ComfyUI");
    }

    @Test
    void anAbsentTreeStaysAbsent() {
        assertThat(expansion.expandTree(null, "workers", new ArrayList<>())).isNull();
    }
}
