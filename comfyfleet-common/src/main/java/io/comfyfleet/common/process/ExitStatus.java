package io.comfyfleet.common.process;

/**
 * What a process's exit status says when the process itself said nothing (killed before it could print a reason).
 * On Linux the JDK reports a process ended by signal N as 128 + N, as shells do.
 */
public final class ExitStatus {
    private ExitStatus() {}

    /** One line for a person: how it ended, and for a signal the usual cause. */
    public static String describe(int code) {
        if (code <= 128 || code > 128 + 64) {
            return "exited with code " + code;
        }
        int signal = code - 128;
        return switch (signal) {
            case 9 -> "killed by SIGKILL (exit code 137): the kernel's out-of-memory killer (see dmesg) or a kill -9";
            case 6 -> "aborted by SIGABRT (exit code 134): a native library gave up";
            case 11 -> "crashed with SIGSEGV (exit code 139): a native library crashed";
            case 15 -> "ended by SIGTERM (exit code 143): something other than ComfyFleet stopped it";
            case 2 -> "interrupted by SIGINT (exit code 130)";
            default -> "killed by signal " + signal + " (exit code " + code + ")";
        };
    }
}
