package io.comfyfleet.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobPolicy;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.gateway.config.WebhookSettings;
import io.comfyfleet.gateway.webhook.WebhookSender;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Listeners (metrics, dashboard) hear every change, and one that fails never fails the change or the others. */
class JobListenerTest {
    final WebhookSender webhooks = new WebhookSender(new WebhookSettings(1, Duration.ofMillis(1), Duration.ofSeconds(1), true),
            Clock.systemUTC());
    final JobEvents events = new JobEvents(webhooks, Map.of(), Clock.systemUTC());
    final List<String> heard = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        webhooks.close();
    }

    @Test
    void aFailingListenerDoesNotStopTheChangeOrTheNextListener() {
        events.listen(new JobListener() {
            @Override
            public void changed(Job job) {
                throw new IllegalStateException("broken onlooker");
            }

            @Override
            public void progressed(String jobId, String outputJson) {
                throw new IllegalStateException("broken onlooker");
            }
        });
        events.listen(new JobListener() {
            @Override
            public void taken(Job job) {
                heard.add("taken " + job.id());
            }

            @Override
            public void changed(Job job) {
                heard.add("changed " + job.id() + " " + job.state());
            }

            @Override
            public void progressed(String jobId, String outputJson) {
                heard.add("progressed " + jobId + " " + outputJson);
            }
        });

        assertThatCode(() -> {
            events.taken(job(JobState.IN_PROGRESS));
            events.progressed("j1", "{\"percent\":1}");
            events.changed(job(JobState.COMPLETED));
        }).doesNotThrowAnyException();

        assertThat(heard).containsExactly("taken j1", "progressed j1 {\"percent\":1}", "changed j1 COMPLETED");
    }

    private static Job job(JobState state) {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        return new Job("j1", "ep1", state, "{}", null, null, new JobPolicy(Duration.ofMinutes(10), Duration.ofHours(1), false),
                1, null, null, "w1", 0, t, t, state.isTerminal() ? t : null, null, t.plus(Duration.ofHours(1)));
    }
}
