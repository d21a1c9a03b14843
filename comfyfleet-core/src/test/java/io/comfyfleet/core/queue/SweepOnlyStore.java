package io.comfyfleet.core.queue;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobCounts;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.JobTimes;
import io.comfyfleet.core.job.NewJob;
import io.comfyfleet.core.job.StreamChunk;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A store with only the three sweep operations: it answers what a test queued up and records the instants
 * it was called with. Failure knob: {@code failNext*} makes the next call of that operation throw. The real
 * stores live in comfyfleet-store, which depends on this module; their behaviour is tested there.
 */
final class SweepOnlyStore implements JobStore {
    final List<Instant> calls = new CopyOnWriteArrayList<>();
    final List<Instant> retainedSinceArgs = new CopyOnWriteArrayList<>();
    final List<Instant> syncRetainedSinceArgs = new CopyOnWriteArrayList<>();
    volatile List<Job> nextTimedOut = List.of();
    volatile List<Job> nextExpired = List.of();
    volatile int nextDeleted;
    volatile boolean failNextTimeOut;
    volatile boolean failNextExpire;
    volatile boolean failAlwaysDelete;

    @Override
    public List<Job> timeOutOverdue(Instant now) {
        calls.add(now);
        if (failNextTimeOut) {
            failNextTimeOut = false;
            throw new IllegalStateException("database went away (test)");
        }
        List<Job> r = nextTimedOut;
        nextTimedOut = List.of();
        return r;
    }

    @Override
    public List<Job> expireLeases(Instant now) {
        calls.add(now);
        if (failNextExpire) {
            failNextExpire = false;
            throw new IllegalStateException("database went away (test)");
        }
        List<Job> r = new ArrayList<>(nextExpired);
        nextExpired = List.of();
        return r;
    }

    @Override
    public int deleteExpired(Instant now, Instant retainedSince, Instant syncRetainedSince) {
        calls.add(now);
        retainedSinceArgs.add(retainedSince);
        syncRetainedSinceArgs.add(syncRetainedSince);
        if (failAlwaysDelete) {
            throw new IllegalStateException("disk full (test)");
        }
        int r = nextDeleted;
        nextDeleted = 0;
        return r;
    }

    private static UnsupportedOperationException notHere() {
        return new UnsupportedOperationException("the sweeper must only sweep");
    }

    @Override public Job enqueue(NewJob job) { throw notHere(); }
    @Override public Optional<Job> find(String jobId, Instant now) { throw notHere(); }
    @Override public List<Job> claim(String e, String w, int max, Instant now, Instant lease) { throw notHere(); }
    @Override public List<Job> unclaim(String w, Collection<String> ids) { throw notHere(); }
    @Override public boolean recordProgress(String ep, String j, String w, String o, Instant l) { throw notHere(); }
    @Override public boolean appendStream(String ep, String j, String w, String o, Instant l) { throw notHere(); }
    @Override public List<StreamChunk> streamAfter(String j, long after, int limit) { throw notHere(); }
    @Override public io.comfyfleet.core.job.Handoff enqueueAndClaim(NewJob j, String w, int max, Instant l) { throw notHere(); }
    @Override public Optional<Job> setTtl(String j, java.time.Duration ttl, Instant now) { throw notHere(); }
    @Override public List<StreamChunk> drainStream(String j, int limit) { throw notHere(); }
    @Override public Job finish(String ep, String j, String w, JobState s, String o, String e, Instant n) { throw notHere(); }
    @Override public Job cancel(String jobId, Instant now) { throw notHere(); }
    @Override public Job retry(String jobId, Instant now) { throw notHere(); }
    @Override public List<String> purgeQueue(String endpoint, Instant now) { throw notHere(); }
    @Override public boolean wasPurged(String endpoint, String jobId, Instant now) { throw notHere(); }
    @Override public int renewLeases(String ep, String w, Collection<String> ids, Instant l) { throw notHere(); }
    @Override public List<Job> handBack(String w, Instant now) { throw notHere(); }
    @Override public int endLeases(String w, Instant now) { throw notHere(); }
    @Override public List<String> notRunningFor(String ep, String w, Collection<String> ids) { throw notHere(); }
    @Override public JobCounts counts(String endpoint) { throw notHere(); }
    @Override public List<Job> recent(String e, Optional<JobState> s, int limit) { throw notHere(); }
    @Override public List<JobTimes> takenSince(Instant since, int limit) { throw notHere(); }
    @Override public List<JobTimes> endedSince(Instant since, int limit) { throw notHere(); }
    @Override public void close() {}
}
