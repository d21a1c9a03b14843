package io.comfyfleet.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobPolicy;
import io.comfyfleet.core.job.JobState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * A job's version is the event id clients send back as {@code Last-Event-ID}, also to a gateway restarted on
 * a newer build: it must stay the checksum of output NUL error NUL worker NUL retries, and follow what a
 * follower can see.
 */
class JobFeedVersionTest {
    @Test
    void theVersionIsTheChecksumOfTheVisibleFieldsJoinedByNul() {
        Job job = job(JobState.IN_PROGRESS, "{\"step\":\"\u00e9\u4e2d 3\"}", null, "w1", 2);
        CRC32 joined = new CRC32();
        joined.update(("{\"step\":\"\u00e9\u4e2d 3\"}" + "\u0000" + null + "\u0000" + "w1" + "\u0000" + 2)
                .getBytes(StandardCharsets.UTF_8));
        assertThat(JobFeed.version(job)).isEqualTo("IN_PROGRESS." + Long.toHexString(joined.getValue()));
    }

    @Test
    void theVersionChangesWithWhatAFollowerSeesAndNotWithTime() {
        Job job = job(JobState.IN_PROGRESS, "{\"step\":1}", null, "w1", 0);
        assertThat(JobFeed.Versioned.of(job).version()).isEqualTo(JobFeed.version(job));
        assertThat(JobFeed.version(job(JobState.IN_PROGRESS, "{\"step\":2}", null, "w1", 0))).isNotEqualTo(JobFeed.version(job));
        assertThat(JobFeed.version(job(JobState.IN_PROGRESS, "{\"step\":1}", null, "w1", 1))).isNotEqualTo(JobFeed.version(job));
        assertThat(JobFeed.version(job(JobState.FAILED, "{\"step\":1}", "boom", "w1", 0))).startsWith("FAILED.");
        // the fields are kept apart: moving text from one to the next is another version
        assertThat(JobFeed.version(job(JobState.IN_PROGRESS, "a", "b", "w1", 0)))
                .isNotEqualTo(JobFeed.version(job(JobState.IN_PROGRESS, "ab", null, "w1", 0)));
    }

    private static Job job(JobState state, String output, String error, String worker, int retries) {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        return new Job("j1", "ep1", state, "{}", null, null, new JobPolicy(Duration.ofMinutes(10), Duration.ofHours(1), false),
                1, output, error, worker, retries, t, t, state.isTerminal() ? t : null, null, t.plus(Duration.ofHours(1)));
    }
}
