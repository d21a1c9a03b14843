package io.comfyfleet.emulator.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The transcript comparison must fail on a missing, extra, reordered or changed frame. */
class FrameShapeTest {
    private static final Predicate<String> OUTPUT_3 = "3"::equals;

    private static List<String> okBasic() {
        return FrameShape.recorded(Recording.load("cpu-0.3.64", "ok_basic").frames(), OUTPUT_3);
    }

    @Test
    void aTranscriptMatchesItself() {
        FrameShape.assertSameShape("self", okBasic(), okBasic());
        assertThat(okBasic()).hasSize(18);
    }

    @Test
    void aMissingFrameFails() {
        List<String> actual = new ArrayList<>(okBasic());
        actual.remove(actual.size() - 1);
        assertThatThrownBy(() -> FrameShape.assertSameShape("missing", okBasic(), actual)).isInstanceOf(AssertionError.class);
    }

    @Test
    void aSwappedPairFails() {
        List<String> actual = new ArrayList<>(okBasic());
        Collections.swap(actual, 5, 6);
        assertThatThrownBy(() -> FrameShape.assertSameShape("swapped", okBasic(), actual)).isInstanceOf(AssertionError.class);
    }

    @Test
    void aChangedValueFails() {
        List<String> actual = new ArrayList<>(okBasic());
        actual.set(actual.size() - 2, "status[status] q=1");
        assertThatThrownBy(() -> FrameShape.assertSameShape("changed", okBasic(), actual)).isInstanceOf(AssertionError.class);
    }

    @Test
    void outputNodeBlocksReadyTogetherAreComparedInNodeOrder() {
        List<String> recorded = FrameShape.recorded(Recording.load("cpu-0.3.64", "ok_load_upload").frames(),
                id -> id.equals("3") || id.equals("4"));
        List<String> nonOutput = FrameShape.recorded(Recording.load("cpu-0.3.64", "ok_load_upload").frames(), id -> false);
        assertThat(String.join("\n", recorded).indexOf("executing[display_node, node, prompt_id] \"3\""))
                .isLessThan(String.join("\n", recorded).indexOf("executing[display_node, node, prompt_id] \"4\""));
        assertThat(recorded).isNotEqualTo(nonOutput);
    }

    private static List<String> interruptStep20() {
        return FrameShape.recorded(Recording.load("h100-0.3.64", "g10_a_interrupt_step20").frames(), "9"::equals);
    }

    @Test
    void aLateInterruptAddsWholeRenumberedStepsAndNothingElse() {
        List<String> recorded = interruptStep20();
        assertThat(FrameShape.stepsBeforeInterrupt(recorded, recorded)).isEqualTo(20);
        assertThat(FrameShape.withLaterSteps(recorded, 20)).isEqualTo(recorded);
        List<String> late = FrameShape.withLaterSteps(recorded, 22);
        assertThat(late).hasSize(recorded.size() + 6);
        assertThat(FrameShape.stepsBeforeInterrupt(recorded, late)).isEqualTo(22);
        int at = late.indexOf(late.stream().filter(t -> t.startsWith("progress[") && t.contains(" 21/200 ")).findFirst().orElseThrow());
        assertThat(late.get(at - 1)).contains("\u03943 running 21.0/200.0");
        assertThat(late.get(at + 1)).startsWith("binary:");
        assertThat(late.get(at + 5)).startsWith("execution_interrupted");
    }

    @Test
    void aLateInterruptStillFailsOnAnythingButWholeSteps() {
        List<String> late = new ArrayList<>(FrameShape.withLaterSteps(interruptStep20(), 22));
        late.remove(late.size() - 4); // the preview of step 22
        assertThatThrownBy(() -> FrameShape.assertSameShape("late", FrameShape.withLaterSteps(interruptStep20(),
                FrameShape.stepsBeforeInterrupt(interruptStep20(), late)), late))
                .isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> FrameShape.withLaterSteps(interruptStep20(), 19)).isInstanceOf(AssertionError.class);
    }

    @Test
    void anInterruptLandingInsideTheNextNodeAddsThatNodesSteps() {
        List<String> recorded = FrameShape.recorded(Recording.load("cpu-0.3.64", "interrupted_midrun").frames(), "9"::equals);
        assertThat(FrameShape.stepsBeforeInterrupt(recorded, recorded)).as("node 3 reported no step").isZero();
        List<String> late = FrameShape.withLaterSteps(recorded, 2);
        int interrupted = late.indexOf(late.stream().filter(t -> t.startsWith("execution_interrupted")).findFirst().orElseThrow());
        assertThat(late.subList(interrupted - 6, interrupted)).satisfiesExactly(
                t -> assertThat(t).startsWith("progress_state").contains("\u03943 running 1.0/12.0"),
                t -> assertThat(t).startsWith("progress[").endsWith(" 1/12 3"),
                t -> assertThat(t).startsWith("binary:"),
                t -> assertThat(t).startsWith("progress_state").contains("\u03943 running 2.0/12.0"),
                t -> assertThat(t).startsWith("progress[").endsWith(" 2/12 3"),
                t -> assertThat(t).startsWith("binary:"));
        assertThat(FrameShape.stepsBeforeInterrupt(recorded, late)).isEqualTo(2);
    }
}
