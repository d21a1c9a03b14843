package io.comfyfleet.cli.client;

import io.comfyfleet.sdk.JobState;
import io.comfyfleet.sdk.JobStatus;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code comfyfleet cancel ID}: cancels a queued or running job (a running one is interrupted on its ComfyUI).
 * Exit codes: 0 cancelled, 1 it had already ended (its state is printed) or is unknown, 2 bad usage, 3 unreachable.
 */
@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a queued or running job.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:cancelled", "1:it had already ended, or no such job", "2:bad usage",
                "3:the gateway cannot be reached or is unavailable (HTTP 503)"})
public final class CancelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;
    @Mixin
    ClientOptions client;
    @Parameters(index = "0", paramLabel = "ID", description = "The job id that submit printed")
    String jobId;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        JobRequest.Answer answer = new JobRequest("cancel", client, stderr)
                .whenRejected("cannot be cancelled, it has ended")
                .send(jobId, (endpoint, id) -> endpoint.job(id).cancel());
        if (answer.failed()) {
            return answer.exitCode();
        }
        JobStatus status = answer.status();
        if (status.state() == JobState.CANCELLED) {
            stdout.println("job " + status.id() + " cancelled");
            stdout.flush();
            return ExitCodes.OK;
        }
        stderr.println("comfyfleet cancel: job " + status.id() + " had already ended: " + status.state());
        return ExitCodes.JOB_FAILED;
    }
}
