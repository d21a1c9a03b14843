package io.comfyfleet.fleet.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Traces as CSV: a header {@code time,endpoint,execution_seconds,model}, then one job per line, times in seconds
 * from the start of the trace, in order. Blank lines and lines starting with {@code #} are skipped.
 *
 * <pre>
 * time,endpoint,execution_seconds,model
 * 0.0,sdxl,6.5,sd15
 * 12.25,sdxl,7.1,sdxl
 * </pre>
 *
 * <p>A trace is bounded so that a wrong file fails at once with what to change instead of filling the memory or
 * running for days: the simulator holds every job and runs one autoscaler pass per {@code --period} over the whole
 * span (a 30-day span takes about 15 s on one core), and gives a job up 48 h after the last arrival.
 */
public final class TraceCsv {
    static final String HEADER = "time,endpoint,execution_seconds,model";
    /** The largest trace file read; a million jobs take about 30 MB. */
    static final long MAX_BYTES = 64L << 20;
    static final int MAX_JOBS = 1_000_000;
    /** The latest arrival: 30 days. */
    static final double MAX_TIME_SECONDS = 30 * 86_400;
    /** The longest job: a day (the simulation gives a job up 48 h after the last arrival). */
    static final double MAX_EXECUTION_SECONDS = 86_400;
    private static final Pattern ENDPOINT = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private TraceCsv() {}

    /**
     * Reads a trace file.
     *
     * @throws TraceFormatException naming the line and what to change, for a line that is not a job, or the file
     *     when it is larger than a trace may be or not text
     * @throws UncheckedIOException when the file cannot be read
     */
    public static List<TraceJob> read(Path file) {
        String source = file.toString();
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new TraceFormatException(source, 0, "is " + (size >> 20) + " MB, over the " + (MAX_BYTES >> 20)
                        + " MB a trace may be (at most " + MAX_JOBS + " jobs): split it or sample it");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read trace " + file + ": " + reason(e), e);
        }
        List<String> lines = text(source, bytes).lines().toList();
        return parse(source, lines);
    }

    /** Why a file could not be used, in words: the JDK's message for a missing file is only its path. */
    public static String reason(IOException e) {
        return switch (e) {
            case NoSuchFileException n -> "no such file or folder";
            case AccessDeniedException a -> "permission denied";
            case FileSystemException f when f.getReason() != null -> f.getReason();
            default -> e.getMessage();
        };
    }

    /** The file as UTF-8 text, or a refusal naming the first line that is not. */
    private static String text(String source, byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = StandardCharsets.UTF_8.newDecoder().decode(in, out, true);
        if (result.isError()) {
            int line = 1;
            for (int i = 0; i < in.position(); i++) {
                line += bytes[i] == '\n' ? 1 : 0;
            }
            throw new TraceFormatException(source, line, "is not UTF-8 text: a trace is a CSV file (" + HEADER
                    + "), not a binary or otherwise encoded file");
        }
        return out.flip().toString();
    }

    /** Parses the lines of a trace; {@code source} names it in messages. */
    public static List<TraceJob> parse(String source, List<String> lines) {
        List<TraceJob> jobs = new ArrayList<>();
        boolean header = false;
        double last = 0;
        for (int i = 0; i < lines.size(); i++) {
            int n = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (!header) {
                if (!line.replace(" ", "").equalsIgnoreCase(HEADER)) {
                    throw new TraceFormatException(source, n, "expected the header '" + HEADER + "', got '"
                            + shown(line) + "'");
                }
                header = true;
                continue;
            }
            String[] f = line.split(",", -1);
            if (f.length != 4) {
                throw new TraceFormatException(source, n, "expected 4 fields (" + HEADER + "), got " + f.length
                        + " in '" + shown(line) + "'");
            }
            if (jobs.size() == MAX_JOBS) {
                throw new TraceFormatException(source, n, "more than " + MAX_JOBS
                        + " jobs: a trace may hold at most that many; split it or sample it");
            }
            double at = number(source, n, "time", f[0], MAX_TIME_SECONDS, "30 days");
            if (at < last) {
                throw new TraceFormatException(source, n, "time " + f[0].strip() + " is before the line above's ("
                        + last + "): sort the jobs by time");
            }
            String endpoint = f[1].strip();
            if (!ENDPOINT.matcher(endpoint).matches()) {
                throw new TraceFormatException(source, n, "endpoint '" + endpoint
                        + "' must be 1 to 64 letters, digits, '.', '_' or '-'");
            }
            double exec = number(source, n, "execution_seconds", f[2], MAX_EXECUTION_SECONDS, "a day");
            String model = f[3].strip();
            if (model.isEmpty()) {
                throw new TraceFormatException(source, n, "model is empty: name the model the job loads (any word)");
            }
            jobs.add(new TraceJob(at, endpoint, exec, model));
            last = at;
        }
        if (!header) {
            throw new TraceFormatException(source, 0, "is empty: the first line must be '" + HEADER + "'");
        }
        return List.copyOf(jobs);
    }

    private static double number(String source, int line, String field, String text, double max, String maxInWords) {
        String t = text.strip();
        double v;
        try {
            v = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new TraceFormatException(source, line, field + " '" + t
                    + "' is not a number: write seconds as digits, like 12.5");
        }
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new TraceFormatException(source, line, field + " " + t + " must be 0 or more seconds");
        }
        if (v > max) {
            throw new TraceFormatException(source, line, field + " " + t + " is more than " + maxInWords + " ("
                    + (long) max + " s), the most a trace may hold");
        }
        return v;
    }

    /**
     * A line as a message quotes it: at most 80 characters, control characters as {@code ?}, so a binary file's
     * line does not flood the terminal.
     */
    private static String shown(String line) {
        String cut = line.length() > 80 ? line.substring(0, 80) + "..." : line;
        return cut.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    /** Writes a trace in the format {@link #read} reads, with {@code comment} lines (each prefixed by '#') first. */
    public static void write(Path file, List<String> comment, List<TraceJob> jobs) {
        List<String> out = new ArrayList<>();
        comment.forEach(c -> out.add("# " + c));
        out.add(HEADER);
        for (TraceJob j : jobs) {
            out.add(String.format(Locale.ROOT, "%.3f,%s,%.3f,%s", j.at(), j.endpoint(), j.executionSeconds(),
                    j.model()));
        }
        try {
            Files.write(file, out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write trace " + file + ": " + reason(e), e);
        }
    }
}
