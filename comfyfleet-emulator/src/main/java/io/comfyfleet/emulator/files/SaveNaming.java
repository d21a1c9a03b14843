package io.comfyfleet.emulator.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.stream.Stream;

/**
 * ComfyUI's {@code folder_paths.get_save_image_path}, to the letter, since where a user's {@code filename_prefix}
 * lands is what a worker reads back: {@code %width%}, {@code %height%}, {@code %year%} ... {@code %second%} are
 * filled in, the prefix is normalised as Python's {@code normpath} does ({@code ""} saves {@code ._00001_.png},
 * {@code a/../b} and {@code ./b} save {@code b_00001_.png} with no subfolder, {@code sub/dir/} saves
 * {@code dir_00001_.png} in {@code sub}, a backslash is part of the name), a prefix that leaves the folder is
 * refused with ComfyUI's message, and the counter is the largest one already in the folder for that name, plus one.
 */
final class SaveNaming {
    private SaveNaming() {}

    record Slot(Path folder, String subfolder, String baseName, int counter) {
        /**
         * The name of a batch's {@code index}th file; with {@code batchNumbers} (SaveImage, PreviewImage, SaveAudio,
         * not SaveAnimatedPNG) {@code %batch_num%} in the name becomes the index, as those nodes replace it.
         */
        String fileName(int index, String extension, boolean batchNumbers) {
            String name = batchNumbers ? baseName.replace("%batch_num%", String.valueOf(index)) : baseName;
            return String.format("%s_%05d_.%s", name, counter + index, extension);
        }
    }

    /**
     * @param width  the image's width for {@code %width%} (0 where ComfyUI's node passes none, as SaveAudio)
     * @param height the image's height for {@code %height%}
     * @throws SaveError when the prefix leaves the folder or the folder cannot be listed or made
     */
    static Slot reserve(Path root, String prefix, int width, int height) throws IOException {
        String computed = prefix.contains("%") ? computeVars(prefix, width, height) : prefix;
        String normalized = PosixPaths.normpath(computed);
        String subfolder = PosixPaths.dirname(normalized);
        String baseName = PosixPaths.basename(normalized);
        String outputDir = root.toAbsolutePath().normalize().toString();
        String full = PosixPaths.abspath(PosixPaths.join(outputDir, subfolder));
        String common = PosixPaths.commonpath(outputDir, full);
        if (!common.equals(outputDir)) {
            throw SaveError.outsideFolder("**** ERROR: Saving image outside the output folder is not allowed."
                    + "\n full_output_folder: " + full + "\n         output_dir: " + outputDir
                    + "\n         commonpath: " + common);
        }
        Path folder = Path.of(full);
        // ComfyUI lists the folder first and makes it only when listing finds nothing there
        if (Files.exists(folder) && !Files.isDirectory(folder)) {
            throw SaveError.notADirectory(full);
        }
        try {
            Files.createDirectories(folder);
            return new Slot(folder, subfolder, baseName, nextCounter(folder, PosixPaths.basename(computed), baseName));
        } catch (IOException e) {
            throw SaveError.of(e);
        }
    }

    /**
     * ComfyUI's {@code map_filename} and the {@code max} over it: a file counts when its first characters, as many as
     * the un-normalised prefix's last segment has, are {@code baseName} followed by {@code _}; its counter is the
     * number up to the next {@code _} (0 if none). A trailing slash makes that segment empty, so nothing counts and
     * ComfyUI writes counter 1 again.
     */
    private static int nextCounter(Path folder, String prefixSegment, String baseName) throws IOException {
        int prefixLength = prefixSegment.codePointCount(0, prefixSegment.length());
        long max = Long.MIN_VALUE;
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                int[] cps = name.codePoints().toArray();
                int cut = Math.min(prefixLength + 1, cps.length);
                String head = new String(cps, 0, cut);
                if (head.isEmpty() || !head.endsWith("_") || !head.substring(0, head.length() - 1).equals(baseName)) {
                    continue;
                }
                String rest = new String(cps, cut, cps.length - cut);
                max = Math.max(max, pythonInt(rest.split("_", -1)[0]));
            }
        }
        return max == Long.MIN_VALUE ? 1 : (int) Math.clamp(max + 1, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    private static long pythonInt(String text) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** ComfyUI's {@code compute_vars}: the image size and the local time, two digits but the year. */
    private static String computeVars(String prefix, int width, int height) {
        LocalDateTime now = LocalDateTime.now();
        return prefix.replace("%width%", String.valueOf(width))
                .replace("%height%", String.valueOf(height))
                .replace("%year%", String.valueOf(now.getYear()))
                .replace("%month%", two(now.getMonthValue()))
                .replace("%day%", two(now.getDayOfMonth()))
                .replace("%hour%", two(now.getHour()))
                .replace("%minute%", two(now.getMinute()))
                .replace("%second%", two(now.getSecond()));
    }

    private static String two(int value) {
        return String.format("%02d", value);
    }
}
