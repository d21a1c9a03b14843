package io.comfyfleet.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayEndpointsTest {
    private static Map<String, String> runpodEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("RUNPOD_WEBHOOK_GET_JOB", "http://ctl:8080/v2/ep1/job-take/$ID?gpu=SIM");
        env.put("RUNPOD_WEBHOOK_POST_OUTPUT", "http://ctl:8080/v2/ep1/job-done/$RUNPOD_POD_ID/$ID?gpu=SIM");
        env.put("RUNPOD_WEBHOOK_POST_STREAM", "http://ctl:8080/v2/ep1/job-stream/$RUNPOD_POD_ID/$ID?gpu=SIM");
        env.put("RUNPOD_WEBHOOK_PING", "http://ctl:8080/v2/ep1/ping/$RUNPOD_POD_ID");
        env.put("RUNPOD_POD_ID", "w1");
        env.put("RUNPOD_AI_API_KEY", "secret");
        env.put("RUNPOD_PING_INTERVAL", "2500");
        return env;
    }

    @Test
    void theVersionComesFromItsVariableOrTheJobTakeUrlAndGoesOnTheCatalogueReport() {
        Map<String, String> env = runpodEnv();
        assertThat(GatewayEndpoints.fromEnvironment(env).version()).isNull();
        assertThat(GatewayEndpoints.fromEnvironment(env).catalogueUri("ab12"))
                .hasToString("http://ctl:8080/v2/ep1/catalogue/w1?digest=ab12");

        env.put("RUNPOD_WEBHOOK_GET_JOB", "http://ctl:8080/v2/ep1/job-take/$ID?gpu=local&version=local-0a1b%2Bc");
        GatewayEndpoints fromUrl = GatewayEndpoints.fromEnvironment(env);
        assertThat(fromUrl.version()).isEqualTo("local-0a1b+c");
        assertThat(fromUrl.catalogueUri("ab12"))
                .hasToString("http://ctl:8080/v2/ep1/catalogue/w1?digest=ab12&version=local-0a1b%2Bc");

        env.put("COMFYFLEET_WORKER_VERSION", "registry.example/worker:1.2");
        assertThat(GatewayEndpoints.fromEnvironment(env).version()).isEqualTo("registry.example/worker:1.2");
        assertThat(GatewayEndpoints.forGateway("http://gw:8080", "ep", "w1", "k", Duration.ofSeconds(1)).version())
                .isNull();
    }

    @Test
    void runpodEnvironmentGivesRunpodUrls() {
        GatewayEndpoints e = GatewayEndpoints.fromEnvironment(runpodEnv());
        assertThat(e.jobTakeUri(false)).hasToString("http://ctl:8080/v2/ep1/job-take/w1?gpu=SIM&job_in_progress=0");
        assertThat(e.jobTakeUri(true).toString()).endsWith("&job_in_progress=1");
        assertThat(e.jobStopUri()).hasToString("http://ctl:8080/v2/ep1/job-stop/w1?gpu=SIM");
        assertThat(e.jobDoneUri("j1", false)).hasToString("http://ctl:8080/v2/ep1/job-done/w1/j1?gpu=SIM&isStream=false");
        assertThat(e.jobStreamUri("j3")).hasToString("http://ctl:8080/v2/ep1/job-stream/w1/j3?gpu=SIM&isStream=false");
        assertThat(e.pingUri(List.of("j1", "j3"))).hasToString("http://ctl:8080/v2/ep1/ping/w1?job_id=j1%2Cj3");
        assertThat(e.pingUri(List.of())).hasToString("http://ctl:8080/v2/ep1/ping/w1");
        assertThat(e.apiKey()).isEqualTo("secret");
        assertThat(e.pingInterval()).isEqualTo(Duration.ofMillis(2500));
        assertThat(e.toString()).doesNotContain("secret");
    }

    @Test
    void missingOrMalformedVariablesAreNamed() {
        Map<String, String> env = runpodEnv();
        env.remove("RUNPOD_WEBHOOK_GET_JOB");
        assertThatThrownBy(() -> GatewayEndpoints.fromEnvironment(env))
                .isInstanceOf(WorkerConfigException.class).hasMessageStartingWith("RUNPOD_WEBHOOK_GET_JOB: is not set");

        Map<String, String> noId = runpodEnv();
        noId.put("RUNPOD_WEBHOOK_POST_OUTPUT", "http://ctl/v2/ep1/job-done/$RUNPOD_POD_ID?gpu=x");
        assertThatThrownBy(() -> GatewayEndpoints.fromEnvironment(noId))
                .hasMessageContaining("RUNPOD_WEBHOOK_POST_OUTPUT").hasMessageContaining("$ID");

        Map<String, String> noQuery = runpodEnv();
        noQuery.put("RUNPOD_WEBHOOK_GET_JOB", "http://ctl/v2/ep1/job-take/$ID");
        assertThatThrownBy(() -> GatewayEndpoints.fromEnvironment(noQuery))
                .hasMessageContaining("RUNPOD_WEBHOOK_GET_JOB").hasMessageContaining("'?'");

        Map<String, String> badInterval = runpodEnv();
        badInterval.put("RUNPOD_PING_INTERVAL", "ten");
        assertThatThrownBy(() -> GatewayEndpoints.fromEnvironment(badInterval))
                .hasMessageContaining("RUNPOD_PING_INTERVAL").hasMessageContaining("milliseconds");

        Map<String, String> noPod = runpodEnv();
        noPod.remove("RUNPOD_POD_ID");
        assertThatThrownBy(() -> GatewayEndpoints.fromEnvironment(noPod)).hasMessageContaining("RUNPOD_POD_ID");

        Map<String, String> ftp = runpodEnv();
        ftp.put("RUNPOD_WEBHOOK_PING", "ftp://ctl/ping/$RUNPOD_POD_ID");
        assertThatThrownBy(() -> GatewayEndpoints.fromEnvironment(ftp))
                .hasMessageContaining("RUNPOD_WEBHOOK_PING").hasMessageContaining("http://");
    }

    @Test
    void gatewayFlagsDeriveTheSameShape() {
        GatewayEndpoints ok = GatewayEndpoints.forGateway("http://127.0.0.1:9000/", "ep", "w1", "KEY", Duration.ofSeconds(1));
        assertThat(ok.jobTakeUri(false)).hasToString("http://127.0.0.1:9000/v2/ep/job-take/w1?gpu=none&job_in_progress=0");
        assertThat(ok.jobDoneUri("j", true)).hasToString("http://127.0.0.1:9000/v2/ep/job-done/w1/j?gpu=none&isStream=true");
        assertThat(ok.pingUri(List.of("a"))).hasToString("http://127.0.0.1:9000/v2/ep/ping/w1?job_id=a");
    }

    @Test
    void badFlagsAreNamed() {
        Duration s = Duration.ofSeconds(1);
        assertThatThrownBy(() -> GatewayEndpoints.forGateway(null, "ep", "w1", "k", s)).hasMessageStartingWith("--gateway-url");
        assertThatThrownBy(() -> GatewayEndpoints.forGateway("localhost:80", "ep", "w1", "k", s)).hasMessageStartingWith("--gateway-url");
        assertThatThrownBy(() -> GatewayEndpoints.forGateway("http://h", "e/p", "w1", "k", s)).hasMessageStartingWith("--endpoint");
        assertThatThrownBy(() -> GatewayEndpoints.forGateway("http://h", "ep", "", "k", s)).hasMessageStartingWith("--worker-id");
        assertThatThrownBy(() -> GatewayEndpoints.forGateway("http://h", "ep", "w1", null, s)).hasMessageStartingWith("--worker-key");
    }
}
