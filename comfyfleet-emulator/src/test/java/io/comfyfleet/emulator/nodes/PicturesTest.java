package io.comfyfleet.emulator.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class PicturesTest {
    @Test
    void solidFillsEveryPixelWithTheColourAndIgnoresBitsAboveRgb() {
        BufferedImage image = Pictures.solid(5, 3, 0x7F123456);

        assertThat(image.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                assertThat(image.getRGB(x, y) & 0xFFFFFF).as("pixel %d,%d", x, y).isEqualTo(0x123456);
            }
        }
    }
}
