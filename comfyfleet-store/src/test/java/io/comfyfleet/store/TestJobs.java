package io.comfyfleet.store;

import io.comfyfleet.core.job.JobPolicy;
import io.comfyfleet.core.job.NewJob;
import java.time.Duration;
import java.time.Instant;

/** Readable new jobs for store tests: sensible defaults, change only what a test is about. */
record TestJobs(String id, String endpoint, Duration executionTimeout, Duration ttl, int maxRetries,
        Instant createdAt) {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final String EP = "ep1";

    static TestJobs job(String id) {
        return new TestJobs(id, EP, Duration.ofMinutes(10), Duration.ofHours(24), 2, T0);
    }

    static Instant at(long seconds) {
        return T0.plusSeconds(seconds);
    }

    TestJobs endpoint(String e) {
        return new TestJobs(id, e, executionTimeout, ttl, maxRetries, createdAt);
    }

    TestJobs executionTimeout(Duration d) {
        return new TestJobs(id, endpoint, d, ttl, maxRetries, createdAt);
    }

    TestJobs ttl(Duration d) {
        return new TestJobs(id, endpoint, executionTimeout, d, maxRetries, createdAt);
    }

    TestJobs maxRetries(int n) {
        return new TestJobs(id, endpoint, executionTimeout, ttl, n, createdAt);
    }

    TestJobs createdAt(Instant t) {
        return new TestJobs(id, endpoint, executionTimeout, ttl, maxRetries, t);
    }

    NewJob build() {
        return new NewJob(id, endpoint, "{\"prompt\":\"" + id + "\"}", "https://hooks.example/" + id,
                "{\"bucketName\":\"b\"}", new JobPolicy(executionTimeout, ttl, false), maxRetries, createdAt);
    }
}
