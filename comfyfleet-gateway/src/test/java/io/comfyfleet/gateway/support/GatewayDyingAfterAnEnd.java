package io.comfyfleet.gateway.support;

import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.gateway.Gateway;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.config.GatewayConfig;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;

/**
 * A gateway process that dies (as by {@code kill -9}: no shutdown hook, nothing flushed) the moment its store
 * has committed a worker's final result, before the gateway does anything else about it:
 * {@code GatewayDyingAfterAnEnd <config.yaml>}. Whatever the gateway meant to write after that commit (a
 * webhook call in a second transaction) never happens.
 */
public final class GatewayDyingAfterAnEnd {
    private GatewayDyingAfterAnEnd() {}

    public static void main(String[] args) throws InterruptedException {
        GatewayConfig config = new ConfigLoader().load(Path.of(args[0]));
        JobStore store = Gateway.openStore(config.store());
        JobStore dying = (JobStore) Proxy.newProxyInstance(JobStore.class.getClassLoader(),
                new Class<?>[] {JobStore.class}, (proxy, method, methodArgs) -> {
                    Object result;
                    try {
                        result = method.invoke(store, methodArgs);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (method.getName().equals("finish")) {
                        Runtime.getRuntime().halt(137);
                    }
                    return result;
                });
        Gateway gateway = Gateway.start(config, dying, Clock.systemUTC());
        System.out.println("LISTENING " + gateway.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
