package io.comfyfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.core.job.JobStoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The group commit under the SQLite store, with a batch limit small enough that writes spill over. */
class SqliteDatabaseTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(60)
    void everyWriterGetsItsOwnResultWhenWritesSpillOverSeveralBatches() throws Exception {
        try (SqliteDatabase db = new SqliteDatabase(dir.resolve("t.db"), 2)) {
            db.write("create a table", Durability.SYNCED, c -> {
                try (Statement s = c.createStatement()) {
                    return s.executeUpdate("CREATE TABLE t (x INTEGER PRIMARY KEY)");
                }
            });
            int threads = 8;
            int each = 30;
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<List<Integer>>> results = new ArrayList<>();
            try {
                for (int t = 0; t < threads; t++) {
                    int base = t * 1000;
                    results.add(pool.submit(() -> {
                        start.await();
                        List<Integer> got = new ArrayList<>();
                        for (int i = 0; i < each; i++) {
                            int x = base + i;
                            Durability durability = x % 2 == 0 ? Durability.SYNCED : Durability.COMMITTED;
                            got.add(db.write("insert " + x, durability, c -> {
                                try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?)")) {
                                    ps.setInt(1, x);
                                    ps.executeUpdate();
                                    return x;
                                }
                            }));
                        }
                        return got;
                    }));
                }
                start.countDown();
                for (int t = 0; t < threads; t++) {
                    int base = t * 1000;
                    assertThat(results.get(t).get(50, TimeUnit.SECONDS))
                            .containsExactlyElementsOf(IntStream.range(base, base + each).boxed().toList());
                }
            } finally {
                pool.shutdownNow();
            }
            int rows = db.read("count", c -> {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
                    rs.next();
                    return rs.getInt(1);
                }
            });
            assertThat(rows).isEqualTo(threads * each);
        }
    }

    @Test
    void aWriteThatMustBeSyncedCommitsWithSynchronousFull() throws Exception {
        try (SqliteDatabase db = new SqliteDatabase(dir.resolve("t.db"))) {
            SqlWork<Integer> synchronousNow = c -> {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA synchronous")) {
                    rs.next();
                    return rs.getInt(1);
                }
            };
            int normal = 1;
            int full = 2;

            assertThat(db.write("look", Durability.SYNCED, synchronousNow)).isEqualTo(full);
            assertThat(db.write("look", Durability.COMMITTED, synchronousNow)).isEqualTo(normal);
            assertThat(db.write("look", Durability.COMMITTED, synchronousNow)).isEqualTo(normal);
            assertThat(db.write("look", Durability.SYNCED, synchronousNow)).isEqualTo(full);
        }
    }

    @Test
    void aFailedStatementIsReportedWithWhatWasAttemptedAndLeavesNothingBehind() throws Exception {
        try (SqliteDatabase db = new SqliteDatabase(dir.resolve("t.db"))) {
            db.write("create a table", Durability.SYNCED, c -> {
                try (Statement s = c.createStatement()) {
                    return s.executeUpdate("CREATE TABLE t (x INTEGER PRIMARY KEY)");
                }
            });

            assertThatThrownBy(() -> db.write("insert twice", Durability.SYNCED, c -> {
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("INSERT INTO t VALUES (1)");
                    return s.executeUpdate("INSERT INTO t VALUES (1)");
                }
            })).isInstanceOf(JobStoreException.class)
                    .hasMessageContaining("failed to insert twice")
                    .hasMessageContaining(dir.resolve("t.db").toString());

            int rows = db.read("count", c -> {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
                    rs.next();
                    return rs.getInt(1);
                }
            });
            assertThat(rows).as("the first insert of the failed write is rolled back").isZero();
        }
    }

    @Test
    @Timeout(60)
    void commitsNeverCheckpointAndTheCheckpointerCopiesTheLogIntoTheDatabaseOnItsOwn() throws Exception {
        Path file = dir.resolve("t.db");
        try (SqliteDatabase db = new SqliteDatabase(file)) {
            SqlWork<Integer> autoCheckpoint = c -> {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_autocheckpoint")) {
                    rs.next();
                    return rs.getInt(1);
                }
            };
            assertThat(db.write("look", Durability.COMMITTED, autoCheckpoint)).isZero();

            db.write("create a table", Durability.SYNCED, c -> {
                try (Statement s = c.createStatement()) {
                    return s.executeUpdate("CREATE TABLE t (x INTEGER PRIMARY KEY, pad BLOB)");
                }
            });
            long before = Files.size(file);
            // ~3 MB in 4 KB rows, one commit each: more than the 1,000 pages at which a commit would checkpoint
            for (int i = 0; i < 750; i++) {
                int x = i;
                db.write("insert " + x, Durability.SYNCED, c -> {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?, zeroblob(4000))")) {
                        ps.setInt(1, x);
                        return ps.executeUpdate();
                    }
                });
            }
            // only a checkpoint writes pages into the database file itself; the background one does it unasked
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Files.size(file) < before + 3_000_000L && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(Files.size(file)).isGreaterThan(before + 3_000_000L);
            assertThat(db.checkpointNow()).isZero();
        }
        try (SqliteDatabase reopened = new SqliteDatabase(file)) {
            int rows = reopened.read("count", c -> {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
                    rs.next();
                    return rs.getInt(1);
                }
            });
            assertThat(rows).isEqualTo(750);
        }
    }
}
