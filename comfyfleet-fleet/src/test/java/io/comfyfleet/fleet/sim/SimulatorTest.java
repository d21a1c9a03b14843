package io.comfyfleet.fleet.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.comfyfleet.fleet.scale.EndpointScaling;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tiny traces whose outcome can be worked out by hand: cold start 10 s, a pass every second, no model costs. */
class SimulatorTest {
    private static final SimSettings TEN_SECOND_START = new SimSettings(Duration.ofSeconds(1),
            new ColdStartModel.Fixed(10), 0, 0, 1);

    private static EndpointScaling queueDelay(int idleSeconds) {
        return EndpointScaling.of("ep", 0, 2, Duration.ofSeconds(idleSeconds), "QUEUE_DELAY", 1);
    }

    private static TraceJob job(double at, double seconds) {
        return new TraceJob(at, "ep", seconds, "m");
    }

    private static SimResult run(EndpointScaling scaling, TraceJob... jobs) {
        return new Simulator(TEN_SECOND_START).run(List.of(jobs), List.of(scaling));
    }

    @Test
    void oneJobOnAnIdleEndpointWaitsExactlyOneColdStart() {
        SimResult r = run(queueDelay(10), job(0, 5));

        assertThat(r.coldStarts()).isEqualTo(1);
        assertThat(r.jobs().getFirst().waited()).isCloseTo(10, within(1e-9));
        // ready at 10, done at 15, idle more than 10 s at the pass of 26: billed 0..26
        assertThat(r.workers().getFirst().stopped()).isCloseTo(26, within(1e-9));
        assertThat(r.gpuSeconds()).isCloseTo(26, within(1e-9));
    }

    @Test
    void aJobWithinTheIdleTimeoutReusesTheWarmWorker() {
        SimResult r = run(queueDelay(10), job(0, 5), job(20, 5));

        assertThat(r.coldStarts()).isEqualTo(1);
        assertThat(r.jobs()).extracting(SimResult.JobOutcome::waited).containsExactly(10.0, 0.0);
        assertThat(r.jobs().get(0).worker()).isEqualTo(r.jobs().get(1).worker());
        assertThat(r.gpuSeconds()).isCloseTo(36, within(1e-9)); // second job done at 25, stopped at 36
    }

    @Test
    void aJobAfterTheIdleTimeoutPaysAnotherColdStartAndGpuSecondsAreEveryWorkersStartToStop() {
        SimResult r = run(queueDelay(10), job(0, 5), job(40, 5));

        assertThat(r.coldStarts()).isEqualTo(2);
        assertThat(r.jobs()).extracting(SimResult.JobOutcome::waited).containsExactly(10.0, 10.0);
        assertThat(r.workers()).extracting(SimResult.WorkerLife::started).containsExactly(0.0, 40.0);
        assertThat(r.workers()).extracting(SimResult.WorkerLife::stopped).containsExactly(26.0, 66.0);
        assertThat(r.gpuSeconds()).isCloseTo(26 + 26, within(1e-9));
    }

    @Test
    void requestCountStartsOneWorkerPerJobInOnePass() {
        SimResult r = run(EndpointScaling.of("ep", 0, 2, Duration.ofSeconds(10), "REQUEST_COUNT", 1),
                job(0, 5), job(0, 5));

        assertThat(r.coldStarts()).isEqualTo(2);
        assertThat(r.jobs()).extracting(SimResult.JobOutcome::waited).containsExactly(10.0, 10.0);
    }

    @Test
    void targetWaitLetsAJobWaitForAStartingWorkerThatTakesItInTime() {
        // nothing measured yet: the scaler reckons with a 15 s cold start and 5 s jobs. At the pass of 2 the
        // starting worker is free for the first job in 13 s and for the second in 18 s, 19 s after it came
        TraceJob[] twoJobs = {job(0, 5), job(2, 5)};
        SimResult within20 = run(EndpointScaling.of("ep", 0, 2, Duration.ofSeconds(10), "TARGET_WAIT", 20), twoJobs);
        assertThat(within20.coldStarts()).isEqualTo(1);
        // the worker is ready at 10 and done with the first job at 15
        assertThat(within20.jobs()).extracting(SimResult.JobOutcome::waited).containsExactly(10.0, 13.0);

        SimResult within10 = run(EndpointScaling.of("ep", 0, 2, Duration.ofSeconds(10), "TARGET_WAIT", 10), twoJobs);
        assertThat(within10.coldStarts()).isEqualTo(2);
        assertThat(within10.jobs()).extracting(SimResult.JobOutcome::waited).containsExactly(10.0, 10.0);
    }

    @Test
    void queueDelayAddsASecondWorkerOnlyAfterTheDelay() {
        // the first worker is busy 10..40; the second job waits from 12; the pass at 14 sees it waited 2 s > 1 s
        SimResult r = run(queueDelay(10), job(0, 30), job(12, 5));

        assertThat(r.coldStarts()).isEqualTo(2);
        assertThat(r.workers().get(1).started()).isCloseTo(14, within(1e-9));
        assertThat(r.jobs().get(1).waited()).isCloseTo(12, within(1e-9)); // ready at 24
    }

    @Test
    void theFirstJobAndModelSwapsLengthenExecution() {
        SimSettings costs = TEN_SECOND_START.withJobCosts(6, 0.7);
        SimResult r = new Simulator(costs).run(List.of(new TraceJob(0, "ep", 1, "a"), new TraceJob(20, "ep", 1, "b")),
                List.of(queueDelay(30)));

        assertThat(r.jobs().get(0).done()).isCloseTo(10 + 1 + 6, within(1e-9));
        assertThat(r.jobs().get(1).done()).isCloseTo(20 + 1 + 0.7, within(1e-9));
    }

    @Test
    void anEndpointWithoutSettingsIsRefusedByName() {
        assertThatThrownBy(() -> new Simulator(TEN_SECOND_START).run(List.of(new TraceJob(0, "other", 1, "m")),
                List.of(queueDelay(10))))
                .hasMessageContaining("endpoint 'other', which has no scaling settings");
    }

    @Test
    void theSameSeedGivesTheSameRun() {
        SimSettings h100 = SimSettings.h100();
        List<TraceJob> trace = List.of(job(0, 3), job(30, 3), job(31, 3), job(200, 3));
        SimResult a = new Simulator(h100).run(trace, List.of(queueDelay(20)));
        SimResult b = new Simulator(h100).run(trace, List.of(queueDelay(20)));

        assertThat(a.summary()).isEqualTo(b.summary());
        assertThat(a.jobs().getFirst().waited()).isBetween(10.9, 14.9);
    }
}
