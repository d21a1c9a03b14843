package io.comfyfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ColdStartMarksTest {
    private static final long MS = 1_000_000L;

    @Test
    void theReportSplitsTheColdStartIntoTheWorkersAndComfyUisParts() {
        ColdStartMarks marks = ColdStartMarks.entered(1_000 * MS, 180);
        marks.comfyLaunched(1_012 * MS);
        marks.comfyReady(3_912 * MS);
        marks.comfyReady(9_999 * MS); // a restart later: the first readiness counts

        assertThat(marks.report(3_915 * MS)).isEqualTo("jvm:180,setup:12,comfyui:2900,take:3");

        marks.warmedUp(640 * MS);
        assertThat(marks.report(4_555 * MS)).as("the wait to the take counts from the warm-up's end")
                .isEqualTo("jvm:180,setup:12,comfyui:2900,warmup:640,take:3");
    }

    @Test
    void aWorkerReadyBeforeItsOwnSetUpEndedCountsTheWaitAsItsOwn() {
        ColdStartMarks marks = ColdStartMarks.entered(0, 200);
        marks.comfyLaunched(5 * MS);
        marks.comfyReady(100 * MS);
        assertThat(marks.report(350 * MS)).endsWith("take:250");
    }

    @Test
    void noReportBeforeComfyUiIsReadyAndTheProcessStartIsRead() {
        assertThatThrownBy(() -> ColdStartMarks.entered(0, 0).report(1)).isInstanceOf(IllegalStateException.class);
        ColdStartMarks now = ColdStartMarks.enteredNow();
        now.comfyLaunched(System.nanoTime());
        now.comfyReady(System.nanoTime());
        assertThat(now.report(System.nanoTime())).matches("jvm:\\d+,setup:\\d+,comfyui:\\d+,take:\\d+");
    }

    @Test
    void theJvmsBootIsTheProcessAgeAtEntryEvenWhenReadLater() throws Exception {
        ColdStartMarks marks = ColdStartMarks.enteredNow();
        long ageAtEntry = ProcessAge.millis();
        Thread.sleep(300);
        marks.readJvmBoot();
        marks.comfyLaunched(System.nanoTime());
        marks.comfyReady(System.nanoTime());

        long jvm = Long.parseLong(marks.report(System.nanoTime()).replaceAll("^jvm:(\\d+),.*$", "$1"));
        assertThat(ageAtEntry).as("this test's JVM has run for a while").isGreaterThan(300);
        assertThat(jvm).as("read 300 ms later, /proc is 10 ms precise").isBetween(ageAtEntry - 25, ageAtEntry + 25);
    }
}
