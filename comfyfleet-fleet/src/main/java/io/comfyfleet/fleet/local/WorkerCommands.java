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
        command.add(absolute(System.getProperty("java.class.path")));
        command.add(mainClass);
        command.addAll(List.of(args));
        return List.copyOf(command);
    }

    /** Workers run in their own folder: a class path given relative to ours ({@code java -jar x.jar}) would miss. */
    static String absolute(String classPath) {
        List<String> entries = new ArrayList<>();
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            entries.add(entry.isEmpty() ? entry : Path.of(entry).toAbsolutePath().toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }
}
