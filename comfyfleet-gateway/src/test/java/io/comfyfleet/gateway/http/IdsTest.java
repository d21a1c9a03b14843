package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.core.job.JobNotFoundException;
import io.comfyfleet.gateway.auth.Access;
import io.comfyfleet.gateway.jobs.InvalidRequestException;
import org.junit.jupiter.api.Test;

/** The id checks of request paths: RunPod's job id alphabet, worker ids with '.' and ':' too, 1 to 128 long. */
class IdsTest {
    @Test
    void jobIdsAreLettersDigitsUnderscoreAndDashUpTo128() {
        assertThat(Ids.job("0f8c2b-6473_46f2-u1")).isEqualTo("0f8c2b-6473_46f2-u1");
        assertThat(Ids.job("x".repeat(128))).hasSize(128);
        for (String bad : new String[] {"", "x".repeat(129), "a.b", "a:b", "a/b", "a b", "\u00e9", "a\u0000"}) {
            assertThatThrownBy(() -> Ids.job(bad)).as(bad).isInstanceOf(JobNotFoundException.class);
        }
        assertThatThrownBy(() -> Ids.job(null)).isInstanceOf(JobNotFoundException.class);
    }

    @Test
    void workerIdsMayAlsoHoldDotsAndColons() {
        assertThat(Ids.worker("pod-1.gpu:0_a")).isEqualTo("pod-1.gpu:0_a");
        for (String bad : new String[] {"", "x".repeat(129), "a/b", "a b", "\u00e9", "a,b"}) {
            assertThatThrownBy(() -> Ids.worker(bad)).as(bad).isInstanceOf(InvalidRequestException.class);
        }
        assertThatThrownBy(() -> Ids.worker(null)).isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void aBearerPrefixIsRemovedWhateverItsCase() {
        assertThat(Access.stripBearer("Bearer abc")).isEqualTo("abc");
        assertThat(Access.stripBearer("bEaReR   abc ")).isEqualTo("abc");
        assertThat(Access.stripBearer(" abc ")).isEqualTo("abc");
        assertThat(Access.stripBearer("Bearer")).isEqualTo("Bearer");
        assertThat(Access.stripBearer("Bearerabc")).isEqualTo("Bearerabc");
        assertThat(Access.stripBearer(null)).isNull();
    }
}
