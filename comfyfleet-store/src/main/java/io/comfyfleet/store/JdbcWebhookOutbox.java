package io.comfyfleet.store;

import static io.comfyfleet.store.Durability.COMMITTED;
import static io.comfyfleet.store.Durability.SYNCED;

import io.comfyfleet.core.webhook.WebhookOutbox;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The webhook outbox in the job store's database (table {@code webhook_outbox}, migration V3); same SQL on both. */
final class JdbcWebhookOutbox implements WebhookOutbox {
    private final Database db;

    JdbcWebhookOutbox(Database db) {
        this.db = db;
    }

    @Override
    public long add(String jobId, String endpoint, String url, byte[] body, Instant now) {
        // synced: the job's terminal state is, and a call lost with it would never be sent
        return db.write("queue the webhook of job " + jobId, SYNCED, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO webhook_outbox"
                    + " (job_id, endpoint, url, body, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id")) {
                ps.setString(1, jobId);
                ps.setString(2, endpoint);
                ps.setString(3, url);
                ps.setBytes(4, body);
                ps.setLong(5, now.toEpochMilli());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
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
            try (PreparedStatement ps = c.prepareStatement("SELECT id, job_id, endpoint, url, body, created_at"
                    + " FROM webhook_outbox ORDER BY id LIMIT ?")) {
                ps.setInt(1, limit);
                List<Entry> result = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        result.add(new Entry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getBytes(5), Instant.ofEpochMilli(rs.getLong(6))));
                    }
                }
                return result;
            }
        });
    }
}
