package io.comfyfleet.cli.up;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks, before {@code up} starts, that local workers can launch the chosen ComfyUI: its folder holds
 * {@code main.py} and its Python can be run. Without this, a wrong path only shows once a job waits: every
 * worker then fails to start, again and again, while the job sits in the queue.
 */
public final class ComfyCheckoutCheck {
    private final Map<String, String> env;

    /** @param env the environment whose {@code PATH} a bare Python name is looked up on */
    public ComfyCheckoutCheck(Map<String, String> env) {
        this.env = env;
    }

    /**
     * The problems of {@code checkout}, one line each, starting with the key that set it ({@code dirKey},
     * {@code pythonKey}: {@code workers.comfyui.dir} or {@code --comfyui-dir}, ...); empty when it can run.
     */
    public List<String> problems(FleetSettings.ComfyLaunch.Checkout checkout, String dirKey, String pythonKey) {
        List<String> problems = new ArrayList<>();
        if (!Files.isRegularFile(checkout.dir().resolve("main.py"))) {
            problems.add(dirKey + ": " + checkout.dir() + " has no main.py; give the folder of a ComfyUI checkout");
        }
        String python = checkout.python();
        if (python.contains("/")) {
            Path file = Path.of(python);
            if (!Files.exists(file)) {
                problems.add(pythonKey + ": " + python + " does not exist; give the Python that has ComfyUI's"
                        + " requirements installed (e.g. /path/to/venv/bin/python)");
            } else if (!Files.isRegularFile(file) || !Files.isExecutable(file)) {
                problems.add(pythonKey + ": " + python + " is not an executable file; give the Python that has"
                        + " ComfyUI's requirements installed (e.g. /path/to/venv/bin/python)");
            }
        } else if (!onPath(python)) {
            problems.add(pythonKey + ": " + python + " is not found on the PATH; give the path of the Python that"
                    + " has ComfyUI's requirements installed (e.g. /path/to/venv/bin/python)");
        }
        return problems;
    }

    private boolean onPath(String name) {
        String path = env.getOrDefault("PATH", "");
        for (String folder : path.split(":")) {
            if (folder.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(folder, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return true;
            }
        }
        return false;
    }
}
