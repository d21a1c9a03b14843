package io.comfyfleet.worker.gateway;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One job handed to this worker by job-take: its id, its {@code input}, and the whole object the gateway
 * sent (RunPod passes every key to the handler, e.g. {@code webhook}).
 */
public record TakenJob(String id, JsonNode input, ObjectNode raw) {}
