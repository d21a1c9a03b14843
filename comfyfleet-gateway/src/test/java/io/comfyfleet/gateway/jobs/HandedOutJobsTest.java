package io.comfyfleet.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobPolicy;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.gateway.config.WebhookSettings;
import io.comfyfleet.gateway.webhook.WebhookSender;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the gateway remembers of the jobs it handed to workers, and when it forgets them. */
class HandedOutJobsTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void aJobIsLiveForItsOwnEndpointUntilItExpires() {
        HandedOutJobs jobs = new HandedOutJobs();
        jobs.handedOut(job("j1", "ep1", JobState.IN_PROGRESS, T0.plusSeconds(60)), T0);

        assertThat(jobs.isLiveOf("j1", "ep1", T0.plusSeconds(59))).isTrue();
        assertThat(jobs.isLiveOf("j1", "ep2", T0)).isFalse();
        assertThat(jobs.isLiveOf("j1", "ep1", T0.plusSeconds(60))).isFalse();
        assertThat(jobs.isLiveOf("j2", "ep1", T0)).isFalse();
        jobs.forget("j1");
        assertThat(jobs.isLiveOf("j1", "ep1", T0)).isFalse();
    }

    @Test
    void expiredJobsThatNeverReportedBackArePruned() {
        HandedOutJobs jobs = new HandedOutJobs();
        jobs.handedOut(job("old", "ep1", JobState.IN_PROGRESS, T0.plusSeconds(10)), T0);
        Instant later = T0.plusSeconds(11);
        for (int i = 1; i < HandedOutJobs.PRUNE_EVERY; i++) {
            jobs.handedOut(job("j" + i, "ep1", JobState.IN_PROGRESS, later.plusSeconds(3600)), later);
        }
        assertThat(jobs.size()).isEqualTo(HandedOutJobs.PRUNE_EVERY - 1);
        assertThat(jobs.isLiveOf("j1", "ep1", later)).isTrue();
    }

    @Test
    void anyAnnouncedChangeForgetsTheJob() {
        WebhookSender webhooks = new WebhookSender(new WebhookSettings(1, Duration.ofMillis(1), Duration.ofSeconds(1),
                true), Clock.systemUTC());
        try {
            JobEvents events = new JobEvents(webhooks, Map.of(), Clock.systemUTC());
            for (JobState state : new JobState[] {JobState.CANCELLED, JobState.IN_QUEUE, JobState.TIMED_OUT}) {
                events.handedOut().handedOut(job("j1", "ep1", JobState.IN_PROGRESS, T0.plusSeconds(60)), T0);
                events.changed(job("j1", "ep1", state, T0.plusSeconds(60)));
                assertThat(events.handedOut().isLiveOf("j1", "ep1", T0)).as(state.name()).isFalse();
            }
        } finally {
            webhooks.close();
        }
    }

    private static Job job(String id, String endpoint, JobState state, Instant expiresAt) {
        return new Job(id, endpoint, state, "{}", null, null, new JobPolicy(Duration.ofMinutes(10), Duration.ofHours(1), false),
                1, null, null, "w1", 0, T0, T0, state.isTerminal() ? T0 : null, null, expiresAt);
    }
}
