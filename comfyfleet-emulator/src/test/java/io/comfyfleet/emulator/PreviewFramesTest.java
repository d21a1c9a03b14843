package io.comfyfleet.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.emulator.testing.Frame;
import io.comfyfleet.emulator.testing.TestEmulator;
import io.comfyfleet.emulator.testing.Workflows;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SlowProgress's per-step previews: one binary type-1 JPEG frame per step, the picture encoded once per run. */
class PreviewFramesTest {
    @TempDir
    Path dir;

    @Test
    void everyStepSendsTheSameJpegBehindTheType1Header() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            comfy.run(Workflows.slow(4, 0));
            List<byte[]> previews = comfy.socket.frames().stream().filter(f -> !f.isText()).map(Frame::binary).toList();

            assertThat(previews).hasSize(4);
            for (byte[] frame : previews) {
                ByteBuffer header = ByteBuffer.wrap(frame);
                assertThat(header.getInt()).as("event PREVIEW_IMAGE").isEqualTo(1);
                assertThat(header.getInt()).as("format JPEG").isEqualTo(1);
                assertThat(frame).isEqualTo(previews.getFirst());
            }
            byte[] jpeg = Arrays.copyOfRange(previews.getFirst(), 8, previews.getFirst().length);
            BufferedImage picture = ImageIO.read(new ByteArrayInputStream(jpeg));
            assertThat(picture.getWidth()).as("EmptyImage's 16x16 picture").isEqualTo(16);
            assertThat(picture.getHeight()).isEqualTo(16);
        }
    }
}
