package io.comfyfleet.gateway.http;

import io.comfyfleet.core.job.JobNotFoundException;
import io.comfyfleet.gateway.jobs.InvalidRequestException;
import java.util.regex.Pattern;

/** Checks the ids in request paths before they reach the store or the disk. */
final class Ids {
    // RunPod job ids match [a-zA-Z0-9_-]+ (PROTOCOL.md §1.1)
    private static final Pattern JOB = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    private static final Pattern WORKER = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private Ids() {}

    /** A job id; one that could never have been issued is simply not found. */
    static String job(String id) {
        if (id == null || !JOB.matcher(id).matches()) {
            throw new JobNotFoundException(id == null ? "" : HttpIO.abbreviate(id));
        }
        return id;
    }

    static String worker(String id) {
        if (id == null || !WORKER.matcher(id).matches()) {
            throw new InvalidRequestException("the worker id must be 1 to 128 letters, digits, '.', ':', '-' or '_'");
        }
        return id;
    }
}
