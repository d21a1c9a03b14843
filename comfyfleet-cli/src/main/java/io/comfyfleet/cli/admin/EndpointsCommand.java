package io.comfyfleet.cli.admin;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code comfyfleet endpoints}: every endpoint's image, version, workers, scaler and roll-out. */
@Command(name = "endpoints", mixinStandardHelpOptions = true,
        description = "List the endpoints: image, version, workers, scaler and roll-out (admin key).",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:listed", "1:the gateway answered with an error", "2:bad usage or key",
                "3:the gateway cannot be reached"})
public final class EndpointsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    AdminOptions admin;
    @Option(names = "--json", description = "Print the admin API's answer as it is")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        JsonNode list;
        try {
            list = admin.client().get("/admin/endpoints");
        } catch (IllegalArgumentException e) {
            err.println("comfyfleet endpoints: " + e.getMessage());
            return 2;
        } catch (AdminClient.AdminException e) {
            err.println("comfyfleet endpoints: " + e.getMessage());
            return RolloutCommand.exitCode(e);
        }
        if (json) {
            out.println(list);
        } else {
            out.printf("%-20s %-40s %-8s %-22s %s%n", "ENDPOINT", "IMAGE (VERSION)", "WORKERS", "SCALER", "ROLL-OUT");
            for (JsonNode e : list.path("endpoints")) {
                String image = e.path("image").isNull() ? "(provider default)" : e.path("image").asString();
                String version = e.path("version").isString() && !e.path("version").asString().equals(image)
                        ? " (" + e.path("version").asString() + ")" : "";
                out.printf("%-20s %-40s %-8s %-22s %s%n", e.path("name").asString(), image + version,
                        e.path("minWorkers").asInt() + ".." + e.path("maxWorkers").asInt(),
                        e.path("scaler").path("type").asString() + " " + e.path("scaler").path("value").asDouble(),
                        RolloutCommand.describe(e.path("rollout")));
            }
        }
        out.flush();
        return 0;
    }
}
