package io.comfyfleet.store;

import java.sql.Connection;
import java.sql.SQLException;

/** A unit of database work run inside one transaction (writes) or on one connection (reads). */
@FunctionalInterface
interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
}
