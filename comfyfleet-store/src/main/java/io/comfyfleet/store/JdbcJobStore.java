package io.comfyfleet.store;

import static io.comfyfleet.store.Durability.COMMITTED;
import static io.comfyfleet.store.Durability.SYNCED;
import static io.comfyfleet.store.JobRows.millis;
import static io.comfyfleet.store.JobRows.setNullableString;

import io.comfyfleet.core.job.Handoff;
import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobCounts;
import io.comfyfleet.core.job.JobIds;
import io.comfyfleet.core.job.JobNotFoundException;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.JobStateConflictException;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.JobIdTakenException;
import io.comfyfleet.core.job.JobStoreException;
import io.comfyfleet.core.job.JobTimes;
import io.comfyfleet.core.job.Move;
import io.comfyfleet.core.job.NewJob;
import io.comfyfleet.core.job.QueueWakeups;
import io.comfyfleet.core.job.StreamChunk;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The job store on any JDBC database: the SQL and rules are shared, the {@link Database} supplies
 * connections and transactions and its {@link Dialect} the few statements that differ.
 */
final class JdbcJobStore implements JobStore {
    private static final int DELETE_BATCH = 500;

    private final Database db;
    private final String claimSql;
    /** Wake-ups for other gateways on the same database; null when the database serves one gateway (SQLite). */
    private final QueueNotices notices;
    /** New jobs of concurrent callers in one statement; null where the database groups writes itself (SQLite). */
    private final GroupedInserts inserts;
    private final JdbcWebhookOutbox outbox;
    private final JdbcLeaseStore leases;
    private final JdbcWorkerBoard board;
    private final JdbcDashboardBoard dashboardBoard;
    private final JdbcEndpointSettings endpointSettings;
    private final JdbcCatalogueStore catalogues;
    private final JdbcTemplateStore templates;

    JdbcJobStore(Database db) {
        this(db, null);
    }

    JdbcJobStore(Database db, QueueNotices notices) {
        this.db = db;
        this.outbox = new JdbcWebhookOutbox(db);
        this.leases = new JdbcLeaseStore(db);
        this.board = new JdbcWorkerBoard(db);
        this.dashboardBoard = new JdbcDashboardBoard(db);
        this.endpointSettings = new JdbcEndpointSettings(db);
        this.catalogues = new JdbcCatalogueStore(db);
        this.templates = new JdbcTemplateStore(db);
        this.claimSql = JobSql.claim(db.dialect());
        this.notices = notices;
        this.inserts = db.groupsWrites() ? null : new GroupedInserts(this::insertTogether);
    }

    /** Tells other gateways that {@code jobs} jobs of the endpoint are queued: call once committed. */
    private void announceQueued(String endpoint, int jobs) {
        if (notices != null) {
            notices.announce(endpoint, jobs);
        }
    }

    /** Tells other gateways that these jobs changed, for the calls waiting on them there: call once committed. */
    private void announceChanged(Collection<Job> jobs) {
        if (notices != null) {
            jobs.forEach(j -> notices.changed(j.id()));
        }
    }

    private void announceChanged(String jobId) {
        if (notices != null) {
            notices.changed(jobId);
        }
    }

    @Override
    public AutoCloseable watchQueues(QueueWakeups wakeups) {
        Objects.requireNonNull(wakeups, "wakeups");
        return notices == null ? () -> {} : notices.watch(wakeups);
    }

    @Override
    public Job enqueue(NewJob job) {
        validate(job);
        Job stored = inserts != null ? inserts.insert(job)
                : db.write("enqueue job " + job.id(), SYNCED, c -> insert(c, job));
        announceQueued(stored.endpoint(), 1);
        return stored;
    }

    @Override
    public Handoff enqueueAndClaim(NewJob job, String workerId, int max, Instant leaseUntil) {
        return enqueueAndClaim(job, workerId, max, leaseUntil, h -> { });
    }

