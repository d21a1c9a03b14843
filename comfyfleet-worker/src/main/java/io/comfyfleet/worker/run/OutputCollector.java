package io.comfyfleet.worker.run;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.ViewStream;
import io.comfyfleet.comfy.client.outputs.OutputFile;
import io.comfyfleet.comfy.client.outputs.RunOutputs;
import io.comfyfleet.comfy.client.outputs.TextOutput;
import io.comfyfleet.worker.output.DeliveredOutput;
import io.comfyfleet.worker.output.OutputContent;
import io.comfyfleet.worker.output.OutputSink;
import io.comfyfleet.worker.output.OutputTarget;
import io.comfyfleet.worker.supervisor.LaunchSpec;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.net.URLConnection;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Delivers every output of a finished prompt (images, GIFs, videos, audio, text; temp previews left out) and
 * describes them twice: worker-comfyui's {@code images: [{filename, type, data}]} (only images, as its clients
 * expect) and ComfyFleet's {@code outputs: [{node_id, kind, filename, mime_type, size, sha256, data|url}]}.
 * A file that cannot be delivered becomes an entry in {@code errors}, as worker-comfyui reports non-fatal errors.
 *
 * <p>When this worker launched ComfyUI (so knows its folders) a file is read straight from ComfyUI's folder on
 * disk, which saves a {@code GET /view} round trip per file; otherwise (attached ComfyUI, or a file not found
 * where expected) it is fetched over {@code /view}.
 */
final class OutputCollector {
    private static final Logger log = LoggerFactory.getLogger(OutputCollector.class);

    private static final Pattern FOLDED = Pattern.compile("[^a-z0-9._-]");

    private final ComfyClient comfy;

    OutputCollector(ComfyClient comfy) {
        this.comfy = comfy;
    }

    /**
     * Fills {@code output} with {@code images}, {@code outputs} and, when any failed, {@code errors}. A file
     * {@code prefetched} already holds is taken from there instead of a new {@code /view}.
     *
     * @param folders    ComfyUI's folders when this worker launched it, else null
     * @param prefetched the files fetched while the prompt ended, or null
     */
    void collect(String jobId, RunOutputs outputs, OutputSink sink, ObjectNode output, LaunchSpec.Folders folders,
                 OutputPrefetch prefetched) {
        ArrayNode images = output.putArray("images");
        ArrayNode all = output.putArray("outputs");
        ArrayNode errors = Json.MAPPER.createArrayNode();
        Set<String> storedNames = new HashSet<>();
        for (OutputFile file : outputs.outputs()) {
            String mime = mimeType(file.filename());
            String storedName = unused(file.filename(), storedNames);
            try (FileContent content = content(file, folders, prefetched)) {
                DeliveredOutput d = sink.deliver(new OutputTarget(jobId, storedName, mime), content);
                ObjectNode entry = all.addObject();
                entry.put("node_id", file.nodeId());
                entry.put("kind", file.kind().name().toLowerCase(Locale.ROOT));
                entry.put("filename", file.filename());
                if (file.subfolder() != null && !file.subfolder().isEmpty()) {
                    entry.put("subfolder", file.subfolder());
                }
                entry.put("mime_type", mime);
                entry.put("size", d.size());
                entry.put("sha256", d.sha256());
                entry.put("type", d.type());
                entry.put(d.isUrl() ? "url" : "data", d.data());
                if (file.kind() == io.comfyfleet.comfy.client.outputs.OutputKind.IMAGE) {
                    ObjectNode image = images.addObject();
                    image.put("filename", file.filename());
                    image.put("type", d.type());
                    image.put("data", d.data());
                }
            } catch (io.comfyfleet.comfy.ComfyException e) { // OutputDeliveryException, or ComfyUI refusing the /view
                log.warn("Output {} of job {} was not delivered: {}", file.filename(), jobId, e.getMessage());
                errors.add("Output " + file.filename() + " of node " + file.nodeId() + " was not delivered: "
                        + e.getMessage());
            }
        }
        for (TextOutput text : outputs.texts()) {
            ObjectNode entry = all.addObject();
            entry.put("node_id", text.nodeId());
            entry.put("kind", "text");
            entry.put("key", text.key());
            entry.put("mime_type", "text/plain");
            entry.put("data", text.text());
        }
        if (!errors.isEmpty()) {
            output.set("errors", errors);
        }
        if (images.isEmpty()) {
            // worker-comfyui 5.x says so explicitly rather than returning an empty list silently
            output.put("status", "success_no_images");
        }
    }

