package io.comfyfleet.store;

import io.comfyfleet.core.job.JobStore;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Leases and the worker board on a real SQLite file (one gateway per file, so no second store races). */
class SqliteControlTablesTest extends ControlTablesContractTest {
    @TempDir
    static Path dir;

    @Override
    protected JobStore openStore() {
        return JobStores.openSqlite(dir.resolve("jobs.db"));
    }

    @Override
    protected JobStore openSecond() {
        return null;
    }
}
