package io.comfyfleet.emulator.http;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.emulator.files.FileStore;
import io.comfyfleet.emulator.files.UploadAnswer;
import io.comfyfleet.emulator.files.ViewAnswer;
import io.comfyfleet.emulator.files.ViewTransform;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/** GET /view, POST /upload/image and POST /upload/mask over the emulator's folders. */
final class FileRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(FileRoutes.class);
    private final FileStore files;

    FileRoutes(FileStore files) {
        this.files = files;
    }

    void view(Context ctx) throws IOException {
        ViewAnswer answer = files.view(ctx.queryParam("filename"), ctx.queryParam("subfolder"), ctx.queryParam("type"));
        if (answer.status() != 200) {
            ctx.status(answer.status()).result("");
            return;
        }
        String name = answer.file().getFileName().toString();
        ctx.header("Content-Disposition", "filename=\"" + name + "\"");
        Optional<ViewTransform.Encoded> encoded;
        try {
            encoded = ViewTransform.apply(answer.file(), ctx.queryParam("preview"), ctx.queryParam("channel"));
        } catch (IOException e) {
            Answers.serverError(ctx);
            return;
        }
        if (encoded.isPresent()) {
            ctx.contentType(encoded.get().contentType()).result(encoded.get().bytes());
            return;
        }
        ctx.contentType(answer.contentType());
        InputStream in = Files.newInputStream(answer.file());
        ctx.writeSeekableStream(in, answer.contentType(), Files.size(answer.file()));
    }

    void uploadImage(Context ctx) throws IOException {
        UploadedFile image = ctx.uploadedFile("image");
        if (image == null) {
            ctx.status(400).result("");
            return;
        }
        byte[] data;
        try (InputStream in = image.content()) {
            data = in.readAllBytes();
        }
        String overwrite = ctx.formParam("overwrite");
        UploadAnswer answer = files.upload(data, image.filename(), ctx.formParam("subfolder"), ctx.formParam("type"),
                "true".equals(overwrite) || "1".equals(overwrite));
        answer(ctx, answer);
    }

    /** The mask's alpha goes onto the referenced picture ({@code original_ref}), saved as PNG. */
    void uploadMask(Context ctx) throws IOException {
        UploadedFile image = ctx.uploadedFile("image");
        String originalRef = ctx.formParam("original_ref");
        if (image == null || originalRef == null) {
            ctx.status(400).result("");
            return;
        }
        byte[] mask;
        try (InputStream in = image.content()) {
            mask = in.readAllBytes();
        }
        ObjectNode ref;
        try {
            ref = (ObjectNode) Json.MAPPER.readTree(originalRef);
        } catch (RuntimeException e) {
            Answers.serverError(ctx);
            return;
        }
        String overwrite = ctx.formParam("overwrite");
        answer(ctx, MaskUpload.apply(files, mask, ref, image.filename(), ctx.formParam("subfolder"),
                ctx.formParam("type"), "true".equals(overwrite) || "1".equals(overwrite)));
    }

    private static void answer(Context ctx, UploadAnswer answer) {
        if (answer.status() == 500) {
            Answers.serverError(ctx);
            return;
        }
        if (answer.status() != 200) {
            ctx.status(answer.status()).result("");
            return;
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("name", answer.name()).put("subfolder", answer.subfolder()).put("type", answer.type());
        LOG.debug("uploaded {}", body);
        Answers.json(ctx, body);
    }
}
