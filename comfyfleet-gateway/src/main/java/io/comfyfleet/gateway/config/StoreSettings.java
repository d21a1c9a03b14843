package io.comfyfleet.gateway.config;

import java.nio.file.Path;

/**
 * Where jobs are kept: a SQLite file (one gateway) or a PostgreSQL database (several gateways).
 *
 * @param sqlitePath       the database file, when {@code kind} is SQLITE
 * @param postgresUrl      a {@code jdbc:postgresql://} URL, when {@code kind} is POSTGRES
 */
public record StoreSettings(Kind kind, Path sqlitePath, String postgresUrl, String postgresUser, Secret postgresPassword) {

    /** The two supported databases. */
    public enum Kind { SQLITE, POSTGRES }
}