    @Override
    public Handoff enqueueAndClaim(NewJob job, String workerId, int max, Instant leaseUntil, Consumer<Handoff> ordered) {
        validate(job);
        checkClaim(workerId, max);
        Handoff handoff = db.write("enqueue job " + job.id() + " and claim for worker " + workerId, SYNCED, c -> {
            Job stored = insert(c, job);
            return new Handoff(stored, claimIn(c, job.endpoint(), workerId, max, job.createdAt(), leaseUntil));
        }, ordered);
        if (!handoff.queuedJobClaimed()) {
            announceQueued(job.endpoint(), 1);
        }
        announceChanged(handoff.claimed());
        return handoff;
    }

    private Job insert(Connection c, NewJob job) throws SQLException {
        return insertRows(c, List.of(job)).getFirst();
    }

    /** The jobs in one statement of their own: on a database server one transaction and one round trip. */
    private List<Job> insertTogether(List<NewJob> jobs) {
        String what = jobs.size() == 1 ? "enqueue job " + jobs.getFirst().id()
                : "enqueue " + jobs.size() + " jobs (" + jobs.getFirst().id() + " and others)";
        return db.writeStatement(what, SYNCED, c -> insertRows(c, jobs));
    }

    private List<Job> insertRows(Connection c, List<NewJob> jobs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(JobSql.insertRows(jobs.size()))) {
            List<Job> queued = new ArrayList<>(jobs.size());
            int at = 0;
            for (NewJob job : jobs) {
                long created = millis(job.createdAt());
                long expires = Math.addExact(created, job.policy().ttl().toMillis());
                ps.setString(at + 1, job.id());
                ps.setString(at + 2, job.endpoint());
                ps.setString(at + 3, job.inputJson());
                setNullableString(ps, at + 4, job.webhook());
                setNullableString(ps, at + 5, job.s3ConfigJson());
                ps.setLong(at + 6, job.policy().executionTimeout().toMillis());
                ps.setLong(at + 7, job.policy().ttl().toMillis());
                ps.setInt(at + 8, job.policy().lowPriority() ? 1 : 0);
                ps.setInt(at + 9, job.maxRetries());
                ps.setLong(at + 10, created);
                ps.setLong(at + 11, expires);
                at += JobSql.INSERT_ROW_PARAMETERS;
                // the row is exactly what was bound: building the job here spares every /run reading it back
                // (RETURNING *: the input again, and each column looked up by name)
                queued.add(JobRows.queued(job, created, expires));
            }
            ps.executeUpdate();
            return queued;
        } catch (SQLException e) {
            if (jobs.size() == 1 && db.dialect().isUniqueViolation(e)) {
                throw new JobIdTakenException(jobs.getFirst().id(), e);
            }
            throw e;
        }
    }

    private static void validate(NewJob job) {
        Objects.requireNonNull(job, "job");
        if (!JobIds.isWellFormed(job.id())) {
            throw new IllegalArgumentException(
                    "job id must be 1-128 letters, digits, '_' or '-', got " + quoted(job.id()));
        }
        if (job.endpoint() == null || job.endpoint().isBlank()) {
            throw new IllegalArgumentException("job " + job.id() + " needs an endpoint name");
        }
        if (job.inputJson() == null) {
            throw new IllegalArgumentException("job " + job.id() + " needs an input (JSON text)");
        }
        if (job.policy() == null || job.createdAt() == null) {
            throw new IllegalArgumentException("job " + job.id() + " needs a policy and a createdAt time");
        }
        if (job.maxRetries() < 0) {
            throw new IllegalArgumentException("job " + job.id() + ": maxRetries must be 0 or more, got "
                    + job.maxRetries());
        }
    }

    private static String quoted(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }

    @Override
    public Optional<Job> find(String jobId, Instant now) {
        return db.read("find job " + jobId, c -> {
            try (PreparedStatement ps = c.prepareStatement(JobSql.FIND)) {
                ps.setString(1, jobId);
                ps.setLong(2, millis(now));
                return JobRows.jobs(ps).stream().findFirst();
            }
        });
    }

    @Override
    public List<Job> claim(String endpoint, String workerId, int max, Instant now, Instant leaseUntil) {
        checkClaim(workerId, max);
        String what = "claim jobs of endpoint " + endpoint + " for worker " + workerId;
        // a claim lost to a power cut only puts the job back in the queue: it runs again
        List<Job> claimed = db.write(what, COMMITTED, c -> claimIn(c, endpoint, workerId, max, now, leaseUntil));
        announceChanged(claimed);
        return claimed;
    }

    @Override
    public List<Job> queuedHead(String endpoint, int limit, Instant now) {
        if (limit < 1) {
            throw new IllegalArgumentException("list at least 1 job, got limit=" + limit);
        }
        return db.read("list the queue of endpoint " + endpoint, c -> {
            try (PreparedStatement ps = c.prepareStatement(JobSql.QUEUED_HEAD)) {
                ps.setString(1, endpoint);
                ps.setLong(2, millis(now));
                ps.setInt(3, limit);
                return JobRows.jobs(ps);
            }
        });
    }

    @Override
    public List<Job> claimJobs(String endpoint, String workerId, List<String> jobIds, Instant now,
            Instant leaseUntil) {
        checkClaim(workerId, Math.max(1, jobIds.size()));
        if (jobIds.isEmpty()) {
            return List.of();
        }
        String what = "claim " + jobIds.size() + " chosen jobs of endpoint " + endpoint + " for worker " + workerId;
        List<Job> taken = db.write(what, COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement(JobSql.claimNamed(jobIds.size()))) {
                int i = 1;
                ps.setString(i++, workerId);
                ps.setLong(i++, millis(now));
                ps.setLong(i++, millis(leaseUntil));
                ps.setLong(i++, millis(now));
                ps.setString(i++, endpoint);
                ps.setLong(i++, millis(now));
                for (String id : jobIds) {
                    ps.setString(i++, id);
                }
                List<Job> claimed = JobRows.jobs(ps);
                claimed.sort(JobRows.OLDEST_FIRST);
                return claimed;
            }
        });
        announceChanged(taken);
        return taken;
    }

    private static void checkClaim(String workerId, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("claim at least 1 job, got max=" + max);
        }
        Objects.requireNonNull(workerId, "workerId");
    }

    private List<Job> claimIn(Connection c, String endpoint, String workerId, int max, Instant now,
            Instant leaseUntil) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(claimSql)) {
            ps.setString(1, workerId);
            ps.setLong(2, millis(now));
            ps.setLong(3, millis(leaseUntil));
            ps.setLong(4, millis(now));
            ps.setString(5, endpoint);
            ps.setLong(6, millis(now));
            ps.setInt(7, max);
            List<Job> claimed = JobRows.jobs(ps);
            claimed.sort(JobRows.OLDEST_FIRST);
            return claimed;
        }
    }

    @Override
    public List<Job> unclaim(String workerId, Collection<String> jobIds) {
        Objects.requireNonNull(workerId, "workerId");
        if (jobIds.isEmpty()) {
            return List.of();
        }
        List<String> ids = List.copyOf(new LinkedHashSet<>(jobIds));
        // as a claim: lost to a power cut, the job stays claimed and goes back when its lease runs out
        List<Job> back = db.write("unclaim " + ids.size() + " jobs of worker " + workerId, COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement(JobSql.unclaim(ids.size()))) {
                ps.setString(1, workerId);
                for (int i = 0; i < ids.size(); i++) {
                    ps.setString(i + 2, ids.get(i));
                }
                List<Job> unclaimed = JobRows.jobs(ps);
                unclaimed.sort(JobRows.OLDEST_FIRST);
                return unclaimed;
            }
        });
        announceEach(back);
        announceChanged(back);
        return back;
    }

    @Override
    public boolean recordProgress(String endpoint, String jobId, String workerId, String outputJson,
            Instant leaseUntil) {
        boolean recorded = db.write("record progress of job " + jobId, COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement(JobSql.RECORD_PROGRESS)) {
                setNullableString(ps, 1, JobRows.withoutNul(outputJson));
                ps.setLong(2, millis(leaseUntil));
                runningForWorker(ps, 3, endpoint, jobId, workerId);
                return ps.executeUpdate() == 1;
            }
        });
        if (recorded) {
            announceChanged(jobId);
        }
        return recorded;
    }

    @Override
    public boolean appendStream(String endpoint, String jobId, String workerId, String outputJson,
            Instant leaseUntil) {
        Objects.requireNonNull(outputJson, "outputJson");
        boolean appended = db.write("append a stream chunk to job " + jobId, COMMITTED, c -> {
            long seq;
            try (PreparedStatement ps = c.prepareStatement(JobSql.NEXT_STREAM_SEQ)) {
                ps.setLong(1, millis(leaseUntil));
                runningForWorker(ps, 2, endpoint, jobId, workerId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return false;
                    }
                    seq = rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(JobSql.INSERT_CHUNK)) {
                ps.setString(1, jobId);
                ps.setLong(2, seq);
                ps.setString(3, JobRows.withoutNul(outputJson));
                ps.executeUpdate();
            }
            return true;
        });
        if (appended) {
            announceChanged(jobId);
        }
        return appended;
    }

    @Override
    public List<StreamChunk> streamAfter(String jobId, long afterSeq, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("read at least 1 stream chunk, got limit=" + limit);
        }
        return db.read("read the stream of job " + jobId, c -> chunksAfter(c, jobId, afterSeq, limit));
    }

    @Override
    public List<StreamChunk> drainStream(String jobId, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("drain at least 1 stream chunk, got limit=" + limit);
        }
        // most polls find nothing new: a read answers them without queueing for the writer. A chunk appended
        // after this read wakes the poll, which then drains again.
        boolean unread = db.read("check the stream of job " + jobId, c -> {
            try (PreparedStatement ps = c.prepareStatement(JobSql.STREAM_UNREAD)) {
                ps.setString(1, jobId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() && rs.getBoolean(1);
                }
            }
        });
        if (!unread) {
            return List.of();
        }
        // a drain lost to a power cut only sends its chunks again
        return db.write("drain the stream of job " + jobId, COMMITTED, c -> {
            long cursor;
            try (PreparedStatement ps = c.prepareStatement(JobSql.LOCK_STREAM_CURSOR)) {
                ps.setString(1, jobId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return List.<StreamChunk>of();
                    }
                    cursor = rs.getLong(1);
                }
            }
            List<StreamChunk> chunks = chunksAfter(c, jobId, cursor, limit);
            if (!chunks.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(JobSql.MOVE_STREAM_CURSOR)) {
                    ps.setLong(1, chunks.getLast().seq());
                    ps.setString(2, jobId);
                    ps.executeUpdate();
                }
            }
            return chunks;
        });
    }

    private static List<StreamChunk> chunksAfter(Connection c, String jobId, long afterSeq, int limit)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(JobSql.STREAM_AFTER)) {
            ps.setString(1, jobId);
            ps.setLong(2, afterSeq);
            ps.setInt(3, limit);
            List<StreamChunk> chunks = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    chunks.add(new StreamChunk(rs.getLong(1), rs.getString(2)));
                }
            }
            return chunks;
        }
    }

    @Override
    public Job finish(String endpoint, String jobId, String workerId, JobState outcome, String outputJson,
            String error, Instant now) {
        return finish(endpoint, jobId, workerId, outcome, outputJson, error, now, j -> { });
    }

    @Override
    public Job finish(String endpoint, String jobId, String workerId, JobState outcome, String outputJson,
            String error, Instant now, Consumer<Job> ordered) {
        Move move = switch (outcome) {
            case COMPLETED -> Move.COMPLETE;
            case FAILED -> Move.FAIL;
            case null, default -> throw new IllegalArgumentException(
                    "a worker finishes job " + jobId + " as COMPLETED or FAILED, not " + outcome);
        };
        Job finished = db.write("finish job " + jobId, SYNCED, c -> {
            try (PreparedStatement ps = c.prepareStatement(JobSql.FINISH)) {
                ps.setString(1, move.target().name());
                setNullableString(ps, 2, JobRows.withoutNul(outputJson));
                setNullableString(ps, 3, JobRows.withoutNul(error));
                ps.setLong(4, millis(now));
                runningForWorker(ps, 5, endpoint, jobId, workerId);
                ps.setLong(8, millis(now));
                Job job = single(c, ps, endpoint, jobId, move, now, workerId);
                Totals.add(c, job.endpoint(),
                        outcome == JobState.COMPLETED ? Totals.Kind.COMPLETED : Totals.Kind.FAILED, 1);
                outbox.addEnded(c, List.of(job), now);
                return job;
            }
        }, ordered);
        announceChanged(jobId);
        return finished;
    }

    @Override
    public Optional<Job> setTtl(String jobId, Duration ttl, Instant now) {
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("job " + jobId + ": a TTL must be positive, got " + ttl);
        }
        Optional<Job> set = db.write("set the TTL of job " + jobId, SYNCED, c -> {
            try (PreparedStatement ps = c.prepareStatement(JobSql.SET_TTL)) {
                ps.setLong(1, ttl.toMillis());
                ps.setLong(2, ttl.toMillis());
                ps.setString(3, jobId);
                ps.setLong(4, millis(now));
                return JobRows.jobs(ps).stream().findFirst().filter(j -> j.expiresAt().isAfter(now));
            }
        });
        // calls waiting on the job at other gateways park until the expiry they read: they read the new one
        announceChanged(jobId);
        return set;
    }

    @Override
    public Job cancel(String jobId, Instant now) {
        Job cancelled = db.write("cancel job " + jobId, SYNCED, c -> {
            try (PreparedStatement ps = c.prepareStatement(JobSql.CANCEL_JOB)) {
                ps.setLong(1, millis(now));
                ps.setString(2, jobId);
                ps.setLong(3, millis(now));
                Job job = single(c, ps, null, jobId, Move.CANCEL, now, null);
                outbox.addEnded(c, List.of(job), now);
                return job;
            }
        });
        announceChanged(jobId);
        return cancelled;
    }

    @Override
    public Job retry(String jobId, Instant now) {
        Job retried = db.write("retry job " + jobId, SYNCED, c -> {
            Job job;
            try (PreparedStatement ps = c.prepareStatement(JobSql.RETRY_JOB)) {
                ps.setString(1, jobId);
                ps.setLong(2, millis(now));
                job = single(c, ps, null, jobId, Move.RETRY, now, null);
            }
            // the previous run's chunks go with its output; the seq counter keeps counting so that a
            // client's "after seq N" cursor never skips the new run's chunks
            try (PreparedStatement ps = c.prepareStatement(JobSql.DELETE_CHUNKS)) {
                ps.setString(1, jobId);
                ps.executeUpdate();
            }
            Totals.add(c, job.endpoint(), Totals.Kind.RETRIED, 1);
            return job;
        });
        announceQueued(retried.endpoint(), 1);
        announceChanged(jobId);
        return retried;
    }

    /** Binds {@link JobSql}'s running-for-worker condition (endpoint, id, worker) from parameter {@code at} on. */
    private static void runningForWorker(PreparedStatement ps, int at, String endpoint, String jobId, String workerId)
            throws SQLException {
        ps.setString(at, Objects.requireNonNull(endpoint, "endpoint"));
        ps.setString(at + 1, jobId);
        ps.setString(at + 2, workerId);
    }

    /**
     * The one job a guarded UPDATE changed; when it changed none, says why: the job does not exist (or its TTL
     * ran out, or it is of another endpoint than {@code endpoint}, when given), or it is in another state, or
     * held by another worker.
     */
    private static Job single(Connection c, PreparedStatement ps, String endpoint, String jobId, Move move,
            Instant now, String workerId) throws SQLException {
        List<Job> changed = JobRows.jobs(ps);
        if (!changed.isEmpty()) {
            return changed.getFirst();
        }
        try (PreparedStatement q = c.prepareStatement(JobSql.STATE_OF)) {
            q.setString(1, jobId);
            q.setLong(2, millis(now));
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next() || (endpoint != null && !endpoint.equals(rs.getString(3)))) {
                    throw new JobNotFoundException(jobId);
                }
                JobState actual = JobState.valueOf(rs.getString(1));
                String holder = rs.getString(2);
                String detail = move.from().contains(actual) && workerId != null
                        ? "it is held by worker " + holder + ", not " + workerId
                        : null;
                throw new JobStateConflictException(jobId, actual, move.from(), move.action(), detail);
            }
        }
    }

    @Override
    public List<String> purgeQueue(String endpoint, Instant now) {
        List<String> gone = db.write("purge the queue of endpoint " + endpoint, SYNCED, c -> {
            List<String> purged = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(JobSql.PURGE_QUEUE)) {
                ps.setString(1, endpoint);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        purged.add(rs.getString(1));
                    }
                }
            }
            keepPurged(c, endpoint, purged, now);
            return purged;
        });
        gone.forEach(this::announceChanged);
        return gone;
    }

    /** Keeps the purged ids for {@link JobStore#PURGES_KEPT}, forgetting those whose time is up. */
    private static void keepPurged(Connection c, String endpoint, List<String> purged, Instant now)
            throws SQLException {
        try (PreparedStatement forget = c.prepareStatement(JobSql.FORGET_PURGED)) {
            forget.setLong(1, millis(now));
            forget.executeUpdate();
        }
        if (purged.isEmpty()) {
            return;
        }
        try (PreparedStatement keep = c.prepareStatement(JobSql.KEEP_PURGED)) {
            for (String id : purged) {
                keep.setString(1, id);
                keep.setString(2, endpoint);
                keep.setLong(3, millis(now.plus(PURGES_KEPT)));
                keep.addBatch();
            }
            keep.executeBatch();
        }
    }

    @Override
    public boolean wasPurged(String endpoint, String jobId, Instant now) {
        return db.read("look for job " + jobId + " among the purged", c -> {
            try (PreparedStatement ps = c.prepareStatement(JobSql.WAS_PURGED)) {
                ps.setString(1, jobId);
                ps.setString(2, endpoint);
                ps.setLong(3, millis(now));
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    @Override
    public int renewLeases(String endpoint, String workerId, Collection<String> jobIds, Instant leaseUntil) {
        if (jobIds.isEmpty()) {
            return 0;
        }
        Set<String> ids = new LinkedHashSet<>(jobIds);
        return db.write("renew the leases of worker " + workerId + " of endpoint " + endpoint, COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement(JobSql.RENEW_LEASE)) {
                for (String id : ids) {
                    ps.setLong(1, millis(leaseUntil));
                    runningForWorker(ps, 2, endpoint, id, workerId);
                    ps.addBatch();
                }
                int renewed = 0;
                for (int n : ps.executeBatch()) {
                    renewed += Math.max(n, 0);
                }
                return renewed;
            }
        });
    }

    @Override
    public List<Job> expireLeases(Instant now) {
        List<Job> expired = db.write("expire the leases of silent workers", SYNCED, c -> {
            List<Job> changed = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(JobSql.GIVE_UP_LOST_JOBS)) {
                ps.setLong(1, millis(now));
                ps.setLong(2, millis(now));
                List<Job> failed = JobRows.jobs(ps);
                Totals.addEach(c, failed, Totals.Kind.FAILED);
                outbox.addEnded(c, failed, now);
                changed.addAll(failed);
            }
            try (PreparedStatement ps = c.prepareStatement(JobSql.REQUEUE_LOST_JOBS)) {
                ps.setLong(1, millis(now));
                List<Job> requeued = JobRows.jobs(ps);
                Totals.addEach(c, requeued, Totals.Kind.RETRIED);
                changed.addAll(requeued);
            }
            changed.sort(JobRows.OLDEST_FIRST);
            return changed;
        });
        announceEach(expired.stream().filter(j -> j.state() == JobState.IN_QUEUE).toList());
        announceChanged(expired);
        return expired;
    }

    /** Tells other gateways of these queued jobs, one notice per endpoint: call once committed. */
    private void announceEach(List<Job> queued) {
        queued.stream()
                .collect(Collectors.groupingBy(Job::endpoint, LinkedHashMap::new, Collectors.counting()))
                .forEach((endpoint, jobs) -> announceQueued(endpoint, Math.toIntExact(jobs)));
    }

    @Override
    public List<Job> handBack(String workerId, Instant now) {
        Objects.requireNonNull(workerId, "workerId");
        List<Job> handedBack = db.write("hand back the jobs of worker " + workerId, SYNCED, c -> {
            try (PreparedStatement ps = c.prepareStatement(JobSql.HAND_BACK_JOBS)) {
                ps.setString(1, workerId);
                ps.setLong(2, millis(now));
                List<Job> jobs = JobRows.jobs(ps);
                jobs.sort(JobRows.OLDEST_FIRST);
                return jobs;
            }
        });
        handedBack.stream().collect(Collectors.groupingBy(Job::endpoint, LinkedHashMap::new, Collectors.counting()))
                .forEach((endpoint, jobs) -> announceQueued(endpoint, Math.toIntExact(jobs)));
        announceChanged(handedBack);
        return handedBack;
    }

    @Override
    public int endLeases(String workerId, Instant now) {
        Objects.requireNonNull(workerId, "workerId");
        return db.write("end the leases of worker " + workerId, COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement(JobSql.END_LEASES_OF_WORKER)) {
                ps.setLong(1, millis(now));
                ps.setString(2, workerId);
                ps.setLong(3, millis(now));
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public List<Job> timeOutOverdue(Instant now) {
        List<Job> overdue = db.write("time out overdue jobs", SYNCED, c -> {
            try (PreparedStatement ps = c.prepareStatement(JobSql.TIME_OUT_OVERDUE)) {
                ps.setLong(1, millis(now));
                ps.setLong(2, millis(now));
                List<Job> timedOut = JobRows.jobs(ps);
                Totals.addEach(c, timedOut, Totals.Kind.FAILED);
                outbox.addEnded(c, timedOut, now);
                timedOut.sort(JobRows.OLDEST_FIRST);
                return timedOut;
            }
        });
        announceChanged(overdue);
        return overdue;
    }

    @Override
    public List<String> notRunningFor(String endpoint, String workerId, Collection<String> jobIds) {
        if (jobIds.isEmpty()) {
            return List.of();
        }
        List<String> ids = List.copyOf(new LinkedHashSet<>(jobIds));
        Set<String> running = db.read("check the jobs of worker " + workerId + " of endpoint " + endpoint, c -> {
            try (PreparedStatement ps = c.prepareStatement(JobSql.runningFor(ids.size()))) {
                ps.setString(1, Objects.requireNonNull(endpoint, "endpoint"));
                ps.setString(2, workerId);
                for (int i = 0; i < ids.size(); i++) {
                    ps.setString(i + 3, ids.get(i));
                }
                Set<String> found = new HashSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.add(rs.getString(1));
                    }
                }
                return found;
            }
        });
        return ids.stream().filter(id -> !running.contains(id)).toList();
    }

    @Override
    public int deleteExpired(Instant now, Instant retainedSince, Instant syncRetainedSince) {
        return deleteInBatches("delete jobs whose TTL ran out", JobSql.DELETE_EXPIRED_BATCH, now)
                + deleteInBatches("delete finished jobs past retention", JobSql.DELETE_RETAINED_BATCH, retainedSince)
                + deleteInBatches("delete finished runsync jobs past their retention",
                        JobSql.DELETE_SYNC_RETAINED_BATCH, syncRetainedSince);
    }

    private int deleteInBatches(String what, String sql, Instant cutoff) {
        int total = 0;
        int deleted;
        do {
            deleted = db.write(what, COMMITTED, c -> {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setLong(1, millis(cutoff));
                    ps.setInt(2, DELETE_BATCH);
                    return ps.executeUpdate();
                }
            });
            total += deleted;
        } while (deleted == DELETE_BATCH);
        return total;
    }

    @Override
    public JobCounts counts(String endpoint) {
        return db.read("count the jobs of endpoint " + endpoint, c -> {
            long inQueue = 0;
            long inProgress = 0;
            try (PreparedStatement ps = c.prepareStatement(JobSql.COUNT_LIVE)) {
                ps.setString(1, endpoint);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (JobState.valueOf(rs.getString(1)) == JobState.IN_QUEUE) {
                            inQueue = rs.getLong(2);
                        } else {
                            inProgress = rs.getLong(2);
                        }
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(JobSql.TOTALS)) {
                ps.setString(1, endpoint);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return new JobCounts(inQueue, inProgress, rs.getLong(1), rs.getLong(2), rs.getLong(3));
                    }
                }
            }
            return new JobCounts(inQueue, inProgress, 0, 0, 0);
        });
    }

    @Override
    public List<Job> recent(String endpoint, Optional<JobState> state, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("list at least 1 job, got limit=" + limit);
        }
        return db.read("list recent jobs of endpoint " + endpoint, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    state.isPresent() ? JobSql.RECENT_IN_STATE : JobSql.RECENT)) {
                int i = 1;
                ps.setString(i++, endpoint);
                if (state.isPresent()) {
                    ps.setString(i++, state.get().name());
                }
                ps.setInt(i, limit);
                return JobRows.jobs(ps);
            }
        });
    }

    @Override
    public List<JobTimes> takenSince(Instant since, int limit) {
        return times("list the jobs taken since " + since, JobSql.TAKEN_SINCE, since, limit);
    }

    @Override
    public List<JobTimes> endedSince(Instant since, int limit) {
        return times("list the jobs ended since " + since, JobSql.ENDED_SINCE, since, limit);
    }

    private List<JobTimes> times(String what, String sql, Instant since, int limit) {
        Objects.requireNonNull(since, "since");
        if (limit < 1) {
            throw new IllegalArgumentException("list at least 1 job, got limit=" + limit);
        }
        return db.read(what, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, millis(since));
                ps.setInt(2, limit);
                return JobRows.times(ps);
            }
        });
    }

    @Override
    public boolean sharedByGateways() {
        return notices != null;
    }

    @Override
    public Optional<io.comfyfleet.core.lease.LeaseStore> leases() {
        return Optional.of(leases);
    }

    @Override
    public Optional<io.comfyfleet.core.worker.WorkerBoard> workerBoard() {
        return Optional.of(board);
    }

    @Override
    public Optional<io.comfyfleet.core.dashboard.DashboardBoard> dashboardBoard() {
        return Optional.of(dashboardBoard);
    }

    @Override
    public Optional<io.comfyfleet.core.webhook.WebhookOutbox> webhookOutbox() {
        return Optional.of(outbox);
    }

    @Override
    public Optional<io.comfyfleet.core.endpoint.EndpointSettingsStore> endpointSettings() {
        return Optional.of(endpointSettings);
    }

    @Override
    public Optional<io.comfyfleet.core.catalogue.CatalogueStore> catalogues() {
        return Optional.of(catalogues);
    }

    @Override
    public Optional<io.comfyfleet.core.template.TemplateStore> templates() {
        return Optional.of(templates);
    }

    @Override
    public void close() {
        if (notices != null) {
            notices.close();
        }
        db.close();
    }
}
