package io.comfyfleet.comfy.client.outputs;

/** A string a node returned as UI output (e.g. {@code text: ["..."]} from a text preview node). */
public record TextOutput(String nodeId, String key, String text) {}
