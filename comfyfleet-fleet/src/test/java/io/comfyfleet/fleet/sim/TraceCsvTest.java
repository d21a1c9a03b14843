package io.comfyfleet.fleet.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceCsvTest {
    private static final String H = "time,endpoint,execution_seconds,model";

    private static List<TraceJob> parse(String... lines) {
        return TraceCsv.parse("t.csv", List.of(lines));
    }

    @Test
    void readsJobsSkippingCommentsAndBlankLines() {
        assertThat(parse("# made by hand", H, "", "0,ep,1.5,sd15", "2.25,ep,3,sdxl"))
                .containsExactly(new TraceJob(0, "ep", 1.5, "sd15"), new TraceJob(2.25, "ep", 3, "sdxl"));
    }

    @Test
    void aBadNumberNamesTheLineTheFieldAndHowToWriteIt() {
        assertThatThrownBy(() -> parse(H, "0,ep,1,m", "1,ep,abc,m"))
                .isInstanceOf(TraceFormatException.class)
                .hasMessage("t.csv line 3: execution_seconds 'abc' is not a number: write seconds as digits, like 12.5")
                .extracting(e -> ((TraceFormatException) e).line()).isEqualTo(3);
    }

    @Test
    void eachKindOfBadLineSaysWhatToChange() {
        assertThatThrownBy(() -> parse(H, "0,ep,1")).hasMessage(
                "t.csv line 2: expected 4 fields (time,endpoint,execution_seconds,model), got 3 in '0,ep,1'");
        assertThatThrownBy(() -> parse(H, "5,ep,1,m", "4,ep,1,m")).hasMessage(
                "t.csv line 3: time 4 is before the line above's (5.0): sort the jobs by time");
        assertThatThrownBy(() -> parse(H, "-1,ep,1,m")).hasMessage("t.csv line 2: time -1 must be 0 or more seconds");
        assertThatThrownBy(() -> parse(H, "0,e p,1,m")).hasMessage(
                "t.csv line 2: endpoint 'e p' must be 1 to 64 letters, digits, '.', '_' or '-'");
        assertThatThrownBy(() -> parse(H, "0,ep,1, ")).hasMessage(
                "t.csv line 2: model is empty: name the model the job loads (any word)");
        assertThatThrownBy(() -> parse("# c", "0,ep,1,m")).hasMessage(
                "t.csv line 2: expected the header 'time,endpoint,execution_seconds,model', got '0,ep,1,m'");
        assertThatThrownBy(() -> parse("# only a comment")).hasMessage(
                "t.csv: is empty: the first line must be 'time,endpoint,execution_seconds,model'");
    }

    @Test
    void aBinaryFileIsRefusedNamingTheLineNotWithAStackTrace(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("photo.csv");
        Files.write(f, new byte[] {'t', 'i', 'm', 'e', '\n', (byte) 0x89, 'P', 'N', 'G', (byte) 0xff, (byte) 0xfe});

        assertThatThrownBy(() -> TraceCsv.read(f)).isInstanceOf(TraceFormatException.class).hasMessage(f
                + " line 2: is not UTF-8 text: a trace is a CSV file (time,endpoint,execution_seconds,model), not a"
                + " binary or otherwise encoded file");
    }

    @Test
    void aFileLargerThanATraceMayBeIsRefusedBeforeItIsRead(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("huge.csv");
        try (java.io.RandomAccessFile sparse = new java.io.RandomAccessFile(f.toFile(), "rw")) {
            sparse.setLength(TraceCsv.MAX_BYTES + 1); // holes: no disk used, and reading it all would take 64 MB
        }

        assertThatThrownBy(() -> TraceCsv.read(f)).isInstanceOf(TraceFormatException.class).hasMessage(f
                + ": is 64 MB, over the 64 MB a trace may be (at most 1000000 jobs): split it or sample it");
    }

    @Test
    void moreJobsThanATraceMayHoldAreRefusedAtTheFirstOneTooMany() {
        List<String> lines = new java.util.ArrayList<>(TraceCsv.MAX_JOBS + 2);
        lines.add(H);
        for (int i = 0; i <= TraceCsv.MAX_JOBS; i++) {
            lines.add("0,ep,1,m");
        }

        assertThatThrownBy(() -> TraceCsv.parse("t.csv", lines)).hasMessage("t.csv line " + (TraceCsv.MAX_JOBS + 2)
                + ": more than 1000000 jobs: a trace may hold at most that many; split it or sample it");
        assertThat(TraceCsv.parse("t.csv", lines.subList(0, TraceCsv.MAX_JOBS + 1))).hasSize(TraceCsv.MAX_JOBS);
    }

    @Test
    void timesAndDurationsTheSimulatorCannotReplayAreRefusedNotRunForDays() {
        // 1e300 s made the simulator run an autoscaler pass per simulated second until the end of time
        assertThatThrownBy(() -> parse(H, "1e300,ep,1,m")).hasMessage(
                "t.csv line 2: time 1e300 is more than 30 days (2592000 s), the most a trace may hold");
        // a job longer than the simulation's 48 h give-up ended in an IllegalStateException and a stack trace
        assertThatThrownBy(() -> parse(H, "0,ep,1e12,m")).hasMessage(
                "t.csv line 2: execution_seconds 1e12 is more than a day (86400 s), the most a trace may hold");
        assertThat(parse(H, "2592000,ep,86400,m")).containsExactly(new TraceJob(2_592_000, "ep", 86_400, "m"));
    }

    @Test
    void aGarbageLineIsQuotedShortAndPrintable() {
        String garbage = "\u0000\u001b[2J" + "x".repeat(500);

        assertThatThrownBy(() -> parse(garbage)).hasMessage("t.csv line 1: expected the header"
                + " 'time,endpoint,execution_seconds,model', got '??[2J" + "x".repeat(75) + "...'");
    }

    @Test
    void writesWhatItReads(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("trace.csv");
        List<TraceJob> jobs = List.of(new TraceJob(0, "ep", 1.5, "a"), new TraceJob(10.125, "ep", 2, "b"));
        TraceCsv.write(f, List.of("seed 7"), jobs);

        assertThat(Files.readAllLines(f).getFirst()).isEqualTo("# seed 7");
        assertThat(TraceCsv.read(f)).isEqualTo(jobs);
    }

    @Test
    void coldStartModelsParseAndRefuseWithTheForms() {
        assertThat(ColdStartModel.parse("uniform:10.9:14.9")).isEqualTo(new ColdStartModel.Uniform(10.9, 14.9));
        assertThat(ColdStartModel.parse("fixed:3")).isEqualTo(new ColdStartModel.Fixed(3));
        assertThatThrownBy(() -> ColdStartModel.parse("uniform:5:1")).hasMessageContaining(
                "write fixed:SECONDS, uniform:LOW:HIGH (LOW <= HIGH) or sequence:S1:S2:...");
        assertThatThrownBy(() -> ColdStartModel.parse("normal:1")).hasMessageContaining("cold start 'normal:1'");
        // a worker that takes the autoscaler's whole init timeout is given up: no job would ever run
        assertThat(ColdStartModel.parse("fixed:419")).isEqualTo(new ColdStartModel.Fixed(419));
        assertThatThrownBy(() -> ColdStartModel.parse("sequence:10:420")).hasMessage("cold start 'sequence:10:420':"
                + " write fixed:SECONDS, uniform:LOW:HIGH (LOW <= HIGH) or sequence:S1:S2:... (seconds, 0 or more and"
                + " under 420: the autoscaler gives up on a worker not ready within 7 min, as up's does)");
    }
}
