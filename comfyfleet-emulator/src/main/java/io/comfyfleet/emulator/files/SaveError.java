package io.comfyfleet.emulator.files;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.util.Map;

/**
 * A save that failed, as ComfyUI's Python reports it: {@code Exception} for a prefix that leaves the output folder,
 * and the {@code OSError} family with its errno for what the disk refuses ({@code [Errno 36] File name too long:
 * '/out/x_00001_.png'}), so a client sees the emulator fail as ComfyUI does.
 */
public final class SaveError extends IOException {
    /** strerror texts as the JDK reports them, and the Python type and errno ComfyUI shows for each. */
    private static final Map<String, PythonError> BY_REASON = Map.of(
            "File name too long", new PythonError("OSError", 36),
            "Not a directory", new PythonError("NotADirectoryError", 20),
            "Permission denied", new PythonError("PermissionError", 13),
            "No space left on device", new PythonError("OSError", 28),
            "Read-only file system", new PythonError("OSError", 30),
            "Is a directory", new PythonError("IsADirectoryError", 21));

    private record PythonError(String type, int errno) {}

    private final String pythonType;

    private SaveError(String pythonType, String message, Throwable cause) {
        super(message, cause);
        this.pythonType = pythonType;
    }

    /** The Python exception type ComfyUI names in {@code exception_type}. */
    public String pythonType() {
        return pythonType;
    }

    static SaveError outsideFolder(String message) {
        return new SaveError("Exception", message, null);
    }

    /** Python's {@code NotADirectoryError} for a folder of the prefix that is a file. */
    static SaveError notADirectory(String folder) {
        return osError(new PythonError("NotADirectoryError", 20), "Not a directory", folder, null);
    }

    /** What Python would raise for the failure {@code e} (an unknown one keeps the JDK's words). */
    static SaveError of(IOException e) {
        if (e instanceof SaveError s) {
            return s;
        }
        if (e instanceof FileSystemException f && f.getReason() != null && BY_REASON.containsKey(f.getReason())) {
            return osError(BY_REASON.get(f.getReason()), f.getReason(), f.getFile(), e);
        }
        return new SaveError("OSError", e.getMessage(), e);
    }

    private static SaveError osError(PythonError error, String reason, String file, Throwable cause) {
        return new SaveError(error.type(), "[Errno " + error.errno() + "] " + reason
                + (file == null ? "" : ": " + pythonRepr(file)), cause);
    }

    /** Python's {@code repr} of a path: single quotes unless the path holds one and no double quote. */
    private static String pythonRepr(String s) {
        if (s.contains("'") && !s.contains("\"")) {
            return "\"" + s.replace("\\", "\\\\") + "\"";
        }
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
