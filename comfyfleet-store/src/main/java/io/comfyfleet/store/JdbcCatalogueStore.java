package io.comfyfleet.store;

import static io.comfyfleet.store.Durability.COMMITTED;

import io.comfyfleet.core.catalogue.CatalogueStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/**
 * Workers' node catalogues in the job store's database (tables {@code node_catalogues} and
 * {@code endpoint_catalogues}, migration V7); the same SQL on both databases. Committed, not synced: a
 * catalogue lost to a power cut is reported again by the next worker that starts.
 */
final class JdbcCatalogueStore implements CatalogueStore {
    private final Database db;

    JdbcCatalogueStore(Database db) {
        this.db = db;
    }

    @Override
    public boolean hasBody(String digest) {
        return db.read("look up node catalogue " + digest, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM node_catalogues WHERE digest = ?")) {
                ps.setString(1, digest);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    @Override
    public void putBody(String digest, byte[] body, Instant now) {
        db.write("store node catalogue " + digest, COMMITTED, c -> {
            // two gateways may store the same catalogue at once: the second insert does nothing
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO node_catalogues (digest, body, created_at)"
                    + " VALUES (?, ?, ?) ON CONFLICT (digest) DO NOTHING")) {
                ps.setString(1, digest);
                ps.setBytes(2, body);
                ps.setLong(3, now.toEpochMilli());
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public Optional<byte[]> body(String digest) {
        return db.read("read node catalogue " + digest, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT body FROM node_catalogues WHERE digest = ?")) {
                ps.setString(1, digest);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public void recordVersion(String endpoint, String version, String digest, Instant now) {
        db.write("record the node catalogue of " + endpoint + " version " + version, COMMITTED, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO endpoint_catalogues"
                    + " (endpoint, version, digest, reported_at) VALUES (?, ?, ?, ?)"
                    + " ON CONFLICT (endpoint, version) DO UPDATE SET digest = excluded.digest,"
                    + " reported_at = excluded.reported_at")) {
                ps.setString(1, endpoint);
                ps.setString(2, version);
                ps.setString(3, digest);
                ps.setLong(4, now.toEpochMilli());
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public Optional<VersionCatalogue> version(String endpoint, String version) {
        return db.read("read the node catalogue of " + endpoint + " version " + version, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT endpoint, version, digest, reported_at"
                    + " FROM endpoint_catalogues WHERE endpoint = ? AND version = ?")) {
                ps.setString(1, endpoint);
                ps.setString(2, version);
                return one(ps);
            }
        });
    }

    @Override
    public Optional<VersionCatalogue> latest(String endpoint) {
        return db.read("read the latest node catalogue of " + endpoint, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT endpoint, version, digest, reported_at"
                    + " FROM endpoint_catalogues WHERE endpoint = ? ORDER BY reported_at DESC, version DESC LIMIT 1")) {
                ps.setString(1, endpoint);
                return one(ps);
            }
        });
    }

    private static Optional<VersionCatalogue> one(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            return Optional.of(new VersionCatalogue(rs.getString(1), rs.getString(2), rs.getString(3),
                    Instant.ofEpochMilli(rs.getLong(4))));
        }
    }
}
