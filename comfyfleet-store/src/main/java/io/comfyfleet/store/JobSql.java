package io.comfyfleet.store;

import static io.comfyfleet.core.job.Move.CANCEL;
import static io.comfyfleet.core.job.Move.CLAIM;
import static io.comfyfleet.core.job.Move.COMPLETE;
import static io.comfyfleet.core.job.Move.FAIL;
import static io.comfyfleet.core.job.Move.GIVE_UP_LOST;
import static io.comfyfleet.core.job.Move.HAND_BACK;
import static io.comfyfleet.core.job.Move.REQUEUE_LOST;
import static io.comfyfleet.core.job.Move.RETRY;
import static io.comfyfleet.core.job.Move.TIME_OUT;
import static io.comfyfleet.core.job.Move.UNCLAIM;
import static io.comfyfleet.store.StateSql.expected;
import static io.comfyfleet.store.StateSql.target;

import io.comfyfleet.core.job.JobState;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The store's SQL, shared by SQLite and PostgreSQL. Each state change is one UPDATE whose WHERE names the
 * states it expects (from {@link io.comfyfleet.core.job.Move}, through {@link StateSql}), so a job that moved
 * meanwhile is simply not updated. No state is written here by hand.
 */
final class JobSql {
    private JobSql() {}

    /**
     * A job still running for a worker: what its progress, stream chunks and lease renewals need, and what it
     * may finish from.
     */
    private static final String RUNNING = expected(COMPLETE, FAIL);

    /**
     * The job a worker's call names, on the endpoint of the call's route, running for that worker: a worker key
     * opens one endpoint, so a call through it never touches another endpoint's job, whatever id it names.
     */
    private static final String RUNNING_FOR_WORKER = "endpoint = ? AND id = ? AND " + RUNNING + " AND worker_id = ?";

    private static final String INSERT_INTO = "INSERT INTO jobs (id, endpoint, state, input_json, webhook,"
            + " s3_config_json, execution_timeout_ms, ttl_ms, low_priority, max_retries, retries, created_at,"
            + " expires_at) VALUES ";
    private static final String INSERT_ROW =
            "(?, ?, " + StateSql.literal(JobState.IN_QUEUE) + ", ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)";
    /** How many parameters each row of {@link #insertRows(int)} has. */
    static final int INSERT_ROW_PARAMETERS = 11;
    private static final Map<Integer, String> INSERTS = new ConcurrentHashMap<>();

    /** Inserts {@code rows} new IN_QUEUE jobs in one statement. */
    static String insertRows(int rows) {
        return INSERTS.computeIfAbsent(rows,
                n -> INSERT_INTO + String.join(", ", Collections.nCopies(n, INSERT_ROW)));
    }

    static final String FIND = "SELECT * FROM jobs WHERE id = ? AND expires_at > ?";

    /** What a refused change reports: the job's state now (no row: it does not exist, or its TTL ran out). */
    static final String STATE_OF = "SELECT state, worker_id, endpoint FROM jobs WHERE id = ? AND expires_at > ?";

    /** One statement: pick the oldest live queued jobs (locking them on PostgreSQL) and take them. */
    static String claim(Dialect dialect) {
        String oldestQueuedIds = "SELECT id FROM jobs WHERE endpoint = ? AND " + expected(CLAIM)
                + " AND expires_at > ? ORDER BY created_at, id LIMIT ?";
        return "UPDATE jobs SET state = " + target(CLAIM)
                + ", worker_id = ?, started_at = ?, lease_until = ?, run_deadline = ? + execution_timeout_ms"
                + " WHERE " + expected(CLAIM) + " AND " + dialect.claimedIds(oldestQueuedIds)
                + " RETURNING *";
    }

    /** The queue's head as it is (model-affinity routing chooses from it). */
    static final String QUEUED_HEAD = "SELECT * FROM jobs WHERE endpoint = ? AND " + expected(CLAIM)
            + " AND expires_at > ? ORDER BY created_at, id LIMIT ?";

    /**
     * Takes the named jobs that are still queued: a conditional UPDATE per row, so of two claimers racing for one
     * job the second finds it moved (PostgreSQL re-checks the WHERE after the row lock) and gets nothing.
     */
    static String claimNamed(int count) {
        return "UPDATE jobs SET state = " + target(CLAIM)
                + ", worker_id = ?, started_at = ?, lease_until = ?, run_deadline = ? + execution_timeout_ms"
                + " WHERE " + expected(CLAIM) + " AND endpoint = ? AND expires_at > ? AND id IN ("
                + String.join(", ", Collections.nCopies(count, "?")) + ") RETURNING *";
    }

