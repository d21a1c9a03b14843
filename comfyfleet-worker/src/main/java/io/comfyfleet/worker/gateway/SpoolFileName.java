package io.comfyfleet.worker.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The spool file name of a job id. Ids come from the gateway: every byte outside a safe set is hex-escaped, so no id
 * can leave the folder. Escaping makes a non-ASCII byte three characters, so an id of 200 non-ASCII characters would
 * be a name of over 1000 bytes, past the 255 most file systems allow, and its result could not be made durable. A
 * name that would be too long keeps a readable head and ends in the SHA-256 of the whole id, so ids that differ only
 * past the head still get files of their own.
 */
final class SpoolFileName {
    /**
     * The longest escaped id kept as it is: every name a spool wrote before long ids were hashed (name, ".json",
     * ".tmp" within 255 bytes), so a file left by an older worker is still found and deleted once delivered.
     */
    static final int MAX_ESCAPED = 255 - ".json".length() - ".tmp".length();
    /** The readable head of a hashed name; with "~" and 64 hex digits the name stays well under 255 bytes. */
    private static final int HEAD = 120;

    private SpoolFileName() {}

    /** The file name, without its ".json", for {@code jobId}: at most {@link #MAX_ESCAPED} ASCII characters. */
    static String of(String jobId) {
        String escaped = escape(jobId);
        if (escaped.length() <= MAX_ESCAPED) {
            return escaped;
        }
        // '~' is escaped in ids (%7E), so a hashed name can never equal an escaped one
        return escaped.substring(0, headEnd(escaped)) + "~" + sha256(jobId);
    }

    private static String escape(String jobId) {
        StringBuilder name = new StringBuilder();
        for (byte b : jobId.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '_')) {
                name.append(c);
            } else {
                name.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return name.toString();
    }

    /** {@link #HEAD}, moved back so the head does not end inside a {@code %XX} escape. */
    private static int headEnd(String escaped) {
        int end = HEAD;
        if (escaped.charAt(end - 1) == '%') {
            end -= 1;
        } else if (escaped.charAt(end - 2) == '%') {
            end -= 2;
        }
        return end;
    }

    private static String sha256(String jobId) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(jobId.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
