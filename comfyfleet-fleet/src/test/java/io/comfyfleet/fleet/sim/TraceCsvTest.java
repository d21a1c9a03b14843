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
    }
}
