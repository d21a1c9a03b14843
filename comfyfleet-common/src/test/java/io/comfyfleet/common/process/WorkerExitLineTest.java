package io.comfyfleet.common.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WorkerExitLineTest {
    @Test
    void anExitLineCarriesItsReasonOnOneLine() {
        String line = WorkerExitLine.of(3, "ComfyUI did not start: port 8188 is taken\n  by another process");
        assertThat(line).isEqualTo("comfyfleet worker: exits with code 3: ComfyUI did not start: port 8188 is taken;"
                + " by another process");
        assertThat(WorkerExitLine.reason(line)).hasValue("ComfyUI did not start: port 8188 is taken; by another process");
    }

    @Test
    void theWorkersOwnUsageErrorsAreReasonsTooAndItsLogIsNot() {
        assertThat(WorkerExitLine.reason("comfyfleet worker: --endpoint is required")).hasValue("--endpoint is required");
        assertThat(WorkerExitLine.reason("12:00:00.000 ERROR [main] i.c.w.WorkerApp - comfyfleet worker: no")).isEmpty();
        assertThat(WorkerExitLine.reason("Usage: comfyfleet worker [OPTIONS]")).isEmpty();
        assertThat(WorkerExitLine.reason(null)).isEmpty();
    }

    @Test
    void aLongReasonIsCut() {
        assertThat(WorkerExitLine.reason(WorkerExitLine.of(1, "x".repeat(5000))).orElseThrow())
                .hasSize(WorkerExitLine.MAX_REASON).endsWith("...");
    }
}
