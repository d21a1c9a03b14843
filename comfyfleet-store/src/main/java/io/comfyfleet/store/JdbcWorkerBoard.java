package io.comfyfleet.store;

import static io.comfyfleet.store.Durability.COMMITTED;

import io.comfyfleet.core.worker.WorkerBoard;
import io.comfyfleet.core.worker.WorkerFailureRecord;
import io.comfyfleet.core.worker.WorkerRecord;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The shared worker registry in tables {@code workers} and {@code stop_orders} (migration V5) and
 * {@code worker_failures} (V16); the same SQL on both databases. Every write is committed without a sync (see {@link WorkerBoard}).
 */
final class JdbcWorkerBoard implements WorkerBoard {
    private static final String UPSERT = "INSERT INTO workers (endpoint, worker_id, gateway, first_seen, last_seen,"
            + " idle_since, jobs, busy, unhealthy, stop_requested, version, last_job, models)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (endpoint, worker_id) DO UPDATE SET gateway = excluded.gateway,"
            + " first_seen = LEAST_FIRST, last_seen = excluded.last_seen, idle_since = excluded.idle_since,"
            + " jobs = excluded.jobs, busy = excluded.busy, unhealthy = excluded.unhealthy,"
            + " stop_requested = excluded.stop_requested, version = COALESCE(excluded.version, workers.version),"
            + " last_job = COALESCE(excluded.last_job, workers.last_job), models = excluded.models"
            + " WHERE (workers.last_seen <= excluded.last_seen AND NOT (STARTING_NEW AND NOT STARTING_OLD))"
            + " OR (STARTING_OLD AND NOT STARTING_NEW)";
    /** A starting record (see {@link WorkerRecord#starting()}): neither idle since a time nor busy. */
    private static final String STARTING = "(T.idle_since IS NULL AND T.busy = 0 AND T.jobs = '')";
    /**
     * Keeps the earliest first sighting whichever gateway heard it (CASE: SQLite has no LEAST). A starting record's
     * first_seen is when the worker was started, not heard: the first heard record replaces it, so a gateway that
     * learns from the board that a worker became ready (ending its cold start) reads when it was first heard.
     */
    private static final String LEAST_FIRST = "CASE WHEN STARTING_OLD AND NOT STARTING_NEW THEN excluded.first_seen"
            + " WHEN workers.first_seen < excluded.first_seen THEN workers.first_seen ELSE excluded.first_seen END";
    private static final String COLUMNS = "endpoint, worker_id, gateway, first_seen, last_seen, idle_since, jobs,"
            + " busy, unhealthy, stop_requested, version, last_job, models";
    /** Held model names in one column (migration V9): a file name has no newline. */
    private static final String MODEL_SEPARATOR = "\n";

    private final Database db;

    JdbcWorkerBoard(Database db) {
        this.db = db;
    }

    @Override
    public void publish(Collection<WorkerRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        db.write("record " + records.size() + " workers' activity", COMMITTED, c -> {
            String sql = UPSERT.replace("LEAST_FIRST", LEAST_FIRST)
                    .replace("STARTING_NEW", STARTING.replace("T.", "excluded."))
                    .replace("STARTING_OLD", STARTING.replace("T.", "workers."));
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (WorkerRecord r : records) {
                    ps.setString(1, r.endpoint());
                    ps.setString(2, r.workerId());
                    ps.setString(3, r.gateway());
                    ps.setLong(4, r.firstSeen().toEpochMilli());
                    ps.setLong(5, r.lastSeen().toEpochMilli());
                    if (r.idleSince() == null) {
                        ps.setNull(6, Types.BIGINT);
                    } else {
                        ps.setLong(6, r.idleSince().toEpochMilli());
                    }
                    ps.setString(7, String.join(",", new TreeSet<>(r.jobs())));
                    ps.setInt(8, r.busy() ? 1 : 0);
                    ps.setInt(9, r.unhealthy() ? 1 : 0);
                    ps.setInt(10, r.stopRequested() ? 1 : 0);
                    JobRows.setNullableString(ps, 11, r.version());
                    JobRows.setNullableString(ps, 12, r.lastJob());
                    ps.setString(13, String.join(MODEL_SEPARATOR, new TreeSet<>(r.models())));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public List<WorkerRecord> heardSince(Instant since) {
        return db.read("list the workers heard from", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM workers WHERE last_seen >= ?")) {
                ps.setLong(1, since.toEpochMilli());
                List<WorkerRecord> result = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        result.add(record(rs));
                    }
                }
                return result;
            }
        });
    }

