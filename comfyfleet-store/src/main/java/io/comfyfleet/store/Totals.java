package io.comfyfleet.store;

import io.comfyfleet.core.job.Job;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The {@code /health} totals (completed, failed, retried) per endpoint, kept in the {@code job_totals} table
 * and added to in the same transaction as the change they count. Counting rows instead would make the
 * totals fall whenever retention deletes old jobs.
 */
final class Totals {
    private static final String UPSERT = """
            INSERT INTO job_totals (endpoint, completed, failed, retried) VALUES (?, ?, ?, ?)
            ON CONFLICT (endpoint) DO UPDATE SET
              completed = job_totals.completed + excluded.completed,
              failed = job_totals.failed + excluded.failed,
              retried = job_totals.retried + excluded.retried""";

    enum Kind { COMPLETED, FAILED, RETRIED }

    private Totals() {}

    static void add(Connection c, String endpoint, Kind kind, long n) throws SQLException {
        if (n == 0) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
            ps.setString(1, endpoint);
            ps.setLong(2, kind == Kind.COMPLETED ? n : 0);
            ps.setLong(3, kind == Kind.FAILED ? n : 0);
            ps.setLong(4, kind == Kind.RETRIED ? n : 0);
            ps.executeUpdate();
        }
    }

    /** Adds one per job, grouped by endpoint; endpoints in name order so two sweepers lock rows alike. */
    static void addEach(Connection c, Collection<Job> jobs, Kind kind) throws SQLException {
        Map<String, Long> perEndpoint = jobs.stream()
                .collect(Collectors.groupingBy(Job::endpoint, TreeMap::new, Collectors.counting()));
        for (Map.Entry<String, Long> e : perEndpoint.entrySet()) {
            add(c, e.getKey(), kind, e.getValue());
        }
    }
}
