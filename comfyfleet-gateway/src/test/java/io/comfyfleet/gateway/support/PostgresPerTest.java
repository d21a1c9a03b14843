package io.comfyfleet.gateway.support;

import io.comfyfleet.testkit.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test of several gateways on one PostgreSQL: a fresh embedded database per test (what one test counts, another
 * must not see), and the {@code store:} section that puts a {@link TestGateway} on it.
 */
public abstract class PostgresPerTest {
    @TempDir
    protected Path dir;
    protected EmbeddedPostgres postgres;

    @BeforeEach
    void startDatabase() throws Exception {
        postgres = TestPostgres.start();
    }

    @AfterEach
    void stopDatabase() throws Exception {
        postgres.close();
    }

    /** The {@code store:} section of a gateway on this test's database. */
    protected String storeYaml() {
        return "store: {type: postgres, url: \"" + TestPostgres.url(postgres) + "\", user: postgres}\n";
    }
}
