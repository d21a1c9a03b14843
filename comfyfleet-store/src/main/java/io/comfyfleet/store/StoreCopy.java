package io.comfyfleet.store;

import io.comfyfleet.core.job.JobStoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.postgresql.ds.PGSimpleDataSource;
import org.sqlite.SQLiteDataSource;

/**
 * Copies what a one-machine ComfyFleet keeps in its SQLite job store into an empty PostgreSQL database, for the day
 * it outgrows one machine: endpoint settings and roll-outs, templates, node catalogues, every job (queued ones
 * included, with their stream chunks), the job totals and the webhooks still to deliver. Not copied: what the
 * gateways rebuild on their own (the leader lease, the worker board with its stop orders and last failures, the dashboard's
 * preview frames and cold starts) and the ids of jobs purged in the last 10 minutes.
 *
 * <p>Both databases are first brought to the current schema, so the tables match column for column; the copy is
 * one PostgreSQL transaction (all or nothing), and the row counts are compared after it. The SQLite file is held
 * with the same owner lock a gateway takes, so a running {@code comfyfleet up} on it is refused.
 */
public final class StoreCopy {
    /** In an order that inserts a referenced row before the rows that reference it. */
    static final List<String> TABLES = List.of("endpoint_settings", "endpoint_rollouts", "endpoint_templates",
            "node_catalogues", "endpoint_catalogues", "jobs", "stream_chunks", "job_totals", "webhook_outbox");
    private static final int BATCH = 500;
    /** A job's input may be 20 MB and its output 64 MB: 500 such rows in one batch would not fit a modest heap. */
    static final long BATCH_BYTES = 16L << 20;

    /** Hears of each batch sent: its table, rows and size (the characters and bytes of its values). */
    interface BatchSent {
        void sent(String table, int rows, long size);
    }

    private StoreCopy() {}

    /**
     * Copies the store in {@code sqliteFile} into the PostgreSQL database at {@code jdbcUrl}.
     *
     * @return the rows copied, per table, in copy order
     * @throws JobStoreException when the file is missing or in use, the database cannot be reached or migrated, or
     *     it already holds endpoints or jobs; the message says what to change. Nothing is written to PostgreSQL then.
     */
    public static Map<String, Long> sqliteToPostgres(Path sqliteFile, String jdbcUrl, String user, String password) {
        return sqliteToPostgres(sqliteFile, jdbcUrl, user, password, BATCH_BYTES, (table, rows, size) -> { });
    }

