package io.comfyfleet.emulator.engine;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.emulator.faults.Faults;
import io.comfyfleet.emulator.nodes.NodeLibrary;
import io.comfyfleet.emulator.nodes.NodeServices;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The emulated ComfyUI back end without HTTP: the prompt queue, one execution thread (ComfyUI runs one
 * prompt at a time), the interrupt flag, the output cache and the history. The HTTP layer drives it.
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

    private final PromptQueue queue;
    private final PromptExecutor executor;
    private final NodeServices services;
    private final EventSink sink;
    private final InterruptFlag interrupt = new InterruptFlag();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final Catalogue catalogue;
    private final Thread worker;
    private volatile String runningClientId;

    public Engine(Catalogue catalogue, NodeServices services, Faults faults, EventSink sink, Clock clock) {
        this.catalogue = catalogue;
        this.services = services;
        this.sink = sink;
        this.queue = new PromptQueue(new History(), remaining -> sink.send("status", status(remaining), null));
        FaultTrigger trigger = new FaultTrigger(faults, services.models(), interrupt::isRaised, closing::get);
        this.executor = new PromptExecutor(catalogue, NodeLibrary.standard(), services, sink, interrupt, trigger, clock);
        this.worker = Thread.ofPlatform().name("comfy-prompt-worker").daemon(true).unstarted(this::workLoop);
    }

    public void start() {
        worker.start();
    }

    public PromptQueue queue() {
        return queue;
    }

    public Catalogue catalogue() {
        return catalogue;
    }

    public NodeServices services() {
        return services;
    }

    /** POST /interrupt: global when {@code promptId} is null, otherwise only if that prompt is running. */
    public void interrupt(String promptId) {
        if (promptId == null || queue.runningPromptId().filter(promptId::equals).isPresent()) {
            interrupt.raise();
        }
    }

    /** For a (re)connecting socket: the node now executing, if that socket's client owns the running prompt. */
    public Optional<String> executingNodeFor(String clientId) {
        String node = executor.lastNodeId();
        return node != null && clientId != null && clientId.equals(runningClientId) ? Optional.of(node) : Optional.empty();
    }

    /** {@code {"exec_info": {"queue_remaining": N}}}, the status payload. */
    public ObjectNode queueInfo() {
        ObjectNode info = Json.MAPPER.createObjectNode();
        info.putObject("exec_info").put("queue_remaining", queue.remaining());
        return info;
    }

    private static ObjectNode status(int remaining) {
        ObjectNode data = Json.MAPPER.createObjectNode();
        data.putObject("status").putObject("exec_info").put("queue_remaining", remaining);
        return data;
    }

    private void workLoop() {
        while (!closing.get()) {
            try {
                queue.take(Duration.ofMillis(500)).ifPresent(this::run);
                PromptQueue.FreeFlags flags = queue.takeFlags();
                if (flags.unloadModels()) {
                    services.models().unloadAll();
                }
                if (flags.freeMemory()) {
                    executor.resetCache();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("the prompt worker hit an unexpected error and continues", e);
            }
        }
    }

    private void run(PromptQueue.Taken taken) {
        QueueItem item = taken.item();
        long started = System.nanoTime();
        runningClientId = item.clientId();
        ObjectNode entry;
        try {
            entry = executor.execute(item);
        } finally {
            runningClientId = null;
        }
        queue.taskDone(taken.taskId(), entry);
        if (item.clientId() != null) {
            ObjectNode done = Json.MAPPER.createObjectNode();
            done.putNull("node");
            done.put("prompt_id", item.promptId());
            sink.send("executing", done, item.clientId());
        }
        LOG.info("Prompt executed in {} seconds", String.format("%.2f", (System.nanoTime() - started) / 1e9));
    }

    /** Stops the worker; a hung node (fault knob) is released. */
    @Override
    public void close() {
        closing.set(true);
        interrupt.raise();
        worker.interrupt();
        try {
            worker.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
