package io.comfyfleet.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LabelsTest {
    private static final String LABEL = "([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?";
    private static final String DNS_LABEL = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";

    @Test
    void safeValuesStayAsTheyAre() {
        assertThat(Labels.labelValue("sdxl-turbo_1.0")).isEqualTo("sdxl-turbo_1.0");
        assertThat(Labels.podName("ep-1a2b3c4d")).isEqualTo("comfyfleet-ep-1a2b3c4d");
    }

    @Test
    void imageReferencesBecomeDistinctValidLabels() {
        String a = Labels.labelValue("registry.example.com:5000/worker:1.2");
        String b = Labels.labelValue("registry.example.com/5000/worker:1.2");
        String digest = Labels.labelValue("registry.example.com/team/a-very-long-repository-name/worker"
                + "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        assertThat(a).matches(LABEL).isNotEqualTo(b);
        assertThat(b).matches(LABEL);
        assertThat(digest).matches(LABEL).hasSizeLessThanOrEqualTo(63);
    }

    @Test
    void workerIdsBecomeDistinctPodNames() {
        String upper = Labels.podName("EP_1");
        String lower = Labels.podName("ep-1");
        String longest = Labels.podName("x".repeat(64));
        assertThat(upper).matches(DNS_LABEL).isNotEqualTo(lower);
        assertThat(lower).matches(DNS_LABEL);
        assertThat(longest).matches(DNS_LABEL).hasSizeLessThanOrEqualTo(63);
        assertThat(Labels.podName("x".repeat(63))).isNotEqualTo(longest);
    }
}
