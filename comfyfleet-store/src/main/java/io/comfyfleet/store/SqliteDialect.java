package io.comfyfleet.store;

import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** SQLite: one writer at a time, so a claim needs no row locks. */
final class SqliteDialect implements Dialect {

    @Override
    public String name() {
        return "SQLite";
    }

    @Override
    public String migrationLocation() {
        return "classpath:io/comfyfleet/store/migration/sqlite";
    }

    @Override
    public String claimedIds(String oldestQueuedIds) {
        // one writer at a time: nothing can take these rows between the SELECT and the UPDATE
        return "id IN (" + oldestQueuedIds + ")";
    }

    @Override
    public boolean isUniqueViolation(SQLException e) {
        return e instanceof SQLiteException se
                && (se.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY
                        || se.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE);
    }

    @Override
    public boolean isTransient(SQLException e) {
        // The store's own writes are serialized by a lock, so busy means another process held the file for
        // the whole busy_timeout already; running again would only wait as long once more.
        return false;
    }
}
