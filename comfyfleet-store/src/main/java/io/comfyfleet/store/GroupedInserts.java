package io.comfyfleet.store;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.NewJob;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * New jobs from concurrent {@code /run} calls on a database server, inserted together: one multi-row INSERT,
 * one commit and one sync for all the jobs that arrived while the previous insert was under way.
 *
 * <p>Leader and followers, no thread of its own: a caller that finds no insert under way inserts its job
 * itself, as it would alone; callers that arrive meanwhile wait, and when the insert ends the first of them
 * inserts for all who are waiting (up to {@value #MAX_ROWS}). If a grouped insert fails (a job id already
 * taken fails the whole statement), each of its callers inserts its own job alone, so each gets its own answer.
 */
final class GroupedInserts {
    static final int MAX_ROWS = 64;

    private final Function<List<NewJob>, List<Job>> insertAll;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Caller> waiting = new ArrayDeque<>();
    private boolean underWay;

    /** {@code insertAll} inserts the jobs in one statement and returns them as stored, in the same order. */
    GroupedInserts(Function<List<NewJob>, List<Job>> insertAll) {
        this.insertAll = insertAll;
    }

    /** Inserts the job, with those of other callers waiting now; returns it as stored. */
    Job insert(NewJob job) {
        Caller me = new Caller(job, lock.newCondition());
        List<Caller> group = awaitTurn(me);
        if (group != null) {
            insertFor(group);
        }
        if (me.alone) {
            return insertAll.apply(List.of(job)).getFirst();
        }
        if (me.failure != null) {
            throw me.failure;
        }
        return me.stored;
    }

    /** The group this caller is to insert, or null once another caller inserted its job. */
    private List<Caller> awaitTurn(Caller me) {
        lock.lock();
        try {
            waiting.add(me);
            if (underWay) {
                while (!me.settled && !me.leads) {
                    me.turn.awaitUninterruptibly();
                }
                if (me.settled) {
                    return null;
                }
            }
            underWay = true;
            List<Caller> group = new ArrayList<>();
            for (Caller c; group.size() < MAX_ROWS && (c = waiting.poll()) != null; ) {
                group.add(c);
            }
            return group;
        } finally {
            lock.unlock();
        }
    }

    private void insertFor(List<Caller> group) {
        List<Job> stored = null;
        RuntimeException failure = null;
        try {
            stored = insertAll.apply(group.stream().map(c -> c.job).toList());
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            settle(group, stored, failure);
        }
    }

    /** Gives each caller of the group its outcome, and the next group's insert to the longest waiting caller. */
    private void settle(List<Caller> group, List<Job> stored, RuntimeException failure) {
        lock.lock();
        try {
            for (int i = 0; i < group.size(); i++) {
                Caller c = group.get(i);
                if (stored != null) {
                    c.stored = stored.get(i);
                } else if (group.size() == 1 && failure != null) {
                    c.failure = failure;
                } else {
                    c.alone = true;
                }
                c.settled = true;
                c.turn.signal();
            }
            Caller next = waiting.peek();
            if (next == null) {
                underWay = false;
            } else {
                next.leads = true;
                next.turn.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    private static final class Caller {
        final NewJob job;
        final Condition turn;
        boolean leads;
        boolean settled;
        boolean alone;
        Job stored;
        RuntimeException failure;

        Caller(NewJob job, Condition turn) {
            this.job = job;
            this.turn = turn;
        }
    }
}
