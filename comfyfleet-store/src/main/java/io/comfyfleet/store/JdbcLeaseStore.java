package io.comfyfleet.store;

import static io.comfyfleet.store.Durability.COMMITTED;

import io.comfyfleet.core.lease.Lease;
import io.comfyfleet.core.lease.LeaseStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Optional;

/**
 * Leases in table {@code leases} (migration V5); the same SQL on SQLite (3.35+) and PostgreSQL. Each call is one
 * statement, so two gateways racing for an expired lease cannot both win: the upsert's condition is checked on the
 * row as locked by the one that wins. Committed, not synced: after a power cut the lease is at worst older, and a
 * lost take-over is taken again.
 */
final class JdbcLeaseStore implements LeaseStore {
    private static final String ACQUIRE = "INSERT INTO leases (name, holder, token, acquired_at, expires_at)"
            + " VALUES (?, ?, 1, ?, ?)"
            + " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, token = leases.token + 1,"
            + " acquired_at = excluded.acquired_at, expires_at = excluded.expires_at"
            + " WHERE leases.expires_at <= excluded.acquired_at"
            + " RETURNING token";

    private final Database db;

    JdbcLeaseStore(Database db) {
        this.db = db;
    }

    @Override
    public Optional<Lease> acquire(String name, String holder, Instant now, Instant until) {
        return db.write("take the " + name + " lease for " + holder, COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement(ACQUIRE)) {
                ps.setString(1, name);
                ps.setString(2, holder);
                ps.setLong(3, now.toEpochMilli());
                ps.setLong(4, until.toEpochMilli());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Lease(name, holder, rs.getLong(1), millis(until)))
                            : Optional.<Lease>empty();
                }
            }
        });
    }

    @Override
    public boolean renew(Lease lease, Instant until) {
        return db.write("renew the " + lease.name() + " lease of " + lease.holder(), COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE leases SET expires_at = ?"
                    + " WHERE name = ? AND holder = ? AND token = ?")) {
                ps.setLong(1, until.toEpochMilli());
                ps.setString(2, lease.name());
                ps.setString(3, lease.holder());
                ps.setLong(4, lease.token());
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public void release(Lease lease) {
        db.write("give up the " + lease.name() + " lease of " + lease.holder(), COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE leases SET expires_at = 0"
                    + " WHERE name = ? AND holder = ? AND token = ?")) {
                ps.setString(1, lease.name());
                ps.setString(2, lease.holder());
                ps.setLong(3, lease.token());
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public Optional<Lease> current(String name) {
        return db.read("read the " + name + " lease", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT holder, token, expires_at FROM leases WHERE name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next()
                            ? Optional.of(new Lease(name, rs.getString(1), rs.getLong(2), Instant.ofEpochMilli(rs.getLong(3))))
                            : Optional.<Lease>empty();
                }
            }
        });
    }

    private static Instant millis(Instant t) {
        return Instant.ofEpochMilli(t.toEpochMilli());
    }
}
