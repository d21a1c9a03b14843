package io.comfyfleet.worker.input;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Brings a job's input images into ComfyUI before the run: decoded or fetched into the job's scratch folder,
 * then uploaded. The workflow refers to each image by its name, as in worker-comfyui.
 */
public final class InputStager {
    private final UrlFetcher fetcher;

    public InputStager(UrlFetcher fetcher) {
        this.fetcher = fetcher;
    }

    /**
     * Stages every image of {@code input}.
     *
     * @return the names ComfyUI stored the images under, in input order
     * @throws InvalidJobInputException when an image URL is refused or cannot be fetched
     * @throws UncheckedIOException when the scratch folder cannot be written
     */
    public List<String> stage(JobInput input, Path scratch, InputUploader uploader) {
        List<String> stored = new ArrayList<>();
        if (input.images().isEmpty()) {
            // most jobs bring no images: creating and deleting an empty folder cost each one milliseconds of disk I/O
            return stored;
        }
        try {
            Files.createDirectories(scratch);
            for (int i = 0; i < input.images().size(); i++) {
                InputImage image = input.images().get(i);
                Path file = scratch.resolve("input-" + i);
                switch (image.source()) {
                    case InputImage.Inline inline -> Files.write(file, inline.bytes());
                    case InputImage.Remote remote -> fetcher.fetch(remote.url(), file, "input.images[" + i + "]");
                }
                stored.add(uploader.upload(image.name(), file));
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write input images to " + scratch, e);
        }
        return stored;
    }
}
