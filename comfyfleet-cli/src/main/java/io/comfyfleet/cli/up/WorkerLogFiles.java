package io.comfyfleet.cli.up;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Context;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.TriggeringPolicyBase;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The log files of {@code up}'s workers, bounded so that a chatty ComfyUI or months of autoscaled workers cannot
 * fill the disk: each worker writes {@code <workerId>.log} and rolls it over at {@code maxFileBytes} into
 * {@code <workerId>.1.log} .. {@code <workerId>.<archives>.log}, and whenever a worker opens its log the folder
 * is cut back to {@code maxFolderBytes} by deleting the least recently written files first (those of workers long
 * gone). At most {@code maxFolderBytes} plus, per worker still writing, {@code (archives + 1) * maxFileBytes}.
 */
final class WorkerLogFiles {
    /** 10 MB a file, 3 older files a worker, 200 MB for the folder: days of a busy worker's lines. */
    static final WorkerLogFiles DEFAULT = new WorkerLogFiles(10L << 20, 3, 200L << 20);

    private final long maxFileBytes;
    private final int archives;
    private final long maxFolderBytes;

    WorkerLogFiles(long maxFileBytes, int archives, long maxFolderBytes) {
        if (maxFileBytes <= 0 || archives < 1 || maxFolderBytes < maxFileBytes) {
            throw new IllegalArgumentException("worker logs: need maxFileBytes > 0, archives >= 1 and a folder at least"
                    + " one file large (got " + maxFileBytes + ", " + archives + ", " + maxFolderBytes + ")");
        }
        this.maxFileBytes = maxFileBytes;
        this.archives = archives;
        this.maxFolderBytes = maxFolderBytes;
    }

    String describe() {
        return (maxFileBytes >> 20) + " MB a file, " + archives + " older files a worker, " + (maxFolderBytes >> 20)
                + " MB for the folder";
    }

    /** The started appender of one worker's log, after making room in the folder. */
    RollingFileAppender<ILoggingEvent> open(Context context, Path folder, String workerId, String pattern) {
        prune(folder);
        RollingFileAppender<ILoggingEvent> file = new RollingFileAppender<>();
        file.setContext(context);
        file.setName("worker-log-" + workerId);
        file.setFile(folder.resolve(workerId + ".log").toString());
        file.setAppend(true);
        FixedWindowRollingPolicy rolling = new FixedWindowRollingPolicy();
        rolling.setContext(context);
        rolling.setParent(file);
        rolling.setFileNamePattern(folder.resolve(workerId + ".%i.log").toString());
        rolling.setMinIndex(1);
        rolling.setMaxIndex(archives);
        rolling.start();
        SizeReached trigger = new SizeReached(maxFileBytes);
        trigger.setContext(context);
        trigger.start();
        file.setRollingPolicy(rolling);
        file.setTriggeringPolicy(trigger);
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(pattern);
        encoder.start();
        file.setEncoder(encoder);
        file.start();
        return file;
    }

    /** Deletes the least recently written {@code .log} files until the folder holds at most its budget. */
    void prune(Path folder) {
        if (!Files.isDirectory(folder)) {
            return;
        }
        List<Path> newestFirst;
        try (Stream<Path> files = Files.list(folder)) {
            newestFirst = files.filter(p -> p.getFileName().toString().endsWith(".log") && Files.isRegularFile(p))
                    .sorted(Comparator.comparing(WorkerLogFiles::modified).reversed()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("worker logs: cannot list " + folder, e);
        }
        long kept = 0;
        for (Path file : newestFirst) {
            long size = file.toFile().length();
            if (kept + size <= maxFolderBytes) {
                kept += size;
            } else {
                file.toFile().delete(); // gone already or not ours to delete: the next prune tries again
            }
        }
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    /**
     * Rolls over once the file reached its size. Logback's own size policy looks at the file at most every 60 ms, so
     * a burst could overshoot by whatever it writes meanwhile; worker output is a few lines a second, and a length
     * lookup per line is cheap next to writing it.
     */
    static final class SizeReached extends TriggeringPolicyBase<ILoggingEvent> {
        private final long maxBytes;

        SizeReached(long maxBytes) {
            this.maxBytes = maxBytes;
        }

        @Override
        public boolean isTriggeringEvent(File activeFile, ILoggingEvent event) {
            return activeFile.length() >= maxBytes;
        }
    }
}
