package io.comfyfleet.store;

import io.comfyfleet.core.job.JobStoreException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a database's schema up to date with Flyway, which supports both SQLite (in flyway-core) and
 * PostgreSQL (flyway-database-postgresql), records applied versions in {@code flyway_schema_history}, and on
 * PostgreSQL takes a lock so gateways starting together migrate once.
 */
final class Migrations {
    private static final Logger log = LoggerFactory.getLogger(Migrations.class);

    private Migrations() {}

    static void migrate(DataSource dataSource, Dialect dialect, String where) {
        try {
            MigrateResult result = Flyway.configure(Migrations.class.getClassLoader())
                    .dataSource(dataSource)
                    .locations(dialect.migrationLocation())
                    .load()
                    .migrate();
            if (result.migrationsExecuted > 0) {
                log.info("{} job store at {}: schema migrated to version {} ({} migrations)",
                        dialect.name(), where, result.targetSchemaVersion, result.migrationsExecuted);
            }
        } catch (FlywayException e) {
            throw new JobStoreException("cannot bring the " + dialect.name() + " job store at " + where
                    + " up to date: " + e.getMessage()
                    + " (a database whose tables were changed by another program or by a newer ComfyFleet cannot"
                    + " be migrated: point ComfyFleet at its own database, or upgrade it)", e);
        }
    }
}
