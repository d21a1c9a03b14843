package io.comfyfleet.emulator.engine;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.emulator.nodes.NodeCall;
import io.comfyfleet.emulator.nodes.NodeFailure;
import io.comfyfleet.emulator.nodes.NodeLibrary;
import io.comfyfleet.emulator.nodes.NodeResult;
import io.comfyfleet.emulator.nodes.NodeServices;
import io.comfyfleet.emulator.nodes.PreviewPicture;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs one prompt the way ComfyUI 0.3.64's {@code PromptExecutor.execute_async} does, event for event:
 * execution_start, execution_cached, then per node progress_state/executing/progress/executed, and
 * execution_success, execution_error or execution_interrupted; it returns the history entry. Worker thread only.
 */
final class PromptExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(PromptExecutor.class);

    private final Catalogue catalogue;
    private final NodeLibrary library;
    private final NodeServices services;
    private final OutputCache cache = new OutputCache();
    private final EventSink sink;
    private final InterruptFlag interrupt;
    private final FaultTrigger faults;
    private final Clock clock;
    private volatile String lastNodeId;

    PromptExecutor(Catalogue catalogue, NodeLibrary library, NodeServices services, EventSink sink,
            InterruptFlag interrupt, FaultTrigger faults, Clock clock) {
        this.catalogue = catalogue;
        this.library = library;
        this.services = services;
        this.sink = sink;
        this.interrupt = interrupt;
        this.faults = faults;
        this.clock = clock;
    }

    /** The node that last sent {@code executing}, for the WS connect replay; null between prompts. */
    String lastNodeId() {
        return lastNodeId;
    }

    /** POST /free free_memory. */
    void resetCache() {
        cache.reset();
    }

    ObjectNode execute(QueueItem item) {
        Run run = new Run(item);
        run.execute();
        lastNodeId = null;
        return run.historyEntry();
    }

    /** The state of one prompt's execution. */
    private final class Run {
        private final QueueItem item;
        private final String promptId;
        private final String clientId;
        private final ObjectNode prompt;
        private final ArrayNode messages = Json.MAPPER.createArrayNode();
        private final Set<String> executed = new LinkedHashSet<>();
        private final Map<String, ObjectNode> uiOutputs = new LinkedHashMap<>();
        private final ProgressTracker progress;
        private boolean success;
        private Map<String, Object> currentInputs = Map.of();

        Run(QueueItem item) {
            this.item = item;
            this.promptId = item.promptId();
            this.clientId = item.clientId();
            this.prompt = item.prompt();
            this.progress = new ProgressTracker(promptId);
        }

        void execute() {
            interrupt.clear();
            addMessage("execution_start", data(), false);
            cache.setPrompt(prompt, (classType, inputs) -> library.behaviourFor(classType).changeToken(inputs, services.files()));
            ObjectNode cached = data();
            ArrayNode cachedNodes = cached.putArray("nodes");
            prompt.propertyNames().stream().filter(cache::isCached).forEach(cachedNodes::add);
            addMessage("execution_cached", reorder(cached), false);
            List<String> currentOutputs = new ArrayList<>(prompt.propertyNames());
            ExecutionList list = new ExecutionList(prompt, catalogue::isOutputNode, cache::isCached);
            item.outputs().forEach(list::addNode);
            success = true;
            while (!list.isEmpty()) {
                String nodeId = list.stage();
                if (nodeId == null) {
                    fail(list.firstPending(), new NodeFailure("DependencyCycleError", "Dependency cycle detected"), currentOutputs);
                    break;
                }
                try {
                    executeNode(nodeId);
                    list.complete(nodeId);
                } catch (NodeFailure failure) {
                    fail(nodeId, failure, currentOutputs);
                    break;
                } catch (RuntimeException bug) {
                    LOG.error("emulated node {} failed unexpectedly", nodeId, bug);
                    fail(nodeId, new NodeFailure("Exception", String.valueOf(bug.getMessage())), currentOutputs);
                    break;
                }
            }
            if (success) {
                addMessage("execution_success", data(), false);
            }
        }

        private void executeNode(String nodeId) {
            String classType = prompt.path(nodeId).path("class_type").asString("");
            OutputCache.Entry hit = cache.get(nodeId);
            if (hit != null) {
                if (clientId != null) {
                    sink.send("executed", executedEvent(nodeId, hit.ui()), clientId);
                }
                if (hit.ui() != null) {
                    uiOutputs.put(nodeId, hit.ui());
                }
                sink.send("progress_state", progress.finish(nodeId), clientId);
                return;
            }
            sink.send("progress_state", progress.start(nodeId), clientId);
            if (clientId != null) {
                lastNodeId = nodeId;
                ObjectNode executing = Json.MAPPER.createObjectNode();
                executing.put("node", nodeId).put("display_node", nodeId).put("prompt_id", promptId);
                sink.send("executing", executing, clientId);
            }
            currentInputs = resolveInputs(nodeId);
            StepCounter steps = new StepCounter();
            checkInterrupt(); // ComfyUI's before_node_execution; a fault stands in for the node's own code, after it
            faults.check(nodeId, classType, 0, false);
            NodeCall call = new NodeCall(nodeId, classType, currentInputs, catalogue.outputTypes(classType), prompt,
                    item.extraData(), services, hooks(nodeId, classType, steps));
            NodeResult result = library.behaviourFor(classType).run(call);
            faults.check(nodeId, classType, steps.done, true);
            ObjectNode ui = result.ui() == null || result.ui().isEmpty() ? null : result.ui();
            cache.put(nodeId, new OutputCache.Entry(result.outputs(), ui));
            if (ui != null) {
                uiOutputs.put(nodeId, ui);
                if (clientId != null) {
                    sink.send("executed", executedEvent(nodeId, ui), clientId);
                }
            }
            sink.send("progress_state", progress.finish(nodeId), clientId);
            executed.add(nodeId);
        }

        private NodeCall.Hooks hooks(String nodeId, String classType, StepCounter steps) {
            return new NodeCall.Hooks() {
                @Override
                public void checkInterrupt() {
                    Run.this.checkInterrupt();
                }

                @Override
                public void progress(int value, int max, PreviewPicture preview) {
                    Run.this.checkInterrupt();
                    faults.check(nodeId, classType, steps.done, false);
                    steps.done++;
                    sink.send("progress_state", progress.update(nodeId, value, max), clientId);
                    ObjectNode event = Json.MAPPER.createObjectNode();
                    event.put("value", value).put("max", max).put("prompt_id", promptId).put("node", nodeId);
                    sink.send("progress", event, clientId);
                    if (preview != null) {
                        ObjectNode metadata = Json.MAPPER.createObjectNode();
                        metadata.put("node_id", nodeId).put("prompt_id", promptId).put("display_node_id", nodeId)
                                .putNull("parent_node_id");
                        metadata.put("real_node_id", nodeId).put("image_type", "image/jpeg");
                        sink.sendPreview(preview.jpeg(), metadata, clientId);
                    }
                }

                @Override
                public void spend(Duration duration) {
                    if (duration.isZero() || duration.isNegative()) {
                        return;
                    }
                    try {
                        Thread.sleep(duration);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new NodeFailure.Interrupted();
                    }
                }
            };
        }

        private void checkInterrupt() {
            if (interrupt.isRaised()) {
                throw new NodeFailure.Interrupted();
            }
        }

        private Map<String, Object> resolveInputs(String nodeId) {
            Map<String, Object> inputs = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> input : prompt.path(nodeId).path("inputs").properties()) {
                JsonNode value = input.getValue();
                if (Links.isLink(value)) {
                    OutputCache.Entry source = cache.get(value.get(0).asString());
                    int slot = value.get(1).asInt();
                    inputs.put(input.getKey(), source == null || slot >= source.outputs().size() ? null : source.outputs().get(slot));
                } else {
                    inputs.put(input.getKey(), literal(value));
                }
            }
            return inputs;
        }

        private void fail(String nodeId, NodeFailure failure, List<String> currentOutputs) {
            success = false;
            String classType = prompt.path(nodeId).path("class_type").asString("");
            ObjectNode message = data();
            message.put("node_id", nodeId).put("node_type", classType);
            ArrayNode ran = message.putArray("executed");
            executed.forEach(ran::add);
            if (failure instanceof NodeFailure.Interrupted) {
                addMessage("execution_interrupted", message, true);
                return;
            }
            message.put("exception_message", failure.getMessage() + "\n" + failure.tips());
            message.put("exception_type", failure.exceptionType());
            ArrayNode traceback = message.putArray("traceback");
            failure.traceback(classType).forEach(traceback::add);
            ObjectNode inputs = message.putObject("current_inputs");
            currentInputs.forEach((name, value) -> inputs.putArray(name).add(formatted(value)));
            ArrayNode outputs = message.putArray("current_outputs");
            currentOutputs.forEach(outputs::add);
            addMessage("execution_error", message, false);
        }

        /** ComfyUI's {@code add_message}: stamped, kept for history, sent when there is a client or broadcast. */
        private void addMessage(String event, ObjectNode data, boolean broadcast) {
            data.put("timestamp", clock.millis());
            ArrayNode pair = messages.addArray();
            pair.add(event);
            pair.add(data);
            if (clientId != null || broadcast) {
                sink.send(event, data, clientId);
            }
        }

        private ObjectNode data() {
            ObjectNode data = Json.MAPPER.createObjectNode();
            data.put("prompt_id", promptId);
            return data;
        }

        private ObjectNode executedEvent(String nodeId, ObjectNode ui) {
            ObjectNode event = Json.MAPPER.createObjectNode();
            event.put("node", nodeId).put("display_node", nodeId);
            if (ui == null) {
                event.putNull("output");
            } else {
                event.set("output", ui);
            }
            event.put("prompt_id", promptId);
            return event;
        }

        ObjectNode historyEntry() {
            ObjectNode entry = Json.MAPPER.createObjectNode();
            entry.set("prompt", item.toJson());
            ObjectNode outputs = entry.putObject("outputs");
            ObjectNode status = entry.putObject("status");
            status.put("status_str", success ? "success" : "error");
            status.put("completed", success);
            status.set("messages", messages);
            ObjectNode meta = entry.putObject("meta");
            uiOutputs.forEach((id, ui) -> {
                outputs.set(id, ui);
                meta.putObject(id).put("node_id", id).put("display_node", id).putNull("parent_node")
                        .put("real_node_id", id);
            });
            return entry;
        }
    }

    /** {"nodes": [...], "prompt_id": ...}: ComfyUI puts nodes first. */
    private static ObjectNode reorder(ObjectNode cached) {
        ObjectNode ordered = Json.MAPPER.createObjectNode();
        ordered.set("nodes", cached.get("nodes"));
        ordered.set("prompt_id", cached.get("prompt_id"));
        return ordered;
    }

    private static Object literal(JsonNode value) {
        JsonNode unwrapped = value.isObject() && value.has("__value__") ? value.get("__value__") : value;
        if (unwrapped.isIntegralNumber()) {
            return unwrapped.asLong();
        }
        if (unwrapped.isNumber()) {
            return unwrapped.asDouble();
        }
        if (unwrapped.isBoolean()) {
            return unwrapped.asBoolean();
        }
        if (unwrapped.isString()) {
            return unwrapped.asString();
        }
        return unwrapped.isNull() ? null : unwrapped;
    }

    private static JsonNode formatted(Object value) {
        return switch (value) {
            case null -> Json.MAPPER.nullNode();
            case Long l -> Json.MAPPER.getNodeFactory().numberNode(l);
            case Double d -> Json.MAPPER.getNodeFactory().numberNode(d);
            case Boolean b -> Json.MAPPER.getNodeFactory().booleanNode(b);
            case String s -> Json.MAPPER.getNodeFactory().stringNode(s);
            case JsonNode node -> node;
            default -> Json.MAPPER.getNodeFactory().stringNode(value.toString());
        };
    }

    private static final class StepCounter {
        int done;
    }
}
