package io.comfyfleet.cli.up;

import io.comfyfleet.gateway.config.ConfigException;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.config.StoreSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Refuses to generate keys for a gateway that joins a PostgreSQL store whose endpoints another gateway already
 * serves (a second gateway beside the first, or the store a one-machine {@code up} copied there): keys made up now
 * would be known to this gateway alone, so every client, worker and {@code comfyfleet rollout} holding the other
 * gateway's keys would get 401 here, half the time behind a load balancer. Keys given in the environment or kept in
 * this data folder's {@link KeyFile} are never questioned.
 */
public final class SharedStoreKeys {
    private SharedStoreKeys() {}

    /**
     * @throws ConfigException naming the variables to set and the key file to copy, when this start would generate
     *     keys for endpoints the store already holds
     */
    public static void check(UpConfig up) {
        StoreSettings store = up.gateway().store();
        if (store.kind() != StoreSettings.Kind.POSTGRES) {
            return; // a SQLite file serves one gateway, whose keys file is the only one
        }
        Map<String, String> kept = up.keyFile().exists() ? up.keyFile().read() : Map.of();
        TreeSet<String> fresh = new TreeSet<>(up.generated().keySet());
        fresh.removeAll(kept.keySet());
        if (fresh.isEmpty()) {
            return;
        }
        List<String> served = servedAlready(store, up.gateway().endpoints().stream().map(EndpointConfig::name).toList());
        if (served.isEmpty()) {
            return; // the first gateway on this database: its keys are the ones to share
        }
        throw new ConfigException(up.source(), List.of(String.join(", ", fresh) + ": not set in the environment"
                + " and not kept in " + up.keyFile().path() + ", but the PostgreSQL store " + store.postgresUrl()
                + " already holds endpoint(s) " + served + " that another gateway serves: keys generated now would"
                + " be this gateway's alone, and clients and workers holding the other gateway's keys would get 401"
                + " here. Give every gateway on the store the same keys: set these variables to the other"
                + " gateway's values (comfyfleet keys --show in its folder prints them), or copy its data folder's "
                + KeyFile.NAME + " to " + up.keyFile().path() + " (its folder may have to be made first)"));
    }

    /** The given endpoints that have settings in the store; none when it cannot be read (the store's open says why). */
    private static List<String> servedAlready(StoreSettings store, List<String> endpoints) {
        String password = store.postgresPassword() == null ? null : store.postgresPassword().reveal();
        try (Connection c = DriverManager.getConnection(store.postgresUrl(), store.postgresUser(), password)) {
            try (ResultSet table = c.createStatement().executeQuery("SELECT to_regclass('endpoint_settings')")) {
                if (!table.next() || table.getString(1) == null) {
                    return List.of(); // an empty database: migrated by this start
                }
            }
            List<String> served = new ArrayList<>();
            try (PreparedStatement q = c.prepareStatement(
                    "SELECT endpoint FROM endpoint_settings WHERE endpoint = ANY (?) ORDER BY endpoint")) {
                q.setArray(1, c.createArrayOf("text", endpoints.toArray()));
                try (ResultSet rows = q.executeQuery()) {
                    while (rows.next()) {
                        served.add(rows.getString(1));
                    }
                }
            }
            return served;
        } catch (SQLException e) {
            return List.of();
        }
    }
}
