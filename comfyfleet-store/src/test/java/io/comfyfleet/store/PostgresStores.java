package io.comfyfleet.store;

import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.testkit.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;

/**
 * An embedded PostgreSQL 18 for one test class, and the stores opened on it: each as a gateway opens its own, so one
 * opened second sees what the first wrote as another gateway would, and one opened again sees it after a restart.
 */
final class PostgresStores implements AutoCloseable {
    private final EmbeddedPostgres postgres;
    private final int poolSize;

    private PostgresStores(EmbeddedPostgres postgres, int poolSize) {
        this.postgres = postgres;
        this.poolSize = poolSize;
    }

    /** @param poolSize the connections each store opened here pools */
    static PostgresStores start(int poolSize) throws IOException {
        return new PostgresStores(TestPostgres.start(), poolSize);
    }

    /** A store on the database; the caller closes it. */
    JobStore open() {
        return JobStores.openPostgres(TestPostgres.url(postgres), "postgres", "postgres", poolSize);
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
