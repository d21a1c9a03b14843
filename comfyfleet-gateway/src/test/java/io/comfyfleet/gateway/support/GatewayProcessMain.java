package io.comfyfleet.gateway.support;

import io.comfyfleet.gateway.Gateway;
import io.comfyfleet.gateway.config.ConfigLoader;
import java.nio.file.Path;

/** Runs a gateway as its own OS process (crash test, benchmark): {@code GatewayProcessMain <config.yaml>}. */
public final class GatewayProcessMain {
    private GatewayProcessMain() {}

    public static void main(String[] args) throws InterruptedException {
        Gateway gateway = Gateway.start(new ConfigLoader().load(Path.of(args[0])));
        System.out.println("LISTENING " + gateway.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
