package io.comfyfleet.comfy.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.common.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/** Python's behaviour on JSON values, as CPython 3.11 prints and raises it (the texts end up in ComfyUI's errors). */
class PyTest {
    static JsonNode j(String s) {
        return Json.MAPPER.readTree(s);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "1.0|1.0", "0.1|0.1", "1e16|1e+16", "1e15|1000000000000000.0", "0.0001|0.0001", "0.00001|1e-05",
            "-2.5|-2.5", "1.7976931348623157e308|1.7976931348623157e+308", "123456789.125|123456789.125",
            "5e-324|5e-324", "2e-323|2e-323", "9007199254740993|9007199254740993", "1.1|1.1", "2.675|2.675", "-0.0|-0.0", "100.0|100.0", "1e22|1e+22", "0.3|0.3"})
    void floatReprMatchesPython(String json, String python) {
        assertThat(Py.repr(j(json))).isEqualTo(python);
    }

    /** 410 doubles (random bit patterns and classic cases) with the repr CPython printed for them. */
    @Test
    void floatReprMatchesCPythonOnRandomDoubles() throws Exception {
        try (var in = PyTest.class.getResourceAsStream("/python/float_repr.txt")) {
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.startsWith("#")).toList();
            assertThat(lines).hasSizeGreaterThan(400);
            for (String line : lines) {
                String[] parts = line.split(" ");
                assertThat(Py.repr(j(parts[1]))).as(line).isEqualTo(parts[0]);
            }
        }
    }

    /** int(s) and float(s) of tricky strings, with the results and errors CPython gave. */
    @Test
    void stringConversionsMatchCPython() throws Exception {
        JsonNode cases;
        try (var in = PyTest.class.getResourceAsStream("/python/conversions.json")) {
            cases = Json.MAPPER.readTree(in.readAllBytes());
        }
        assertThat(cases.size()).isGreaterThan(30);
        for (JsonNode c : cases) {
            JsonNode s = c.get("s");
            if (c.has("int")) {
                assertThat(Py.toInt(s)).as("int(%s)", s).isEqualTo(c.get("int"));
            } else {
                assertThatThrownBy(() -> Py.toInt(s)).as("int(%s)", s).isInstanceOfSatisfying(PyError.class,
                        e -> assertThat(e.toString()).isEqualTo(c.get("int_error").stringValue()));
            }
            if (c.has("float")) {
                assertThat(Py.repr(Py.toFloat(s))).as("float(%s)", s).isEqualTo(c.get("float").stringValue());
            } else {
                assertThatThrownBy(() -> Py.toFloat(s)).as("float(%s)", s).isInstanceOfSatisfying(PyError.class,
                        e -> assertThat(e.toString()).isEqualTo(c.get("float_error").stringValue()));
            }
        }
    }

    @Test
    void stringReprMatchesCPython() throws Exception {
        JsonNode cases;
        try (var in = PyTest.class.getResourceAsStream("/python/str_repr.json")) {
            cases = Json.MAPPER.readTree(in.readAllBytes());
        }
        assertThat(cases.size()).isGreaterThan(15);
        for (JsonNode c : cases) {
            assertThat(Py.repr(c.get("s"))).as(c.get("repr").stringValue()).isEqualTo(c.get("repr").stringValue());
        }
    }

    @Test
    void reprAndStrOfContainersAndStrings() {
        assertThat(Py.repr(j("[\"a\", 1, 2.0, true, null, {\"k\": [false]}]")))
                .isEqualTo("['a', 1, 2.0, True, None, {'k': [False]}]");
        assertThat(Py.repr(j("\"it's\""))).isEqualTo("\"it's\"");
        assertThat(Py.repr(j("\"both ' and \\\"\""))).isEqualTo("'both \\' and \"'");
        assertThat(Py.repr(j("\"tab\\t nl\\n bs\\\\ bell\\u0007 é \\u2028\""))).isEqualTo("'tab\\t nl\\n bs\\\\ bell\\x07 é \\u2028'");
        assertThat(Py.str(j("\"plain\""))).isEqualTo("plain");
        assertThat(Py.str(j("18446744073709551616"))).isEqualTo("18446744073709551616");
    }

    @Test
    void conversionsFollowIntAndFloat() {
        assertThat(Py.toInt(j("\" -1_000 \""))).isEqualTo(j("-1000"));
        assertThat(Py.toInt(j("-2.9"))).isEqualTo(j("-2"));
        assertThat(Py.toInt(j("1e20"))).isEqualTo(j("100000000000000000000"));
        assertThat(Py.toInt(j("true"))).isEqualTo(j("1"));
        assertThatThrownBy(() -> Py.toInt(j("\"1.5\""))).hasMessage("invalid literal for int() with base 10: '1.5'");
        assertThatThrownBy(() -> Py.toInt(j("\"1__0\""))).hasMessage("invalid literal for int() with base 10: '1__0'");
        assertThatThrownBy(() -> Py.toInt(j("[1]")))
                .hasMessage("int() argument must be a string, a bytes-like object or a real number, not 'list'");
        assertThat(Py.toFloat(j("\" 1e3 \""))).isEqualTo(j("1000.0"));
        assertThat(Py.toFloat(j("\"-Infinity\"")).doubleValue()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(Py.toFloat(j("\"nan\"")).doubleValue()).isNaN();
        assertThat(Py.toFloat(j("3"))).isEqualTo(j("3.0"));
        assertThatThrownBy(() -> Py.toFloat(j("\"1.5f\""))).hasMessage("could not convert string to float: '1.5f'");
        assertThatThrownBy(() -> Py.toFloat(j("null")))
                .hasMessage("float() argument must be a string or a real number, not 'NoneType'");
        assertThat(Py.toStr(j("{\"a\": [1, 2.5]}"))).isEqualTo(j("\"{'a': [1, 2.5]}\""));
        assertThat(Py.toBool(j("\"\""))).isEqualTo(j("false"));
        assertThat(Py.toBool(j("[0]"))).isEqualTo(j("true"));
    }

    @Test
    void comparisonsAndMembership() {
        assertThat(Py.eq(j("1"), j("1.0"))).isTrue();
        assertThat(Py.eq(j("true"), j("1"))).isTrue();
        assertThat(Py.eq(j("\"1\""), j("1"))).isFalse();
        // Python compares int and float exactly, not through float: 2**64-1 < 2.0**64
        assertThat(Py.lt(j("18446744073709551615"), j("18446744073709551616.0"))).isTrue();
        assertThat(Py.eq(j("9007199254740993"), j("9007199254740992.0"))).isFalse();
        assertThat(Py.lt(j("18446744073709551615"), j("18446744073709551616"))).isTrue();
        assertThat(Py.lt(j("\"a\""), j("\"b\""))).isTrue();
        assertThat(Py.gt(j("[1, 2]"), j("[1]"))).isTrue();
        assertThatThrownBy(() -> Py.lt(j("\"a\""), j("1")))
                .hasMessage("'<' not supported between instances of 'str' and 'int'");
        assertThat(Py.contains(j("[\"a\", 1.0]"), j("1"))).isTrue();
        assertThat(Py.contains(j("\"xclass_typex\""), "class_type")).isTrue();
        assertThatThrownBy(() -> Py.contains(j("5"), "class_type")).hasMessage("argument of type 'int' is not iterable");
        assertThatThrownBy(() -> Py.getItem(j("{}"), j("[1]"))).hasMessage("unhashable type: 'list'");
        assertThatThrownBy(() -> Py.getItem(j("{}"), j("4"))).hasMessage("4");
        assertThatThrownBy(() -> Py.getItem(j("{}"), j("\"4\""))).hasMessage("'4'");
        assertThatThrownBy(() -> Py.getItem(j("\"abc\""), "x")).hasMessage("string indices must be integers, not 'str'");
        assertThatThrownBy(() -> Py.getItem(j("[1]"), "x")).hasMessage("list indices must be integers or slices, not str");
        assertThat(Py.getItem(j("[1, 2]"), j("-1"))).isEqualTo(j("2"));
        assertThatThrownBy(() -> Py.index(3, j("99999999999999999999"), "tuple"))
                .hasMessage("cannot fit 'int' into an index-sized integer");
    }
}
