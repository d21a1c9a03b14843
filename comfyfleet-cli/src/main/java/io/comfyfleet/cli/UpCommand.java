package io.comfyfleet.cli;

import io.comfyfleet.cli.up.ComfyCheckoutCheck;
import io.comfyfleet.cli.up.FleetSettings;
import io.comfyfleet.cli.up.FleetStack;
import io.comfyfleet.cli.up.SharedStoreKeys;
import io.comfyfleet.cli.up.StartupReport;
import io.comfyfleet.cli.up.UpConfig;
import io.comfyfleet.cli.up.UpConfigLoader;
import io.comfyfleet.fleet.FleetConfigException;
import io.comfyfleet.gateway.config.ConfigException;
import io.comfyfleet.worker.supervisor.LaunchSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code comfyfleet up}: the whole service on one machine. The gateway with its SQLite store, and per endpoint an
 * autoscaler that starts {@code comfyfleet worker} processes (each launching its own ComfyUI or emulator) when
 * jobs wait and stops them when idle. Runs until SIGINT/SIGTERM, then drains and stops every process it started.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Run the gateway, the autoscaler and local workers: a serverless ComfyUI service on this machine.")
final class UpCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"},
            description = "YAML configuration (default: comfyfleet.yaml when it exists, else built-in defaults)")
    Path config;
    @Option(names = "--emulator", description = "Workers launch the ComfyUI emulator (no GPU needed)")
    boolean emulator;
    @Option(names = "--emulator-arg", description = "Extra emulator flag, e.g. --zero-time (repeatable)")
    List<String> emulatorArgs = new ArrayList<>();
    @Option(names = "--comfyui-dir", description = "Workers launch python main.py in this ComfyUI checkout")
    Path comfyuiDir;
    @Option(names = "--python", description = "Python for --comfyui-dir or workers.comfyui.dir (default: the file's"
            + " workers.comfyui.python, else python3)")
    String python;
    @Option(names = {"-v", "--verbose"}, description = "Also show what workers and ComfyUI print (always in"
            + " <dataDir>/logs/<worker>.log), library logs and whole stack traces")
    boolean verbose;
    @Option(names = "--scale-period", defaultValue = "1000", description = "Milliseconds between autoscaler passes (default ${DEFAULT-VALUE})")
    long scalePeriodMs;

    @Override
    public Integer call() throws InterruptedException {
        UpConfig up;
        try {
            up = choose(load());
            SharedStoreKeys.check(up);
        } catch (ConfigException e) {
            System.err.println("comfyfleet up: " + e.getMessage());
            return 2;
        }
        StartupReport.printConfig(up, System.out);
        try {
            up.keyFile().keep(up.generated()); // before anything can fail: the printed keys must stay valid
        } catch (java.io.UncheckedIOException e) {
            // the key file is the first thing written to the data folder: one that cannot be is a setting to change
            System.err.println("comfyfleet up: server.dataDir: " + e.getMessage() + " (" + e.getCause() + ")");
            return 2;
        }
        if (scalePeriodMs < 100) {
            System.err.println("comfyfleet up: --scale-period must be at least 100 ms (got " + scalePeriodMs + ")");
            return 2;
        }
        io.comfyfleet.cli.up.UpLogging.install(up.gateway().server().dataDir().resolve("logs"), verbose);
        FleetStack stack;
        try {
            stack = FleetStack.start(up, Duration.ofMillis(scalePeriodMs), Clock.systemUTC());
        } catch (FleetConfigException e) {
            System.err.println("comfyfleet up: invalid configuration: " + e.getMessage() + " (see the workers section)");
            return 2;
        } catch (RuntimeException e) {
            // a port in use, a data folder that cannot be written, a database that cannot be opened
            System.err.println("comfyfleet up: could not start: " + e.getMessage()
                    + (e.getCause() != null ? " (" + e.getCause().getMessage() + ")" : ""));
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("comfyfleet up: stopping (running jobs may finish first)...");
            try {
                stack.close();
            } finally {
                System.out.println("comfyfleet up: stopped; no worker or ComfyUI process left running");
                stopped.countDown();
            }
        }, "comfyfleet-up-shutdown"));
        StartupReport.printReady(up, stack.port(), dashboardServed(stack.port()), System.out);
        stopped.await();
        return 0;
    }

    private UpConfig load() {
        Path file = config;
        if (file == null && Files.isRegularFile(Path.of("comfyfleet.yaml"))) {
            file = Path.of("comfyfleet.yaml");
        }
        return new UpConfigLoader(System::getenv).load(file, Path.of(""));
    }

    /** The command line chooses the ComfyUI when it says so; else the file must have. */
    private UpConfig choose(UpConfig loaded) {
        if (emulator && comfyuiDir != null) {
            throw new ConfigException("the command line", List.of("give --emulator or --comfyui-dir, not both"));
        }
        if (emulator) {
            if (python != null) {
                throw new ConfigException("the command line", List.of("--python: goes with --comfyui-dir, not --emulator"));
            }
            return loaded.with(new FleetSettings.ComfyLaunch.Emulator(emulatorArgs));
        }
        if (comfyuiDir != null) {
            return checked(loaded.with(new FleetSettings.ComfyLaunch.Checkout(comfyuiDir.toAbsolutePath(),
                    LaunchSpec.absolute(python != null ? python : "python3", Path.of("")), List.of())),
                    "the command line", "--comfyui-dir", python != null ? "--python" : "--python (default python3)");
        }
        if (loaded.fleet().comfyui() instanceof FleetSettings.ComfyLaunch.Checkout file) {
            if (python != null) { // the flag wins over the file's python, as --comfyui-dir wins over its dir
                return checked(loaded.with(new FleetSettings.ComfyLaunch.Checkout(file.dir(),
                        LaunchSpec.absolute(python, Path.of("")), file.args())), loaded.source() + " and the command line",
                        "workers.comfyui.dir", "--python");
            }
            return checked(loaded, loaded.source(), "workers.comfyui.dir", "workers.comfyui.python");
        }
        if (python != null) {
            throw new ConfigException("the command line", List.of("--python: goes with --comfyui-dir (or"
                    + " workers.comfyui.dir in the file)"));
        }
        // a container's or pod's image launches its own ComfyUI
        if (loaded.fleet().comfyui() instanceof FleetSettings.ComfyLaunch.Unset && "local".equals(loaded.fleet().provider())) {
            throw new ConfigException(loaded.source(), List.of("workers.comfyui: not set; pass --emulator (no GPU)"
                    + " or --comfyui-dir /path/to/ComfyUI, or set workers.comfyui.emulator or .dir"));
        }
        return loaded;
    }

    /** Local workers launch the checkout themselves: refuse one they cannot launch now, not at the first job. */
    private static UpConfig checked(UpConfig up, String source, String dirKey, String pythonKey) {
        if (!"local".equals(up.fleet().provider())) {
            return up; // a container's or pod's image brings its own ComfyUI
        }
        List<String> problems = new ComfyCheckoutCheck(System.getenv()).problems(
                (FleetSettings.ComfyLaunch.Checkout) up.fleet().comfyui(), dirKey, pythonKey);
        if (!problems.isEmpty()) {
            throw new ConfigException(source, problems);
        }
        return up;
    }

    /** Only print a dashboard address the gateway answers. */
    private static boolean dashboardServed(int port) {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/dashboard/dashboard.js"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() < 400;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
