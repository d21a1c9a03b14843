package io.comfyfleet.fleet.local;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Ready-made worker command templates for {@link LocalProcessConfig}. */
public final class WorkerCommands {
    private WorkerCommands() {}

    /**
     * This JVM's own {@code java} and class path running {@code mainClass} with {@code args}: the usual way
     * {@code comfyfleet up} starts its workers, as in {@code thisJvm("io.comfyfleet.cli.Main", "worker")}.
     * The arguments may use the {@link LocalProcessConfig} placeholders, such as {@code {slot}}.
     */
    public static List<String> thisJvm(String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // the workers log to stdout, which the provider reads; the same native-access flag keeps it clean
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(List.of(args));
        return List.copyOf(command);
    }
}
