package io.comfyfleet.common.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real processes: a shell that starts a {@code sleep} and waits for it. */
class ProcessTreeTest {
    private final List<ProcessHandle> started = new ArrayList<>();

    @AfterEach
    void killEverything() {
        started.forEach(p -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        });
    }

    @Test
    void terminateAllEndsTheRootAndItsChildrenWithTerm() throws IOException {
        ProcessHandle shell = shell("sleep 60 & wait");
        ProcessHandle sleep = onlyChild(shell);

        ProcessTree.Ending ending = new ProcessTree(shell).terminateAll(Duration.ofSeconds(10));

        assertThat(ending.neededKill()).isFalse();
        assertThat(ending.survivors()).isEmpty();
        assertThat(shell.isAlive()).isFalse();
        assertThat(sleep.isAlive()).isFalse();
    }

    @Test
    void terminateAllKillsWhatIgnoresTermAfterTheGrace() throws IOException {
        // an ignored signal stays ignored in the children, so the sleep ignores TERM too
        ProcessHandle shell = shell("trap '' TERM; sleep 60 & wait");
        ProcessHandle sleep = onlyChild(shell);

        ProcessTree.Ending ending = new ProcessTree(shell).terminateAll(Duration.ofMillis(300));

        assertThat(ending.killed()).containsExactlyInAnyOrder(shell, sleep);
        assertThat(ending.survivors()).isEmpty();
        assertThat(shell.isAlive()).isFalse();
        assertThat(sleep.isAlive()).isFalse();
    }

    @Test
    void terminateSignalsTheRootOnlyAndTheRememberedChildrenAreKilledAfterIt() throws IOException {
        ProcessHandle shell = shell("sleep 60 & wait");
        ProcessHandle sleep = onlyChild(shell);
        ProcessTree tree = new ProcessTree(shell);

        tree.terminate();
        await().atMost(Duration.ofSeconds(10)).until(() -> !shell.isAlive());

        assertThat(sleep.isAlive()).as("re-parented, no longer the shell's descendant").isTrue();
        assertThat(shell.descendants()).isEmpty();
        tree.killLeftovers();
        await().atMost(Duration.ofSeconds(10)).until(() -> !sleep.isAlive());
    }

    @Test
    void killEndsTheRootAndEveryDescendantAtOnce() throws IOException {
        ProcessHandle shell = shell("trap '' TERM; sleep 60 & wait");
        ProcessHandle sleep = onlyChild(shell);

        new ProcessTree(shell).kill();

        await().atMost(Duration.ofSeconds(10)).until(() -> !shell.isAlive() && !sleep.isAlive());
    }

    private ProcessHandle shell(String script) throws IOException {
        ProcessHandle handle = new ProcessBuilder("sh", "-c", script).start().toHandle();
        started.add(handle);
        return handle;
    }

    private static ProcessHandle onlyChild(ProcessHandle shell) {
        await().atMost(Duration.ofSeconds(10)).until(() -> shell.descendants().count() == 1);
        return shell.descendants().findFirst().orElseThrow();
    }
}