    /** Claimed jobs the worker never received back in the queue, as before their claim: retries unchanged. */
    static String unclaim(int count) {
        return "UPDATE jobs SET state = " + target(UNCLAIM)
                + ", worker_id = NULL, started_at = NULL, lease_until = NULL, run_deadline = NULL"
                + " WHERE " + expected(UNCLAIM) + " AND worker_id = ? AND id IN ("
                + String.join(", ", Collections.nCopies(count, "?")) + ") RETURNING *";
    }

    static final String RECORD_PROGRESS =
            "UPDATE jobs SET output_json = ?, lease_until = ? WHERE " + RUNNING_FOR_WORKER;

    static final String NEXT_STREAM_SEQ = "UPDATE jobs SET stream_seq = stream_seq + 1, lease_until = ?"
            + " WHERE " + RUNNING_FOR_WORKER + " RETURNING stream_seq";

    static final String INSERT_CHUNK = "INSERT INTO stream_chunks (job_id, seq, output_json) VALUES (?, ?, ?)";

    static final String STREAM_AFTER =
            "SELECT seq, output_json FROM stream_chunks WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?";

    static final String DELETE_CHUNKS = "DELETE FROM stream_chunks WHERE job_id = ?";

    /** Whether the job has chunks no /stream reader was given yet: lets an empty poll skip the write. */
    static final String STREAM_UNREAD = "SELECT stream_seq > stream_read FROM jobs WHERE id = ?";

    /**
     * Reads the stream cursor through an UPDATE that changes nothing: on PostgreSQL it locks the row, so a
     * concurrent drain waits here and then reads the cursor the first one moved (SQLite has one writer anyway).
     */
    static final String LOCK_STREAM_CURSOR =
            "UPDATE jobs SET stream_read = stream_read WHERE id = ? RETURNING stream_read";

    static final String MOVE_STREAM_CURSOR = "UPDATE jobs SET stream_read = ? WHERE id = ?";

    /** Finish: the outcome's state is a parameter (the target of COMPLETE or FAIL, which expect the same). */
    static final String FINISH = "UPDATE jobs SET state = ?, output_json = ?, error = ?, finished_at = ?,"
            + " lease_until = NULL, run_deadline = NULL"
            + " WHERE " + RUNNING_FOR_WORKER + " AND expires_at > ? RETURNING *";

    static final String SET_TTL = "UPDATE jobs SET ttl_ms = ?, expires_at = created_at + ?"
            + " WHERE id = ? AND expires_at > ? RETURNING *";

    static final String CANCEL_JOB = "UPDATE jobs SET state = " + target(CANCEL)
            + ", finished_at = ?, lease_until = NULL, run_deadline = NULL"
            + " WHERE id = ? AND " + expected(CANCEL) + " AND expires_at > ? RETURNING *";

    static final String RETRY_JOB = "UPDATE jobs SET state = " + target(RETRY)
            + ", output_json = NULL, error = NULL, retries = retries + 1, worker_id = NULL,"
            + " started_at = NULL, finished_at = NULL, lease_until = NULL, run_deadline = NULL"
            + " WHERE id = ? AND " + expected(RETRY) + " AND expires_at > ? RETURNING *";

    /** The queued jobs are those a claim would take. */
    static final String PURGE_QUEUE = "DELETE FROM jobs WHERE endpoint = ? AND " + expected(CLAIM) + " RETURNING id";

    /** A purged job's id, kept until a time (an id purged again, after an idempotent resubmission, is kept longer). */
    static final String KEEP_PURGED = "INSERT INTO purged_jobs (job_id, endpoint, kept_until) VALUES (?, ?, ?)"
            + " ON CONFLICT (job_id) DO UPDATE SET endpoint = excluded.endpoint, kept_until = excluded.kept_until";

    static final String FORGET_PURGED = "DELETE FROM purged_jobs WHERE kept_until <= ?";

    static final String WAS_PURGED = "SELECT 1 FROM purged_jobs WHERE job_id = ? AND endpoint = ? AND kept_until > ?";

    static final String RENEW_LEASE = "UPDATE jobs SET lease_until = ? WHERE " + RUNNING_FOR_WORKER;

