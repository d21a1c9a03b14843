package io.comfyfleet.store;

import static io.comfyfleet.store.Durability.COMMITTED;
import static io.comfyfleet.store.Durability.SYNCED;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.webhook.WebhookBodies;
import io.comfyfleet.core.webhook.WebhookOutbox;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/** The webhook outbox in the job store's database (table {@code webhook_outbox}, migration V3); same SQL on both. */
final class JdbcWebhookOutbox implements WebhookOutbox {
    private static final String INSERT = "INSERT INTO webhook_outbox"
            + " (job_id, endpoint, url, body, created_at, sender_until) VALUES (?, ?, ?, ?, ?, ?) RETURNING id";
    private static final String CLAIM = "UPDATE webhook_outbox SET sender = ?, sender_until = ? WHERE id = ?";
    private static final String SELECT = "SELECT id, job_id, endpoint, url, body, created_at FROM webhook_outbox";

    private final Database db;
    /** Null until a gateway says how its calls look: until then terminal changes store no call. */
    private volatile WebhookBodies bodies;

    JdbcWebhookOutbox(Database db) {
        this.db = db;
    }

    @Override
    public void storeCallsWith(WebhookBodies bodies) {
        this.bodies = Objects.requireNonNull(bodies, "bodies");
    }

    /**
     * Stores, on the caller's connection (inside the transaction that ended them), the calls of those of
     * {@code jobs} that ended with a webhook URL.
     */
    void addEnded(Connection c, Collection<Job> jobs, Instant now) throws SQLException {
        WebhookBodies make = bodies;
        if (make == null) {
            return;
        }
        for (Job job : jobs) {
            if (job.state().isTerminal() && job.webhook() != null) {
                insert(c, job.id(), job.endpoint(), job.webhook(), make.body(job, now), now);
            }
        }
    }

    @Override
    public long add(String jobId, String endpoint, String url, byte[] body, Instant now) {
        // synced: the job's terminal state is, and a call lost with it would never be sent
        return db.write("queue the webhook of job " + jobId, SYNCED, c -> insert(c, jobId, endpoint, url, body, now));
    }

    private static long insert(Connection c, String jobId, String endpoint, String url, byte[] body, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, jobId);
            ps.setString(2, endpoint);
            ps.setString(3, url);
            ps.setBytes(4, body);
            ps.setLong(5, now.toEpochMilli());
            // nobody else takes the call over while the gateway that stored it starts sending it
            ps.setLong(6, now.plus(HAND_OVER).toEpochMilli());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Override
    public boolean remove(long id) {
        // committed is enough: a removal lost to a power cut costs one repeated call, which receivers tolerate
        return db.write("forget webhook " + id, COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM webhook_outbox WHERE id = ?")) {
                ps.setLong(1, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public List<Entry> pending(int limit) {
        return db.read("list pending webhooks", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT + " ORDER BY id LIMIT ?")) {
                ps.setInt(1, limit);
                return entries(ps);
            }
        });
    }

    @Override
    public List<Entry> pendingFor(String jobId) {
        // no index on job_id: the table holds only calls not yet delivered, a handful but for long outages
        return db.read("list the pending webhooks of job " + jobId, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE job_id = ? ORDER BY id")) {
                ps.setString(1, jobId);
                return entries(ps);
            }
        });
    }

    @Override
    public boolean claim(long id, String sender, Instant until, Instant now) {
        // committed is enough: a claim lost to a power cut lets another gateway send the call once more
        return db.write("claim webhook " + id, COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement(CLAIM
                    + " AND (sender IS NULL OR sender = ? OR sender_until <= ?)")) {
                ps.setString(1, sender);
                ps.setLong(2, until.toEpochMilli());
                ps.setLong(3, id);
                ps.setString(4, sender);
                ps.setLong(5, now.toEpochMilli());
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public boolean takeOver(long id, String sender, Instant until) {
        return db.write("take over webhook " + id, COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement(CLAIM)) {
                ps.setString(1, sender);
                ps.setLong(2, until.toEpochMilli());
                ps.setLong(3, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public void release(long id, String sender) {
        db.write("release webhook " + id, COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE webhook_outbox SET sender = NULL, sender_until = NULL WHERE id = ? AND sender = ?")) {
                ps.setLong(1, id);
                ps.setString(2, sender);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public List<Entry> unclaimed(int limit, Instant now) {
        return db.read("list unclaimed webhooks", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT
                    + " WHERE sender_until IS NULL OR sender_until <= ? ORDER BY id LIMIT ?")) {
                ps.setLong(1, now.toEpochMilli());
                ps.setInt(2, limit);
                return entries(ps);
            }
        });
    }

    private static List<Entry> entries(PreparedStatement ps) throws SQLException {
        List<Entry> result = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                result.add(new Entry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getBytes(5), Instant.ofEpochMilli(rs.getLong(6))));
            }
        }
        return result;
    }
}
