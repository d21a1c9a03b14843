package io.comfyfleet.gateway.http;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobNotFoundException;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.JobStateConflictException;
import io.comfyfleet.gateway.auth.Access;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.config.ServerSettings;
import io.comfyfleet.gateway.jobs.JobService;
import io.comfyfleet.gateway.jobs.Json;
import io.comfyfleet.gateway.jobs.PayloadTooLargeException;
import io.comfyfleet.gateway.outputs.OutputFiles;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The gateway's output store over HTTP: a worker PUTs a large output of a running job, a client GETs it.
 */
final class OutputRoutes {
    private final Access access;
    private final JobService jobs;
    private final OutputFiles files;
    private final ServerSettings server;

    OutputRoutes(Access access, JobService jobs, OutputFiles files, ServerSettings server) {
        this.access = access;
        this.jobs = jobs;
        this.files = files;
        this.server = server;
    }

    void register(RoutesConfig routes) {
        routes.put("/v2/{endpoint}/outputs/{id}/{file}", this::upload);
        routes.get("/v2/{endpoint}/outputs/{id}/{file}", this::download);
    }

    private void upload(Context ctx) throws IOException {
        EndpointConfig endpoint = access.authorize(ctx.pathParam("endpoint"), ctx.header("Authorization"),
                Access.Side.WORKER);
        Job job = jobs.status(endpoint.name(), Ids.job(ctx.pathParam("id")));
        if (job.state() != JobState.IN_PROGRESS) {
            throw new JobStateConflictException(job.id(), job.state(), Set.of(JobState.IN_PROGRESS), "store an output of");
        }
        String name = OutputFiles.sanitize(ctx.pathParam("file"));
        if (ctx.req().getContentLengthLong() > server.maxOutputFile()) {
            throw HttpIO.refuseTooLarge(ctx, "the uploaded file", server.maxOutputFile());
        }
        try (InputStream body = ctx.req().getInputStream()) {
            try {
                files.save(endpoint.name(), job.id(), name, body, server.maxOutputFile());
            } catch (PayloadTooLargeException tooLarge) {
                // a chunked upload is found too large only while it arrives: drop the rest, as for a declared
                // size, or the worker still sending sees a reset connection instead of this 413
                throw HttpIO.refuseTooLarge(ctx, "the uploaded file", server.maxOutputFile());
            }
        }
        String base = server.publicUrl().orElseGet(() -> ctx.scheme() + "://" + ctx.host());
        String url = base + "/v2/" + endpoint.name() + "/outputs/" + job.id() + "/" + name;
        HttpIO.json(ctx, Json.mapper().createObjectNode().put("url", url));
    }

    private void download(Context ctx) throws IOException {
        EndpointConfig endpoint = access.authorize(ctx.pathParam("endpoint"), ctx.header("Authorization"),
                Access.Side.CLIENT);
        Job job = jobs.status(endpoint.name(), Ids.job(ctx.pathParam("id")));
        String name = OutputFiles.sanitize(ctx.pathParam("file"));
        Path file = files.find(endpoint.name(), job.id(), name)
                .orElseThrow(() -> new JobNotFoundException(job.id() + "/" + name));
        String type = URLConnection.guessContentTypeFromName(name);
        ctx.status(200)
                .contentType(type == null ? "application/octet-stream" : type)
                // outputs are the workers' bytes: never let a browser run them in the gateway's origin
                .header("X-Content-Type-Options", "nosniff")
                .header("Content-Security-Policy", "sandbox")
                .header("Content-Length", Long.toString(Files.size(file)))
                .result(Files.newInputStream(file));
    }
}
