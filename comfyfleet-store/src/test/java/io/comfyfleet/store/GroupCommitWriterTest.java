package io.comfyfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.core.job.JobStoreException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQLite group-commit writer on a real file: writes share commits, a commit that fails fails every write it
 * carried and leaves nothing behind, a full queue refuses with its numbers, and closing commits what was queued.
 * To put several writes into one batch, a first write holds the writer thread on a latch while the others queue.
 */
@Timeout(60)
class GroupCommitWriterTest {
    @TempDir
    Path dir;

    private Connection connection;
    private GroupCommitWriter writer;
    private final ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();
    private final CountDownLatch gateOpen = new CountDownLatch(1);

    @BeforeEach
    void open() throws SQLException {
        connection = SqliteDatabase.writerConfig().createConnection(SqliteDatabase.url(dir.resolve("t.db")));
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)");
            s.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)");
            // checked at COMMIT, not at the statement: the way to make a commit itself fail
            s.execute("CREATE TABLE child (id INTEGER PRIMARY KEY,"
                    + " parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)");
        }
    }

    @AfterEach
    void close() throws SQLException {
        gateOpen.countDown();
        if (writer != null) {
            writer.close();
        }
        callers.shutdownNow();
        connection.close();
    }

    private GroupCommitWriter writer(int maxBatch, int capacity, Duration admitWait) {
        writer = new GroupCommitWriter(connection, "test store", maxBatch, capacity, admitWait);
        return writer;
    }

    @Test
    void writesThatQueueWhileACommitRunsShareTheNextCommitAndEachGetsItsOwnResult() throws Exception {
        GroupCommitWriter w = writer(256, 1_000, Duration.ofSeconds(10));
        CompletableFuture<Integer> gate = holdTheWriter(w);
        List<CompletableFuture<Integer>> inserts = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            inserts.add(insertAsync(w, i, i % 2 == 0 ? Durability.SYNCED : Durability.COMMITTED));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> queued(w) == 50);
        long before = w.commits();
        gateOpen.countDown();

        assertThat(gate.get(10, TimeUnit.SECONDS)).isZero();
        for (int i = 1; i <= 50; i++) {
            assertThat(inserts.get(i - 1).get(10, TimeUnit.SECONDS)).isEqualTo(i);
        }
        assertThat(w.commits() - before).as("the gate's commit and one for the 50 queued writes").isEqualTo(2);
        assertThat(rowsIn("t")).isEqualTo(50);
    }

    @Test
    void aBatchLargerThanMaxBatchSpillsIntoFurtherCommits() throws Exception {
        GroupCommitWriter w = writer(4, 1_000, Duration.ofSeconds(10));
        CompletableFuture<Integer> gate = holdTheWriter(w);
        List<CompletableFuture<Integer>> inserts = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            inserts.add(insertAsync(w, i, Durability.SYNCED));
            int queuedSoFar = i;
            await().atMost(Duration.ofSeconds(10)).until(() -> queued(w) == queuedSoFar);
        }
        long before = w.commits();
        gateOpen.countDown();

        gate.get(10, TimeUnit.SECONDS);
        for (CompletableFuture<Integer> insert : inserts) {
            insert.get(10, TimeUnit.SECONDS);
        }
        assertThat(w.commits() - before).as("the gate's commit, then 4 + 4 + 2").isEqualTo(4);
        assertThat(rowsIn("t")).isEqualTo(10);
    }

    @Test
    void aWriteWhoseStatementFailsIsRolledBackAloneAndTheOthersOfItsBatchCommit() throws Exception {
        GroupCommitWriter w = writer(256, 1_000, Duration.ofSeconds(10));
        w.write("insert 7", Durability.SYNCED, insert(7));
        CompletableFuture<Integer> gate = holdTheWriter(w);
        CompletableFuture<Integer> before = insertAsync(w, 1, Durability.SYNCED);
        CompletableFuture<Integer> duplicate = insertAsync(w, 7, Durability.SYNCED);
        CompletableFuture<Integer> after = insertAsync(w, 2, Durability.SYNCED);
        await().atMost(Duration.ofSeconds(10)).until(() -> queued(w) == 3);
        gateOpen.countDown();

        gate.get(10, TimeUnit.SECONDS);
        assertThat(before.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(after.get(10, TimeUnit.SECONDS)).isEqualTo(2);
        assertThatThrownBy(() -> duplicate.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(JobStoreException.class)
                .hasMessageContaining("test store failed to insert 7")
                .hasMessageContaining("UNIQUE");
        assertThat(rowsIn("t")).isEqualTo(3);
    }

    @Test
    void aCommitThatFailsFailsEveryWriteItCarriedAndWritesNothingThenTheWriterGoesOn() throws Exception {
        GroupCommitWriter w = writer(256, 1_000, Duration.ofSeconds(10));
        CompletableFuture<Integer> gate = holdTheWriter(w);
        CompletableFuture<Integer> fine = insertAsync(w, 1, Durability.SYNCED);
        CompletableFuture<Integer> orphan = async(() -> w.write("insert an orphan", Durability.SYNCED, c -> {
            try (Statement s = c.createStatement()) {
                return s.executeUpdate("INSERT INTO child VALUES (1, 99)"); // no parent 99: fails at COMMIT
            }
        }));
        await().atMost(Duration.ofSeconds(10)).until(() -> queued(w) == 2);
        gateOpen.countDown();

        gate.get(10, TimeUnit.SECONDS);
        for (CompletableFuture<Integer> f : List.of(fine, orphan)) {
            assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(JobStoreException.class)
                    .hasMessageContaining("(with 1 other writes)")
                    .hasMessageContaining("FOREIGN KEY")
                    .hasMessageContaining("nothing of this commit was written");
        }
        assertThat(rowsIn("t")).isZero();
        assertThat(rowsIn("child")).isZero();

        assertThat(w.write("insert 2", Durability.SYNCED, insert(2))).isEqualTo(2);
        assertThat(rowsIn("t")).isEqualTo(1);
    }

    @Test
    void aWriteFindingTheQueueFullForTheAdmissionWaitIsRefusedWithTheQueuesNumbersAndNothingIsWritten()
            throws Exception {
        GroupCommitWriter w = writer(256, 2, Duration.ofMillis(200));
        CompletableFuture<Integer> gate = holdTheWriter(w);
        CompletableFuture<Integer> first = insertAsync(w, 1, Durability.SYNCED);
        CompletableFuture<Integer> second = insertAsync(w, 2, Durability.SYNCED);
        await().atMost(Duration.ofSeconds(10)).until(() -> queued(w) == 2);

        assertThatThrownBy(() -> w.write("insert 3", Durability.SYNCED, insert(3)))
                .isInstanceOf(JobStoreException.class)
                .hasMessageContaining("cannot insert 3: the writer's queue stayed full for 200 ms")
                .hasMessageContaining("2 writes waiting")
                .hasMessageContaining("Nothing was written");
        gateOpen.countDown();

        gate.get(10, TimeUnit.SECONDS);
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(rowsIn("t")).isEqualTo(2);
    }

    @Test
    void closingCommitsEveryWriteQueuedBeforeAndRefusesLaterOnes() throws Exception {
        GroupCommitWriter w = writer(256, 1_000, Duration.ofSeconds(10));
        CompletableFuture<Integer> gate = holdTheWriter(w);
        List<CompletableFuture<Integer>> inserts = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            inserts.add(insertAsync(w, i, Durability.SYNCED));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> queued(w) == 5);
        CompletableFuture<Void> closing = CompletableFuture.runAsync(w::close, callers);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThatThrownBy(() -> w.write("insert 6", Durability.SYNCED, insert(6)))
                        .isInstanceOf(JobStoreException.class)
                        .hasMessage("test store is closed: cannot insert 6 (nothing was written)"));
        gateOpen.countDown();

        closing.get(10, TimeUnit.SECONDS);
        gate.get(10, TimeUnit.SECONDS);
        for (int i = 1; i <= 5; i++) {
            assertThat(inserts.get(i - 1).get(10, TimeUnit.SECONDS)).isEqualTo(i);
        }
        assertThat(rowsIn("t")).isEqualTo(5);
    }

    @Test
    void aCallerInterruptedWhileItsWriteIsQueuedStillLearnsTheOutcomeAndKeepsItsInterrupt() throws Exception {
        GroupCommitWriter w = writer(256, 1_000, Duration.ofSeconds(10));
        CompletableFuture<Integer> gate = holdTheWriter(w);
        CompletableFuture<String> outcome = new CompletableFuture<>();
        Thread caller = Thread.ofPlatform().start(() -> {
            int x = w.write("insert 1", Durability.SYNCED, insert(1));
            outcome.complete("wrote " + x + ", interrupted " + Thread.currentThread().isInterrupted());
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> queued(w) == 1);
        caller.interrupt();
        gateOpen.countDown();

        gate.get(10, TimeUnit.SECONDS);
        assertThat(outcome.get(10, TimeUnit.SECONDS)).isEqualTo("wrote 1, interrupted true");
        assertThat(rowsIn("t")).isEqualTo(1);
    }

    @Test
    void aWriteMadeFromInsideAWriteIsRefusedInsteadOfWaitingForItself() {
        GroupCommitWriter w = writer(256, 1_000, Duration.ofSeconds(10));

        assertThatThrownBy(() -> w.write("outer", Durability.SYNCED,
                c -> w.write("inner", Durability.SYNCED, insert(1))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot be made from inside another write (inner)");
    }

    @Test
    void theOrderedListenerHearsTheResultBeforeTheCommitAndALaterWriteIsAppliedAfterIt() throws Exception {
        GroupCommitWriter w = writer(256, 1_000, Duration.ofSeconds(10));
        w.write("insert 7", Durability.SYNCED, insert(7));
        List<String> heard = java.util.Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Integer> laterWrite = new CompletableFuture<>();
        int result = w.write("insert 1", Durability.SYNCED, insert(1), x -> {
            // on the writer thread, before the commit: another connection cannot see the row yet
            heard.add(Thread.currentThread().getName() + " " + x + " visible=" + rowsInQuietly("t"));
            // what the listener sets going may write about it at once, and is applied after it
            callers.submit(() -> laterWrite.complete(w.write("update 1", Durability.SYNCED, c -> {
                try (Statement s = c.createStatement()) {
                    return s.executeUpdate("UPDATE t SET x = 2 WHERE x = 1");
                }
            })));
        });
        assertThat(result).isEqualTo(1);
        assertThat(heard).containsExactly("sqlite-writer 1 visible=1");
        assertThat(laterWrite.get(10, TimeUnit.SECONDS)).as("rows the later write changed").isEqualTo(1);

        // statements that fail: no word to the listener, the caller gets the failure
        assertThatThrownBy(() -> w.write("insert 7 again", Durability.SYNCED, insert(7), x -> heard.add("duplicate")))
                .isInstanceOf(JobStoreException.class).hasMessageContaining("UNIQUE");
        // a listener that throws does not undo its write
        assertThat(w.write("insert 3", Durability.SYNCED, insert(3), x -> {
            throw new IllegalStateException("listener bug");
        })).isEqualTo(3);
        assertThat(heard).hasSize(1);
        assertThat(rowsIn("t")).isEqualTo(3); // 7, 2 (was 1), 3
    }

    private int rowsInQuietly(String table) {
        try {
            return rowsIn(table);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A write that keeps the writer thread until the gate opens; answers once its commit is done. */
    private CompletableFuture<Integer> holdTheWriter(GroupCommitWriter w) {
        CountDownLatch holding = new CountDownLatch(1);
        CompletableFuture<Integer> gate = async(() -> w.write("hold the writer", Durability.SYNCED, c -> {
            holding.countDown();
            try {
                gateOpen.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 0;
        }));
        await().atMost(Duration.ofSeconds(10)).until(() -> holding.getCount() == 0);
        return gate;
    }

    private CompletableFuture<Integer> insertAsync(GroupCommitWriter w, int x, Durability durability) {
        return async(() -> w.write("insert " + x, durability, insert(x)));
    }

    private static SqlWork<Integer> insert(int x) {
        return c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?)")) {
                ps.setInt(1, x);
                ps.executeUpdate();
                return x;
            }
        };
    }

    private CompletableFuture<Integer> async(java.util.function.Supplier<Integer> call) {
        return CompletableFuture.supplyAsync(call, callers);
    }

    /** Writes waiting in the writer's queue (the held write is on the writer thread, not in the queue). */
    private static int queued(GroupCommitWriter w) {
        return w.queued();
    }

    /** Counts the rows on a connection of its own, so only committed rows count. */
    private int rowsIn(String table) throws SQLException {
        try (Connection c = SqliteDatabase.writerConfig().createConnection(SqliteDatabase.url(dir.resolve("t.db")));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
