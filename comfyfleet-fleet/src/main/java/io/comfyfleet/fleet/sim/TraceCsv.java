package io.comfyfleet.fleet.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
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
 */
public final class TraceCsv {
    static final String HEADER = "time,endpoint,execution_seconds,model";
    private static final Pattern ENDPOINT = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private TraceCsv() {}

    /**
     * Reads a trace file.
     *
     * @throws TraceFormatException naming the line and what to change, for a line that is not a job
     * @throws UncheckedIOException when the file cannot be read
     */
    public static List<TraceJob> read(Path file) {
        try {
            return parse(file.toString(), Files.readAllLines(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read trace " + file + ": " + e.getMessage(), e);
        }
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
                    throw new TraceFormatException(source, n, "expected the header '" + HEADER + "', got '" + line
                            + "'");
                }
                header = true;
                continue;
            }
            String[] f = line.split(",", -1);
            if (f.length != 4) {
                throw new TraceFormatException(source, n, "expected 4 fields (" + HEADER + "), got " + f.length
                        + " in '" + line + "'");
            }
            double at = number(source, n, "time", f[0]);
            if (at < last) {
                throw new TraceFormatException(source, n, "time " + f[0].strip() + " is before the line above's ("
                        + last + "): sort the jobs by time");
            }
            String endpoint = f[1].strip();
            if (!ENDPOINT.matcher(endpoint).matches()) {
                throw new TraceFormatException(source, n, "endpoint '" + endpoint
                        + "' must be 1 to 64 letters, digits, '.', '_' or '-'");
            }
            double exec = number(source, n, "execution_seconds", f[2]);
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

    private static double number(String source, int line, String field, String text) {
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
        return v;
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
            throw new UncheckedIOException("cannot write trace " + file + ": " + e.getMessage(), e);
        }
    }
}
