package io.comfyfleet.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;

/** An embedded PostgreSQL 18 for tests, started from a Maven jar: one per test class or test, on its own port. */
public final class TestPostgres {
    private TestPostgres() {}

    /**
     * A test server need not survive power cuts: without fsync the suites' many small commits and per-test
     * deletions stop waiting for this shared machine's disk. (What the store asks of a real server, a synced
     * commit, is unchanged.)
     */
    public static EmbeddedPostgres start() throws IOException {
        return EmbeddedPostgres.builder()
                .setServerConfig("fsync", "off")
                .setServerConfig("full_page_writes", "off")
                .start();
    }

    /** The JDBC URL of its {@code postgres} database as user {@code postgres}. */
    public static String url(EmbeddedPostgres postgres) {
        return postgres.getJdbcUrl("postgres", "postgres");
    }
}
