package io.comfyfleet.cli.up;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * The keys {@code comfyfleet up} generated, kept in {@code <dataDir>/keys.env} so a restart does not lock out the CLI,
 * the dashboard and the clients. One {@code NAME=value} line per variable (a shell can {@code source} it), readable
 * by the owner only (0600). An environment variable of the same name overrides the value kept here.
 */
public final class KeyFile {
    /** The file's name inside the data folder. */
    public static final String NAME = "keys.env";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final String HEADER = """
            # ComfyFleet keys, generated once by comfyfleet up and reused on every start.
            # Owner-only (0600). An environment variable of the same name overrides a value here.
            # Show them: comfyfleet keys --show; replace them: comfyfleet keys rotate [client|worker].
            """;

    private final Path file;

    private KeyFile(Path file) {
        this.file = file;
    }

    /** The key file of a data folder. */
    public static KeyFile in(Path dataDir) {
        return new KeyFile(dataDir.resolve(NAME));
    }

    /**
     * The key file for a configuration: {@code server.dataDir} (default {@code data}) resolved against {@code base},
     * the configuration file's folder, as the gateway resolves it.
     */
    public static KeyFile forConfig(JsonNode root, Path base) {
        JsonNode dir = root == null ? null : root.path("server").path("dataDir");
        String name = dir != null && dir.isString() && !dir.asString().isBlank() ? dir.asString().strip() : "data";
        return in(base.resolve(name).normalize());
    }

    /** Where the keys are kept. */
    public Path path() {
        return file;
    }

    /** Whether the file exists. */
    public boolean exists() {
        return Files.isRegularFile(file);
    }

    /**
     * The kept values by variable name; empty when there is no file yet. A file others may read is made owner-only.
     *
     * @throws UncheckedIOException when the file exists but cannot be read
     */
    public Map<String, String> read() {
        if (!exists()) {
            return Map.of();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
            restrict(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the key file " + file + "; fix its permissions or delete it"
                    + " to generate new keys", e);
        }
        Map<String, String> values = new TreeMap<>();
        p.stringPropertyNames().forEach(name -> values.put(name, p.getProperty(name).strip()));
        return values;
    }

    /**
     * Replaces the file's content with {@code values}, atomically and owner-only from the first byte (the file is
     * created with mode 0600 before anything is written to it).
     *
     * @throws UncheckedIOException when the data folder or the file cannot be written
     */
    public void write(Map<String, String> values) {
        StringBuilder text = new StringBuilder(HEADER);
        new TreeMap<>(values).forEach((name, value) -> text.append(name).append('=').append(value).append('\n'));
        try {
            Files.createDirectories(file.getParent());
            Path tmp = posix()
                    ? Files.createTempFile(file.getParent(), ".keys", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY))
                    : Files.createTempFile(file.getParent(), ".keys", ".tmp");
            try {
                Files.writeString(tmp, text);
                try {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the key file " + file + "; check that the data folder is"
                    + " writable", e);
        }
    }

    /**
     * Adds {@code values} to the file (kept values of other names stay); writes only when something changed.
     *
     * @return whether the file was created or changed
     * @throws UncheckedIOException when the file cannot be read or written
     */
    public boolean keep(Map<String, String> values) {
        Map<String, String> merged = new TreeMap<>(read());
        merged.putAll(values);
        if (exists() && merged.equals(read())) {
            return false;
        }
        write(merged);
        return true;
    }

    /** {@code cf-client-86a7…} with the rest hidden: enough to tell keys apart, not enough to use one. */
    public static String mask(String key) {
        int dash = key.lastIndexOf('-');
        int shown = Math.min(key.length(), Math.max(dash + 1, 0) + 4);
        return key.substring(0, shown) + "*".repeat(Math.max(0, key.length() - shown));
    }

    private static void restrict(Path file) throws IOException {
        if (posix() && !Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
            Files.setPosixFilePermissions(file, OWNER_ONLY);
        }
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }
}
