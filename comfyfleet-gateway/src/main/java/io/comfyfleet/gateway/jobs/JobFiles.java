package io.comfyfleet.gateway.jobs;

import java.util.function.BiPredicate;

/**
 * Files the gateway keeps per job (the gateway output store), which {@link Housekeeping} deletes once their job
 * is gone. An interface here so the jobs package does not depend on where and how the files are kept.
 */
public interface JobFiles {
    /** Deletes the files of every job for which {@code gone.test(endpoint, jobId)} is true; returns how many jobs. */
    int deleteWhere(BiPredicate<String, String> gone);
}
