package io.comfyfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class JobChangeNoticeTest {

    @Test
    void theJobsAreSentAfterTheOriginAndReadBack() {
        JobChangeNotice notice = new JobChangeNotice("g1", List.of("sync-a1", "b-2"));
        assertThat(notice.payload()).isEqualTo("g1!sync-a1,b-2");
        assertThat(JobChangeNotice.parse("g1!sync-a1,b-2")).isEqualTo(notice);
    }

    @Test
    void aQueueNoticeIsNotOneEvenWithABangInItsEndpoint() {
        assertThat(JobChangeNotice.parse("g1:flux")).isNull();
        assertThat(JobChangeNotice.parse("g1#2:a!b")).isNull();
        assertThat(QueueNotice.parse("g1#2:a!b")).isEqualTo(new QueueNotice("g1", "a!b", 2));
        assertThat(QueueNotice.parse("g1!j1")).as("an older gateway passes a change notice over").isNull();
    }

    @Test
    void whatIsNotANoticeIsPassedOver() {
        assertThat(JobChangeNotice.parse("!j1")).isNull();
        assertThat(JobChangeNotice.parse("g1!")).isNull();
        assertThat(JobChangeNotice.parse("g1!j1,,j2")).isNull();
        assertThat(JobChangeNotice.parse("nothing")).isNull();
    }

    @Test
    void manyJobsAreSplitIntoNoticesPostgresCanSend() {
        List<String> ids = IntStream.range(0, 1_000).mapToObj(i -> "job-" + "x".repeat(30) + i).toList();
        List<JobChangeNotice> notices = JobChangeNotice.of("origin-0123", ids);

        assertThat(notices).hasSizeGreaterThan(1).allSatisfy(n -> assertThat(
                n.payload().getBytes(StandardCharsets.UTF_8).length).isLessThan(8_000));
        assertThat(notices.stream().flatMap(n -> n.jobIds().stream()).toList()).isEqualTo(ids);
        assertThat(JobChangeNotice.of("o", List.of())).isEmpty();
    }
}
