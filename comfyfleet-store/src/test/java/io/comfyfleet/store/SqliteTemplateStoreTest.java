package io.comfyfleet.store;

import io.comfyfleet.core.job.JobStore;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The workflow template contract on a real SQLite file. */
class SqliteTemplateStoreTest extends TemplateStoreContractTest {
    @TempDir
    static Path dir;
    private Path file;

    @Override
    protected JobStore openStore() {
        file = dir.resolve("jobs.db");
        return JobStores.openSqlite(file);
    }

    @Override
    protected JobStore reopen(JobStore store) {
        store.close();
        return JobStores.openSqlite(file);
    }
}
