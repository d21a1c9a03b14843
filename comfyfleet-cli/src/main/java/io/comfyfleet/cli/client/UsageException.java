package io.comfyfleet.cli.client;

/** A mistake the user can fix in the command line or its input files; the commands answer it with exit code 2. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
