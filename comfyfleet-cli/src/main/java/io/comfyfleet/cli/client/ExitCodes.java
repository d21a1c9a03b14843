package io.comfyfleet.cli.client;

import io.comfyfleet.sdk.ComfyFleetException;
import io.comfyfleet.sdk.NotFoundException;
import io.comfyfleet.sdk.RequestRejectedException;
import io.comfyfleet.sdk.UnauthorizedException;

/** The exit codes of the client commands, and which SDK failure maps to which. */
final class ExitCodes {
    /** The job COMPLETED, or the status was found. */
    static final int OK = 0;
    /** The job FAILED, TIMED_OUT or was CANCELLED; or the job is unknown; or the gateway answered with an error. */
    static final int JOB_FAILED = 1;
    /** Bad usage or input: missing file, unreadable JSON, no or wrong key, unknown endpoint. */
    static final int USAGE = 2;
    /**
     * The gateway could not be reached, is unavailable (HTTP 503: stopping, or its job store is down) or refused
     * the key's rate (HTTP 429): nothing was done, trying again later may work.
     */
    static final int UNREACHABLE = 3;

    private ExitCodes() {}

    /** For a request that failed before any job ended: the caller's mistake, no gateway, or the gateway's error. */
    static int forRequestFailure(ComfyFleetException e) {
        if (e instanceof UnauthorizedException || e instanceof RequestRejectedException || e instanceof NotFoundException) {
            return USAGE;
        }
        return forGatewayFailure(e);
    }

    /** For a request about a job that exists which got no usable answer: no gateway, or the gateway's error. */
    static int forGatewayFailure(ComfyFleetException e) {
        return unavailable(e) ? UNREACHABLE : JOB_FAILED;
    }

    /**
     * No answer at all (the SDK reports HTTP status 0: connection refused, DNS, timeout), 503: the gateway takes
     * no such requests now (it is stopping, or its job store is down), or 429: not from this key now.
     */
    static boolean unavailable(ComfyFleetException e) {
        return e.httpStatus() == 0 || e.httpStatus() == 429 || e.httpStatus() == 503;
    }
}
