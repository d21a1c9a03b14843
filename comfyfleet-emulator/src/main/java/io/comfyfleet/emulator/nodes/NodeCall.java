package io.comfyfleet.emulator.nodes;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** One execution of one node: its resolved inputs, the prompt around it, and the engine's hooks. */
public final class NodeCall {

    /** The engine side of a running node: interrupts, progress events, time spent. */
    public interface Hooks {
        /** Throws {@link NodeFailure.Interrupted} when an interrupt is pending. */
        void checkInterrupt();

        /** ComfyUI's ProgressBar hook: interrupt check, progress_state, progress, optional preview frame. */
        void progress(int value, int max, PreviewPicture preview);

        /** Spends emulated compute time (a sleep that may be cut short by nothing but process exit). */
        void spend(Duration duration);
    }

    private final String nodeId;
    private final String classType;
    private final Map<String, Object> inputs;
    private final List<String> outputTypes;
    private final JsonNode prompt;
    private final JsonNode extraData;
    private final NodeServices services;
    private final Hooks hooks;

    public NodeCall(String nodeId, String classType, Map<String, Object> inputs, List<String> outputTypes,
            JsonNode prompt, JsonNode extraData, NodeServices services, Hooks hooks) {
        this.nodeId = nodeId;
        this.classType = classType;
        this.inputs = inputs;
        this.outputTypes = outputTypes;
        this.prompt = prompt;
        this.extraData = extraData;
        this.services = services;
        this.hooks = hooks;
    }

    public String nodeId() {
        return nodeId;
    }

    public String classType() {
        return classType;
    }

    public List<String> outputTypes() {
        return outputTypes;
    }

    public NodeServices services() {
        return services;
    }

    /** The whole API prompt (ComfyUI's hidden PROMPT input). */
    public JsonNode prompt() {
        return prompt;
    }

    /** {@code extra_data.extra_pnginfo}, or null. */
    public JsonNode extraPngInfo() {
        JsonNode info = extraData == null ? null : extraData.get("extra_pnginfo");
        return info == null || info.isNull() ? null : info;
    }

    public Object input(String name) {
        return inputs.get(name);
    }

    public int intInput(String name, int fallback) {
        return input(name) instanceof Number n ? n.intValue() : parseOr(name, fallback).intValue();
    }

    public long longInput(String name, long fallback) {
        return input(name) instanceof Number n ? n.longValue() : parseOr(name, fallback).longValue();
    }

    public double doubleInput(String name, double fallback) {
        return input(name) instanceof Number n ? n.doubleValue() : parseOr(name, fallback).doubleValue();
    }

    public String stringInput(String name, String fallback) {
        Object value = input(name);
        return value == null ? fallback : String.valueOf(value);
    }

    /** An input that must hold a value of one type; a wrong link is a node-time TypeError as in Python. */
    public <T> T typed(String name, Class<T> type) {
        Object value = input(name);
        if (!type.isInstance(value)) {
            throw new NodeFailure("TypeError", classType + "." + name + " expected " + type.getSimpleName()
                    + " but got " + (value == null ? "None" : value.getClass().getSimpleName()));
        }
        return type.cast(value);
    }

    public Values.Images images(String name) {
        return typed(name, Values.Images.class);
    }

    /** The first resolved input of a Java type, in input order, or null. */
    public Object firstInputOf(Class<?> type) {
        return inputs.values().stream().filter(type::isInstance).findFirst().orElse(null);
    }

    public void checkInterrupt() {
        hooks.checkInterrupt();
    }

    public void progress(int value, int max, PreviewPicture preview) {
        hooks.progress(value, max, preview);
    }

    public void spend(Duration duration) {
        hooks.spend(duration);
    }

    private Number parseOr(String name, Number fallback) {
        Object value = input(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(String.valueOf(value));
        } catch (NumberFormatException e) {
            throw new NodeFailure("ValueError", "could not convert " + name + "=" + value + " to a number");
        }
    }
}
