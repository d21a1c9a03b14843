package io.comfyfleet.worker;

import java.util.concurrent.TimeUnit;

/**
 * The moments of this worker's cold start, told to the gateway on its first job-take ({@code &coldstart=}, see
 * {@link #report(long)}) so the gateway can show per worker where the time went: ComfyFleet's part (the JVM and
 * the worker's own set-up, and the wait between ComfyUI being ready and the first job-take) apart from ComfyUI's
 * (its launch until it answers). Durations, not wall-clock times: the gateway's clock may differ from this one.
 * Thread-safe: ComfyUI's start and the worker's set-up mark it from different threads.
 */
public final class ColdStartMarks {
    private final long enteredNanos;
    /**
     * From the process's start (its exec by the provider) to {@link #enteredNanos}: the JVM's boot; -1 until read
     * ({@link #readJvmBoot()}).
     */
    private volatile long jvmMillis;
    private volatile long comfyLaunchedNanos;
    private volatile long comfyReadyNanos;
    private volatile long warmupNanos = -1;

    private ColdStartMarks(long enteredNanos, long jvmMillis) {
        this.enteredNanos = enteredNanos;
        this.jvmMillis = jvmMillis;
    }

    /**
     * Marks now as the moment the worker's own code began; the JVM's boot before it is the process's age at that
     * moment ({@link ProcessAge}: 10 ms precise on Linux; 0 when the system does not say).
     */
    public static ColdStartMarks enteredNow() {
        return new ColdStartMarks(System.nanoTime(), -1);
    }

    /** For tests: entered at {@code enteredNanos}, {@code jvmMillis} after the process started. */
    static ColdStartMarks entered(long enteredNanos, long jvmMillis) {
        return new ColdStartMarks(enteredNanos, jvmMillis);
    }

    /**
     * Reads how long the JVM took to reach the worker's code, if not read yet. Call it once ComfyUI's launch is
     * under way, not at entry: reading {@code /proc} cost ~10 ms of a worker's start on two cores, before the
     * launch. The process's start does not move, so its age now, less the time since entry, is the same number.
     */
    public void readJvmBoot() {
        jvmMillis();
    }

    private long jvmMillis() {
        if (jvmMillis < 0) {
            long age = ProcessAge.millis();
            long sinceEntry = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - enteredNanos);
            jvmMillis = age == 0 ? 0 : Math.max(0, age - sinceEntry);
        }
        return jvmMillis;
    }

    /** ComfyUI's process was started (or, attached, its readiness is first probed). First call counts. */
    public void comfyLaunched(long nanos) {
        if (comfyLaunchedNanos == 0) {
            comfyLaunchedNanos = nanos;
        }
    }

    /** ComfyUI answered its readiness probe. First call counts. */
    public void comfyReady(long nanos) {
        if (comfyReadyNanos == 0) {
            comfyReadyNanos = nanos;
        }
    }

    /** The warm-up workflow ran for this long (failed or not). */
    public void warmedUp(long tookNanos) {
        warmupNanos = tookNanos;
    }

    /**
     * The {@code coldstart} parameter of a job-take sent at {@code takeSentNanos}: {@code key:ms} pairs joined by
     * commas, {@code jvm} (process start to the worker's code), {@code setup} (to ComfyUI's launch), {@code comfyui}
     * (launch to ready), {@code warmup} (only when one ran), {@code take} (ready, warmed up and set up, to this
     * job-take). Keys a gateway does not know are for it to ignore, so more can be added.
     *
     * @throws IllegalStateException before ComfyUI was marked launched and ready
     */
    public String report(long takeSentNanos) {
        if (comfyLaunchedNanos == 0 || comfyReadyNanos == 0) {
            throw new IllegalStateException("ComfyUI's launch and readiness are not marked yet");
        }
        long warmup = warmupNanos;
        long before = comfyReadyNanos + Math.max(0, warmup);
        StringBuilder s = new StringBuilder()
                .append("jvm:").append(jvmMillis())
                .append(",setup:").append(ms(comfyLaunchedNanos - enteredNanos))
                .append(",comfyui:").append(ms(comfyReadyNanos - comfyLaunchedNanos));
        if (warmup >= 0) {
            s.append(",warmup:").append(ms(warmup));
        }
        return s.append(",take:").append(ms(takeSentNanos - before)).toString();
    }

    private static long ms(long nanos) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(nanos));
    }
}
