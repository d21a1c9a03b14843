package io.comfyfleet.cli.client;

import io.comfyfleet.sdk.ComfyFleetException;
import io.comfyfleet.sdk.Endpoint;
import io.comfyfleet.sdk.JobStatus;
import io.comfyfleet.sdk.NotFoundException;
import io.comfyfleet.sdk.RequestRejectedException;
import java.io.PrintWriter;

/**
 * One request about a job that exists already, as {@code status} and {@code cancel} make it: the id checked, the
 * request sent, and a failure printed as {@code comfyfleet COMMAND: ...} and answered with its exit code.
 */
final class JobRequest {
    /** The request itself, given the endpoint and the stripped job id. */
    @FunctionalInterface
    interface Call {
        JobStatus send(Endpoint endpoint, String jobId);
    }

    /** The job's status, or (status null) the exit code after the failure was printed. */
    record Answer(JobStatus status, int exitCode) {
        boolean failed() {
            return status == null;
        }
    }

    private final String command;
    private final ClientOptions client;
    private final PrintWriter stderr;
    private String rejectedMeans;

    JobRequest(String command, ClientOptions client, PrintWriter stderr) {
        this.command = command;
        this.client = client;
        this.stderr = stderr;
    }

    /** What a rejection (HTTP 400) says of the job, e.g. "cannot be cancelled, it has ended"; exit code 1. */
    JobRequest whenRejected(String meaning) {
        this.rejectedMeans = meaning;
        return this;
    }

    Answer send(String jobId, Call call) {
        try {
            if (jobId.isBlank()) {
                throw new UsageException("the job id must not be blank");
            }
            return new Answer(call.send(client.endpoint(), jobId.strip()), ExitCodes.OK);
        } catch (UsageException e) {
            return fail(e.getMessage(), ExitCodes.USAGE);
        } catch (NotFoundException e) {
            return fail("no job " + jobId + " on this endpoint (unknown, or expired after the retention time): "
                    + e.getMessage(), ExitCodes.JOB_FAILED);
        } catch (RequestRejectedException e) {
            if (rejectedMeans == null) {
                return fail(client.explain(e), ExitCodes.forRequestFailure(e));
            }
            return fail("job " + jobId + " " + rejectedMeans + ": " + e.getMessage(), ExitCodes.JOB_FAILED);
        } catch (ComfyFleetException e) {
            return fail(client.explain(e), ExitCodes.forRequestFailure(e));
        }
    }

    private Answer fail(String message, int exitCode) {
        stderr.println("comfyfleet " + command + ": " + message);
        return new Answer(null, exitCode);
    }
}
