package io.comfyfleet.cli.admin;

import io.comfyfleet.core.HumanDuration;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code comfyfleet rollout ENDPOINT --image REF [--wait] [--max-surge N]} and {@code --rollback}: sets the
 * endpoint's image through the admin API; the autoscaler then starts workers of the new version and retires the
 * old ones. {@code --wait} follows the roll-out until it is done (exit 0) or halted (exit 1, with the reason).
 */
@Command(name = "rollout", mixinStandardHelpOptions = true,
        description = "Roll an endpoint's workers out to another image, or back to the previous one (admin key).",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:changed (with --wait: rolled out)", "1:halted, timed out, or the gateway failed",
                "2:bad usage, refused change or key", "3:the gateway cannot be reached"})
public final class RolloutCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    AdminOptions admin;
    @Parameters(index = "0", paramLabel = "ENDPOINT", description = "The endpoint")
    String endpoint;
    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;
    @Option(names = "--max-surge", paramLabel = "N",
            description = "New-version workers started above the running count at a time (default: as set, 1)")
    Integer maxSurge;
    @Option(names = "--wait", description = "Follow the roll-out until it is done or halted")
    boolean waitForIt;
    @Option(names = "--timeout", defaultValue = "30m", paramLabel = "DURATION",
            description = "With --wait: give up after this long, e.g. 90s, 30m (default ${DEFAULT-VALUE})")
    String timeout;

    static final class Target {
        @Option(names = "--image", paramLabel = "REF", required = true, description = "The image to roll out")
        String image;
        @Option(names = "--rollback", required = true, description = "Back to the image before the last change")
        boolean rollback;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            Duration limit = duration(timeout);
            AdminClient client = admin.client();
            ObjectNode body = AdminClient.json().createObjectNode();
            if (target.rollback) {
                body.put("rollback", true);
            } else {
                body.put("image", target.image);
            }
            if (maxSurge != null) {
                body.put("maxSurge", maxSurge);
            }
            // one path segment whatever the name holds: "ep?" or "ep#" unencoded named endpoint ep, and rolled it out
            String path = "/admin/endpoints/" + URLEncoder.encode(endpoint, StandardCharsets.UTF_8).replace("+", "%20");
            JsonNode before = client.get(path);
            JsonNode after = client.patch(path, body);
            String image = after.path("image").isNull() ? null : after.path("image").asString();
            out.println("endpoint " + endpoint + ": image " + image(before.path("image")) + " -> "
                    + image(after.path("image"))
                    + " (revision " + after.path("revision").asLong() + ", max surge " + after.path("maxSurge").asInt()
                    + ")");
            out.flush();
            if (!waitForIt) {
                return 0;
            }
            return follow(client, path, image, before.path("rollout"), limit, out, err);
        } catch (IllegalArgumentException e) {
            err.println("comfyfleet rollout: " + e.getMessage());
            return 2;
        } catch (AdminClient.AdminException e) {
            err.println("comfyfleet rollout: " + e.getMessage());
            return exitCode(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private static int follow(AdminClient client, String path, String image, JsonNode rolloutBefore, Duration limit,
            PrintWriter out, PrintWriter err) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            JsonNode rollout = client.get(path).path("rollout");
            // the autoscaler picks the change up at its next pass; until then the status is the previous roll-out's
            if (startedBy(rollout, image, rolloutBefore)) {
                String line = describe(rollout);
                if (!line.equals(last)) {
                    out.println(line);
                    out.flush();
                    last = line;
                }
                switch (rollout.path("state").asString()) {
                    case "DONE" -> {
                        return 0;
                    }
                    case "HALTED" -> {
                        err.println("comfyfleet rollout: halted: " + rollout.path("reason").asString());
                        return 1;
                    }
                    default -> { }
                }
            }
            Thread.sleep(500);
        }
        err.println("comfyfleet rollout: not done after " + HumanDuration.of(limit) + (last == null
                ? "; the autoscaler has not started it (is the gateway running its autoscaler, and does its provider"
                        + " run images?)" : "; last: " + last));
        return 1;
    }

    /**
     * Whether {@code rollout} is the one the change to {@code image} started. For an image, the roll-out to it. For
     * the provider's default (null: a roll-back to an endpoint's first, unset image), whose version only the
     * provider knows, any roll-out but the one shown before the change, which may be the halted one rolled back from.
     */
    static boolean startedBy(JsonNode rollout, String image, JsonNode rolloutBefore) {
        if (rollout == null || !rollout.isObject()) {
            return false;
        }
        if (image != null) {
            return image.equals(rollout.path("toVersion").asString());
        }
        return rolloutBefore == null || !rolloutBefore.isObject()
                || !rolloutBefore.path("toVersion").equals(rollout.path("toVersion"))
                || !rolloutBefore.path("startedAt").equals(rollout.path("startedAt"));
    }

    /** One line for a roll-out: state, versions, worker counts, failures. */
    static String describe(JsonNode r) {
        if (r == null || !r.isObject()) {
            return "-";
        }
        String line = r.path("state").asString() + " " + text(r.path("fromVersion")) + " -> "
                + r.path("toVersion").asString() + ": " + r.path("oldWorkers").asInt() + " old, "
                + r.path("newWorkers").asInt() + " new (" + r.path("readyNewWorkers").asInt() + " ready)";
        if (r.path("failures").asInt() > 0) {
            line += ", " + r.path("failures").asInt() + " failed";
        }
        return line;
    }

    /**
     * An endpoint's image as the admin API gives it: null (never set, or rolled back to it) is the image the
     * provider is configured with ({@code workers.container.image}, the Kubernetes provider's {@code image}), which
     * only the gateway knows.
     */
    private static String image(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode() ? DEFAULT_IMAGE : n.asString();
    }

    private static final String DEFAULT_IMAGE = "the provider's default";

    private static String text(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode() ? "(none)" : n.asString();
    }

    static int exitCode(AdminClient.AdminException e) {
        if (e.status == 0) {
            return 3;
        }
        return e.status >= 400 && e.status < 500 && e.status != 409 ? 2 : 1;
    }

    private static Duration duration(String text) {
        Duration d = io.comfyfleet.gateway.config.Durations.parse(text);
        if (d == null) {
            throw new IllegalArgumentException("--timeout must be a duration like "
                    + io.comfyfleet.gateway.config.Durations.EXAMPLES + ", got " + text);
        }
        return d;
    }
}
