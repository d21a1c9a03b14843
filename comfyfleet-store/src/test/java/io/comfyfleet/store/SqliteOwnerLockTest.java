package io.comfyfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.JobStoreException;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One gateway per SQLite file: a second store on the same file is refused with what to do instead. */
class SqliteOwnerLockTest {
    @TempDir
    Path dir;

    @Test
    void aSecondStoreOnTheSameFileIsRefusedUntilTheFirstCloses() {
        Path file = dir.resolve("jobs.db");
        JobStore first = JobStores.openSqlite(file);
        try {
            assertThatThrownBy(() -> JobStores.openSqlite(file)).isInstanceOf(JobStoreException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining("already in use by another gateway (pid " + ProcessHandle.current().pid())
                    .hasMessageContaining("use PostgreSQL");
            assertThat(first.counts("ep").inQueue()).as("the first store is untouched").isZero();
        } finally {
            first.close();
        }
        try (JobStore again = JobStores.openSqlite(file)) {
            assertThat(again.find("none", Instant.EPOCH)).isEmpty();
        }
    }
}
