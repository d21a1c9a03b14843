package io.comfyfleet.gateway.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobPolicy;
import io.comfyfleet.core.job.JobState;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The latest preview frame per running job: kept across frame-less updates, dropped when the job stops, bounded. */
class LivePreviewsTest {
    static final String FRAME = "data:image/jpeg;base64,/9j/4AAQ";
    final LivePreviews previews = new LivePreviews();

    @Test
    void aFrameStaysUntilANewOneArrives() {
        previews.progressed("j1", "{\"percent\":5,\"preview\":\"" + FRAME + "\"}");
        previews.progressed("j1", "{\"percent\":50}");
        assertThat(previews.of("j1")).contains(FRAME);

        previews.progressed("j1", "{\"percent\":60,\"preview\":\"data:image/png;base64,iVBORw0K\"}");
        assertThat(previews.of("j1")).contains("data:image/png;base64,iVBORw0K");
    }

    @Test
    void onlyInlineImagesAreKept() {
        previews.progressed("j1", "{\"preview\":\"https://example.com/x.jpg\"}");
        previews.progressed("j2", "{\"preview\":\"data:text/html;base64,PGgxPg==\"}");
        previews.progressed("j3", "{\"preview\":{\"not\":\"text\"}}");
        previews.progressed("j4", null);

        assertThat(previews.of("j1")).isEmpty();
        assertThat(previews.of("j2")).isEmpty();
        assertThat(previews.of("j3")).isEmpty();
        assertThat(previews.of("j4")).isEmpty();
    }

    @Test
    void aJobThatStopsRunningLosesItsFrame() {
        previews.progressed("j1", "{\"preview\":\"" + FRAME + "\"}");
        previews.changed(job("j1", JobState.IN_PROGRESS));
        assertThat(previews.of("j1")).contains(FRAME);

        previews.changed(job("j1", JobState.COMPLETED));
        assertThat(previews.of("j1")).isEmpty();
    }

    @Test
    void holdsAtMostMaxJobsDroppingTheOldest() {
        for (int i = 0; i <= LivePreviews.MAX_JOBS; i++) {
            previews.progressed("j" + i, "{\"preview\":\"" + FRAME + "\"}");
        }

        assertThat(previews.of("j0")).isEmpty();
        assertThat(previews.of("j1")).contains(FRAME);
        assertThat(previews.of("j" + LivePreviews.MAX_JOBS)).contains(FRAME);
    }

    private static Job job(String id, JobState state) {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        return new Job(id, "ep1", state, "{}", null, null, new JobPolicy(Duration.ofMinutes(10), Duration.ofHours(1), false), 1,
                null, null, "w1", 0, t, t, state.isTerminal() ? t : null, null, t.plus(Duration.ofHours(1)));
    }
}
