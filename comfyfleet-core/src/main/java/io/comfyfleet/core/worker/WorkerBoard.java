package io.comfyfleet.core.worker;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The workers every gateway on a database heard from, and the stop orders for them: the store's part of the
 * worker registry, so {@code /health}, the dashboard and the autoscaler of any gateway see every worker, and a
 * worker may reach a different gateway on each call. Gateways write behind (about once a second, batched), never
 * on a job-take's path. Writes are committed, not synced: a record lost to a power cut is rewritten within a
 * second by the gateway the worker talks to.
 */
public interface WorkerBoard {

    /**
     * Stores these records in one transaction. A record replaces the stored one of its worker unless the stored
     * one was heard later (a worker that moved to another gateway is described by that gateway). A
     * {@linkplain WorkerRecord#starting() starting} record never replaces a heard one, and a heard one always
     * replaces a starting one.
     */
    void publish(Collection<WorkerRecord> records);

    /**
     * Deletes the starting records of these workers (by endpoint, then worker id) that nobody heard from since:
     * their provider no longer starts them (stopped, gone, or ready and heard elsewhere).
     */
    void withdrawStarting(Map<String, ? extends Collection<String>> workersByEndpoint);

    /** Every record heard from at or after {@code since}, of every endpoint. */
    List<WorkerRecord> heardSince(Instant since);

    /** Deletes the records not heard from since {@code before}, and their stop orders; returns how many records. */
    int forgetSilent(Instant before);

    /** Orders the worker to stop the job (delivered by whichever gateway its job-stop poll reaches). */
    void orderStop(String workerId, String jobId, Instant now);

    /** Of these workers, those with stop orders waiting (to wake their job-stop polls). */
    List<String> withStopOrders(Collection<String> workerIds);

    /**
     * Takes the worker's stop orders: each is returned to exactly one caller and deleted, in one statement; the
     * map holds each job id with the time it was ordered.
     */
    Map<String, Instant> takeStopOrders(String workerId);

    /**
     * Keeps each of these as its endpoint's last worker failure, unless a later one is kept already (gateways write
     * behind, not in the order the workers gave up).
     */
    void recordFailures(Collection<WorkerFailureRecord> failures);

    /** Each endpoint's last worker failure, when it came at or after {@code since}. */
    List<WorkerFailureRecord> failuresSince(Instant since);
}
