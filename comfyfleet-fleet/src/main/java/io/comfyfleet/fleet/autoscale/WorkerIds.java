package io.comfyfleet.fleet.autoscale;

import java.security.SecureRandom;
import java.util.HexFormat;

/** New worker ids: the endpoint (shortened) and 8 random hex digits, so logs show whose worker it is. */
final class WorkerIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private WorkerIds() {}

    static String next(String endpoint) {
        byte[] b = new byte[4];
        RANDOM.nextBytes(b);
        String prefix = endpoint.length() > 40 ? endpoint.substring(0, 40) : endpoint;
        return prefix + "-" + HexFormat.of().formatHex(b);
    }
}
