package io.comfyfleet.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A durable embedded PostgreSQL 18 for benchmarks ({@code scripts/bench-submit.sh}), so a PostgreSQL run needs
 * no server installed by hand. Unlike {@link TestPostgres}, every commit is synced ({@code fsync},
 * {@code synchronous_commit} and {@code full_page_writes} on, as on a production server; the embedded
 * defaults turn {@code synchronous_commit} off): a benchmark of the durable insert must pay for the disk.
 *
 * <p>Usage: {@code BenchPostgres PORT DATA_DIR}. Prints {@code ready jdbc:postgresql://…} once it accepts
 * connections, then runs until the process is stopped (SIGTERM), when it shuts the server down.
 */
public final class BenchPostgres {
    private BenchPostgres() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 2 || !args[0].matches("\\d{1,5}")) {
            System.err.println("usage: BenchPostgres PORT DATA_DIR (PORT from 1024 to 65535; DATA_DIR is emptied)");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        Path data = Path.of(args[1]);
        Files.createDirectories(data);
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(data)
                .setCleanDataDirectory(true)
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", "on")
                .start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                postgres.close();
            } catch (IOException e) {
                System.err.println("PostgreSQL did not stop cleanly: " + e.getMessage());
            }
            stopped.countDown();
        }, "bench-postgres-stop"));
        System.out.println("ready " + TestPostgres.url(postgres));
        System.out.flush();
        stopped.await();
    }
}
