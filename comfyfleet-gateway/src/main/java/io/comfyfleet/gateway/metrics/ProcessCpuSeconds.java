package io.comfyfleet.gateway.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The gateway's CPU time as {@code process_cpu_seconds_total}, in place of Micrometer's {@code process.cpu.time},
 * which it counts in nanoseconds and the Prometheus registry then names {@code process_cpu_time_ns_total}.
 * Prometheus wants base units (seconds), and {@code process_cpu_seconds_total} is the name its own client
 * libraries and the usual JVM dashboards read ({@code rate(process_cpu_seconds_total[5m])} = cores in use).
 */
final class ProcessCpuSeconds {
    /** Micrometer's meter this replaces (ProcessorMetrics). */
    static final String NANOSECONDS_METER = "process.cpu.time";

    private ProcessCpuSeconds() {}

    /**
     * Call before any meter is registered: a filter affects only meters registered after it, and Micrometer warns
     * about one configured later.
     */
    static void replaceNanoseconds(MeterRegistry registry) {
        registry.config().meterFilter(MeterFilter.denyNameStartsWith(NANOSECONDS_METER));
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean hotspot && hotspot.getProcessCpuTime() >= 0) {
            FunctionCounter.builder("process.cpu", hotspot, b -> b.getProcessCpuTime() / 1e9)
                    .baseUnit("seconds")
                    .description("CPU time the gateway's process used, all threads together")
                    .register(registry);
        }
    }
}
