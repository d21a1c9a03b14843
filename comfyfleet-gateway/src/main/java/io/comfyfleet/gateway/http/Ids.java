package io.comfyfleet.gateway.http;

import io.comfyfleet.core.job.JobNotFoundException;
import io.comfyfleet.gateway.jobs.InvalidRequestException;

/** Checks the ids in request paths before they reach the store or the disk. */
final class Ids {
    // RunPod job ids match [a-zA-Z0-9_-]+ (PROTOCOL.md §1.1); at most 128 of them here, as of worker ids
    private static final int MAX_LENGTH = 128;

    private Ids() {}

    /** A job id; one that could never have been issued is simply not found. */
    static String job(String id) {
        if (!matches(id, false)) {
            throw new JobNotFoundException(id == null ? "" : HttpIO.abbreviate(id));
        }
        return id;
    }

    /** Whether {@code id} could be a job id the gateway issued. */
    static boolean isJob(String id) {
        return matches(id, false);
    }

    static String worker(String id) {
        if (!matches(id, true)) {
            throw new InvalidRequestException("the worker id must be 1 to 128 letters, digits, '.', ':', '-' or '_'");
        }
        return id;
    }

    /** [A-Za-z0-9_-]{1,128}, and '.' ':' too for worker ids: checked per character, on every request. */
    private static boolean matches(String id, boolean worker) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || c == '-' || (worker && (c == '.' || c == ':'));
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
