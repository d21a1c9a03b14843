/**
 * The durable job store: {@link io.comfyfleet.store.JobStores} opens a SQLite file (one machine, the default)
 * or a PostgreSQL database (several gateways), both behind {@link io.comfyfleet.core.job.JobStore}.
 *
 * <p>How it is built, and why:
 * <ul>
 *   <li>One set of SQL and rules ({@code JdbcJobStore}, {@code JobSql}); what differs per database is in one
 *       {@code Dialect} each, and how connections and transactions are had in one {@code Database} each.</li>
 *   <li>Schema by Flyway 13, whose core still supports SQLite, with one migration folder per database.</li>
 *   <li>Every state change is one UPDATE naming the states it expects ({@code io.comfyfleet.core.job.Move} through {@code StateSql}, checked against
 *       {@code JobState}'s transition table); a claim is one statement.</li>
 *   <li>Times are epoch milliseconds taken from the callers' {@code Instant}s: the store reads no clock.</li>
 *   <li>SQLite: one writer connection behind a fair lock, group commit (writes waiting for the writer
 *       share one transaction and one fsync, each in its own savepoint), two read-only connections; WAL,
 *       {@code synchronous=FULL} for writes that must survive a power cut, NORMAL for those whose loss only
 *       repeats work (claims, progress, stream chunks, lease renewals).</li>
 *   <li>PostgreSQL: a new job is one INSERT in auto-commit (one round trip), shared with the other
 *       {@code /run}s that arrived while the previous insert was under way ({@code GroupedInserts}); once a
 *       change that queues jobs commits, {@code QueueAnnouncer} sends {@code NOTIFY comfyfleet_queued} from
 *       its own connection, one notice per endpoint with its count of jobs, at most every 5 ms under a
 *       stream; one listener
 *       connection per store ({@code QueueNotices}) tells the gateway of other gateways' jobs, reconnects on
 *       loss, and asks for a recheck of the queue after a reconnect and every 2 s, so a lost notice only
 *       delays a job.</li>
 *   <li>{@code /stream} read cursors are a column of the job ({@code stream_read}), moved in the same
 *       transaction that reads the chunks, so each chunk is handed out once, across restarts.</li>
 *   <li>The {@code /health} totals are counters updated in the same transaction as the change they count,
 *       so deleting old jobs does not lower them.</li>
 * </ul>
 */
package io.comfyfleet.store;
