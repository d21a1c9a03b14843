package io.comfyfleet.store;

import java.sql.SQLException;

/** PostgreSQL: many gateways claim from one table, so claims lock rows and skip those already locked. */
final class PostgresDialect implements Dialect {
    private static final String UNIQUE_VIOLATION = "23505";
    private static final String SERIALIZATION_FAILURE = "40001";
    private static final String DEADLOCK_DETECTED = "40P01";

    @Override
    public String name() {
        return "PostgreSQL";
    }

    @Override
    public String migrationLocation() {
        return "classpath:io/comfyfleet/store/migration/postgresql";
    }

    @Override
    public String claimedIds(String oldestQueuedIds) {
        // FOR UPDATE SKIP LOCKED: concurrent claimers pass over rows another claim has locked.
        // = ANY(ARRAY(...)) rather than IN (...): the planner may run an IN sub-select once per outer row, and
        // each run skips the rows the statement already took, so LIMIT n could take more than n jobs.
        // ARRAY(...) is evaluated once, before the update.
        return "id = ANY(ARRAY(" + oldestQueuedIds + " FOR UPDATE SKIP LOCKED))";
    }

    @Override
    public boolean isUniqueViolation(SQLException e) {
        return UNIQUE_VIOLATION.equals(e.getSQLState());
    }

    @Override
    public boolean isTransient(SQLException e) {
        // two sweepers on different gateways may lock the same expired rows in different orders
        return SERIALIZATION_FAILURE.equals(e.getSQLState()) || DEADLOCK_DETECTED.equals(e.getSQLState());
    }
}
