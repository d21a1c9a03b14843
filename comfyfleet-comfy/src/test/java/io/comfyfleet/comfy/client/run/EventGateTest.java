package io.comfyfleet.comfy.client.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.comfy.client.events.ComfyEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventGateTest {
    private final EventGate gate = new EventGate("p");

    private static ComfyEvent.ExecutionStart start(String id) {
        return new ComfyEvent.ExecutionStart(id, 1);
    }

    private static ComfyEvent.PreviewImage preview() {
        return new ComfyEvent.PreviewImage(ComfyEvent.ImageFormat.JPEG, new byte[0], null);
    }

    @Test
    void otherPromptsAndBroadcastsAreFilteredOut() {
        assertThat(gate.admit(start("other"))).isFalse();
        assertThat(gate.admit(new ComfyEvent.Status(1, null))).isFalse();
        assertThat(gate.admit(preview())).as("a preview before our start belongs to someone else").isFalse();
        assertThat(gate.admit(new ComfyEvent.Executing(null, "3", null))).isFalse();
    }

    @Test
    void eventsWithoutAnIdAreOursOnlyWhileOursRuns() {
        assertThat(gate.admit(start("p"))).isTrue();
        assertThat(gate.admit(preview())).isTrue();
        assertThat(gate.admit(new ComfyEvent.Text("3", "hello"))).isTrue();
        assertThat(gate.admit(new ComfyEvent.Executing(null, "3", null))).isTrue();
        assertThat(gate.admit(new ComfyEvent.ExecutionSuccess("p", 2))).isTrue();
        assertThat(gate.admit(preview())).isFalse();
    }

    @Test
    void historyReplayAfterLiveEventsAddsOnlyWhatWasMissed() {
        ComfyEvent.ExecutionCached cached = new ComfyEvent.ExecutionCached("p", List.of("1"), 1);
        assertThat(gate.admit(start("p"))).isTrue();
        assertThat(gate.admit(cached)).isTrue();
        assertThat(gate.admit(new ComfyEvent.Progress("p", "2", 1, 9))).isTrue();

        // the history entry's messages: start and cached again, then the terminal event
        assertThat(gate.admit(start("p"))).isFalse();
        assertThat(gate.admit(cached)).isFalse();
        assertThat(gate.admit(new ComfyEvent.ExecutionSuccess("p", 3))).isTrue();
        assertThat(gate.terminalSeen()).isTrue();
    }

    @Test
    void aMissedStartIsNotDeliveredAfterProgressAndNothingFollowsTheTerminal() {
        assertThat(gate.admit(new ComfyEvent.Progress("p", "2", 1, 9))).isTrue();
        assertThat(gate.admit(start("p"))).as("would arrive out of order").isFalse();
        ComfyEvent.ExecutionInterrupted end = new ComfyEvent.ExecutionInterrupted("p", "2", "X", List.of(), 4L);
        assertThat(gate.admit(end)).isTrue();
        assertThat(gate.admit(end)).isFalse();
        assertThat(gate.admit(new ComfyEvent.ExecutionSuccess("p", 5))).isFalse();
        assertThat(gate.admit(new ComfyEvent.Progress("p", "2", 2, 9))).isFalse();
    }

    @Test
    void blockedNoticeIsNotTerminalAndTheEndMarkerIsNotDelivered() {
        ComfyEvent.ExecutionError blocked = new ComfyEvent.ExecutionError("p", "5", "X", List.of(), "blocked",
                "ExecutionBlocked", List.of(), null, null, null);
        assertThat(gate.admit(start("p"))).isTrue();
        assertThat(gate.admit(blocked)).isTrue();
        assertThat(gate.terminalSeen()).isFalse();
        assertThat(gate.admit(new ComfyEvent.Executing("p", null, null))).isFalse();
        assertThat(gate.terminalSeen()).isFalse();
    }
}
