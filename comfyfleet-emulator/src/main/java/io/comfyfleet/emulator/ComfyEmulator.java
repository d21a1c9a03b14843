package io.comfyfleet.emulator;

import io.comfyfleet.emulator.admission.PromptAdmission;
import io.comfyfleet.emulator.admission.ValidatorAdmission;
import io.comfyfleet.emulator.engine.Catalogue;
import io.comfyfleet.emulator.engine.Engine;
import io.comfyfleet.emulator.faults.Faults;
import io.comfyfleet.emulator.files.FileStore;
import io.comfyfleet.emulator.http.HttpFrontEnd;
import io.comfyfleet.emulator.http.WsHub;
import io.comfyfleet.emulator.nodes.ModelResidency;
import io.comfyfleet.emulator.nodes.NodeServices;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front door: starts a ComfyUI 0.3.64 emulator in this JVM.
 *
 * <pre>{@code
 * try (RunningEmulator comfy = ComfyEmulator.start(EmulatorConfig.builder().port(0).zeroTime()
 *         .baseDirectory(tmp).build())) {
 *     URI base = comfy.baseUri();   // POST base/prompt, WS base/ws?clientId=...
 * }
 * }</pre>
 */
public final class ComfyEmulator {
    private static final Logger LOG = LoggerFactory.getLogger(ComfyEmulator.class);

    private ComfyEmulator() {}

    /**
     * Opens the folders, loads the catalogue, starts the execution thread and binds the port: at once with
     * zero startup delay, otherwise after the delay ({@link StartupMode#REFUSE}, like ComfyUI) or at once
     * with requests held until ready ({@link StartupMode#LATE}). Returns without waiting for the delay;
     * {@link RunningEmulator#port()} waits.
     *
     * @throws EmulatorException when the folders or the catalogue cannot be read, or (zero delay) the port
     *                           cannot be bound
     */
    public static RunningEmulator start(EmulatorConfig config) {
        FileStore files = FileStore.open(config.outputDirectory(), config.inputDirectory(), config.tempDirectory());
        Catalogue catalogue = config.objectInfo() == null ? Catalogue.recorded() : Catalogue.fromFile(config.objectInfo());
        Faults faults = new Faults(config.faults());
        NodeServices services = new NodeServices(files, config.timing(), new ModelResidency(), config.previews());
        PromptAdmission admission = config.admission() != null ? config.admission()
                : new ValidatorAdmission(catalogue, files);
        boolean delayed = !config.timing().startup().isZero();
        boolean late = delayed && config.startupMode() == StartupMode.LATE;
        HttpFrontEnd[] http = new HttpFrontEnd[1];
        WsHub sockets = new WsHub();
        Engine engine = new Engine(catalogue, services, faults, sockets, config.clock());
        http[0] = new HttpFrontEnd(engine, sockets, files, admission, faults, config.argv(), late);
        if (config.dropWebSocketsAfter() > 0) {
            http[0].dropWebSockets(config.dropWebSocketsAfter());
        }
        engine.start();
        CompletableFuture<Integer> bound = new CompletableFuture<>();
        RunningEmulator running = new RunningEmulator(config, engine, http[0], faults, files, bound);
        if (!delayed) {
            try {
                bind(config, http[0], bound);
            } catch (EmulatorException e) {
                running.close(); // the worker thread and the sender must not outlive a failed start
                throw e;
            }
        } else if (late) {
            bind(config, http[0], bound);
            Thread.ofPlatform().daemon(true).name("comfy-startup").start(() -> {
                sleep(config);
                http[0].markReady();
            });
        } else {
            Thread.ofPlatform().daemon(true).name("comfy-startup").start(() -> {
                sleep(config);
                if (!bound.isCancelled()) {
                    bind(config, http[0], bound);
                }
            });
        }
        return running;
    }

    private static void bind(EmulatorConfig config, HttpFrontEnd http, CompletableFuture<Integer> bound) {
        LOG.info("Starting server");
        try {
            int port = http.start(config.host(), config.port());
            if (config.startupMode() != StartupMode.LATE || config.timing().startup().isZero()) {
                http.markReady();
            }
            LOG.info("To see the GUI go to: http://{}:{}", RunningEmulator.connectHost(config.host()), port);
            bound.complete(port);
        } catch (RuntimeException e) {
            bound.completeExceptionally(e);
            if (config.timing().startup().isZero()) {
                throw new EmulatorException("cannot listen on " + config.host() + ":" + config.port() + ": "
                        + e.getMessage(), e);
            }
        }
    }

    private static void sleep(EmulatorConfig config) {
        try {
            Thread.sleep(config.timing().startup());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
