package io.comfyfleet.comfy.workflow;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Python's semantics on JSON values, as ComfyUI's validation applies them to a json.loads()ed prompt: str/repr,
 * ==, &lt; and &gt;, int()/float()/str()/bool(), {@code in} and {@code []}. Errors are the Python exceptions with
 * CPython 3.11/3.12 wording, because ComfyUI puts their text in its responses.
 */
final class Py {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern FLOAT = Pattern.compile(
            "[+-]?(?:(?:\\d(?:_?\\d)*)(?:\\.(?:\\d(?:_?\\d)*)?)?|\\.\\d(?:_?\\d)*)(?:[eE][+-]?\\d(?:_?\\d)*)?");
    private static final Pattern SPECIAL = Pattern.compile("[+-]?(?:inf|infinity|nan)", Pattern.CASE_INSENSITIVE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private Py() {}

    static String typeName(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return "NoneType";
        }
        if (v.isBoolean()) {
            return "bool";
        }
        if (v.isIntegralNumber()) {
            return "int";
        }
        if (v.isNumber()) {
            return "float";
        }
        if (v.isString()) {
            return "str";
        }
        return v.isArray() ? "list" : v.isObject() ? "dict" : "object";
    }

    private static boolean isNumeric(JsonNode v) {
        return v.isNumber() || v.isBoolean();
    }

    // ---- str / repr

    static String str(JsonNode v) {
        return v != null && v.isString() ? v.stringValue() : repr(v);
    }

    static String repr(JsonNode v) {
        StringBuilder sb = new StringBuilder();
        repr(v, sb);
        return sb.toString();
    }

