package io.comfyfleet.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * How long ago this process was started (exec'd), for the JVM's share of a cold start.
 *
 * <p>On Linux it is read from {@code /proc}: the process's start in clock ticks since boot ({@code /proc/self/stat},
 * field 22) against the time since boot ({@code /proc/uptime}), both on the same clock, 10 ms precise. {@link
 * ProcessHandle.Info#startInstant()} is not used there: the JDK adds those ticks to the boot time of {@code
 * /proc/stat}, which has whole seconds, so its answer is up to a second too long, the same error for every process
 * of that boot (measured here: 155 ms). Elsewhere it is the fallback.
 */
final class ProcessAge {
    /** USER_HZ, the unit of {@code /proc/self/stat}'s start time: 100 on every architecture Linux runs JVMs on. */
    private static final long TICKS_PER_SECOND = 100;

    private ProcessAge() {}

    /** Milliseconds since this process started; 0 when the system does not say. */
    static long millis() {
        return fromProc(Path.of("/proc")).or(ProcessAge::fromProcessHandle).orElse(0L);
    }

    /** From {@code proc}'s {@code uptime} and {@code self/stat}; empty when they cannot be read. */
    static Optional<Long> fromProc(Path proc) {
        try {
            String uptime = Files.readString(proc.resolve("uptime")).trim().split("\\s+")[0];
            String stat = Files.readString(proc.resolve("self/stat"));
            // the command name (field 2) is in parentheses and may hold spaces and ')': fields 3.. follow the last ')'
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            long startTicks = Long.parseLong(fields[22 - 3]);
            double sinceBootMs = Double.parseDouble(uptime) * 1000;
            return Optional.of(Math.max(0, Math.round(sinceBootMs - startTicks * 1000.0 / TICKS_PER_SECOND)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // no /proc (macOS, Windows) or a format not known: the fallback answers
        }
    }

    private static Optional<Long> fromProcessHandle() {
        long now = System.currentTimeMillis();
        return ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli)
                .map(start -> Math.max(0, now - start));
    }
}
