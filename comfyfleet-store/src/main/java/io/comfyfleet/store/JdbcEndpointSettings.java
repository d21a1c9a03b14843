package io.comfyfleet.store;

import static io.comfyfleet.store.Durability.COMMITTED;
import static io.comfyfleet.store.Durability.SYNCED;

import io.comfyfleet.core.endpoint.EndpointSettings;
import io.comfyfleet.core.endpoint.EndpointSettingsStore;
import io.comfyfleet.core.endpoint.RolloutStatus;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Endpoint settings and roll-outs in the job store's database (tables {@code endpoint_settings} and
 * {@code endpoint_rollouts}, migration V6; routing V10; whether the image was ever changed V11); the same SQL on
 * SQLite and PostgreSQL.
 */
final class JdbcEndpointSettings implements EndpointSettingsStore {
    private static final String COLUMNS = "endpoint, image, previous_image, min_workers, max_workers, idle_timeout_ms,"
            + " scaler_type, scaler_value, max_surge, revision, updated_at, routing, affinity_wait_ms, image_changed";
    private static final String ROLLOUT_COLUMNS = "endpoint, state, from_version, to_version, started_at,"
            + " old_workers, new_workers, ready_new, failures, reason, updated_at";
    private final Database db;

    JdbcEndpointSettings(Database db) {
        this.db = db;
    }

    @Override
    public Optional<EndpointSettings> get(String endpoint) {
        return db.read("read the settings of endpoint " + endpoint, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + COLUMNS + " FROM endpoint_settings WHERE endpoint = ?")) {
                ps.setString(1, endpoint);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(settings(rs)) : Optional.<EndpointSettings>empty();
                }
            }
        });
    }

    @Override
    public List<EndpointSettings> all() {
        return db.read("read every endpoint's settings", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + COLUMNS + " FROM endpoint_settings ORDER BY endpoint");
                    ResultSet rs = ps.executeQuery()) {
                List<EndpointSettings> result = new ArrayList<>();
                while (rs.next()) {
                    result.add(settings(rs));
                }
                return result;
            }
        });
    }

    @Override
    public boolean seed(EndpointSettings seed) {
        // synced: settings are few and rare, and a lost change would silently undo an operator's roll-out
        return db.write("seed the settings of endpoint " + seed.endpoint(), SYNCED, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO endpoint_settings (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (endpoint) DO NOTHING")) {
                bind(ps, seed.at(1, seed.updatedAt()));
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public Optional<EndpointSettings> update(EndpointSettings s) {
        EndpointSettings next = s.at(s.revision() + 1, s.updatedAt());
        return db.write("change the settings of endpoint " + s.endpoint(), SYNCED, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE endpoint_settings SET image = ?,"
                    + " previous_image = ?, min_workers = ?, max_workers = ?, idle_timeout_ms = ?, scaler_type = ?,"
                    + " scaler_value = ?, max_surge = ?, revision = ?, updated_at = ?, routing = ?,"
                    + " affinity_wait_ms = ?, image_changed = ? WHERE endpoint = ? AND revision = ?")) {
                setNullable(ps, 1, next.image());
                setNullable(ps, 2, next.previousImage());
                ps.setInt(3, next.minWorkers());
                ps.setInt(4, next.maxWorkers());
                ps.setLong(5, next.idleTimeout().toMillis());
                ps.setString(6, next.scalerType());
                ps.setDouble(7, next.scalerValue());
                ps.setInt(8, next.maxSurge());
                ps.setLong(9, next.revision());
                ps.setLong(10, next.updatedAt().toEpochMilli());
                setNullable(ps, 11, next.routing());
                setNullable(ps, 12, next.affinityWait());
                ps.setInt(13, next.imageChanged() ? 1 : 0);
                ps.setString(14, s.endpoint());
                ps.setLong(15, s.revision());
                return ps.executeUpdate() == 1 ? Optional.of(next) : Optional.<EndpointSettings>empty();
            }
        });
    }

    @Override
    public Optional<RolloutStatus> rollout(String endpoint) {
        return db.read("read the roll-out of endpoint " + endpoint, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + ROLLOUT_COLUMNS + " FROM endpoint_rollouts WHERE endpoint = ?")) {
                ps.setString(1, endpoint);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<RolloutStatus>empty();
                    }
                    return Optional.of(new RolloutStatus(rs.getString(1), RolloutStatus.State.valueOf(rs.getString(2)),
                            rs.getString(3), rs.getString(4), Instant.ofEpochMilli(rs.getLong(5)), rs.getInt(6),
                            rs.getInt(7), rs.getInt(8), rs.getInt(9), rs.getString(10),
                            Instant.ofEpochMilli(rs.getLong(11))));
                }
            }
        });
    }

    @Override
    public void saveRollout(RolloutStatus r) {
        // committed is enough: the autoscaler writes it again at its next pass
        db.write("record the roll-out of endpoint " + r.endpoint(), COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO endpoint_rollouts (" + ROLLOUT_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (endpoint) DO UPDATE SET"
                    + " state = excluded.state, from_version = excluded.from_version,"
                    + " to_version = excluded.to_version, started_at = excluded.started_at,"
                    + " old_workers = excluded.old_workers, new_workers = excluded.new_workers,"
                    + " ready_new = excluded.ready_new, failures = excluded.failures, reason = excluded.reason,"
                    + " updated_at = excluded.updated_at")) {
                ps.setString(1, r.endpoint());
                ps.setString(2, r.state().name());
                setNullable(ps, 3, r.fromVersion());
                ps.setString(4, r.toVersion());
                ps.setLong(5, r.startedAt().toEpochMilli());
                ps.setInt(6, r.oldWorkers());
                ps.setInt(7, r.newWorkers());
                ps.setInt(8, r.readyNew());
                ps.setInt(9, r.failures());
                setNullable(ps, 10, r.reason());
                ps.setLong(11, r.updatedAt().toEpochMilli());
                return ps.executeUpdate();
            }
        });
    }

    private static void bind(PreparedStatement ps, EndpointSettings s) throws SQLException {
        ps.setString(1, s.endpoint());
        setNullable(ps, 2, s.image());
        setNullable(ps, 3, s.previousImage());
        ps.setInt(4, s.minWorkers());
        ps.setInt(5, s.maxWorkers());
        ps.setLong(6, s.idleTimeout().toMillis());
        ps.setString(7, s.scalerType());
        ps.setDouble(8, s.scalerValue());
        ps.setInt(9, s.maxSurge());
        ps.setLong(10, s.revision());
        ps.setLong(11, s.updatedAt().toEpochMilli());
        setNullable(ps, 12, s.routing());
        setNullable(ps, 13, s.affinityWait());
        ps.setInt(14, s.imageChanged() ? 1 : 0);
    }

    private static EndpointSettings settings(ResultSet rs) throws SQLException {
        return new EndpointSettings(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(14) != 0, rs.getInt(4),
                rs.getInt(5), Duration.ofMillis(rs.getLong(6)), rs.getString(7), rs.getDouble(8), rs.getInt(9),
                rs.getString(12), millisOrNull(rs, 13), rs.getLong(10), Instant.ofEpochMilli(rs.getLong(11)));
    }

    private static Duration millisOrNull(ResultSet rs, int column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? null : Duration.ofMillis(millis);
    }

    private static void setNullable(PreparedStatement ps, int i, Duration value) throws SQLException {
        if (value == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, value.toMillis());
        }
    }

    private static void setNullable(PreparedStatement ps, int i, String value) throws SQLException {
        if (value == null) {
            ps.setNull(i, Types.VARCHAR);
        } else {
            ps.setString(i, value);
        }
    }
}
