package io.comfyfleet.gateway.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.endpoint.InMemoryEndpointSettings;
import io.comfyfleet.core.endpoint.RolloutStatus;
import io.comfyfleet.core.endpoint.RolloutStatus.State;
import io.comfyfleet.testkit.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RolloutTargetVersionTest {
    private final SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final InMemoryEndpointSettings settings = new InMemoryEndpointSettings();
    private final AtomicReference<String> latest = new AtomicReference<>();
    private final RolloutTargetVersion current = new RolloutTargetVersion(settings,
            e -> Optional.ofNullable(latest.get()), clock, Duration.ofSeconds(2));

    private void rollout(State state, String from, String to) {
        settings.saveRollout(new RolloutStatus("ep", state, from, to, clock.instant(), 1, 1, 0, 0,
                state == State.HALTED ? "workers failed" : null, clock.instant()));
    }

    @Test
    void without_a_rollout_the_latest_reported_version_is_current() {
        latest.set("v1");
        assertThat(current.of("ep")).contains("v1");
        latest.set(null);
        assertThat(current.of("ep")).isEmpty();
    }

    @Test
    void a_rolling_or_done_rollout_makes_its_target_current_even_before_a_worker_of_it_reported() {
        latest.set("v1");
        rollout(State.ROLLING, "v1", "v2");
        assertThat(current.of("ep")).contains("v2");
        rollout(State.DONE, "v1", "v2");
        clock.advance(Duration.ofSeconds(2));
        assertThat(current.of("ep")).contains("v2");
    }

    @Test
    void a_halted_rollout_leaves_the_version_it_replaces_current() {
        latest.set("v2");
        rollout(State.HALTED, "v1", "v2");
        assertThat(current.of("ep")).contains("v1");
        rollout(State.HALTED, null, "v2");
        clock.advance(Duration.ofSeconds(2));
        assertThat(current.of("ep")).as("no version before it: the latest reported").contains("v2");
    }

    @Test
    void the_store_is_read_again_only_after_the_refresh() {
        rollout(State.ROLLING, "v1", "v2");
        assertThat(current.of("ep")).contains("v2");
        rollout(State.ROLLING, "v2", "v3");
        assertThat(current.of("ep")).as("within the refresh").contains("v2");
        clock.advance(Duration.ofSeconds(2));
        assertThat(current.of("ep")).contains("v3");
    }
}
