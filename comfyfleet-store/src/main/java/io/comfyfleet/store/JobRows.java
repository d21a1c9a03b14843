package io.comfyfleet.store;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobPolicy;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.JobTimes;
import io.comfyfleet.core.job.NewJob;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Turns rows of the {@code jobs} table into {@link Job}s, and instants into epoch milliseconds and back. */
final class JobRows {
    /** Claim order, also used to sort what {@code RETURNING} gives back in no particular order. */
    static final Comparator<Job> OLDEST_FIRST = Comparator.comparing(Job::createdAt).thenComparing(Job::id);

    private JobRows() {}

    static Job job(ResultSet rs) throws SQLException {
        return new Job(
                rs.getString("id"),
                rs.getString("endpoint"),
                JobState.valueOf(rs.getString("state")),
                rs.getString("input_json"),
                rs.getString("webhook"),
                rs.getString("s3_config_json"),
                new JobPolicy(
                        Duration.ofMillis(rs.getLong("execution_timeout_ms")),
                        Duration.ofMillis(rs.getLong("ttl_ms")),
                        rs.getInt("low_priority") != 0),
                rs.getInt("max_retries"),
                rs.getString("output_json"),
                rs.getString("error"),
                rs.getString("worker_id"),
                rs.getInt("retries"),
                instant(rs, "created_at"),
                instant(rs, "started_at"),
                instant(rs, "finished_at"),
                instant(rs, "lease_until"),
                instant(rs, "expires_at"));
    }

    /**
     * The job a new {@code jobs} row holds right after {@link JobSql#insertRows(int)}: queued, never run, instants at the
     * row's millisecond precision, so it equals what a later read of the row gives.
     */
    static Job queued(NewJob job, long createdMillis, long expiresMillis) {
        JobPolicy policy = new JobPolicy(
                Duration.ofMillis(job.policy().executionTimeout().toMillis()),
                Duration.ofMillis(job.policy().ttl().toMillis()),
                job.policy().lowPriority());
        return new Job(job.id(), job.endpoint(), JobState.IN_QUEUE, job.inputJson(), job.webhook(),
                job.s3ConfigJson(), policy, job.maxRetries(), null, null, null, 0,
                Instant.ofEpochMilli(createdMillis), null, null, null, Instant.ofEpochMilli(expiresMillis));
    }

    /** Runs the statement and reads every returned row as a job (for SELECT and {@code RETURNING *}). */
    static List<Job> jobs(PreparedStatement ps) throws SQLException {
        List<Job> jobs = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                jobs.add(job(rs));
            }
        }
        return jobs;
    }

    /** The rows of a {@code JobSql.TAKEN_SINCE} or {@code JobSql.ENDED_SINCE} query. */
    static List<JobTimes> times(PreparedStatement ps) throws SQLException {
        List<JobTimes> times = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                times.add(new JobTimes(rs.getString("id"), rs.getString("endpoint"),
                        JobState.valueOf(rs.getString("state")), instant(rs, "created_at"), instant(rs, "started_at"),
                        instant(rs, "finished_at")));
            }
        }
        return times;
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
    }

    static long millis(Instant instant) {
        return instant.toEpochMilli();
    }

    static void setNullableString(PreparedStatement ps, int index, String value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, value);
        }
    }

    /**
     * What a worker reports, as a store keeps it: PostgreSQL's text refuses the NUL character SQLite takes (a Python
     * worker's {@code "\x00"} in an error string), so both stores keep U+FFFD in its place and read back the same.
     */
    static String withoutNul(String text) {
        return text == null || text.indexOf('\0') < 0 ? text : text.replace('\0', '\uFFFD');
    }
}
