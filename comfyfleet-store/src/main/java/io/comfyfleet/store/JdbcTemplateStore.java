package io.comfyfleet.store;

import static io.comfyfleet.store.Durability.SYNCED;

import io.comfyfleet.core.template.TemplateStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Workflow templates in the job store's database (table {@code endpoint_templates}, migration V8); the same SQL on
 * both databases. Synced: an operator who registered a template expects it after a power cut.
 */
final class JdbcTemplateStore implements TemplateStore {
    private static final String COLUMNS = "endpoint, name, definition, revision, updated_at";

    private final Database db;

    JdbcTemplateStore(Database db) {
        this.db = db;
    }

    @Override
    public StoredTemplate put(String endpoint, String name, String definitionJson, Instant now) {
        return db.write("store template " + name + " of endpoint " + endpoint, SYNCED, c -> {
            // one statement: two admins replacing the same template both land, each with its own revision
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO endpoint_templates (" + COLUMNS + ")"
                    + " VALUES (?, ?, ?, 1, ?) ON CONFLICT (endpoint, name) DO UPDATE SET"
                    + " definition = excluded.definition, revision = endpoint_templates.revision + 1,"
                    + " updated_at = excluded.updated_at RETURNING " + COLUMNS)) {
                ps.setString(1, endpoint);
                ps.setString(2, name);
                ps.setString(3, definitionJson);
                ps.setLong(4, now.toEpochMilli());
                return one(ps).orElseThrow();
            }
        });
    }

    @Override
    public boolean seed(String endpoint, String name, String definitionJson, Instant now) {
        return db.write("seed template " + name + " of endpoint " + endpoint, SYNCED, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO endpoint_templates (" + COLUMNS + ")"
                    + " VALUES (?, ?, ?, 1, ?) ON CONFLICT (endpoint, name) DO NOTHING")) {
                ps.setString(1, endpoint);
                ps.setString(2, name);
                ps.setString(3, definitionJson);
                ps.setLong(4, now.toEpochMilli());
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public Optional<StoredTemplate> get(String endpoint, String name) {
        return db.read("read template " + name + " of endpoint " + endpoint, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                    + " FROM endpoint_templates WHERE endpoint = ? AND name = ?")) {
                ps.setString(1, endpoint);
                ps.setString(2, name);
                return one(ps);
            }
        });
    }

    @Override
    public List<StoredTemplate> list(String endpoint) {
        return db.read("list the templates of endpoint " + endpoint, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                    + " FROM endpoint_templates WHERE endpoint = ? ORDER BY name")) {
                ps.setString(1, endpoint);
                List<StoredTemplate> result = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        result.add(row(rs));
                    }
                }
                return result;
            }
        });
    }

    @Override
    public boolean delete(String endpoint, String name) {
        return db.write("delete template " + name + " of endpoint " + endpoint, SYNCED, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM endpoint_templates WHERE endpoint = ? AND name = ?")) {
                ps.setString(1, endpoint);
                ps.setString(2, name);
                return ps.executeUpdate() == 1;
            }
        });
    }

    private static Optional<StoredTemplate> one(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(row(rs)) : Optional.empty();
        }
    }

    private static StoredTemplate row(ResultSet rs) throws SQLException {
        return new StoredTemplate(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                Instant.ofEpochMilli(rs.getLong(5)));
    }
}
