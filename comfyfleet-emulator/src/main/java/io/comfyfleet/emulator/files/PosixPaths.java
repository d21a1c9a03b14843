package io.comfyfleet.emulator.files;

import java.util.ArrayList;
import java.util.List;

/**
 * Python's {@code posixpath} functions that ComfyUI's {@code get_save_image_path} names files with, to the letter:
 * Java's {@code Path} differs on the edges a user's {@code filename_prefix} reaches ({@code ""} is {@code "."} here,
 * a trailing slash names no file, {@code "//"} is kept at the start, a backslash is an ordinary character).
 */
final class PosixPaths {
    private PosixPaths() {}

    /** {@code posixpath.normpath}. */
    static String normpath(String path) {
        if (path.isEmpty()) {
            return ".";
        }
        int initialSlashes = !path.startsWith("/") ? 0 : path.startsWith("//") && !path.startsWith("///") ? 2 : 1;
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/", -1)) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (!part.equals("..") || (initialSlashes == 0 && parts.isEmpty())
                    || (!parts.isEmpty() && parts.getLast().equals(".."))) {
                parts.add(part);
            } else if (!parts.isEmpty()) {
                parts.removeLast();
            }
        }
        String joined = "/".repeat(initialSlashes) + String.join("/", parts);
        return joined.isEmpty() ? "." : joined;
    }

    /** {@code posixpath.dirname}. */
    static String dirname(String path) {
        String head = path.substring(0, path.lastIndexOf('/') + 1);
        if (!head.isEmpty() && !head.equals("/".repeat(head.length()))) {
            head = head.replaceAll("/+$", "");
        }
        return head;
    }

    /** {@code posixpath.basename}. */
    static String basename(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** {@code posixpath.join(a, b)} for two parts. */
    static String join(String a, String b) {
        if (b.startsWith("/")) {
            return b;
        }
        return a.isEmpty() || a.endsWith("/") ? a + b : a + "/" + b;
    }

    /** {@code posixpath.abspath} of an absolute path. */
    static String abspath(String absolute) {
        return normpath(absolute);
    }

    /** {@code posixpath.commonpath} of two absolute paths. */
    static String commonpath(String a, String b) {
        List<String> x = parts(a);
        List<String> y = parts(b);
        int n = 0;
        while (n < x.size() && n < y.size() && x.get(n).equals(y.get(n))) {
            n++;
        }
        return "/" + String.join("/", x.subList(0, n));
    }

    private static List<String> parts(String path) {
        List<String> parts = new ArrayList<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty() && !p.equals(".")) {
                parts.add(p);
            }
        }
        return parts;
    }
}
