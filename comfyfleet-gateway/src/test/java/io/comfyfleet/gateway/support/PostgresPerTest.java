package io.comfyfleet.gateway.support;

import io.comfyfleet.testkit.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test of several gateways on one PostgreSQL: a fresh database per test (what one test counts, another must not
 * see: its own tables, leases and LISTEN/NOTIFY channels), on one embedded server per test class (a server start is
 * seconds on a busy machine, a new database a fraction of one), and the {@code store:} section that puts a
 * {@link TestGateway} on it.
 */
public abstract class PostgresPerTest {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres server;

    @TempDir
    protected Path dir;
    private String database;

    @BeforeAll
    static void startServer() throws Exception {
        server = TestPostgres.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void createDatabase() throws Exception {
        database = "test_" + DATABASES.incrementAndGet();
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
    }

    /** The {@code store:} section of a gateway on this test's database. */
    protected String storeYaml() {
        return "store: {type: postgres, url: \"" + server.getJdbcUrl("postgres", database) + "\", user: postgres}\n";
    }
}
