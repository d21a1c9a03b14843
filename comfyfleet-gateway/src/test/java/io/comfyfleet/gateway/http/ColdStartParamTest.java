package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.dispatch.ColdStartReport;
import org.junit.jupiter.api.Test;

class ColdStartParamTest {
    @Test
    void aWorkersReportIsReadWithOrWithoutAWarmUpAndUnknownKeysAreSkipped() {
        assertThat(ColdStartParam.parse("jvm:180,setup:12,comfyui:2900,take:3"))
                .contains(new ColdStartReport(180, 12, 2900, null, 3));
        assertThat(ColdStartParam.parse("jvm:180,setup:12,comfyui:2900,warmup:640,take:3,cds:1"))
                .contains(new ColdStartReport(180, 12, 2900, 640L, 3));
    }

    @Test
    void aBadReportIsDroppedWhole() {
        assertThat(ColdStartParam.parse("jvm:180,setup:12,comfyui:2900")).as("no take").isEmpty();
        assertThat(ColdStartParam.parse("jvm:180,setup:x,comfyui:2900,take:3")).isEmpty();
        assertThat(ColdStartParam.parse("jvm:-1,setup:1,comfyui:2900,take:3")).isEmpty();
        assertThat(ColdStartParam.parse("jvm:180,setup:1,comfyui:99999999999,take:3")).as("beyond a day").isEmpty();
        assertThat(ColdStartParam.parse("jvm180")).isEmpty();
        assertThat(ColdStartParam.parse("")).isEmpty();
        assertThat(ColdStartParam.parse("jvm:1,".repeat(100))).as("too long").isEmpty();
    }
}
