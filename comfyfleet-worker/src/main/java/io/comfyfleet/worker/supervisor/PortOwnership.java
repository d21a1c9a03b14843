package io.comfyfleet.worker.supervisor;

import io.comfyfleet.common.http.BlockingHttp;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * Keeps a launched ComfyUI's supervisor from taking another process's server for its own. Two checks, because
 * whatever listens on the port answers the readiness probe:
 * <ul>
 *   <li>before each launch, the port must be free ({@link #requireFree}): a ComfyUI or emulator someone else runs
 *       there (8188 is ComfyUI's own default and {@code workers.basePort}'s) would otherwise answer at once, run
 *       this worker's jobs and keep their outputs, while the launched ComfyUI fails to listen and exits;</li>
 *   <li>at readiness, the server that answers must be the launched one ({@link #answeredBy}): ComfyUI's
 *       {@code /system_stats} lists its {@code argv}, which names this worker's own input folder, so a server that
 *       took the port while ComfyUI was importing its nodes is told apart.</li>
 * </ul>
 */
final class PortOwnership {
    private PortOwnership() {}

    /**
     * Refuses a launch on a port another process listens on.
     *
     * @throws ComfyStartException naming the port, what answers there, and what to change
     */
    static void requireFree(URI baseUrl, BlockingHttp http) {
        InetSocketAddress address = new InetSocketAddress(baseUrl.getHost(), baseUrl.getPort());
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true); // a connection of a previous ComfyUI in TIME_WAIT does not hold the port
            probe.bind(address, 1);
        } catch (BindException e) {
            throw ComfyStartException.beforeLaunch(taken(baseUrl, http));
        } catch (IOException e) {
            // not a port we could test (an address of another machine): the readiness checks still apply
        }
    }

    private static String taken(URI baseUrl, BlockingHttp http) {
        String what;
        try {
            int status = http.exchange(baseUrl.resolve("/system_stats"), Map.of(), null, Duration.ofSeconds(1)).status();
            what = status == 200 ? "it answers /system_stats: a ComfyUI or the emulator"
                    : "not a ComfyUI: /system_stats answers " + status;
        } catch (IOException e) {
            what = "it does not answer /system_stats";
        }
        return "port " + baseUrl.getPort() + " on " + baseUrl.getHost() + " is already in use by another process ("
                + what + "); the worker runs jobs only on the ComfyUI it starts itself. Stop that process or give the"
                + " worker a free port: --comfyui-port, or under comfyfleet up workers.basePort in comfyfleet.yaml"
                + " (slot n listens on basePort + n); to use that ComfyUI on purpose, attach with --comfyui-url";
    }

    /**
     * What the launched ComfyUI's {@code /system_stats} must name to be told apart from another server: its input
     * folder, when the launch command passes it; null when it does not (a custom command without {@code {input}}),
     * and only the process's liveness is checked.
     */
    static String marker(LaunchSpec spec) {
        String input = spec.folders().input().toString();
        return spec.command().stream().anyMatch(arg -> arg.contains(input)) ? input : null;
    }

    /**
     * Whether a {@code /system_stats} body comes from the ComfyUI launched with {@code marker} in its arguments:
     * ComfyUI lists {@code sys.argv} there (Python's JSON escapes non-ASCII characters, Java's does not).
     */
    static boolean answeredBy(String body, String marker) {
        return marker == null || body.contains(jsonText(marker, false)) || body.contains(jsonText(marker, true));
    }

    private static String jsonText(String s, boolean asciiOnly) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || (asciiOnly && c > 0x7f)) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
