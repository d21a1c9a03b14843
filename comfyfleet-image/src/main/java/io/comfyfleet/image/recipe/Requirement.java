package io.comfyfleet.image.recipe;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line of a {@code requirements.txt}: a package name (normalized as pip compares names), its extras, its version
 * specifier and environment marker.
 *
 * @param name      normalized (lowercase, runs of {@code -_.} as one {@code -})
 * @param extras    e.g. {@code [cuda]}, or empty
 * @param specifier e.g. {@code ==1.2.3}, {@code >=2}, or empty
 * @param marker    the part after {@code ;}, or empty
 */
public record Requirement(String name, String extras, String specifier, String marker) {
    private static final Pattern LINE = Pattern.compile(
            "([A-Za-z0-9][A-Za-z0-9._-]*)\\s*(\\[[^]]*])?\\s*([^;]*?)\\s*(?:;\\s*(.*))?");

    /** pip's name comparison (PEP 503). */
    public static String normalize(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[-_.]+", "-");
    }

    /** @return the requirement, or null when {@code line} is not a plain {@code name[extras] spec ; marker} line */
    public static Requirement parse(String line) {
        Matcher m = LINE.matcher(line.trim());
        if (!m.matches()) {
            return null;
        }
        String spec = m.group(3).replace(" ", "");
        if (!spec.isEmpty() && !spec.matches("(===?|~=|!=|<=?|>=?)[^=<>!~].*")) {
            return null;
        }
        return new Requirement(normalize(m.group(1)), m.group(2) == null ? "" : m.group(2).replace(" ", ""), spec,
                m.group(4) == null ? "" : m.group(4).trim());
    }

    /** The exact version when pinned with {@code ==}, else null. */
    public String pinnedVersion() {
        return specifier.startsWith("==") && !specifier.contains(",") && !specifier.contains("*")
                ? specifier.substring(2) : null;
    }

    /** True when the marker limits this requirement to Windows or macOS, which a Linux image never installs. */
    public boolean notForLinux() {
        String m = marker.replace(" ", "").replace("'", "\"");
        return m.contains("sys_platform==\"win32\"") || m.contains("sys_platform==\"darwin\"")
                || m.contains("platform_system==\"Windows\"") || m.contains("platform_system==\"Darwin\"");
    }
}
