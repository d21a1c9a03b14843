package io.comfyfleet.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SignalsTest {
    // the common pool has one thread on a 2-core machine: waiters need threads of their own
    private static final java.util.concurrent.ExecutorService THREADS =
            java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    private final Signals<String> signals = new Signals<>();

    @Test
    void aSignalBetweenWatchAndAwaitIsNotLost() throws Exception {
        try (var watch = signals.watch("ep")) {
            signals.signal("ep");
            assertThat(watch.await(Duration.ofSeconds(5))).isTrue();
            // consumed: the next await waits for a new signal
            assertThat(watch.await(Duration.ofMillis(20))).isFalse();
        }
    }

    @Test
    void wakesAWaiterOfThatKeyOnly() throws Exception {
        var other = CompletableFuture.supplyAsync(() -> awaitOn("other", Duration.ofMillis(300)), THREADS);
        var mine = CompletableFuture.supplyAsync(() -> awaitOn("ep", Duration.ofSeconds(10)), THREADS);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> signals.watchers("ep") == 1);
        signals.signal("ep");
        assertThat(mine.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(other.get(5, TimeUnit.SECONDS)).isFalse();
    }

    @Test
    void slotsGoAwayWhenNobodyWatches() {
        try (var a = signals.watch("k"); var b = signals.watch("k")) {
            assertThat(signals.watchers("k")).isEqualTo(2);
        }
        assertThat(signals.watchedKeys()).isZero();
        signals.signal("k"); // nobody listens: a no-op
        assertThat(signals.watchedKeys()).isZero();
    }

    private boolean awaitOn(String key, Duration timeout) {
        try (var watch = signals.watch(key)) {
            return watch.await(timeout);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