    /**
     * A lost worker's job goes back to the queue while it has retries left, no longer naming that worker: /status
     * and the dashboard would show a dead worker for a queued job.
     */
    static final String REQUEUE_LOST_JOBS = "UPDATE jobs SET state = " + target(REQUEUE_LOST)
            + ", worker_id = NULL, retries = retries + 1, started_at = NULL, lease_until = NULL, run_deadline = NULL"
            + " WHERE " + expected(REQUEUE_LOST) + " AND lease_until < ? AND retries < max_retries"
            + " RETURNING *";

    /** A stopped worker's unfinished jobs go back to the queue at once; it did not fail them, so no retry counts. */
    /** A worker that ended on its own: its leases end now, so the next sweep expires them (retries + 1). */
    static final String END_LEASES_OF_WORKER = "UPDATE jobs SET lease_until = ? WHERE " + RUNNING
            + " AND worker_id = ? AND lease_until > ?";

    static final String HAND_BACK_JOBS = "UPDATE jobs SET state = " + target(HAND_BACK)
            + ", worker_id = NULL, started_at = NULL, lease_until = NULL, run_deadline = NULL"
            + " WHERE " + expected(HAND_BACK) + " AND worker_id = ? AND expires_at > ? RETURNING *";

    /** ... and fails, saying why, when it has none. Attempts = the first run plus every requeue. */
    static final String GIVE_UP_LOST_JOBS = "UPDATE jobs SET state = " + target(GIVE_UP_LOST)
            + ", finished_at = ?, lease_until = NULL, run_deadline = NULL,"
            + " error = 'worker ' || worker_id || ' stopped reporting (its lease ran out); gave up after '"
            + " || CAST(retries + 1 AS TEXT) || ' attempts'"
            + " WHERE " + expected(GIVE_UP_LOST) + " AND lease_until < ? AND retries >= max_retries"
            + " RETURNING *";

    static final String TIME_OUT_OVERDUE = "UPDATE jobs SET state = " + target(TIME_OUT)
            + ", finished_at = ?, lease_until = NULL, run_deadline = NULL,"
            + " error = 'execution timeout of ' || CAST(execution_timeout_ms AS TEXT) || ' ms exceeded'"
            + " WHERE " + expected(TIME_OUT) + " AND run_deadline < ? RETURNING *";

    static String runningFor(int ids) {
        return "SELECT id FROM jobs WHERE endpoint = ? AND " + RUNNING + " AND worker_id = ? AND id IN ("
                + String.join(", ", Collections.nCopies(ids, "?")) + ")";
    }

    /** Deletes are batched so a large sweep never holds SQLite's single writer for long. */
    static final String DELETE_EXPIRED_BATCH =
            "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE expires_at <= ? LIMIT ?)";

    static final String DELETE_RETAINED_BATCH = "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs"
            + " WHERE finished_at < ? AND " + StateSql.terminal() + " LIMIT ?)";

    /** Repeats the jobs_finished_sync index's condition word for word, so both databases use that index. */
    static final String DELETE_SYNC_RETAINED_BATCH = "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs"
            + " WHERE id LIKE 'sync-%' AND finished_at IS NOT NULL AND finished_at < ?"
            + " AND " + StateSql.terminal() + " LIMIT ?)";

    static final String COUNT_LIVE = "SELECT state, COUNT(*) FROM jobs"
            + " WHERE endpoint = ? AND " + StateSql.live() + " GROUP BY state";

    static final String TOTALS = "SELECT completed, failed, retried FROM job_totals WHERE endpoint = ?";

    static final String RECENT =
            "SELECT * FROM jobs WHERE endpoint = ? ORDER BY created_at DESC, id DESC LIMIT ?";

    static final String RECENT_IN_STATE =
            "SELECT * FROM jobs WHERE endpoint = ? AND state = ? ORDER BY created_at DESC, id DESC LIMIT ?";

    private static final String TIMES = "SELECT id, endpoint, state, created_at, started_at, finished_at FROM jobs";

    /** A range of {@code jobs_started}: the jobs taken since, oldest take first. */
    static final String TAKEN_SINCE = TIMES + " WHERE started_at >= ? ORDER BY started_at, id LIMIT ?";

    /** A range of {@code jobs_finished}: the jobs ended since, oldest end first. */
    static final String ENDED_SINCE = TIMES + " WHERE finished_at >= ? ORDER BY finished_at, id LIMIT ?";
}
