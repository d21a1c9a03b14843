package io.comfyfleet.worker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A worker's hold on its work folder while it runs. Two workers given the same folder would each post, then delete,
 * the other's spooled results, and read spool files the other is still writing; the second is refused at its start
 * instead, with what to change. The hold is an OS file lock, so a worker killed by {@code kill -9} leaves nothing
 * behind that refuses the next one.
 */
final class WorkFolderLock implements AutoCloseable {
    static final String FILE = ".worker.lock";

    /**
     * The folders held by workers of this JVM (tests run several). Checked before the file is opened: a POSIX lock
     * belongs to the process, so a second channel's tryLock would not see this JVM's own lock, and closing that
     * channel would release it.
     */
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    private final Path folder;
    private final FileChannel channel;

    private WorkFolderLock(Path folder, FileChannel channel) {
        this.folder = folder;
        this.channel = channel;
    }

    /**
     * Creates the folder if missing, takes its lock and writes this process's id into the lock file.
     *
     * @throws IOException when another worker holds it (the message names its process and what to change), or the
     *     folder or lock file cannot be written
     */
    static WorkFolderLock take(Path workDir) throws IOException {
        Files.createDirectories(workDir);
        Path folder = workDir.toRealPath();
        if (!HELD_HERE.add(folder)) {
            throw inUse(folder, ProcessHandle.current().pid() + ", this one");
        }
        try {
            FileChannel channel = FileChannel.open(folder.resolve(FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            if (lock == null) {
                String holder = readHolder(channel);
                channel.close(); // this process holds no lock on the file, so closing releases none
                throw inUse(folder, holder);
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid())
                    .getBytes(StandardCharsets.UTF_8)), 0);
            return new WorkFolderLock(folder, channel);
        } catch (IOException | RuntimeException e) {
            HELD_HERE.remove(folder);
            throw e;
        }
    }

    private static String readHolder(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(32);
        channel.read(buffer, 0);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).strip();
    }

    private static IOException inUse(Path folder, String holder) {
        return new IOException("work folder " + folder + " is in use by another worker"
                + (holder.isEmpty() ? "" : " (process " + holder + ")")
                + ": give each worker a work folder of its own (--work-dir)");
    }

    @Override
    public void close() throws IOException {
        if (HELD_HERE.remove(folder)) {
            channel.close(); // releases the lock
        }
    }
}
