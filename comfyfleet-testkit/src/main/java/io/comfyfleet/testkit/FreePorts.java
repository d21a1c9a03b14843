package io.comfyfleet.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports free now that a test hands on after closing its probe: to another process (ComfyUI, a worker, a gateway), to
 * a server it starts later, or as an address where nothing listens. Taken between 20000 and the start of the
 * kernel's ephemeral range: a port in that range, which {@code new ServerSocket(0)} hands out, can become the local
 * end of any outgoing connection (the gateway's, a worker's, the test's own, even one to that very port, which then
 * connects to itself) or another test's {@code ServerSocket(0)} before it is used, and the child then fails to start
 * ("Port already in use"), as UpEndToEndTest once saw. Below it only explicit binds compete.
 *
 * <p>A test that binds port 0 itself and keeps the socket open needs none of this.
 */
public final class FreePorts {
    private static final int LOWEST = 20_000;

    private FreePorts() {}

    /** One free port below the ephemeral range. */
    public static int one() {
        return run(1);
    }

    /**
     * The first of {@code n} consecutive ports free now below the ephemeral range (for example one per worker slot:
     * base port + slot).
     *
     * @throws IllegalStateException when 200 random tries found no such run
     */
    public static int run(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("a run of at least 1 port, got " + n);
        }
        int below = ephemeralLow();
        for (int attempt = 0; attempt < 200; attempt++) {
            int first = ThreadLocalRandom.current().nextInt(LOWEST, below - n);
            if (free(first, n)) {
                return first;
            }
        }
        throw new IllegalStateException("no run of " + n + " free ports found between " + LOWEST + " and " + below);
    }

    private static boolean free(int first, int n) {
        for (int p = first; p < first + n; p++) {
            // all addresses: free there is free on the loopback address the children bind
            try {
                new ServerSocket(p).close();
            } catch (IOException taken) {
                return false;
            }
        }
        return true;
    }

    /** The lowest port the kernel hands out for outgoing connections (Linux's default when it cannot be read). */
    private static int ephemeralLow() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            return Math.max(LOWEST + 1_000, Integer.parseInt(range.split("\\s+")[0]));
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
