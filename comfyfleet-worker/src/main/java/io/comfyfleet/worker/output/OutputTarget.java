package io.comfyfleet.worker.output;

/**
 * Which output is being delivered.
 *
 * @param jobId the job it belongs to
 * @param fileName the file's name as ComfyUI wrote it (no folders)
 * @param mimeType e.g. {@code image/png}
 */
public record OutputTarget(String jobId, String fileName, String mimeType) {}
