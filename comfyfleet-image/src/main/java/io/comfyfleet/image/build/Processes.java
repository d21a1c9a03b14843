package io.comfyfleet.image.build;

import io.comfyfleet.image.ImageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Runs a helper program (git, tar, jlink) and returns its output, or fails with the command and its output. */
final class Processes {
    private Processes() {}

    record Result(int exit, String output) {}

    static Result run(Path dir, List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().put("GIT_TERMINAL_PROMPT", "0"); // a private repo without credentials fails, never hangs
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(p.waitFor(), out);
        } catch (IOException e) {
            throw new ImageException("cannot run " + command.getFirst() + " (is it installed and on PATH?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException("interrupted while running " + String.join(" ", command), e);
        }
    }

    static String check(Path dir, List<String> command, String what) {
        Result r = run(dir, command);
        if (r.exit() != 0) {
            throw new ImageException(what + ": '" + String.join(" ", command) + "' exited " + r.exit() + ": " + r.output().strip());
        }
        return r.output();
    }
}