    /**
     * The name a file is delivered under: its own, or {@code stem-2.ext}, {@code stem-3.ext}, ... when another output
     * of the job took it. Files in different subfolders share names (prefixes {@code a/img} and {@code b/img} both
     * make {@code img_00001_.png}), and an S3 key or the gateway's store holds one file per job and name, so the later
     * one replaced the earlier. Names are compared as the gateway's store keeps them (ignoring case, characters
     * other than letters, digits, '.', '-' and '_' as '_'), so that two names it would fold into one stay apart too.
     */
    private static String unused(String name, Set<String> taken) {
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String extension = dot > 0 ? name.substring(dot) : "";
        String candidate = name;
        for (int n = 2; !taken.add(FOLDED.matcher(candidate.toLowerCase(Locale.ROOT)).replaceAll("_")); n++) {
            candidate = stem + "-" + n + extension;
        }
        return candidate;
    }

    private FileContent content(OutputFile file, LaunchSpec.Folders folders, OutputPrefetch prefetched) {
        Optional<Path> local = FolderPaths.of(folders, file.ref()).filter(Files::isRegularFile);
        if (local.isPresent()) {
            try {
                return new DiskContent(local.get(), Files.size(local.get()));
            } catch (IOException e) {
                log.debug("Output {} is not readable on disk ({}); fetching it over /view", local.get(), e.toString());
            }
        }
        if (prefetched != null) {
            Optional<byte[]> bytes = prefetched.take(file.ref());
            if (bytes.isPresent()) {
                return new MemoryContent(bytes.get());
            }
        }
        return new ViewContent(file);
    }

    /** An output's bytes, from wherever they are read; closing releases what was opened up front. */
    private sealed interface FileContent extends OutputContent, AutoCloseable
            permits DiskContent, MemoryContent, ViewContent {
        @Override
        void close();
    }

    /** The file in ComfyUI's folder on this worker's disk. */
    private record DiskContent(Path path, long size) implements FileContent {
        @Override
        public InputStream open() throws IOException {
            return Files.newInputStream(path);
        }

        @Override
        public void close() {
        }
    }

    /** The file as {@link OutputPrefetch} fetched it. */
    private record MemoryContent(byte[] bytes) implements FileContent {
        @Override
        public InputStream open() {
            return new ByteArrayInputStream(bytes);
        }

        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public void close() {
        }
    }

    /**
     * The first {@code open()} hands over a response already opened (its Content-Length tells the sink the size
     * up front); an upload retry opens the file again.
     */
    private final class ViewContent implements FileContent {
        private final OutputFile file;
        private final long size;
        private ViewStream unopened;

        ViewContent(OutputFile file) {
            this.file = file;
            this.unopened = comfy.view(file.ref());
            this.size = unopened.contentLength().orElse(-1);
        }

        @Override
        public synchronized InputStream open() {
            ViewStream view = unopened != null ? unopened : comfy.view(file.ref());
            unopened = null;
            return new FilterInputStream(view.body()) {
                @Override
                public void close() {
                    view.close();
                }
            };
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public synchronized void close() {
            if (unopened != null) {
                unopened.close();
                unopened = null;
            }
        }
    }

    static String mimeType(String fileName) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".webp")) {
            return "image/webp";
        }
        if (lower.endsWith(".webm")) {
            return "video/webm";
        }
        if (lower.endsWith(".mp4")) {
            return "video/mp4";
        }
        if (lower.endsWith(".flac")) {
            return "audio/flac";
        }
        if (lower.endsWith(".opus")) {
            return "audio/opus";
        }
        String guessed = URLConnection.guessContentTypeFromName(fileName);
        return guessed == null ? "application/octet-stream" : guessed;
    }
}
