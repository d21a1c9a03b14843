package io.comfyfleet.store;

import io.comfyfleet.core.job.JobStoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One gateway per SQLite file: an exclusive OS lock on {@code <db>.owner} held for the store's life. The
 * operating system drops it when the process ends, even by {@code kill -9}, so a crashed gateway never blocks the
 * next one. Several gateways on one file would each run the autoscaler and keep their workers in memory; SQLite
 * also has no way to wake one gateway's workers for another's jobs.
 */
final class SqliteOwnerLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private SqliteOwnerLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * @throws JobStoreException when another process (or another store in this one) has the file open, naming the
     *     pid that holds it and what to do instead
     */
    static SqliteOwnerLock take(Path db) {
        Path file = db.resolveSibling(db.getFileName() + ".owner");
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                String holder = Files.readString(file, StandardCharsets.UTF_8).trim();
                channel.close();
                throw new JobStoreException("the SQLite job store at " + db + " is already in use by another gateway"
                        + (holder.isEmpty() ? "" : " (" + holder + ")") + "; a SQLite file serves one gateway: stop"
                        + " that one, give this one its own data folder (server.dataDir), or use PostgreSQL"
                        + " (store: {type: postgres, url: jdbc:postgresql://...}) for several gateways");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)), 0);
            return new SqliteOwnerLock(channel, lock);
        } catch (IOException e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // the lock goes with the channel; nothing more to undo
                }
            }
            throw new JobStoreException("cannot lock " + file + " to claim the SQLite job store for this gateway ("
                    + e + "); check that this user may write the data folder", e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // closing: the OS drops the lock with the process anyway
        }
    }
}
