package io.comfyfleet.comfy.client.run;

import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.ComfyEventStream;
import io.comfyfleet.comfy.client.events.ComfyEvent;
import io.comfyfleet.comfy.client.events.ComfyEventListener;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one event WebSocket a {@link ComfyRunner} shares among all its runs, under one client id: opened on the
 * first run and kept open, so a submit does not pay for a handshake and ComfyUI's greeting every time.
 *
 * <p>Routing: a frame with a prompt id goes only to the run of that prompt; a frame without one (binary
 * previews, the {@code executing} ComfyUI sends after a reconnect, custom nodes' messages) goes to every run,
 * whose {@link EventGate} keeps it only while that run's prompt is the one running. Each run's frames reach it
 * in socket order.
 *
 * <p>Drops: every run is told (and reconciles from /history and /queue, as with a socket of its own). The first
 * run that asks reopens the socket; the others find it reopened and only reconcile. A run that starts while the
 * socket is down reopens it before its submit.
 */
final class SharedSocket implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SharedSocket.class);

    private final ComfyClient client;
    private final String clientId;
    private final Map<String, Member> members = new ConcurrentHashMap<>();
    /** Held while opening or reopening, so one attempt runs at a time and the others see its outcome. */
    private final ReentrantLock opening = new ReentrantLock();
    private final Object state = new Object();
    private ComfyEventStream stream;
    /** Guarded by {@link #state}: bumped by each successful (re)open. */
    private int generation;
    /** Guarded by {@link #state}: the current socket is open and not reported lost. */
    private boolean up;
    /** Guarded by {@link #state}: losses reported so far, to notice one that happens while (re)opening. */
    private long losses;
    private boolean closed;

    SharedSocket(ComfyClient client, String clientId) {
        this.client = client;
        this.clientId = clientId;
    }

    String clientId() {
        return clientId;
    }

    /**
     * Routes the events of {@code promptId} to {@code listener} from now on, and makes sure the socket is open
     * (opening it if needed) before returning, so a prompt submitted next misses none of its events.
     *
     * @throws io.comfyfleet.comfy.client.ComfyUnavailableException if the socket cannot be opened
     * @throws IllegalStateException if a run of this runner already follows {@code promptId}, or after close
     */
    RunSocket join(String promptId, ComfyEventListener listener) {
        Member member = new Member(promptId, listener);
        if (members.putIfAbsent(promptId, member) != null) {
            throw new IllegalStateException("prompt " + promptId + " is already being followed by this runner;"
                    + " give each run its own prompt id");
        }
        try {
            synchronized (state) {
                member.lostGeneration = up ? -1 : generation;
            }
            if (member.lostGeneration != -1) {
                reopen(member);
            }
        } catch (RuntimeException e) {
            members.remove(promptId, member);
            throw e;
        }
        return member;
    }

    /** Closes the socket; runs still in flight find their end through their idle check. Idempotent. */
    @Override
    public void close() {
        ComfyEventStream s;
        opening.lock();
        try {
            synchronized (state) {
                closed = true;
                up = false;
            }
            s = stream;
        } finally {
            opening.unlock();
        }
        if (s != null) {
            s.close();
        }
    }

    /**
     * Opens the socket now, before any run (a no-op when it is open): a worker does this as soon as its ComfyUI is
     * ready, so the first job does not wait for the handshake. A run that joins meanwhile waits for this opening
     * and uses its socket.
     *
     * @throws io.comfyfleet.comfy.client.ComfyUnavailableException if it cannot be opened (the first run retries)
     */
    void open() {
        int current;
        synchronized (state) {
            if (up) {
                return;
            }
            current = generation;
        }
        reopen(current);
    }

    /** Opens the socket unless another run has done so since {@code member} was told it was lost. */
    private void reopen(Member member) {
        reopen(member.lostGeneration);
    }

    /** Opens the socket unless it was opened again after {@code lostGeneration} was lost. */
    private void reopen(int lostGeneration) {
        opening.lock();
        try {
            long lossesBefore;
            synchronized (state) {
                if (closed) {
                    throw new IllegalStateException("the runner's event socket (" + clientId + ") is closed");
                }
                if (up && generation != lostGeneration) {
                    return;
                }
                lossesBefore = losses;
            }
            if (stream == null) {
                stream = client.openEventStream(clientId, new Router());
            } else {
                stream.reconnect();
            }
            synchronized (state) {
                generation++;
                // a loss reported while opening was about the new socket: leave it down for the next reopen
                up = losses == lossesBefore;
            }
        } finally {
            opening.unlock();
        }
    }

    /** One run's share of the socket. */
    private final class Member implements RunSocket {
        final String promptId;
        final ComfyEventListener listener;
        /** The generation that was lost when this run was last told so; -1 while the socket is up. */
        volatile int lostGeneration = -1;

        Member(String promptId, ComfyEventListener listener) {
            this.promptId = promptId;
            this.listener = listener;
        }

        @Override
        public void reconnect() {
            reopen(this);
        }

        @Override
        public void close() {
            members.remove(promptId, this);
        }
    }

    /** The socket's listener: forwards each frame to the run(s) it can concern, and drops to every run. */
    private final class Router implements ComfyEventListener {
        @Override
        public void onEvent(ComfyEvent event) {
            String id = event.promptId();
            if (id != null) {
                Member member = members.get(id);
                if (member != null) {
                    member.listener.onEvent(event);
                }
                return;
            }
            for (Member member : members.values()) {
                member.listener.onEvent(event);
            }
        }

        @Override
        public void onClosed(int statusCode, String reason) {
            for (Member member : lost()) {
                member.listener.onClosed(statusCode, reason);
            }
        }

        @Override
        public void onError(Throwable error) {
            for (Member member : lost()) {
                member.listener.onError(error);
            }
        }

        private Iterable<Member> lost() {
            int lostGeneration;
            synchronized (state) {
                up = false;
                losses++;
                lostGeneration = generation;
            }
            log.debug("event socket {} lost; {} run(s) will reconcile", clientId, members.size());
            for (Member member : members.values()) {
                member.lostGeneration = lostGeneration;
            }
            return members.values();
        }
    }
}
