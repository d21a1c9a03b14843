package io.comfyfleet.core.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobIdsTest {
    private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

    @Test
    void idsLookLikeRunPodsAndNeverRepeat() {
        JobIds ids = new JobIds();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = ids.next();
            assertThat(id).matches(UUID + "-u1");
            assertThat(JobIds.isWellFormed(id)).isTrue();
            assertThat(JobIds.isSync(id)).isFalse();
            assertThat(seen.add(id)).as("unique: " + id).isTrue();
        }
    }

    @Test
    void syncIdsArePrefixed() {
        String id = new JobIds("e2").nextSync();

        assertThat(id).matches("sync-" + UUID + "-e2");
        assertThat(JobIds.isSync(id)).isTrue();
        assertThat(JobIds.isWellFormed(id)).isTrue();
    }

    @Test
    void aBadSuffixIsRefused() {
        assertThatThrownBy(() -> new JobIds("U-1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("like u1");
        assertThatThrownBy(() -> new JobIds("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void wellFormedMeansUrlAndLogSafe() {
        assertThat(JobIds.isWellFormed("local_test")).isTrue();
        assertThat(JobIds.isWellFormed("a/b")).isFalse();
        assertThat(JobIds.isWellFormed("")).isFalse();
        assertThat(JobIds.isWellFormed(null)).isFalse();
        assertThat(JobIds.isWellFormed("x".repeat(129))).isFalse();
    }
}
