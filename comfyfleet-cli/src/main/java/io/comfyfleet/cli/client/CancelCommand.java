package io.comfyfleet.cli.client;

import io.comfyfleet.sdk.ComfyFleetException;
import io.comfyfleet.sdk.JobState;
import io.comfyfleet.sdk.JobStatus;
import io.comfyfleet.sdk.NotFoundException;
import io.comfyfleet.sdk.RequestRejectedException;
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
                "3:the gateway cannot be reached"})
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
        JobStatus status;
        try {
            if (jobId.isBlank()) {
                throw new UsageException("the job id must not be blank");
            }
            status = client.endpoint().job(jobId.strip()).cancel();
        } catch (UsageException e) {
            stderr.println("comfyfleet cancel: " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (NotFoundException e) {
            stderr.println("comfyfleet cancel: no job " + jobId + " on this endpoint (unknown, or expired after the"
                    + " retention time): " + e.getMessage());
            return ExitCodes.JOB_FAILED;
        } catch (RequestRejectedException e) {
            stderr.println("comfyfleet cancel: job " + jobId + " cannot be cancelled, it has ended: " + e.getMessage());
            return ExitCodes.JOB_FAILED;
        } catch (ComfyFleetException e) {
            stderr.println("comfyfleet cancel: " + client.explain(e));
            return ExitCodes.forRequestFailure(e);
        }
        if (status.state() == JobState.CANCELLED) {
            stdout.println("job " + status.id() + " cancelled");
            stdout.flush();
            return ExitCodes.OK;
        }
        stderr.println("comfyfleet cancel: job " + status.id() + " had already ended: " + status.state());
        return ExitCodes.JOB_FAILED;
    }
}
