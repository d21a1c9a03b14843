package io.comfyfleet.cli.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.sdk.Progress;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressLineTest {
    private static Progress progress(double percent, String node, String type, int step, int max) {
        return new Progress(percent, node, type, step, max, -1, -1, null);
    }

    @Test
    void formatsTheBarThePercentTheNodeAndTheStep() {
        assertThat(ProgressLine.format(progress(40, "2", "KSampler", 6, 20)))
                .isEqualTo("[########------------]  40% node 2 KSampler step 6/20");
        assertThat(ProgressLine.format(progress(100, "9", "SaveImage", -1, -1)))
                .isEqualTo("[####################] 100% node 9 SaveImage");
        assertThat(ProgressLine.format(progress(-1, null, null, -1, -1))).isEqualTo("[running]");
    }

    @Test
    void onATerminalRedrawsOneLineInPlaceAndEndsItOnFinish() {
        StringWriter text = new StringWriter();
        ProgressLine line = new ProgressLine(new PrintWriter(text), true);

        line.show(progress(10, "2", "KSampler", 1, 10));
        line.show(progress(10, "2", "KSampler", 1, 10));
        line.show(progress(100, "3", "Save", -1, -1));
        line.finish();

        String first = "[##------------------]  10% node 2 KSampler step 1/10";
        String second = "[####################] 100% node 3 Save";
        assertThat(text.toString()).isEqualTo("\r" + first + "\r" + second
                + " ".repeat(first.length() - second.length()) + System.lineSeparator());
    }

    @Test
    void elsewhereWritesOneLinePerChange() {
        StringWriter text = new StringWriter();
        ProgressLine line = new ProgressLine(new PrintWriter(text), false);

        line.show(progress(10, "2", "KSampler", 1, 10));
        line.show(progress(10, "2", "KSampler", 1, 10));
        line.show(progress(20, "2", "KSampler", 2, 10));
        line.finish();

        assertThat(text.toString().lines()).containsExactly(
                "[##------------------]  10% node 2 KSampler step 1/10",
                "[####----------------]  20% node 2 KSampler step 2/10");
    }
}
