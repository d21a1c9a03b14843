package io.comfyfleet.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.JobStoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import org.sqlite.SQLiteDataSource;

/**
 * Opens job stores: the front door of this module. Every store is migrated to the current schema on open.
 *
 * <ul>
 *   <li>{@link #openSqlite(Path)}: one machine, a file under the data folder (the default);</li>
 *   <li>{@link #openPostgres(String, String, String)}: several gateways sharing one PostgreSQL.</li>
 * </ul>
 */
public final class JobStores {
    /** Connections per gateway; claims and writes are short, so a few cover thousands of requests a second. */
    static final int POSTGRES_POOL_SIZE = 10;

    /**
     * How often job-takes waiting at a gateway on PostgreSQL look at the queue without a notice: the most a
     * notice lost while the listener reconnected can delay a job.
     */
    static final Duration QUEUE_RECHECK = Duration.ofSeconds(2);
    /**
     * Under a stream of jobs, a gateway's queue notices go out at most this often, each counting the jobs since
     * the last: at 1,000 /run per second (before inserts were grouped) the median p99 over several runs was
     * 14 ms paced and 21 ms with a notice per job (docs/performance.md); a job-take parked at another gateway
     * hears of a job at most this much later.
     */
    static final Duration NOTICE_PACE = Duration.ofMillis(5);

    private JobStores() {}

    /**
     * Opens the SQLite job store in {@code file}, creating the file and its folders when missing. The file is
     * in WAL mode with {@code synchronous=FULL}: a job is on disk when {@code enqueue} returns.
     *
     * @throws JobStoreException when the folder cannot be created, another gateway uses the file (one SQLite file
     *     serves one gateway: use PostgreSQL for several), or the file cannot be opened as a SQLite database or
     *     migrated; the message names the path and what to change
     */
    public static JobStore openSqlite(Path file) {
        Objects.requireNonNull(file, "file");
        Path absolute = file.toAbsolutePath().normalize();
        createParent(absolute);
        if (Files.isDirectory(absolute)) {
            throw new JobStoreException("the SQLite job store file " + absolute + " is a folder;"
                    + " give the path of a file inside it, for example " + absolute.resolve("jobs.db"));
        }
        SqliteOwnerLock owner = SqliteOwnerLock.take(absolute);
        SqliteDatabase db;
        try {
            SQLiteDataSource migrations = new SQLiteDataSource(SqliteDatabase.writerConfig());
            migrations.setUrl(SqliteDatabase.url(absolute));
            Migrations.migrate(migrations, new SqliteDialect(), absolute.toString());
            db = new SqliteDatabase(absolute, SqliteDatabase.MAX_BATCH, owner);
        } catch (SQLException | RuntimeException e) {
            owner.close();
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new JobStoreException("cannot open the SQLite job store at " + absolute + ": " + e.getMessage()
                    + " (check that the file is a SQLite database and that this user may read and write it)", e);
        }
        return new JdbcJobStore(db);
    }

    /** The listener's own connection: outside the pool, since LISTEN belongs to one session for its life. */
    static QueueNotices.Connector ownConnector(String jdbcUrl, String user, String password, String name) {
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("connectTimeout", "5");
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("ApplicationName", name);
        return () -> DriverManager.getConnection(jdbcUrl, props);
    }

    private static void createParent(Path file) {
        Path parent = file.getParent();
        if (parent == null) {
            return;
        }
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new JobStoreException("cannot create the folder " + parent + " for the SQLite job store ("
                    + e + "); point the data folder at a writable directory", e);
        }
        if (!Files.isWritable(parent)) {
            throw new JobStoreException("the folder " + parent + " of the SQLite job store is not writable by this"
                    + " user; point the data folder at a writable directory or change its permissions");
        }
    }

    /**
     * Opens the job store in a PostgreSQL database through a HikariCP pool of {@value #POSTGRES_POOL_SIZE}
     * connections, creating or updating its tables. Several gateways may open the same database.
     *
     * @param jdbcUrl  for example {@code jdbc:postgresql://db.internal:5432/comfyfleet}
     * @throws IllegalArgumentException when the URL is not a PostgreSQL JDBC URL
     * @throws JobStoreException when the database cannot be reached, refuses the login, or cannot be migrated;
     *     the message names the URL and what to check
     */
    public static JobStore openPostgres(String jdbcUrl, String user, String password) {
        return openPostgres(jdbcUrl, user, password, POSTGRES_POOL_SIZE);
    }

    /**
     * As {@link #openPostgres(String, String, String)}, with {@code poolSize} connections (1 to 100).
     *
     * @throws IllegalArgumentException when the URL is not a PostgreSQL JDBC URL or the pool size is out of range
     */
    public static JobStore openPostgres(String jdbcUrl, String user, String password, int poolSize) {
        if (poolSize < 1 || poolSize > 100) {
            throw new IllegalArgumentException("the PostgreSQL job store pool needs 1 to 100 connections, got "
                    + poolSize);
        }
        if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("a PostgreSQL job store needs a JDBC URL like"
                    + " jdbc:postgresql://host:5432/database, got " + jdbcUrl);
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName("comfyfleet-jobs");
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setConnectionTimeout(5_000);
        // fail at start, with the reason, rather than on the first request
        config.setInitializationFailTimeout(1);
        config.addDataSourceProperty("connectTimeout", "5");
        config.addDataSourceProperty("ApplicationName", "comfyfleet");
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (HikariPool.PoolInitializationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new JobStoreException("cannot connect to the PostgreSQL job store at " + jdbcUrl + " as user "
                    + user + ": " + cause.getMessage() + " (check the URL, that the server runs and accepts"
                    + " connections from this host, and the user and password)", e);
        }
        try {
            Dialect dialect = new PostgresDialect();
            Migrations.migrate(pool, dialect, jdbcUrl);
            return new JdbcJobStore(new PooledDatabase(pool, dialect),
                    new QueueNotices(ownConnector(jdbcUrl, user, password, "comfyfleet-queue-listener"),
                            ownConnector(jdbcUrl, user, password, "comfyfleet-queue-announcer"), NOTICE_PACE,
                            QUEUE_RECHECK));
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }
}
