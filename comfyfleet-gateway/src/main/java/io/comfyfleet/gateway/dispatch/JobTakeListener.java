package io.comfyfleet.gateway.dispatch;

/** Told of every job-take, on the request's thread: keep it short and never throw. */
@FunctionalInterface
public interface JobTakeListener {
    void askedForJobs(String endpoint, String workerId);
}
