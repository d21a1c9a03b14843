package io.comfyfleet.cli.up;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
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

    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

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
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            restrict(file);
        } catch (CharacterCodingException e) {
            throw new UncheckedIOException("the key file " + file + " is not text; delete it to generate new keys",
                    new IOException("it is not UTF-8", e));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the key file " + file + "; fix its permissions or delete it"
                    + " to generate new keys", e);
        }
        try {
            return parse(lines);
        } catch (IOException e) {
            throw new UncheckedIOException("the key file " + file + " holds a line that is not NAME=value; fix it"
                    + " (nothing was changed) or delete the file to generate new keys", e);
        }
    }

    /**
     * The file's {@code NAME=value} lines as a shell reads them when it sources the file: {@code export NAME=value}
     * and a value in matching quotes are the same variable (before, {@code java.util.Properties} read such a line as a
     * variable named {@code export}, so the key in it was replaced by a new one). Blank lines and {@code #} comments
     * are skipped. A message names the line and the variable, never a value.
     *
     * @throws IOException for a line that is not a variable, or a variable set twice
     */
    static Map<String, String> parse(List<String> lines) throws IOException {
        Map<String, String> values = new TreeMap<>();
        Map<String, Integer> lineOf = new TreeMap<>();
        for (int i = 0; i < lines.size(); i++) {
            int n = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ") || line.startsWith("export\t")) {
                line = line.substring("export".length()).strip();
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new IOException("line " + n + " has no '=': write NAME=value, like COMFYFLEET_CLIENT_KEY=cf-client-...");
            }
            String name = line.substring(0, eq).strip();
            if (!VARIABLE.matcher(name).matches()) {
                throw new IOException("line " + n + ": '" + printable(name) + "' is not a variable name (letters,"
                        + " digits and '_', not starting with a digit)");
            }
            Integer first = lineOf.putIfAbsent(name, n);
            if (first != null) {
                throw new IOException("line " + n + " sets " + name + " again (line " + first + " did): keep one");
            }
            values.put(name, unquoted(line.substring(eq + 1).strip()));
        }
        return values;
    }

    private static String unquoted(String value) {
        if (value.length() >= 2 && (value.charAt(0) == '"' || value.charAt(0) == '\'')
                && value.charAt(value.length() - 1) == value.charAt(0)) {
            return value.substring(1, value.length() - 1);
        }
        return value;
    }

    private static String printable(String name) {
        String cut = name.length() > 60 ? name.substring(0, 60) + "..." : name;
        return cut.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
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
