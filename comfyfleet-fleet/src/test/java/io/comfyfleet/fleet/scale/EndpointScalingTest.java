package io.comfyfleet.fleet.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EndpointScalingTest {
    private static final Scaler DELAY = new Scaler.QueueDelay(Duration.ofSeconds(4));

    @Test
    void badSettingsNameTheKeyAndTheEndpoint() {
        assertThatThrownBy(() -> new EndpointScaling("ep", -1, 3, Duration.ZERO, DELAY))
                .isInstanceOf(InvalidScalingException.class)
                .hasMessageContaining("'ep'").hasMessageContaining("'minWorkers'").hasMessageContaining("-1")
                .extracting("key").isEqualTo("minWorkers");
        assertThatThrownBy(() -> new EndpointScaling("ep", 3, 2, Duration.ZERO, DELAY))
                .hasMessageContaining("'maxWorkers' must be at least minWorkers (3), got 2");
        assertThatThrownBy(() -> new EndpointScaling("ep", 0, 2, Duration.ofSeconds(-1), DELAY))
                .hasMessageContaining("'idleTimeout'");
        assertThatThrownBy(() -> new EndpointScaling("ep", 0, 2, null, DELAY)).hasMessageContaining("'idleTimeout'");
        assertThatThrownBy(() -> new EndpointScaling("ep", 0, 2, Duration.ZERO, null))
                .hasMessageContaining("QUEUE_DELAY").hasMessageContaining("REQUEST_COUNT");
        assertThatThrownBy(() -> new EndpointScaling("ep", 0, 2, Duration.ZERO, new Scaler.QueueDelay(Duration.ZERO)))
                .hasMessageContaining("'scaler.queueDelay' must be a positive duration");
        assertThatThrownBy(() -> new EndpointScaling("ep", 0, 2, Duration.ZERO, new Scaler.RequestCount(0)))
                .hasMessageContaining("'scaler.requestCount' must be 1 or more");
        assertThatThrownBy(() -> new EndpointScaling("e p/1", 0, 2, Duration.ZERO, DELAY))
                .hasMessageContaining("'endpoint'");
        assertThatThrownBy(() -> new EndpointScaling(null, 0, 2, Duration.ZERO, DELAY))
                .isInstanceOf(InvalidScalingException.class);
    }

    @Test
    void fromRunpodTypeAndValue() {
        assertThat(EndpointScaling.of("ep", 0, 3, Duration.ofSeconds(5), "QUEUE_DELAY", 0.5).scaler())
                .isEqualTo(new Scaler.QueueDelay(Duration.ofMillis(500)));
        assertThat(EndpointScaling.of("ep", 0, 3, Duration.ofSeconds(5), "request_count", 4).scaler())
                .isEqualTo(new Scaler.RequestCount(4));
        assertThatThrownBy(() -> EndpointScaling.of("ep", 0, 3, Duration.ZERO, "REQUEST_COUNT", 2.5))
                .isInstanceOf(InvalidScalingException.class).hasMessageContaining("'scaler.value'")
                .hasMessageContaining("whole number");
        assertThatThrownBy(() -> EndpointScaling.of("ep", 0, 3, Duration.ZERO, "QUEUE_DELAY", 0))
                .hasMessageContaining("'scaler.value'");
        assertThatThrownBy(() -> EndpointScaling.of("ep", 0, 3, Duration.ZERO, "QUEUE_DELAY", Double.NaN))
                .hasMessageContaining("'scaler.value'");
        assertThat(EndpointScaling.of("ep", 0, 3, Duration.ofSeconds(5), "TARGET_WAIT", 12.5).scaler())
                .isEqualTo(new Scaler.TargetWait(Duration.ofMillis(12_500)));
        assertThatThrownBy(() -> EndpointScaling.of("ep", 0, 3, Duration.ZERO, "TARGET_WAIT", 0))
                .hasMessageContaining("'scaler.value'").hasMessageContaining("seconds for TARGET_WAIT");
        assertThatThrownBy(() -> new EndpointScaling("ep", 0, 3, Duration.ZERO, new Scaler.TargetWait(Duration.ZERO)))
                .hasMessageContaining("'scaler.targetWait'");
        assertThatThrownBy(() -> EndpointScaling.of("ep", 0, 3, Duration.ZERO, "CPU", 1))
                .hasMessageContaining("'scaler.type' must be QUEUE_DELAY, REQUEST_COUNT, COLD_START_AWARE or TARGET_WAIT, got 'CPU'");
        assertThatThrownBy(() -> EndpointScaling.of("ep", 0, 3, Duration.ZERO, null, 1))
                .hasMessageContaining("'scaler.type'");
    }

    @Test
    void runpodDefaults() {
        EndpointScaling s = EndpointScaling.runpodDefaults("ep1");
        assertThat(s).isEqualTo(new EndpointScaling("ep1", 0, 3, Duration.ofSeconds(5), DELAY));
    }

    @Test
    void queueSnapshotInsistsOnAnOldestTimeExactlyWhenJobsWait() {
        assertThatThrownBy(() -> new QueueSnapshot(1, 0, null)).hasMessageContaining("oldestQueuedAt");
        assertThatThrownBy(() -> new QueueSnapshot(0, 0, Instant.EPOCH)).hasMessageContaining("oldestQueuedAt");
        assertThatThrownBy(() -> new QueueSnapshot(-1, 0, Instant.EPOCH)).hasMessageContaining("negative");
        assertThat(QueueSnapshot.empty()).isEqualTo(new QueueSnapshot(0, 0, null));
    }
}
