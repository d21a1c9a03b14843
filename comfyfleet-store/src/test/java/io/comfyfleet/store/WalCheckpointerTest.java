package io.comfyfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real SQLite file, wired as {@link SqliteDatabase} wires it: the group-commit writer committing without pause,
 * as under a steady stream of {@code /run}, and the checkpointer beside it.
 */
class WalCheckpointerTest {
    private static final int ROWS = 3_000;
    @TempDir
    Path dir;

    /** Commits ROWS rows of ~4 KB, one per batch, back to back; answers the log file's largest size seen. */
    private long writeWithoutPause(Path db, int restartFrames) throws Exception {
        try (Connection writer = SqliteDatabase.writerConfig().createConnection(SqliteDatabase.url(db))) {
            try (Statement s = writer.createStatement()) {
                s.execute("PRAGMA wal_autocheckpoint = 0");
                s.execute("PRAGMA journal_size_limit = 1048576");
                s.execute("CREATE TABLE t (x INTEGER PRIMARY KEY, pad BLOB)");
            }
            Connection own = SqliteDatabase.writerConfig().createConnection(SqliteDatabase.url(db));
            Path wal = Path.of(db + "-wal");
            long largest = 0;
            try (WalCheckpointer checkpointer = new WalCheckpointer(own, Duration.ofMillis(20), restartFrames);
                 GroupCommitWriter writes = new GroupCommitWriter(writer, "test store", 16, 64, Duration.ofSeconds(5))) {
                writes.betweenBatches(c -> {
                    checkpointer.restartIfAsked(c);
                    return null;
                });
                for (int i = 0; i < ROWS; i++) {
                    int x = i;
                    writes.write("insert " + x, Durability.SYNCED, c -> {
                        try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?, zeroblob(4000))")) {
                            ps.setInt(1, x);
                            return ps.executeUpdate();
                        }
                    });
                    if (i % 50 == 0 && Files.exists(wal)) {
                        largest = Math.max(largest, Files.size(wal));
                    }
                }
            }
            return largest;
        }
    }

    @Test
    @Timeout(120)
    void aLogThatCommitsNeverLetRestIsStartedOverByTheWriterOncePastItsLimit() throws Exception {
        // each commit appends ~2 frames of 4 KB: ~24 MB of log for the whole run if it never starts over
        long unbounded = writeWithoutPause(dir.resolve("never.db"), Integer.MAX_VALUE);
        long bounded = writeWithoutPause(dir.resolve("restart.db"), 500);

        assertThat(unbounded).as("PASSIVE rounds alone: the log keeps growing").isGreaterThan(15_000_000L);
        assertThat(bounded).as("started over past 500 frames (~2 MB) and trimmed to 1 MB by the writer")
                .isLessThan(6_000_000L);
    }
}
