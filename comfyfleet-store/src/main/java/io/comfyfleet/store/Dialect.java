package io.comfyfleet.store;

import java.sql.SQLException;

/**
 * Everything that differs between the databases the job store runs on. The store's SQL and logic are shared;
 * a new database means one new implementation of this interface and one folder of migrations.
 */
interface Dialect {

    /** The database's name as users know it, for error messages. */
    String name();

    /** The classpath folder of this database's Flyway migrations. */
    String migrationLocation();

    /**
     * The claim's condition on {@code id}, given the SELECT of the oldest queued ids (with its LIMIT). It must
     * pick that SELECT's rows exactly once: no job to two claimers, and no more than the limit.
     */
    String claimedIds(String oldestQueuedIds);

    /** True when the statement failed because a primary key (a job id) is already taken. */
    boolean isUniqueViolation(SQLException e);

    /** True when the whole transaction may simply be run again (deadlock, serialization failure, busy). */
    boolean isTransient(SQLException e);
}
