package io.comfyfleet.worker.input;

import java.nio.file.Path;

/** Puts one input file into ComfyUI's input folder (its {@code POST /upload/image}). */
@FunctionalInterface
public interface InputUploader {
    /**
     * Uploads {@code file} as {@code name}, overwriting an earlier file of that name.
     *
     * @return the name ComfyUI stored it under
     */
    String upload(String name, Path file);
}
