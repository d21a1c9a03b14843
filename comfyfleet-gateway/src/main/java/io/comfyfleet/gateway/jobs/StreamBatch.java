package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.StreamChunk;
import java.util.List;

/** One {@code /stream} answer: the job as it is now and the chunks not yet handed to a client. */
public record StreamBatch(Job job, List<StreamChunk> chunks) {}
