package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.JobPolicy;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.NewJob;
import io.comfyfleet.store.JobStores;
import io.comfyfleet.testkit.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code comfyfleet store copy} from a real SQLite file into a real (embedded) PostgreSQL, as an operator runs it. */
class StoreCommandTest {
    @TempDir
    Path dir;
    EmbeddedPostgres postgres;

    record Run(int exit, String out, String err) {}

    @BeforeEach
    void startPostgres() throws Exception {
        postgres = TestPostgres.start();
    }

    @AfterEach
    void stopPostgres() throws Exception {
        postgres.close();
    }

    @Test
    void copiesTheQueueIntoPostgresAndSaysWhatToDoNext() {
        Path file = dir.resolve("data/jobs.db");
        JobStore sqlite = JobStores.openSqlite(file);
        sqlite.enqueue(new NewJob("j1", "sdxl", "{\"workflow\":{}}", null, null,
                new JobPolicy(Duration.ofMinutes(10), Duration.ofHours(1), false), 3, Instant.now()));
        sqlite.close();

        Run run = copy(Map.of("PGPASSWORD", "postgres"), "--from", file.toString(), "--to", TestPostgres.url(postgres),
                "--user", "postgres");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("copied " + file + " into " + TestPostgres.url(postgres), "jobs 1",
                "password: ${PGPASSWORD}");
        JobStore pg = JobStores.openPostgres(TestPostgres.url(postgres), "postgres", "postgres");
        try {
            assertThat(pg.counts("sdxl").inQueue()).isEqualTo(1);
        } finally {
            pg.close();
        }
    }

    @Test
    void aWrongPasswordOrAMissingFileSaysSoAndCopiesNothing() {
        Run wrong = copy(Map.of("DB_PASS", "not-the-password"), "--from", dir.resolve("none.db").toString(), "--to",
                TestPostgres.url(postgres), "--user", "postgres", "--password-env", "DB_PASS");
        assertThat(wrong.exit()).isEqualTo(1);
        assertThat(wrong.err()).contains("comfyfleet store copy: there is no SQLite job store at");

        JobStores.openSqlite(dir.resolve("jobs.db")).close();
        Run refused = copy(Map.of("DB_PASS", "not-the-password"), "--from", dir.resolve("jobs.db").toString(), "--to",
                "jdbc:postgresql://127.0.0.1:1/comfyfleet", "--user", "postgres", "--password-env", "DB_PASS");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("cannot connect to PostgreSQL at jdbc:postgresql://127.0.0.1:1/comfyfleet",
                "nothing was copied");
    }

    private Run copy(Map<String, String> env, String... args) {
        StoreCommand.Copy command = new StoreCommand.Copy();
        command.env = env::get;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }
}
