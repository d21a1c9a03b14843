package io.comfyfleet.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.testkit.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerRegistryTest {
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    private final SettableClock clock = new SettableClock(t0);
    private final WorkerRegistry registry = new WorkerRegistry(clock, Duration.ofSeconds(60));

    @Test
    void tracksJobsAndIdleSinceForTheAutoscaler() {
        registry.askedForJobs("ep", "w1", false);
        assertThat(registry.snapshot("ep").get("w1")).isEqualTo(new WorkerSnapshot(0, t0, t0, false, false));

        clock.advance(Duration.ofSeconds(5));
        registry.gaveJobs("ep", "w1", List.of("j1"));
        registry.stoppedAsking("ep", "w1");
        assertThat(registry.snapshot("ep").get("w1"))
                .isEqualTo(new WorkerSnapshot(1, t0.plusSeconds(5), null, false, false));

        clock.advance(Duration.ofSeconds(5));
        registry.finished("ep", "w1", "j1");
        registry.stopRequested("ep", "w1");
        assertThat(registry.snapshot("ep").get("w1"))
                .isEqualTo(new WorkerSnapshot(0, t0.plusSeconds(10), t0.plusSeconds(10), false, true));
        assertThat(registry.snapshot("other")).isEmpty();
    }

    @Test
    void theLastWorkerThatGaveUpIsShownForHalfAnHourItsReasonCut() {
        registry.gaveUp("ep", "w1", "comfyui_start", "ComfyUI did not start: port 8188 is in use");
        clock.advance(Duration.ofMinutes(1));
        registry.gaveUp("ep", "w2", "comfyui_crash_loop", "x".repeat(WorkerFailure.MAX_REASON + 20));
        registry.gaveUp("ep", "w3", "", " "); // nothing to show: the earlier reason stays

        WorkerFailure last = registry.lastFailure("ep").orElseThrow();
        assertThat(last.workerId()).isEqualTo("w2");
        assertThat(last.check()).isEqualTo("comfyui_crash_loop");
        assertThat(last.reason()).hasSize(WorkerFailure.MAX_REASON + 1).endsWith("x…");
        assertThat(last.at()).isEqualTo(t0.plus(Duration.ofMinutes(1)));
        assertThat(registry.lastFailure("other")).isEmpty();
        registry.gaveUp("ep2", "w4", null, "ComfyUI exited with code 1:\n  Traceback\n  Error: x\n");
        assertThat(registry.lastFailure("ep2").orElseThrow().reason()).isEqualTo("ComfyUI exited with code 1: | Traceback | Error: x");
        // a check of any length (an 8 KB query parameter) is kept as a name, cut like the reason
        registry.gaveUp("ep3", "w5", "c".repeat(8000), "x");
        assertThat(registry.lastFailure("ep3").orElseThrow().check()).hasSize(WorkerFailure.MAX_CHECK + 1).endsWith("c…");

        clock.advance(WorkerRegistry.FAILURE_SHOWN_FOR);
        assertThat(registry.lastFailure("ep")).isPresent();
        clock.advance(Duration.ofSeconds(1));
        assertThat(registry.lastFailure("ep")).isEmpty();
    }

    @Test
    void aWorkerItsProviderKnowsIsGoneLeavesTheVersionsAsItLeavesTheCounts() {
        registry.askedForJobs("ep", "w1", false, "v1");
        registry.stoppedAsking("ep", "w1");
        registry.askedForJobs("ep", "w2", false, "v1");
        registry.stoppedAsking("ep", "w2");
        assertThat(registry.versions("ep")).containsExactly(java.util.Map.entry("v1", 2));

        // w2 was killed a moment after its last call: well within the liveness window, its provider knows it exited
        registry.provisioning(endpoint -> new ProvisionedCounts(0, 0, 1, java.util.Set.of("w2")));

        assertThat(registry.counts("ep").ready()).isEqualTo(1);
        assertThat(registry.versions("ep")).containsExactly(java.util.Map.entry("v1", 1));
    }

    @Test
    void aWorkerWaitingInAJobTakeStaysLiveAndSilentOnesDropOut() {
        registry.askedForJobs("ep", "waiting", false);
        registry.askedForJobs("ep", "gone", false);
        registry.stoppedAsking("ep", "gone");
        registry.pinged("ep", "sick", List.of(), true);
        registry.pinged("ep", "busy", List.of("j1", "j2"), false);
        assertThat(registry.counts("ep")).isEqualTo(new WorkerCounts(2, 0, 3, 1, 0, 1));

        clock.advance(Duration.ofSeconds(61));
        // only the worker parked in its long-poll is still live
        assertThat(registry.counts("ep")).isEqualTo(new WorkerCounts(1, 0, 1, 0, 0, 0));
        assertThat(registry.snapshot("ep").get("waiting").lastSeen()).isEqualTo(clock.instant());
    }

    @Test
    void workersHeardAtOtherGatewaysCountAndTheLaterSightingWins() {
        WorkerRegistry other = new WorkerRegistry(clock, Duration.ofSeconds(60));
        other.askedForJobs("ep", "far", false, "local-aaaaaaaaaaaa");
        other.askedForJobs("ep", "both", false, "v2");
        registry.askedForJobs("ep", "near", false, "local-aaaaaaaaaaaa");
        registry.stoppedAsking("ep", "near");
        registry.pinged("ep", "both", List.of("j1"), false);

        clock.advance(Duration.ofSeconds(1)); // the other gateway heard from "both" after this one did
        // the board keeps one record per worker, the latest: the other gateway's for "both"
        var records = new java.util.ArrayList<>(other.changedRecords("gw-b"));
        registry.changedRecords("gw-a").stream().filter(r -> !r.workerId().equals("both")).forEach(records::add);
        assertThat(other.changedRecords("gw-b")).as("only parked workers are written again when nothing changed")
                .extracting(io.comfyfleet.core.worker.WorkerRecord::workerId).containsExactlyInAnyOrder("far", "both");
        registry.heardElsewhere(records);

        assertThat(registry.counts("ep")).as("far and both idle (both as the other gateway heard it last), near idle")
                .isEqualTo(new WorkerCounts(3, 0, 3, 0, 0, 0));
        assertThat(registry.versions("ep")).containsExactly(java.util.Map.entry("local-aaaaaaaaaaaa", 2),
                java.util.Map.entry("v2", 1));
        assertThat(registry.snapshot("ep").get("far").lastSeen()).isEqualTo(clock.instant());

        clock.advance(Duration.ofSeconds(61));
        registry.heardElsewhere(List.of());
        assertThat(registry.counts("ep")).as("nothing heard for the liveness window").isEqualTo(new WorkerCounts(0, 0, 0, 0, 0, 0));
    }

    @Test
    void aWorkerFirstHeardAtAnotherGatewayIsToldOnceWithWhenItWasFirstHeard() {
        List<String> told = new java.util.ArrayList<>();
        registry.onHeardElsewhere((endpoint, workerId, firstSeen) -> told.add(endpoint + "/" + workerId + "@"
                + firstSeen.getEpochSecond()));
        WorkerRegistry other = new WorkerRegistry(clock, Duration.ofSeconds(60));
        registry.askedForJobs("ep", "near", false); // heard here first
        Instant started = t0.minusSeconds(20);

        registry.heardElsewhere(List.of(io.comfyfleet.core.worker.WorkerRecord.starting("ep", "far", "gw-b", started,
                t0, "v1")));
        assertThat(told).as("started elsewhere, heard by nobody yet").isEmpty();

        clock.advance(Duration.ofSeconds(2));
        other.askedForJobs("ep", "far", false, "v1");
        other.askedForJobs("ep", "near", false, "v1");
        List<io.comfyfleet.core.worker.WorkerRecord> round = other.changedRecords("gw-b");
        registry.heardElsewhere(round);
        assertThat(told).as("far, heard first by the other gateway 2 s in; near was heard here")
                .containsExactly("ep/far@" + t0.plusSeconds(2).getEpochSecond());

        clock.advance(Duration.ofSeconds(1));
        registry.heardElsewhere(round);
        assertThat(told).as("told once").hasSize(1);
    }
}