    private static WorkerRecord record(ResultSet rs) throws SQLException {
        long idle = rs.getLong(6);
        Instant idleSince = rs.wasNull() ? null : Instant.ofEpochMilli(idle);
        String jobs = rs.getString(7);
        String models = rs.getString(13);
        return new WorkerRecord(rs.getString(1), rs.getString(2), rs.getString(3), Instant.ofEpochMilli(rs.getLong(4)),
                Instant.ofEpochMilli(rs.getLong(5)), idleSince,
                jobs.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(jobs.split(","))), rs.getInt(8) != 0,
                rs.getInt(9) != 0, rs.getInt(10) != 0, rs.getString(11), rs.getString(12),
                models == null || models.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(models.split(MODEL_SEPARATOR))));
    }

    @Override
    public int forgetSilent(Instant before) {
        return db.write("forget silent workers", COMMITTED, c -> {
            try (PreparedStatement orders = c.prepareStatement("DELETE FROM stop_orders WHERE worker_id IN"
                    + " (SELECT worker_id FROM workers WHERE last_seen < ?)");
                    PreparedStatement workers = c.prepareStatement("DELETE FROM workers WHERE last_seen < ?")) {
                orders.setLong(1, before.toEpochMilli());
                orders.executeUpdate();
                workers.setLong(1, before.toEpochMilli());
                return workers.executeUpdate();
            }
        });
    }

    @Override
    public void withdrawStarting(Map<String, ? extends Collection<String>> workersByEndpoint) {
        if (workersByEndpoint.values().stream().allMatch(Collection::isEmpty)) {
            return;
        }
        db.write("withdraw starting workers", COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM workers WHERE endpoint = ? AND worker_id = ?"
                    + " AND " + STARTING.replace("T.", ""))) {
                for (var e : workersByEndpoint.entrySet()) {
                    for (String id : e.getValue()) {
                        ps.setString(1, e.getKey());
                        ps.setString(2, id);
                        ps.addBatch();
                    }
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public void orderStop(String workerId, String jobId, Instant now) {
        db.write("order worker " + workerId + " to stop job " + jobId, COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO stop_orders (worker_id, job_id, created_at)"
                    + " VALUES (?, ?, ?) ON CONFLICT (worker_id, job_id) DO UPDATE SET created_at = excluded.created_at")) {
                ps.setString(1, workerId);
                ps.setString(2, jobId);
                ps.setLong(3, now.toEpochMilli());
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public List<String> withStopOrders(Collection<String> workerIds) {
        if (workerIds.isEmpty()) {
            return List.of();
        }
        return db.read("look for stop orders", c -> {
            String marks = String.join(",", java.util.Collections.nCopies(workerIds.size(), "?"));
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT DISTINCT worker_id FROM stop_orders WHERE worker_id IN (" + marks + ")")) {
                int i = 1;
                for (String id : workerIds) {
                    ps.setString(i++, id);
                }
                List<String> result = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        result.add(rs.getString(1));
                    }
                }
                return result;
            }
        });
    }

    @Override
    public Map<String, Instant> takeStopOrders(String workerId) {
        return db.write("take the stop orders of worker " + workerId, COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM stop_orders WHERE worker_id = ? RETURNING job_id, created_at")) {
                ps.setString(1, workerId);
                Map<String, Instant> result = new LinkedHashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        result.put(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)));
                    }
                }
                return result;
            }
        });
    }

    @Override
    public void recordFailures(Collection<WorkerFailureRecord> failures) {
        if (failures.isEmpty()) {
            return;
        }
        db.write("record " + failures.size() + " worker failures", COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO worker_failures (endpoint, worker_id,"
                    + " check_name, reason, failed_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (endpoint) DO UPDATE SET"
                    + " worker_id = excluded.worker_id, check_name = excluded.check_name, reason = excluded.reason,"
                    + " failed_at = excluded.failed_at WHERE worker_failures.failed_at <= excluded.failed_at")) {
                for (WorkerFailureRecord f : failures) {
                    ps.setString(1, f.endpoint());
                    ps.setString(2, f.workerId());
                    JobRows.setNullableString(ps, 3, f.check());
                    ps.setString(4, f.reason());
                    ps.setLong(5, f.at().toEpochMilli());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public List<WorkerFailureRecord> failuresSince(Instant since) {
        return db.read("list the workers that gave up", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT endpoint, worker_id, check_name, reason, failed_at"
                    + " FROM worker_failures WHERE failed_at >= ?")) {
                ps.setLong(1, since.toEpochMilli());
                List<WorkerFailureRecord> result = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        result.add(new WorkerFailureRecord(rs.getString(1), rs.getString(2), rs.getString(3),
                                rs.getString(4), Instant.ofEpochMilli(rs.getLong(5))));
                    }
                }
                return result;
            }
        });
    }
}
