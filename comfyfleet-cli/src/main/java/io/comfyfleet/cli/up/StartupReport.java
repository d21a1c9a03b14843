package io.comfyfleet.cli.up;

import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.config.GatewayConfig;
import io.comfyfleet.gateway.config.StoreSettings;
import java.io.PrintStream;
import java.util.List;

/**
 * What {@code comfyfleet up} prints: the effective configuration (keys masked) when it starts, and once it
 * listens, where the API is, a key to use and a curl command that runs a small workflow.
 */
public final class StartupReport {
    /** EmptyImage → SaveImage: valid on the emulator and on a stock ComfyUI, no model needed. */
    static final String SAMPLE_WORKFLOW = "{\"input\":{\"workflow\":{"
            + "\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":64,\"height\":64,\"batch_size\":1,\"color\":16744448}},"
            + "\"2\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"1\",0],\"filename_prefix\":\"comfyfleet\"}}}}}";

    private StartupReport() {}

    /** The configuration in force, secrets masked: where each value came from is the file or a default. */
    public static void printConfig(UpConfig config, PrintStream out) {
        GatewayConfig g = config.gateway();
        out.println("comfyfleet up: configuration from " + config.source());
        out.println("  server:    " + g.server().host() + ":" + g.server().port() + ", data in " + g.server().dataDir());
        StoreSettings s = g.store();
        out.println("  store:     " + (s.kind() == StoreSettings.Kind.SQLITE ? "sqlite " + s.sqlitePath()
                : "postgres " + s.postgresUrl() + " user " + s.postgresUser() + " password ***"));
        for (EndpointConfig e : g.endpoints()) {
            out.println("  endpoint " + e.name() + ": clientKeys " + e.clientKeys().size() + " (***), workerKeys "
                    + e.workerKeys().size() + " (***), workers " + e.minWorkers() + ".." + e.maxWorkers()
                    + ", idleTimeout " + human(e.idleTimeout()) + ", scaler " + e.scalerType() + " " + e.scalerValue()
                    + ", executionTimeout " + human(e.executionTimeout()) + ", ttl " + human(e.ttl())
                    + ", webhookSecret " + (e.webhookSecret().isPresent() ? "***" : "none"));
        }
        FleetSettings f = config.fleet();
        out.println("  workers:   provider " + f.provider() + ", "
                + (f.kubernetes() != null
                ? KubernetesProviderSetup.describe(f.kubernetes()) + ", job grace " + human(f.jobGrace()) :
                (f.gpus().isEmpty() ? f.cpuSlots() + " cpu slots" : "gpus " + f.gpus() + " x " + f.slotsPerGpu())
                + ", ComfyUI ports from " + f.basePort() + ", job grace " + human(f.jobGrace()) + (f.container() != null
                ? ", image " + f.container().image() + " on " + f.container().host() + " (network " + f.container().network() + ")"
                : ", comfyui " + describe(f.comfyui())))
                + (f.outputs().equals("gateway") ? ", outputs to the gateway's store" : ""));
        int slots = f.gpus().isEmpty() ? f.cpuSlots() : f.gpus().size() * f.slotsPerGpu();
        for (EndpointConfig e : g.endpoints()) {
            if ("local".equals(f.provider()) && e.maxWorkers() > slots) {
                out.println("  note:      endpoint " + e.name() + " has maxWorkers " + e.maxWorkers() + " but this machine"
                        + " has " + slots + " worker slot(s): at most " + slots + " run at once (workers.cpuSlots,"
                        + " workers.gpus and workers.slotsPerGpu set the slots)");
            }
        }
        if (!config.generated().isEmpty()) {
            out.println("  keys:      " + String.join(", ", new java.util.TreeSet<>(config.generated().keySet()))
                    + " not set in the environment: " + (config.keyFile().exists() ? "kept in " : "generated, to be kept in ")
                    + config.keyFile().path());
        }
    }

    /** Where to go next, printed once the gateway listens. */
    public static void printReady(UpConfig config, int port, boolean dashboard, PrintStream out) {
        String host = config.gateway().server().host();
        String base = "http://" + ("0.0.0.0".equals(host) ? "127.0.0.1" : host) + ":" + port;
        String endpoint = config.gateway().endpoints().getFirst().name();
        out.println();
        out.println("ComfyFleet is up.");
        out.println("  API:        " + base + "/v2/" + endpoint + "/run   (RunPod-compatible: run, runsync, status, stream, cancel, health)");
        out.println("  dashboard:  " + (dashboard ? base + "/" : "not in this build"));
        out.println("  API docs:   " + base + "/docs   (OpenAPI: " + base + "/openapi.json)");
        out.println("  metrics:    " + base + "/metrics");
        out.println("  logs:       " + config.gateway().server().dataDir().resolve("logs").resolve("<worker>.log")
                + "   (what workers and ComfyUI print; --verbose shows it here too)");
        out.println("  API key:    " + config.clientKey() + mark(config, "COMFYFLEET_CLIENT_KEY"));
        out.println("  worker key: " + config.workerKey() + mark(config, "COMFYFLEET_WORKER_KEY"));
        String adminKey = config.generated().get("COMFYFLEET_ADMIN_KEY");
        if (adminKey != null) {
            out.println("  admin key:  " + adminKey + "   (for comfyfleet endpoints and rollout; from the keys file,"
                    + " $COMFYFLEET_ADMIN_KEY overrides it)");
        }
        if (!config.generated().isEmpty()) {
            out.println("  keys file:  " + config.keyFile().path() + "   (reused on every start; comfyfleet keys shows"
                    + " and rotates them)");
        }
        out.println();
        out.println("Run a workflow (workers start on demand; the first job waits for one to boot):");
        out.println(curl(base, endpoint, config.clientKey()));
        out.println();
        out.println("Ctrl-C stops: running jobs get " + io.comfyfleet.core.HumanDuration.of(config.fleet().jobGrace())
                + " to finish, then every worker and ComfyUI process is stopped.");
        out.flush();
    }

    static String curl(String base, String endpoint, String key) {
        return String.join(" \\\n  ", List.of("curl -s -X POST " + base + "/v2/" + endpoint + "/runsync",
                "-H 'Authorization: Bearer " + key + "'", "-H 'Content-Type: application/json'",
                "-d '" + SAMPLE_WORKFLOW + "'"));
    }

    /** 2s, 10m, 24h: as the configuration file writes durations, not ISO-8601. */
    static String human(java.time.Duration d) {
        return io.comfyfleet.gateway.config.Durations.format(d);
    }

    private static String mark(UpConfig config, String variable) {
        return config.generated().containsKey(variable) ? "   (from the keys file; $" + variable + " overrides it)"
                : "   (from $" + variable + " or the configuration file)";
    }

    private static String describe(FleetSettings.ComfyLaunch launch) {
        return switch (launch) {
            case FleetSettings.ComfyLaunch.Emulator e -> "emulator" + (e.args().isEmpty() ? "" : " " + e.args());
            case FleetSettings.ComfyLaunch.Checkout c -> c.dir() + " (" + c.python() + " main.py" + (c.args().isEmpty() ? "" : " " + c.args()) + ")";
            case FleetSettings.ComfyLaunch.Unset u -> "not chosen";
        };
    }
}