    /**
     * As above, sending a batch once it holds 500 rows or {@code batchBytes} of values, so a batch in memory is at
     * most that plus its last row; {@code sent} hears of each.
     */
    static Map<String, Long> sqliteToPostgres(Path sqliteFile, String jdbcUrl, String user, String password,
            long batchBytes, BatchSent sent) {
        Path file = sqliteFile.toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new JobStoreException("there is no SQLite job store at " + file
                    + "; give the jobs.db of the data folder to copy (server.dataDir, ./data by default)");
        }
        if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new JobStoreException("copy into PostgreSQL needs a JDBC URL like jdbc:postgresql://host:5432/database,"
                    + " got " + jdbcUrl);
        }
        try (SqliteOwnerLock owner = SqliteOwnerLock.take(file); Connection to = connect(jdbcUrl, user, password)) {
            SQLiteDataSource source = new SQLiteDataSource(SqliteDatabase.writerConfig());
            source.setUrl(SqliteDatabase.url(file));
            Migrations.migrate(source, new SqliteDialect(), file.toString());
            PGSimpleDataSource target = new PGSimpleDataSource();
            target.setURL(jdbcUrl);
            target.setUser(user);
            target.setPassword(password);
            Migrations.migrate(target, new PostgresDialect(), jdbcUrl);
            try (Connection from = source.getConnection()) {
                refuseFilled(to, jdbcUrl);
                return copyAll(from, to, file, jdbcUrl, batchBytes, sent);
            }
        } catch (SQLException e) {
            throw new JobStoreException("cannot copy the SQLite job store at " + file + " into " + jdbcUrl + ": "
                    + e.getMessage() + " (nothing was written to PostgreSQL)", e);
        }
    }

    /** The copy's own connection, made first so a wrong address or password is named as such. */
    private static Connection connect(String jdbcUrl, String user, String password) {
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("connectTimeout", "5");
        props.setProperty("ApplicationName", "comfyfleet store copy");
        try {
            return DriverManager.getConnection(jdbcUrl, props);
        } catch (SQLException e) {
            throw new JobStoreException("cannot connect to PostgreSQL at " + jdbcUrl + " as user " + user + ": "
                    + e.getMessage() + " (check the URL, that the server runs and accepts connections from this host,"
                    + " and the user and password); nothing was copied", e);
        }
    }

    /** A copy merges nothing: into a database another ComfyFleet already uses, rows would clash or mix. */
    private static void refuseFilled(Connection to, String jdbcUrl) throws SQLException {
        for (String table : List.of("endpoint_settings", "endpoint_templates", "jobs")) {
            long rows = count(to, table);
            if (rows > 0) {
                throw new JobStoreException("the PostgreSQL database at " + jdbcUrl + " already holds " + rows
                        + " row(s) in " + table + ": copy into a new, empty database (CREATE DATABASE ...), not one a"
                        + " ComfyFleet gateway has used");
            }
        }
    }

    private static Map<String, Long> copyAll(Connection from, Connection to, Path file, String jdbcUrl,
            long batchBytes, BatchSent sent) throws SQLException {
        Map<String, Long> copied = new LinkedHashMap<>();
        to.setAutoCommit(false);
        try {
            for (String table : TABLES) {
                copied.put(table, copyTable(from, to, table, batchBytes, sent));
            }
            for (Map.Entry<String, Long> done : copied.entrySet()) {
                long there = count(to, done.getKey());
                if (there != done.getValue()) {
                    throw new JobStoreException("the copy of " + done.getKey() + " from " + file + " has " + there
                            + " rows in " + jdbcUrl + " where " + done.getValue() + " were sent; nothing was written");
                }
            }
            to.commit();
            return copied;
        } catch (SQLException | RuntimeException e) {
            to.rollback();
            throw e;
        }
    }

    /** Copies one table's rows, each value as the target column's type asks. Returns the rows copied. */
    private static long copyTable(Connection from, Connection to, String table, long batchBytes, BatchSent sent)
            throws SQLException {
        List<String> columns = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        try (Statement s = to.createStatement(); ResultSet none = s.executeQuery("SELECT * FROM " + table + " WHERE 1 = 0")) {
            ResultSetMetaData meta = none.getMetaData();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                columns.add(meta.getColumnName(i));
                types.add(meta.getColumnType(i));
            }
        }
        String list = String.join(", ", columns);
        // an identity column (webhook_outbox.id) keeps its values, and its sequence goes on after the largest
        boolean identity = !identityColumns(to, table).isEmpty();
        String insert = "INSERT INTO " + table + " (" + list + ")" + (identity ? " OVERRIDING SYSTEM VALUE" : "")
                + " VALUES (" + "?, ".repeat(columns.size() - 1) + "?)";
        long rows = 0;
        int pending = 0;
        long size = 0;
        try (Statement s = from.createStatement(); ResultSet in = s.executeQuery("SELECT " + list + " FROM " + table);
                PreparedStatement out = to.prepareStatement(insert)) {
            while (in.next()) {
                for (int i = 0; i < columns.size(); i++) {
                    size += bind(out, i + 1, types.get(i), in);
                }
                out.addBatch();
                rows++;
                if (++pending == BATCH || size >= batchBytes) {
                    out.executeBatch();
                    sent.sent(table, pending, size);
                    pending = 0;
                    size = 0;
                }
            }
            if (pending > 0) {
                out.executeBatch();
                sent.sent(table, pending, size);
            }
        }
        for (String column : identityColumns(to, table)) {
            try (Statement s = to.createStatement()) {
                s.execute("SELECT setval(pg_get_serial_sequence('" + table + "', '" + column + "'), "
                        + "COALESCE((SELECT MAX(" + column + ") FROM " + table + "), 0) + 1, false)");
            }
        }
        return rows;
    }

    /** Binds one value; returns its size, in characters or bytes (8 for a number). */
    private static long bind(PreparedStatement out, int at, int type, ResultSet in) throws SQLException {
        switch (type) {
            case Types.BIGINT, Types.INTEGER, Types.SMALLINT -> {
                long value = in.getLong(at);
                if (in.wasNull()) {
                    out.setNull(at, type);
                } else if (type == Types.BIGINT) {
                    out.setLong(at, value);
                } else {
                    out.setInt(at, Math.toIntExact(value));
                }
            }
            case Types.DOUBLE, Types.REAL, Types.FLOAT -> {
                double value = in.getDouble(at);
                if (in.wasNull()) {
                    out.setNull(at, type);
                } else {
                    out.setDouble(at, value);
                }
            }
            case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY -> {
                byte[] value = in.getBytes(at);
                out.setBytes(at, value);
                return value == null ? 0 : value.length;
            }
            case Types.BOOLEAN, Types.BIT -> {
                long value = in.getLong(at);
                if (in.wasNull()) {
                    out.setNull(at, type);
                } else {
                    out.setBoolean(at, value != 0);
                }
            }
            // an earlier version kept a worker's NUL as sent; PostgreSQL's text refuses it, so it arrives as U+FFFD
            default -> {
                String value = JobRows.withoutNul(in.getString(at));
                out.setString(at, value);
                return value == null ? 0 : value.length();
            }
        }
        return 8;
    }

    private static List<String> identityColumns(Connection to, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement s = to.prepareStatement("SELECT column_name FROM information_schema.columns"
                + " WHERE table_schema = current_schema() AND table_name = ? AND is_identity = 'YES'")) {
            s.setString(1, table);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        return columns;
    }

    private static long count(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
