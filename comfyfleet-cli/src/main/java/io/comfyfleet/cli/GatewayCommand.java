package io.comfyfleet.cli;

import io.comfyfleet.cli.up.ConfigFile;
import io.comfyfleet.gateway.Gateway;
import io.comfyfleet.gateway.config.ConfigException;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.config.GatewayConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code comfyfleet gateway --config comfyfleet.yaml}: runs the RunPod-compatible gateway until stopped. */
@Command(
        name = "gateway",
        mixinStandardHelpOptions = true,
        description = "Run the RunPod-compatible gateway: client API, worker API, durable job queue, webhooks.")
final class GatewayCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, defaultValue = "comfyfleet.yaml",
            description = "YAML configuration file (default: ${DEFAULT-VALUE})")
    Path config;

    @Override
    public Integer call() throws InterruptedException {
        GatewayConfig loaded;
        try {
            // a file shared with comfyfleet up: its workers section is up's, not the gateway's
            ConfigFile file = ConfigFile.read(config);
            loaded = new ConfigLoader().parse(file.gatewaySections(), file.source(), file.baseDir());
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        Gateway gateway = Gateway.start(loaded);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }, "comfyfleet-gateway-shutdown"));
        System.out.println("comfyfleet gateway listening on http://" + loaded.server().host() + ":" + gateway.port()
                + "/v2/{endpoint}/...");
        stopped.await();
        return 0;
    }
}
