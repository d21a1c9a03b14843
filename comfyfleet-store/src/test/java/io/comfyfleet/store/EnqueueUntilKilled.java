package io.comfyfleet.store;

import io.comfyfleet.core.job.JobStore;
import java.nio.file.Path;

/**
 * Child process of {@link SqliteCrashTest}: enqueues jobs one after another from several threads into the
 * SQLite file given as the argument, printing each id once {@code enqueue} has returned, until it is killed.
 */
public final class EnqueueUntilKilled {
    private EnqueueUntilKilled() {}

    public static void main(String[] args) throws Exception {
        JobStore store = JobStores.openSqlite(Path.of(args[0]));
        for (int t = 0; t < 4; t++) {
            int thread = t;
            Thread.ofPlatform().start(() -> {
                for (int i = 0; ; i++) {
                    String id = "k" + thread + "-" + i;
                    store.enqueue(TestJobs.job(id).build());
                    synchronized (System.out) {
                        System.out.println(id);
                        System.out.flush();
                    }
                }
            });
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
