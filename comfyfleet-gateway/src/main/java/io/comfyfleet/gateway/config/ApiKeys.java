package io.comfyfleet.gateway.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;

/**
 * A set of API keys, kept only as SHA-256 hashes and compared in constant time.
 *
 * <p>Hashing first gives every comparison the same length, so {@link MessageDigest#isEqual} leaks neither
 * the key's content nor its length; every stored hash is compared, so timing does not tell which one matched.
 */
public final class ApiKeys {
    /** Never used itself, only cloned: a MessageDigest is not thread-safe. */
    private static final MessageDigest SHA_256 = newSha256();
    private final List<byte[]> hashes;

    private ApiKeys(List<byte[]> hashes) {
        this.hashes = hashes;
    }

    /** Keys from the configuration. */
    public static ApiKeys of(Collection<String> keys) {
        List<byte[]> hashed = new ArrayList<>(keys.size());
        for (String key : keys) {
            hashed.add(sha256(key));
        }
        return new ApiKeys(List.copyOf(hashed));
    }

    /** True when {@code presented} (already stripped of any {@code Bearer } prefix) is one of the keys. */
    public boolean accepts(String presented) {
        if (presented == null || presented.isEmpty()) {
            return false;
        }
        byte[] candidate = sha256(presented);
        boolean match = false;
        for (byte[] hash : hashes) {
            match |= MessageDigest.isEqual(hash, candidate);
        }
        return match;
    }

    /** True when any key of this set is also a key of {@code other}. */
    public boolean overlaps(ApiKeys other) {
        for (byte[] hash : hashes) {
            for (byte[] theirs : other.hashes) {
                if (MessageDigest.isEqual(hash, theirs)) {
                    return true;
                }
            }
        }
        return false;
    }

    public int size() {
        return hashes.size();
    }

    @Override
    public String toString() {
        return "ApiKeys[" + hashes.size() + " keys]";
    }

    /** A key's SHA-256 in hex: lets other parts tell keys apart (rate-limit buckets) without keeping them. */
    public static String fingerprint(String key) {
        return HexFormat.of().formatHex(sha256(key == null ? "" : key));
    }

    private static byte[] sha256(String key) {
        try {
            // every request is hashed: a clone skips getInstance's provider lookup and algorithm checks
            return ((MessageDigest) SHA_256.clone()).digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA-256 can be cloned", e);
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
