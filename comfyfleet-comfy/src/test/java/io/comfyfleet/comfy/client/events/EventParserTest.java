package io.comfyfleet.comfy.client.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.comfy.client.ComfyProtocolException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Frame shapes the recordings do not contain: binary types 3 and 4, feature flags, custom and broken frames. */
class EventParserTest {

    @Test
    void textFrameOfTypeThreeCarriesNodeIdAndText() {
        byte[] node = "12".getBytes(StandardCharsets.UTF_8);
        byte[] text = "width 512, height 768 ✓".getBytes(StandardCharsets.UTF_8);
        ByteBuffer frame = ByteBuffer.allocate(8 + node.length + text.length)
                .putInt(3).putInt(node.length).put(node).put(text).flip();

        ComfyEvent event = EventParser.parseBinary(frame);

        assertThat(event).isEqualTo(new ComfyEvent.Text("12", "width 512, height 768 ✓"));
    }

    @Test
    void previewWithMetadataTakesFormatAndPromptFromItsJsonHeader() {
        byte[] meta = """
                {"node_id":"3","prompt_id":"p-1","display_node_id":"3","parent_node_id":null,"real_node_id":"3","image_type":"image/png"}"""
                .getBytes(StandardCharsets.UTF_8);
        byte[] png = {(byte) 0x89, 'P', 'N', 'G'};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).putInt(4).putInt(meta.length).array());
        out.writeBytes(meta);
        out.writeBytes(png);

        ComfyEvent.PreviewImage preview = (ComfyEvent.PreviewImage) EventParser.parseBinary(out.toByteArray());

        assertThat(preview.format()).isEqualTo(ComfyEvent.ImageFormat.PNG);
        assertThat(preview.bytes()).isEqualTo(png);
        assertThat(preview.promptId()).isEqualTo("p-1");
        assertThat(preview.metadata().nodeId()).isEqualTo("3");
        assertThat(preview.metadata().parentNodeId()).isNull();
    }

    @Test
    void pngPreviewOfTypeOneHasFormatCodeTwo() {
        byte[] frame = ByteBuffer.allocate(10).putInt(1).putInt(2).put((byte) 0x89).put((byte) 'P').array();
        ComfyEvent.PreviewImage preview = (ComfyEvent.PreviewImage) EventParser.parseBinary(frame);
        assertThat(preview.format()).isEqualTo(ComfyEvent.ImageFormat.PNG);
        assertThat(preview.metadata()).isNull();
    }

    @Test
    void unknownTypesAreKeptNotRejected() {
        ComfyEvent custom = EventParser.parseText("{\"type\":\"crystools.monitor\",\"data\":{\"cpu\":3}}");
        assertThat(custom).isEqualTo(new ComfyEvent.Unknown("crystools.monitor",
                io.comfyfleet.common.json.Json.MAPPER.readTree("{\"cpu\":3}")));

        ComfyEvent binary = EventParser.parseBinary(ByteBuffer.allocate(6).putInt(9).put((byte) 1).put((byte) 2).flip());
        assertThat(binary).isInstanceOf(ComfyEvent.UnknownBinary.class);
        assertThat(((ComfyEvent.UnknownBinary) binary).payload()).containsExactly(1, 2);
    }

    @Test
    void featureFlagsReplyIsTyped() {
        ComfyEvent flags = EventParser.parseText(
                "{\"type\":\"feature_flags\",\"data\":{\"supports_preview_metadata\":true,\"max_upload_size\":104857600}}");
        assertThat(flags).isInstanceOf(ComfyEvent.FeatureFlags.class);
        assertThat(((ComfyEvent.FeatureFlags) flags).flags().get("supports_preview_metadata").asBoolean()).isTrue();
    }

    @Test
    void executingRightAfterReconnectHasNoPromptId() {
        ComfyEvent.Executing e = (ComfyEvent.Executing) EventParser.parseText("{\"type\":\"executing\",\"data\":{\"node\":\"3\"}}");
        assertThat(e.promptId()).isNull();
        assertThat(e.node()).isEqualTo("3");
        assertThat(e.isEndMarker()).isFalse();
    }

    @Test
    void executionBlockedIsANoticeNotAnEnd() {
        ComfyEvent.ExecutionError e = (ComfyEvent.ExecutionError) EventParser.parseText("""
                {"type":"execution_error","data":{"prompt_id":"p","node_id":"5","node_type":"X","executed":[],
                 "exception_message":"blocked","exception_type":"ExecutionBlocked","traceback":[],
                 "current_inputs":[],"current_outputs":[]}}""");
        assertThat(e.isBlockedNotice()).isTrue();
        assertThat(e.timestamp()).isNull();
    }

    @Test
    void brokenFramesGiveProtocolErrorsThatQuoteTheFrame() {
        assertThatThrownBy(() -> EventParser.parseText("not json"))
                .isInstanceOf(ComfyProtocolException.class).hasMessageContaining("not JSON").hasMessageContaining("not json");
        assertThatThrownBy(() -> EventParser.parseText("[1,2]"))
                .isInstanceOf(ComfyProtocolException.class).hasMessageContaining("[1,2]");
        assertThatThrownBy(() -> EventParser.parseBinary(new byte[] {0, 0}))
                .isInstanceOf(ComfyProtocolException.class).hasMessageContaining("4-byte event type");
        assertThatThrownBy(() -> EventParser.parseBinary(ByteBuffer.allocate(8).putInt(3).putInt(50).array()))
                .isInstanceOf(ComfyProtocolException.class).hasMessageContaining("truncated");
    }
}
