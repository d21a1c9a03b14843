package io.comfyfleet.emulator.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * ComfyUI's {@code folder_paths.get_save_image_path}: a prefix may carry a subfolder ({@code "video/x"}),
 * files are named {@code <prefix>_<counter:05>_.<ext>}, and the counter is the largest one already in the
 * folder for that prefix, plus one.
 */
final class SaveNaming {
    private SaveNaming() {}

    record Slot(Path folder, String subfolder, String baseName, int counter) {
        String fileName(int index, String extension) {
            return String.format("%s_%05d_.%s", baseName, counter + index, extension);
        }
    }

    static Slot reserve(Path root, String prefix) throws IOException {
        String normalized = prefix.replace('\\', '/');
        int slash = normalized.lastIndexOf('/');
        String subfolder = slash < 0 ? "" : normalized.substring(0, slash);
        String baseName = slash < 0 ? normalized : normalized.substring(slash + 1);
        Path folder = root.resolve(subfolder).normalize();
        if (!folder.startsWith(root)) {
            throw new IOException("**** ERROR: Saving image outside the output folder is not allowed."
                    + "\n full_output_folder: " + folder + "\n         output_dir: " + root);
        }
        Files.createDirectories(folder);
        Pattern pattern = Pattern.compile(Pattern.quote(baseName) + "_(\\d+)_.*");
        int max = 0;
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Matcher matcher = pattern.matcher(file.getFileName().toString());
                if (matcher.matches()) {
                    max = Math.max(max, parseOrZero(matcher.group(1)));
                }
            }
        }
        return new Slot(folder, subfolder, baseName, max + 1);
    }

    private static int parseOrZero(String digits) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
