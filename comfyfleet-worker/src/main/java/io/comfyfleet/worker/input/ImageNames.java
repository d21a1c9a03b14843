package io.comfyfleet.worker.input;

import java.nio.charset.StandardCharsets;

/**
 * Checks a user-given input file name before it reaches ComfyUI's input folder. Names are refused rather than
 * rewritten, because the workflow refers to the image by this exact name.
 */
public final class ImageNames {
    static final int MAX_BYTES = 200;

    private ImageNames() {}

    /**
     * Returns {@code name} when it is a plain file name.
     *
     * @throws InvalidJobInputException when it is empty, too long, {@code .}/{@code ..}, starts with a dot, or
     *     contains a path separator, a colon, or a control character
     */
    public static String requireSafe(String name, String where) {
        if (name == null || name.isBlank()) {
            throw new InvalidJobInputException(where + " is missing: give each image a file name such as \"input.png\"");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\') {
                throw new InvalidJobInputException(where + " \"" + printable(name)
                        + "\" contains a path separator; use a plain file name such as \"input.png\"");
            }
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                throw new InvalidJobInputException(where + " \"" + printable(name) + "\" contains a control character");
            }
            if (c == ':') {
                throw new InvalidJobInputException(where + " \"" + printable(name)
                        + "\" contains ':'; ComfyUI reads \"name [type]\" annotations and drive letters from such names");
            }
        }
        if (name.startsWith(".")) {
            throw new InvalidJobInputException(where + " \"" + printable(name) + "\" starts with a dot; hidden files and"
                    + " \"..\" are not allowed");
        }
        if (!name.equals(name.strip())) {
            throw new InvalidJobInputException(where + " \"" + printable(name) + "\" starts or ends with a space");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw new InvalidJobInputException(where + " is longer than " + MAX_BYTES + " bytes");
        }
        return name;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(80).forEach(cp -> {
            if (Character.isISOControl(cp)) {
                b.append(String.format("\\u%04x", cp));
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.toString();
    }
}
