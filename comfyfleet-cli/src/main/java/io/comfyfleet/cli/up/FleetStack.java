package io.comfyfleet.cli.up;

import io.comfyfleet.core.HumanDuration;
import io.comfyfleet.core.job.JobCounts;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.fleet.autoscale.Autoscaler;
import io.comfyfleet.fleet.autoscale.AutoscalerSettings;
import io.comfyfleet.fleet.local.LocalProcessConfig;
import io.comfyfleet.fleet.local.LocalProcessProvider;
import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.gateway.Gateway;
import io.comfyfleet.gateway.config.EndpointConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running {@code comfyfleet up}: the gateway on its store, the worker provider ({@code workers.provider}: local
 * processes, containers through {@link ContainerProviderSetup}, or Kubernetes pods through
 * {@link KubernetesProviderSetup}), and the autoscaler that
 * starts and stops workers per endpoint. {@link #close()} stops it in order: new jobs refused (503), no more scaling, running jobs get
 * their grace to finish (the gateway still takes their results), every worker and its ComfyUI is stopped, then
 * the gateway and the store.
 */
public final class FleetStack implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FleetStack.class);
    /** Time for a worker's JVM to hand its job back and exit after the job grace, before SIGKILL. */
    static final Duration EXIT_MARGIN = Duration.ofSeconds(10);

    private final Gateway gateway;
    private final JobStore store;
    private final WorkerProvider provider;
    private final Autoscaler autoscaler;
    private final ScheduledExecutorService scheduler;
    private final UpConfig config;
    private final Clock clock;
    private boolean closed;

    private FleetStack(UpConfig config, Gateway gateway, JobStore store, WorkerProvider provider,
            Autoscaler autoscaler, ScheduledExecutorService scheduler, Clock clock) {
        this.config = config;
        this.gateway = gateway;
        this.store = store;
        this.provider = provider;
        this.autoscaler = autoscaler;
        this.scheduler = scheduler;
        this.clock = clock;
    }

    /**
     * Starts the gateway, then the autoscaler (which starts minWorkers at once, more when jobs wait).
     *
     * @param period how often the autoscaler looks at the queues
     * @throws UncheckedIOException when the data folder cannot be created
     * @throws RuntimeException     when the port cannot be opened or the store cannot be opened
     */
    public static FleetStack start(UpConfig config, Duration period, Clock clock) {
        Path dataDir = config.gateway().server().dataDir();
        try {
            Files.createDirectories(dataDir.resolve("workers"));
            Files.createDirectories(dataDir.resolve("cds")); // the local workers' class-data archives
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data folder " + dataDir, e);
        }
        JobStore store = Gateway.openStore(config.gateway().store());
        Gateway gateway = Gateway.start(config.gateway(), store, clock);
        try {
            // what the last stop left for this start: the stop's lines promised these jobs would run now
            String left = leftFromBefore(inQueue(config, store), inProgress(config, store),
                    config.gateway().server().lease());
            if (left != null) {
                log.info(left);
            }
            FleetSettings fleet = config.fleet();
            WorkerProvider started = switch (fleet.provider()) {
                case ContainerProviderSetup.NAME -> ContainerProviderSetup.provider(config, gateway.port(),
                        fleet.jobGrace().plus(EXIT_MARGIN), clock);
                case "kubernetes" -> KubernetesProviderSetup.start(fleet.kubernetes(), clock);
                default -> localProvider(config, dataDir, gateway.port(), clock);
            };
            // a worker stopped on purpose leaves its unfinished job to the gateway at once, not to its lease
            WorkerProvider provider = new HandBackOnStop(started, gateway::handBack);
            AutoscalerSettings defaults = AutoscalerSettings.defaults();
            Autoscaler autoscaler = new Autoscaler(provider, new StoreQueueView(store),
                    new RegistryWorkerStates(gateway.workers()),
                    config.gateway().endpoints().stream().map(UpConfigLoader::scaling).toList(),
                    new AutoscalerSettings(period, fleet.jobGrace().plus(EXIT_MARGIN), defaults.initTimeout(),
                            defaults.silenceLimit()),
                    clock);
            FleetLink.attach(gateway.workers(), autoscaler, provider, gateway.fleetMetrics(), gateway::endLeases,
                    clock);
            ControlLoop.attach(gateway, autoscaler, provider, fleet.jobGrace().plus(EXIT_MARGIN));
            gateway.listen(new QueuedJobNudge(autoscaler));
            autoscaler.readDemandWith(new StoreDemandReader(store, autoscaler, clock));
            RolloutSetup.attach(autoscaler, gateway.endpointAdmin().store(), provider,
                    config.gateway().endpoints().stream().map(UpConfigLoader::scaling).toList());
            ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("comfyfleet-autoscaler").daemon().factory());
            autoscaler.start(scheduler);
            return new FleetStack(config, gateway, store, provider, autoscaler, scheduler, clock);
        } catch (RuntimeException e) {
            gateway.close();
            throw e;
        }
    }

    /** Workers as processes on this machine, one per GPU slot (or CPU slot), talking to the gateway on loopback. */
    private static WorkerProvider localProvider(UpConfig config, Path dataDir, int gatewayPort, Clock clock) {
        FleetSettings fleet = config.fleet();
        LocalProcessConfig local = LocalProcessConfig.builder(WorkerCommandLine.build(fleet, dataDir),
                        URI.create("http://127.0.0.1:" + gatewayPort))
                .apiKey(config.workerKey())
                .gpus(fleet.gpus())
                .slotsPerGpu(fleet.slotsPerGpu())
                .cpuSlots(fleet.cpuSlots())
                .basePort(fleet.basePort())
                .stopGrace(fleet.jobGrace().plus(EXIT_MARGIN))
                // ComfyUI custom nodes are third-party code: they need not see the API keys (the worker gets its
                // own key from the provider)
                .withholdEnv("COMFYFLEET_CLIENT_KEY", "COMFYFLEET_ADMIN_KEY", "COMFYFLEET_WEBHOOK_SECRET",
                        "COMFYFLEET_METRICS_TOKEN", "COMFYFLEET_DB_PASSWORD")
                .workDir(dataDir.toAbsolutePath())
                .build();
        return new LocalProcessProvider(local, clock);
    }

    /** The gateway's HTTP port. */
    public int port() {
        return gateway.port();
    }

    /** The worker provider, for the workers it runs and their versions. */
    public WorkerProvider provider() {
        return provider;
    }

    /** The autoscaler, for its counts and cold starts. */
    public Autoscaler autoscaler() {
        return autoscaler;
    }

    /**
     * Stops everything; returns when every worker process and what it started is gone (or was killed after the
     * grace). A gateway standing by while another runs the control loop leaves a fleet shared by the gateways
     * (Kubernetes pods) running for that one. Safe to call twice.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Instant start = clock.instant();
        gateway.stopAccepting();
        autoscaler.close();
        scheduler.shutdownNow();
        try {
            if (provider.sharedByGateways() && !gateway.isLeader()) {
                // another gateway runs the control loop: the fleet's workers are its to keep or stop
                log.info("stopping: this gateway stands by; the {} workers keep running for the gateway that runs"
                        + " the control loop", provider.name());
                provider.detach();
            } else {
                log.info(stoppingLine(running(), queued(), config.fleet().jobGrace(),
                        "kubernetes".equals(config.fleet().provider()) ? null : EXIT_MARGIN));
                // SIGTERM: each worker finishes its job within the grace, posts it, stops its ComfyUI; a job that
                // did not finish goes back to the queue for the next start (HandBackOnStop)
                provider.close();
            }
        } finally {
            gateway.close();
        }
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("stopped in {}", HumanDuration.of(Duration.between(start, clock.instant())));
    }

    /**
     * The line {@code up} prints when it starts to stop. The grace a stopping worker's own line gives (the time
     * until it is killed) is the job grace plus the exit margin; this line names both parts.
     *
     * @param exitMargin the time after the job grace before a worker is killed; null when the provider decides it
     */
    static String stoppingLine(long running, long queued, Duration jobGrace, Duration exitMargin) {
        return "stopping: " + running + (running == 1 ? " job" : " jobs") + " running, " + queued + " queued"
                + " (queued jobs stay in the store for the next start); workers get " + HumanDuration.of(jobGrace)
                + " (workers.jobGrace) to finish them" + (exitMargin == null ? "" : ", then " + HumanDuration.of(exitMargin)
                + " to exit before they are killed (" + HumanDuration.of(jobGrace.plus(exitMargin)) + " in all)");
    }

    /**
     * The line {@code up} prints at start when the store holds jobs from before it: queued ones (a stop keeps
     * them, and hands back the running ones it interrupted) and ones still marked running (the last run was
     * killed, or another gateway's workers run them); null when there are none.
     */
    static String leftFromBefore(long queued, long running, Duration lease) {
        List<String> parts = new ArrayList<>();
        if (queued > 0) {
            parts.add(queued + (queued == 1 ? " job" : " jobs") + " queued from before this start: "
                    + (queued == 1 ? "it runs" : "they run") + " once a worker is ready");
        }
        if (running > 0) {
            parts.add(running + (running == 1 ? " job" : " jobs") + " marked running from before this start: "
                    + (running == 1 ? "it goes" : "they go") + " back to the queue once "
                    + (running == 1 ? "its worker is" : "their workers are") + " silent for " + HumanDuration.of(lease)
                    + " (server.lease), unless " + (running == 1 ? "it reports" : "they report"));
        }
        return parts.isEmpty() ? null : String.join("; ", parts);
    }

    private long running() {
        return inProgress(config, store);
    }

    private long queued() {
        return inQueue(config, store);
    }

    private static long inProgress(UpConfig config, JobStore store) {
        return config.gateway().endpoints().stream().map(EndpointConfig::name)
                .map(store::counts).mapToLong(JobCounts::inProgress).sum();
    }

    private static long inQueue(UpConfig config, JobStore store) {
        return config.gateway().endpoints().stream().map(EndpointConfig::name)
                .map(store::counts).mapToLong(JobCounts::inQueue).sum();
    }
}
