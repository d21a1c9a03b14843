package io.comfyfleet.comfy.client.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.comfy.client.testing.Captures;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Every frame of every real recording parses into its typed event, with the fields as sent. */
class EventParserRecordingsTest {

    @Test
    void everyRecordedFrameParsesToItsTypedEvent() {
        Map<String, Integer> parsedByType = new TreeMap<>();
        int binaryFrames = 0;
        int unrecordedBinary = 0;
        for (Path file : Captures.casesWithFrames()) {
            JsonNode recording = Captures.read(file);
            for (JsonNode frame : recording.get("frames")) {
                if (frame.has("text")) {
                    JsonNode text = frame.get("text");
                    ComfyEvent event = EventParser.parseText(text.toString());
                    assertThat(event).as("%s: %s", file.getFileName(), text).isNotInstanceOf(ComfyEvent.Unknown.class);
                    assertThat(event.type()).isEqualTo(text.get("type").asString());
                    checkFields(event, text.get("data"));
                    parsedByType.merge(event.type(), 1, Integer::sum);
                } else if (frame.has("binary")) {
                    JsonNode binary = frame.get("binary");
                    byte[] bytes = Captures.binaryFrame(binary);
                    ComfyEvent event = EventParser.parseBinary(bytes);
                    assertThat(event.type()).isEqualTo("binary:" + binary.get("event").asInt());
                    ComfyEvent.PreviewImage preview = (ComfyEvent.PreviewImage) event;
                    assertThat(preview.format()).isEqualTo(ComfyEvent.ImageFormat.JPEG);
                    assertThat(preview.bytes()).hasSize(binary.get("len").asInt() - 8);
                    // the recorded head is type(4) + format(4) + the first image bytes: the JPEG SOI marker
                    byte[] head = Captures.hex(binary.get("head").asString());
                    assertThat(Arrays.copyOf(preview.bytes(), head.length - 8))
                            .isEqualTo(Arrays.copyOfRange(head, 8, head.length));
                    binaryFrames++;
                } else if (frame.has("other")) {
                    // the recorder logged these binary frames without their bytes; nothing to parse
                    assertThat(file.getFileName().toString()).isEqualTo("interrupted_midrun.json");
                    unrecordedBinary++;
                }
            }
        }
        assertThat(parsedByType).containsKeys("status", "execution_start", "execution_cached", "executing",
                "progress", "progress_state", "executed", "execution_success", "execution_error",
                "execution_interrupted");
        assertThat(binaryFrames).isGreaterThan(100);
        assertThat(unrecordedBinary).isEqualTo(36);
    }

    private static void checkFields(ComfyEvent event, JsonNode d) {
        switch (event) {
            case ComfyEvent.Status s -> {
                assertThat(s.queueRemaining()).isEqualTo(d.at("/status/exec_info/queue_remaining").asInt());
                assertThat(s.sid()).isEqualTo(d.has("sid") ? d.get("sid").asString() : null);
            }
            case ComfyEvent.ExecutionStart s -> {
                assertThat(s.promptId()).isEqualTo(d.get("prompt_id").asString());
                assertThat(s.timestamp()).isEqualTo(d.get("timestamp").asLong());
            }
            case ComfyEvent.ExecutionCached c -> assertThat(c.nodes()).hasSize(d.get("nodes").size());
            case ComfyEvent.Executing e -> {
                assertThat(e.node()).isEqualTo(d.get("node").isNull() ? null : d.get("node").asString());
                assertThat(e.isEndMarker()).isEqualTo(d.get("node").isNull());
                assertThat(e.promptId()).isEqualTo(d.get("prompt_id").asString());
            }
            case ComfyEvent.Progress p -> {
                assertThat(p.value()).isEqualTo(d.get("value").asInt());
                assertThat(p.max()).isEqualTo(d.get("max").asInt());
                assertThat(p.node()).isEqualTo(d.get("node").asString());
            }
            case ComfyEvent.ProgressState ps -> {
                assertThat(ps.nodes().keySet()).containsExactlyInAnyOrderElementsOf(d.get("nodes").propertyNames());
                ps.nodes().forEach((id, n) -> {
                    assertThat(n.state()).isIn("running", "finished");
                    assertThat(n.max()).isEqualTo(d.get("nodes").get(id).get("max").asDouble());
                });
            }
            case ComfyEvent.Executed e -> {
                assertThat(e.node()).isEqualTo(d.get("node").asString());
                assertThat(e.output()).isEqualTo(d.get("output"));
            }
            case ComfyEvent.ExecutionSuccess s -> assertThat(s.timestamp()).isPositive();
            case ComfyEvent.ExecutionError e -> {
                assertThat(e.nodeId()).isEqualTo(d.get("node_id").asString());
                assertThat(e.nodeType()).isEqualTo(d.get("node_type").asString());
                assertThat(e.exceptionType()).isEqualTo(d.get("exception_type").asString());
                assertThat(e.exceptionMessage()).isEqualTo(d.get("exception_message").asString());
                assertThat(e.traceback()).hasSize(d.get("traceback").size()).isNotEmpty();
                assertThat(e.executed()).hasSize(d.get("executed").size());
                assertThat(e.currentInputs()).isEqualTo(d.get("current_inputs"));
                assertThat(e.currentOutputs()).isEqualTo(d.get("current_outputs"));
                assertThat(e.timestamp()).isEqualTo(d.get("timestamp").asLong());
                assertThat(e.isBlockedNotice()).isFalse();
            }
            case ComfyEvent.ExecutionInterrupted i -> {
                assertThat(i.nodeId()).isEqualTo(d.get("node_id").asString());
                assertThat(i.executed()).hasSize(d.get("executed").size());
            }
            default -> throw new AssertionError("unexpected event " + event);
        }
    }
}
