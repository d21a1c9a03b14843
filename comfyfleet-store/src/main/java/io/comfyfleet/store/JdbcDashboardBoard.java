package io.comfyfleet.store;

import static io.comfyfleet.store.Durability.COMMITTED;

import io.comfyfleet.core.dashboard.DashboardBoard;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** The dashboards' shared frames and cold starts in tables {@code job_previews} and {@code cold_starts} (V14). */
final class JdbcDashboardBoard implements DashboardBoard {
    /** Only while the job runs: a frame that arrives after the job's end is not kept. */
    private static final String PUT_PREVIEW = "INSERT INTO job_previews (job_id, frame) SELECT ?, ?"
            + " WHERE EXISTS (SELECT 1 FROM jobs WHERE id = ? AND state = 'IN_PROGRESS')"
            + " ON CONFLICT (job_id) DO UPDATE SET frame = excluded.frame";
    /** Ids per statement when reading frames: far below either database's limit on parameters. */
    private static final int IDS_PER_READ = 100;

    private final Database db;

    JdbcDashboardBoard(Database db) {
        this.db = db;
    }

    @Override
    public void putPreviews(Map<String, String> framesByJob) {
        if (framesByJob.isEmpty()) {
            return;
        }
        db.write("keep the preview frames of " + framesByJob.size() + " running jobs", COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement(PUT_PREVIEW)) {
                // rows locked in one order on every gateway: two gateways' batches cannot deadlock (PostgreSQL would
                // detect it and the write would be tried again, a round trip later)
                for (var e : new TreeMap<>(framesByJob).entrySet()) {
                    ps.setString(1, e.getKey());
                    ps.setString(2, e.getValue());
                    ps.setString(3, e.getKey());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public void dropPreviews(Collection<String> jobIds) {
        if (jobIds.isEmpty()) {
            return;
        }
        db.write("forget the preview frames of " + jobIds.size() + " jobs", COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM job_previews WHERE job_id = ?")) {
                for (String id : new TreeSet<>(jobIds)) { // in the order frames are put, for the same reason
                    ps.setString(1, id);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public int dropStalePreviews() {
        return db.write("forget the preview frames of jobs no longer running", COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM job_previews WHERE NOT EXISTS"
                    + " (SELECT 1 FROM jobs WHERE jobs.id = job_previews.job_id AND jobs.state = 'IN_PROGRESS')")) {
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public Map<String, String> previews(Collection<String> jobIds) {
        if (jobIds.isEmpty()) {
            return Map.of();
        }
        List<String> ids = List.copyOf(jobIds);
        return db.read("read the preview frames of " + ids.size() + " running jobs", c -> {
            Map<String, String> frames = new HashMap<>();
            for (int from = 0; from < ids.size(); from += IDS_PER_READ) {
                List<String> part = ids.subList(from, Math.min(ids.size(), from + IDS_PER_READ));
                String marks = String.join(",", Collections.nCopies(part.size(), "?"));
                try (PreparedStatement ps = c.prepareStatement("SELECT p.job_id, p.frame FROM job_previews p"
                        + " JOIN jobs j ON j.id = p.job_id WHERE j.state = 'IN_PROGRESS' AND p.job_id IN (" + marks + ")")) {
                    for (int i = 0; i < part.size(); i++) {
                        ps.setString(i + 1, part.get(i));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            frames.put(rs.getString(1), rs.getString(2));
                        }
                    }
                }
            }
            return frames;
        });
    }

    @Override
    public boolean recordColdStart(ColdStart coldStart, Instant forgetBefore) {
        return db.write("record the cold start of worker " + coldStart.workerId(), COMMITTED, c -> {
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO cold_starts (endpoint, worker_id,"
                    + " ready_at, cold_start_ms) VALUES (?, ?, ?, ?) ON CONFLICT (endpoint, worker_id) DO NOTHING");
                    PreparedStatement forget = c.prepareStatement("DELETE FROM cold_starts WHERE ready_at < ?"
                            + " AND NOT EXISTS (SELECT 1 FROM workers w WHERE w.endpoint = cold_starts.endpoint"
                            + " AND w.worker_id = cold_starts.worker_id)")) {
                insert.setString(1, coldStart.endpoint());
                insert.setString(2, coldStart.workerId());
                insert.setLong(3, coldStart.readyAt().toEpochMilli());
                insert.setLong(4, coldStart.took().toMillis());
                // a concurrent insert of the same worker waits for the other to commit, then inserts nothing
                boolean first = insert.executeUpdate() == 1;
                forget.setLong(1, forgetBefore.toEpochMilli());
                forget.executeUpdate();
                return first;
            }
        });
    }

    @Override
    public List<ColdStart> coldStarts() {
        return db.read("read the workers' cold starts", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT endpoint, worker_id, ready_at, cold_start_ms"
                    + " FROM cold_starts ORDER BY ready_at, endpoint, worker_id");
                    ResultSet rs = ps.executeQuery()) {
                List<ColdStart> result = new ArrayList<>();
                while (rs.next()) {
                    result.add(new ColdStart(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)),
                            Duration.ofMillis(rs.getLong(4))));
                }
                return result;
            }
        });
    }
}
