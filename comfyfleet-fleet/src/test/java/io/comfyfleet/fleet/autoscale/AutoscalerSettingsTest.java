package io.comfyfleet.fleet.autoscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.fleet.FleetConfigException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AutoscalerSettingsTest {
    private static final Duration S = Duration.ofSeconds(1);

    @Test
    void everyBadDurationIsNamed() {
        assertThatThrownBy(() -> new AutoscalerSettings(Duration.ZERO, S, S, S))
                .isInstanceOf(FleetConfigException.class).hasMessageContaining("'period'");
        assertThatThrownBy(() -> new AutoscalerSettings(S, Duration.ofSeconds(-1), S, S))
                .hasMessageContaining("'stopGrace'");
        assertThatThrownBy(() -> new AutoscalerSettings(S, S, null, S)).hasMessageContaining("'initTimeout'");
        assertThatThrownBy(() -> new AutoscalerSettings(S, S, S, Duration.ofMillis(-1)))
                .hasMessageContaining("'silenceLimit'");
        assertThat(AutoscalerSettings.defaults().initTimeout()).isEqualTo(Duration.ofMinutes(7));
    }

    @Test
    void workerActivityRejectsImpossibleReports() {
        assertThatThrownBy(() -> new WorkerActivity(-1, Instant.EPOCH, Instant.EPOCH, false, false))
                .hasMessageContaining("negative");
        assertThatThrownBy(() -> WorkerActivity.idle(Instant.EPOCH, null)).hasMessageContaining("idleSince");
        assertThatThrownBy(() -> WorkerActivity.busy(0, Instant.EPOCH)).hasMessageContaining("1 job or more");
        assertThat(WorkerActivity.busy(2, Instant.EPOCH).jobsInProgress()).isEqualTo(2);
    }
}
