package io.comfyfleet.emulator;

import io.comfyfleet.emulator.engine.Engine;
import io.comfyfleet.emulator.faults.FaultPlan;
import io.comfyfleet.emulator.faults.Faults;
import io.comfyfleet.emulator.files.FileStore;
import io.comfyfleet.emulator.http.HttpFrontEnd;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A started emulator: where it listens, its fault knobs, and {@link #close()}. Thread-safe. */
public final class RunningEmulator implements AutoCloseable {
    private final EmulatorConfig config;
    private final Engine engine;
    private final HttpFrontEnd http;
    private final Faults faults;
    private final FileStore files;
    private final CompletableFuture<Integer> bound;

    RunningEmulator(EmulatorConfig config, Engine engine, HttpFrontEnd http, Faults faults, FileStore files,
            CompletableFuture<Integer> bound) {
        this.config = config;
        this.engine = engine;
        this.http = http;
        this.faults = faults;
        this.files = files;
        this.bound = bound;
    }

    /**
     * The bound port, waiting for the startup delay when needed.
     *
     * @throws EmulatorException when binding failed or did not happen within the startup delay + 30 s
     */
    public int port() {
        Duration limit = config.timing().startup().plusSeconds(30);
        try {
            return bound.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new EmulatorException("the emulator could not listen on " + config.host() + ":" + config.port()
                    + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new EmulatorException("the emulator did not bind " + config.host() + ":" + config.port()
                    + " within " + limit.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmulatorException("interrupted while waiting for the emulator to bind", e);
        }
    }

    /** {@code http://host:port}. */
    public URI baseUri() {
        return URI.create("http://" + connectHost(config.host()) + ":" + port());
    }

    /** Where to connect for a listen address: ComfyUI, too, shows 127.0.0.1 for 0.0.0.0. */
    static String connectHost(String listen) {
        if (listen.equals("0.0.0.0") || listen.equals("::")) {
            return "127.0.0.1";
        }
        return listen.contains(":") && !listen.startsWith("[") ? "[" + listen + "]" : listen;
    }

    /** True once the port is bound (and, in {@link StartupMode#LATE}, requests are answered). */
    public boolean isReady() {
        return bound.isDone() && !bound.isCompletedExceptionally();
    }

    public FaultPlan faults() {
        return faults.plan();
    }

    /** Replaces the node fault plan (the same as POST /emulator/faults). */
    public void setFaults(FaultPlan plan) {
        faults.replace(plan);
    }

    /** Closes every WebSocket after {@code frames} more frames, or now when 0. */
    public void dropWebSockets(int frames) {
        http.dropWebSockets(frames);
    }

    public FileStore files() {
        return files;
    }

    /** Stops the HTTP server and the worker (a hung node is released) and removes the temp folder. */
    @Override
    public void close() {
        bound.cancel(false);
        engine.close();
        http.close();
        files.cleanTemp();
    }
}