    private static void repr(JsonNode v, StringBuilder sb) {
        switch (typeName(v)) {
            case "NoneType" -> sb.append("None");
            case "bool" -> sb.append(v.booleanValue() ? "True" : "False");
            case "int" -> sb.append(v.bigIntegerValue());
            case "float" -> sb.append(floatRepr(v.doubleValue()));
            case "str" -> sb.append(reprString(v.stringValue()));
            case "list" -> {
                sb.append('[');
                Iterator<JsonNode> it = v.values().iterator();
                while (it.hasNext()) {
                    repr(it.next(), sb);
                    if (it.hasNext()) {
                        sb.append(", ");
                    }
                }
                sb.append(']');
            }
            case "dict" -> {
                sb.append('{');
                Iterator<Map.Entry<String, JsonNode>> it = v.properties().iterator();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    sb.append(reprString(e.getKey())).append(": ");
                    repr(e.getValue(), sb);
                    if (it.hasNext()) {
                        sb.append(", ");
                    }
                }
                sb.append('}');
            }
            default -> sb.append(v);
        }
    }

    /** repr(float): the shortest round-trip digits, fixed notation for exponents -4..15, else d.ddde+XX. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal bd = shortest(d);
        String digits = bd.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - bd.scale();
        String sign = d < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            String plain = bd.abs().toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String exp = String.format(Locale.ROOT, "%02d", Math.abs(exponent));
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + exp;
    }

    /** The fewest significant digits that read back as d, rounded to nearest: Python's (David Gay's) repr. */
    private static BigDecimal shortest(double d) {
        BigDecimal exact = new BigDecimal(d);
        for (int digits = 1; digits < 17; digits++) {
            BigDecimal r = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
            if (r.doubleValue() == d) {
                return r.stripTrailingZeros();
            }
        }
        return exact.round(new MathContext(17, RoundingMode.HALF_EVEN)).stripTrailingZeros();
    }

    static String reprString(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder(s.length() + 2).append(quote);
        s.codePoints().forEach(cp -> {
            if (cp == quote || cp == '\\') {
                sb.append('\\').appendCodePoint(cp);
            } else if (cp == '\n') {
                sb.append("\\n");
            } else if (cp == '\r') {
                sb.append("\\r");
            } else if (cp == '\t') {
                sb.append("\\t");
            } else if (printable(cp)) {
                sb.appendCodePoint(cp);
            } else if (cp < 0x100) {
                sb.append(String.format(Locale.ROOT, "\\x%02x", cp));
            } else if (cp < 0x10000) {
                sb.append(String.format(Locale.ROOT, "\\u%04x", cp));
            } else {
                sb.append(String.format(Locale.ROOT, "\\U%08x", cp));
            }
        });
        return sb.append(quote).toString();
    }

    private static boolean printable(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                    Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    // ---- comparisons

    static boolean eq(JsonNode a, JsonNode b) {
        if (isNumeric(a) && isNumeric(b)) {
            Integer c = compareNumbers(a, b);
            return c != null && c == 0;
        }
        String ta = typeName(a);
        if (!ta.equals(typeName(b))) {
            return false;
        }
        return switch (ta) {
            case "NoneType" -> true;
            case "str" -> a.stringValue().equals(b.stringValue());
            case "list" -> {
                if (a.size() != b.size()) {
                    yield false;
                }
                for (int i = 0; i < a.size(); i++) {
                    if (!eq(a.get(i), b.get(i))) {
                        yield false;
                    }
                }
                yield true;
            }
            case "dict" -> {
                if (a.size() != b.size()) {
                    yield false;
                }
                for (Map.Entry<String, JsonNode> e : a.properties()) {
                    JsonNode other = b.get(e.getKey());
                    if (other == null || !eq(e.getValue(), other)) {
                        yield false;
                    }
                }
                yield true;
            }
            default -> a.equals(b);
        };
    }

    static boolean lt(JsonNode a, JsonNode b) {
        return compare(a, b, "<") < 0;
    }

    static boolean gt(JsonNode a, JsonNode b) {
        return compare(a, b, ">") > 0;
    }

    /** -1/0/1, or 0 when a NaN makes every comparison false; a TypeError for types Python cannot order. */
    private static int compare(JsonNode a, JsonNode b, String op) {
        if (isNumeric(a) && isNumeric(b)) {
            Integer c = compareNumbers(a, b);
            return c == null ? 0 : c;
        }
        String ta = typeName(a);
        String tb = typeName(b);
        if (ta.equals("str") && tb.equals("str")) {
            return Integer.signum(compareCodePoints(a.stringValue(), b.stringValue()));
        }
        if (ta.equals("list") && tb.equals("list")) {
            int n = Math.min(a.size(), b.size());
            for (int i = 0; i < n; i++) {
                if (!eq(a.get(i), b.get(i))) {
                    return compare(a.get(i), b.get(i), op);
                }
            }
            return Integer.compare(a.size(), b.size());
        }
        throw PyError.typeError("'" + op + "' not supported between instances of '" + ta + "' and '" + tb + "'");
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** Exact comparison of Python numbers (bools are 0/1); null when a NaN is involved. */
    private static Integer compareNumbers(JsonNode a, JsonNode b) {
        double da = a.isBoolean() ? (a.booleanValue() ? 1 : 0) : a.doubleValue();
        double db = b.isBoolean() ? (b.booleanValue() ? 1 : 0) : b.doubleValue();
        boolean fa = a.isFloatingPointNumber();
        boolean fb = b.isFloatingPointNumber();
        if ((fa && Double.isNaN(da)) || (fb && Double.isNaN(db))) {
            return null;
        }
        if ((fa && Double.isInfinite(da)) || (fb && Double.isInfinite(db))) {
            double x = fa ? da : 0;
            double y = fb ? db : 0;
            return Double.compare(x, y);
        }
        return exact(a).compareTo(exact(b));
    }

    private static BigDecimal exact(JsonNode v) {
        if (v.isBoolean()) {
            return v.booleanValue() ? BigDecimal.ONE : BigDecimal.ZERO;
        }
        if (v.isIntegralNumber()) {
            return new BigDecimal(v.bigIntegerValue());
        }
        return new BigDecimal(v.doubleValue());
    }

    // ---- conversions (ComfyUI's int()/float()/str()/bool() of a widget value)

    static JsonNode toInt(JsonNode v) {
        switch (typeName(v)) {
            case "int":
                return v;
            case "bool":
                return NODES.numberNode(v.booleanValue() ? 1 : 0);
            case "float": {
                double d = v.doubleValue();
                if (Double.isNaN(d)) {
                    throw new PyError("ValueError", "cannot convert float NaN to integer");
                }
                if (Double.isInfinite(d)) {
                    throw new PyError("OverflowError", "cannot convert float infinity to integer");
                }
                return intNode(new BigDecimal(d).toBigInteger());
            }
            case "str": {
                BigInteger parsed = parseInt(v.stringValue());
                if (parsed == null) {
                    throw new PyError("ValueError", "invalid literal for int() with base 10: " + repr(v));
                }
                return intNode(parsed);
            }
            default:
                throw PyError.typeError("int() argument must be a string, a bytes-like object or a real number, not '"
                        + typeName(v) + "'");
        }
    }

    private static JsonNode intNode(BigInteger i) {
        return i.bitLength() < 32 ? NODES.numberNode(i.intValue())
                : i.bitLength() < 64 ? NODES.numberNode(i.longValue()) : NODES.numberNode(i);
    }

    /** Python reads any Unicode decimal digit and space in int() and float() as the ASCII one. */
    private static String asciiDigitsAndSpaces(String raw) {
        StringBuilder sb = new StringBuilder(raw.length());
        raw.codePoints().forEach(cp -> {
            if (Character.isDigit(cp)) {
                sb.append((char) ('0' + Character.digit(cp, 10)));
            } else if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
                sb.append(' ');
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }

    private static BigInteger parseInt(String raw) {
        String s = asciiDigitsAndSpaces(raw).strip();
        int i = 0;
        boolean negative = false;
        if (!s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-')) {
            negative = s.charAt(0) == '-';
            i = 1;
        }
        if (i >= s.length()) {
            return null;
        }
        StringBuilder digits = new StringBuilder();
        boolean lastUnderscore = true; // no leading underscore
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '_') {
                if (lastUnderscore) {
                    return null;
                }
                lastUnderscore = true;
                continue;
            }
            int d = Character.digit(c, 10);
            if (d < 0 || !Character.isDigit(c)) {
                return null;
            }
            digits.append((char) ('0' + d));
            lastUnderscore = false;
        }
        if (lastUnderscore) {
            return null;
        }
        BigInteger value = new BigInteger(digits.toString());
        return negative ? value.negate() : value;
    }

    static JsonNode toFloat(JsonNode v) {
        switch (typeName(v)) {
            case "float":
                return v;
            case "bool":
                return NODES.numberNode(v.booleanValue() ? 1.0 : 0.0);
            case "int": {
                double d = v.bigIntegerValue().doubleValue();
                if (Double.isInfinite(d)) {
                    throw new PyError("OverflowError", "int too large to convert to float");
                }
                return NODES.numberNode(d);
            }
            case "str": {
                String s = asciiDigitsAndSpaces(v.stringValue()).strip();
                if (SPECIAL.matcher(s).matches()) {
                    String lower = s.toLowerCase(Locale.ROOT);
                    double d = lower.contains("nan") ? Double.NaN
                            : lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                    return NODES.numberNode(d);
                }
                if (FLOAT.matcher(s).matches()) {
                    return NODES.numberNode(Double.parseDouble(s.replace("_", "")));
                }
                throw new PyError("ValueError", "could not convert string to float: " + repr(v));
            }
            default:
                throw PyError.typeError("float() argument must be a string or a real number, not '" + typeName(v) + "'");
        }
    }

    static JsonNode toStr(JsonNode v) {
        return v.isString() ? v : NODES.stringNode(str(v));
    }

    static JsonNode toBool(JsonNode v) {
        return NODES.booleanNode(truthy(v));
    }

    static boolean truthy(JsonNode v) {
        return switch (typeName(v)) {
            case "NoneType" -> false;
            case "bool" -> v.booleanValue();
            case "int" -> v.bigIntegerValue().signum() != 0;
            case "float" -> v.doubleValue() != 0;
            case "str" -> !v.stringValue().isEmpty();
            default -> !v.isEmpty();
        };
    }

    // ---- containers

    /** Python's {@code item in container}. */
    static boolean contains(JsonNode container, JsonNode item) {
        switch (typeName(container)) {
            case "dict":
                requireHashable(item);
                return item.isString() && container.has(item.stringValue());
            case "list":
                for (JsonNode e : container.values()) {
                    if (eq(e, item)) {
                        return true;
                    }
                }
                return false;
            case "str":
                if (!item.isString()) {
                    throw PyError.typeError("'in <string>' requires string as left operand, not " + typeName(item));
                }
                return container.stringValue().contains(item.stringValue());
            default:
                throw PyError.typeError("argument of type '" + typeName(container) + "' is not iterable");
        }
    }

    static boolean contains(JsonNode container, String item) {
        return contains(container, NODES.stringNode(item));
    }

    /** Python's {@code container[key]} for a dict, list or str; other types are not subscriptable. */
    static JsonNode getItem(JsonNode container, JsonNode key) {
        switch (typeName(container)) {
            case "dict": {
                requireHashable(key);
                JsonNode v = key.isString() ? container.get(key.stringValue()) : null;
                if (v == null) {
                    throw PyError.keyError(repr(key));
                }
                return v;
            }
            case "list":
                return container.get(index(container.size(), key, "list"));
            case "str": {
                String s = container.stringValue();
                if (!isIndex(key)) {
                    throw PyError.typeError("string indices must be integers, not '" + typeName(key) + "'");
                }
                int[] cps = s.codePoints().toArray();
                int i = index(cps.length, key, "string");
                return NODES.stringNode(new String(cps, i, 1));
            }
            default:
                throw PyError.typeError("'" + typeName(container) + "' object is not subscriptable");
        }
    }

    static JsonNode getItem(JsonNode container, String key) {
        return getItem(container, NODES.stringNode(key));
    }

    /** A Python sequence index: ints and bools, negative from the end. */
    static int index(int size, JsonNode key, String sequence) {
        if (!isIndex(key)) {
            throw PyError.typeError(sequence + " indices must be integers or slices, not " + typeName(key));
        }
        BigInteger i = key.isBoolean() ? BigInteger.valueOf(key.booleanValue() ? 1 : 0) : key.bigIntegerValue();
        if (i.abs().compareTo(LONG_MAX) > 0) {
            throw new PyError("IndexError", "cannot fit 'int' into an index-sized integer");
        }
        long at = i.longValue() < 0 ? i.longValue() + size : i.longValue();
        if (at < 0 || at >= size) {
            throw new PyError("IndexError", sequence + " index out of range");
        }
        return (int) at;
    }

    private static boolean isIndex(JsonNode key) {
        return key.isIntegralNumber() || key.isBoolean();
    }

    static void requireHashable(JsonNode key) {
        if (key.isArray() || key.isObject()) {
            throw PyError.typeError("unhashable type: '" + typeName(key) + "'");
        }
    }
}
