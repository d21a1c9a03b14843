package io.comfyfleet.cli.up;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.sift.MDCBasedDiscriminator;
import ch.qos.logback.classic.sift.SiftingAppender;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.Context;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * The terminal of {@code comfyfleet up}: one short line per event a person cares about (workers started, ready with
 * their cold start, stopped; jobs that failed; scaling decisions; shutdown), without thread and logger names. What
 * each worker and its ComfyUI print goes to {@code <dataDir>/logs/<workerId>.log}, rolled over and pruned by size
 * ({@link WorkerLogFiles}); {@code --verbose} also mirrors it
 * to the terminal, and shows the libraries' start-up chatter and whole stack traces.
 */
public final class UpLogging {
    /** The logger {@code LocalProcessProvider} copies each worker's output to, one line per event, MDC workerId. */
    static final String WORKER_OUTPUT = "io.comfyfleet.fleet.worker-output";
    /** {@code 15:28:16 started worker ...}; warnings and errors say so: {@code 15:28:16 WARN: ...}. */
    static final String TERMINAL = "%d{HH:mm:ss} %replace(%level: ){'^INFO: $', ''}%msg%n";
    /** The worker already stamps each of its lines; the {@code [workerId] } prefix is the file's name. */
    static final String FILE = "%replace(%msg){'^\\[[^\\]]+\\] ', ''}%n";

    private UpLogging() {}

    /**
     * Reconfigures logging for {@code up}; does nothing when logback is not the logging backend.
     *
     * @param logs    the folder for the worker log files (created when the first line arrives)
     * @param verbose mirror worker and ComfyUI output to the terminal, keep full stack traces and library logs
     */
    public static void install(Path logs, boolean verbose) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(console(context, TERMINAL + (verbose ? "%ex" : "%ex{short}"), "up-terminal"));
        quietLibraries(context, verbose);
        Logger workers = context.getLogger(WORKER_OUTPUT);
        workers.setAdditive(false);
        workers.addAppender(files(context, logs));
        if (verbose) {
            workers.addAppender(console(context, "%msg%n", "up-worker-mirror"));
        }
    }

    /**
     * The libraries' INFO lines that say nothing a person running {@code up} can act on; {@code --verbose} shows them.
     * Flyway: the store's migrations say one line themselves (logback.xml quiets it too). The container engine's
     * HTTP client (docker-java's shaded Apache HttpClient): "Recoverable I/O exception ... caught when processing
     * request to {}->[unix://localhost:2375]" when the engine socket is wrong, before the provider's own error names
     * the socket that was configured (not the placeholder address in that line) and what to check.
     */
    static void quietLibraries(LoggerContext context, boolean verbose) {
        Level level = verbose ? Level.INFO : Level.WARN;
        context.getLogger("org.flywaydb").setLevel(level);
        context.getLogger(ENGINE_HTTP_CLIENT).setLevel(level);
    }

    /** The shaded HTTP client docker-java's zerodep transport talks to the engine with. */
    static final String ENGINE_HTTP_CLIENT = "com.github.dockerjava.zerodep.shaded.org.apache.hc.client5";

    private static Appender<ILoggingEvent> console(LoggerContext context, String pattern, String name) {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName(name);
        console.setTarget("System.err");
        console.setEncoder(encoder(context, pattern));
        console.start();
        return console;
    }

    private static Appender<ILoggingEvent> files(LoggerContext context, Path logs) {
        MDCBasedDiscriminator byWorker = new MDCBasedDiscriminator();
        byWorker.setContext(context);
        byWorker.setKey("workerId");
        byWorker.setDefaultValue("workers");
        byWorker.start();
        SiftingAppender sift = new SiftingAppender();
        sift.setContext(context);
        sift.setName("up-worker-files");
        sift.setDiscriminator(byWorker);
        sift.setAppenderFactory((Context ctx, String workerId) -> WorkerLogFiles.DEFAULT.open(ctx, logs, workerId, FILE));
        sift.start();
        return sift;
    }

    private static PatternLayoutEncoder encoder(Context context, String pattern) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(pattern);
        encoder.start();
        return encoder;
    }
}
