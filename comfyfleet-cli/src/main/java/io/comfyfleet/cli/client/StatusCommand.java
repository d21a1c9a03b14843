package io.comfyfleet.cli.client;

import io.comfyfleet.sdk.Endpoint;
import io.comfyfleet.sdk.JobStatus;
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
        exitCodeList = {"0:queued, running or completed", "1:failed, timed out, cancelled, or no such job (or it expired)", "2:bad usage",
                "3:the gateway cannot be reached or is unavailable (HTTP 503)"})
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
        JobRequest.Answer answer = new JobRequest("status", client, stderr).send(jobId, Endpoint::status);
        if (answer.failed()) {
            return answer.exitCode();
        }
        JobStatus status = answer.status();
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
