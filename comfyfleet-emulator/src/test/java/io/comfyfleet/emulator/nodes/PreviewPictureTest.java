package io.comfyfleet.emulator.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.emulator.files.ImageCodec;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class PreviewPictureTest {
    @Test
    void encodesOnceAndGivesTheBytesAFreshEncodingWouldGive() throws Exception {
        BufferedImage picture = Pictures.seeded(40, 24, 7);
        PreviewPicture preview = new PreviewPicture(picture);

        byte[] first = preview.jpeg();

        assertThat(preview.jpeg()).as("the same array: encoded once").isSameAs(first);
        assertThat(first).isEqualTo(ImageCodec.jpeg(picture, 0.95f));
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(first));
        assertThat(decoded.getWidth()).isEqualTo(40);
        assertThat(decoded.getHeight()).isEqualTo(24);
    }
}
