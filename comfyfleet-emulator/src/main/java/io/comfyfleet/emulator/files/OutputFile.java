package io.comfyfleet.emulator.files;

/** One saved file as ComfyUI names it in UI outputs and /view: {@code {filename, subfolder, type}}. */
public record OutputFile(String filename, String subfolder, String type) {}
