package io.comfyfleet.emulator.files;

import java.util.Optional;

/** ComfyUI's three file roots, as named by the {@code type} parameter of /view and /upload/image. */
public enum FolderType {
    OUTPUT("output"), INPUT("input"), TEMP("temp");

    private final String wireName;

    FolderType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<FolderType> parse(String name) {
        for (FolderType type : values()) {
            if (type.wireName.equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }

    /** ComfyUI's annotated names: {@code "a.png [input]"} picks the folder and strips the suffix. */
    static Annotated annotated(String name) {
        for (FolderType type : values()) {
            String suffix = " [" + type.wireName + "]";
            if (name.endsWith(suffix)) {
                return new Annotated(name.substring(0, name.length() - suffix.length()), type);
            }
        }
        return new Annotated(name, null);
    }

    record Annotated(String name, FolderType type) {}
}
