package io.comfyfleet.cli.client;

import io.comfyfleet.sdk.ComfyFleetException;
import io.comfyfleet.sdk.Endpoint;
import io.comfyfleet.sdk.JobStatus;
import io.comfyfleet.sdk.NotFoundException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code comfyfleet status ID}: a job's status as readable lines (base64 blobs shortened), or {@code --json}.
 * Exit codes: 0 queued, running or completed; 1 failed, timed out, cancelled or unknown (or the gateway answered with
 * an error); 2 bad usage; 3 unreachable.
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show a job's status.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:queued, running or completed", "1:failed, timed out, cancelled, or no such job (or it expired)", "2:bad usage", "3:the gateway cannot be reached"})
public final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;
    @Mixin
    ClientOptions client;
    @Parameters(index = "0", paramLabel = "ID", description = "The job id that submit printed")
    String jobId;
    @Option(names = "--json", description = "Print the status as JSON: id, status, delayTime, executionTime, workerId, error, output in full")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        JobStatus status;
        try {
            if (jobId.isBlank()) {
                throw new UsageException("the job id must not be blank");
            }
            Endpoint endpoint = client.endpoint();
            status = endpoint.status(jobId.strip());
        } catch (UsageException e) {
            stderr.println("comfyfleet status: " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (NotFoundException e) {
            stderr.println("comfyfleet status: no job " + jobId + " on this endpoint (unknown, or expired after"
                    + " the retention time): " + e.getMessage());
            return ExitCodes.JOB_FAILED;
        } catch (ComfyFleetException e) {
            stderr.println("comfyfleet status: " + client.explain(e));
            return ExitCodes.forRequestFailure(e);
        }
        if (json) {
            stdout.println(StatusText.json(status));
        } else {
            StatusText.lines(status).forEach(stdout::println);
        }
        stdout.flush();
        // as submit --wait answers: a script can test the exit code instead of parsing the status
        return switch (status.state()) {
            case FAILED, CANCELLED, TIMED_OUT -> ExitCodes.JOB_FAILED;
            case IN_QUEUE, IN_PROGRESS, COMPLETED -> ExitCodes.OK;
        };
    }
}
