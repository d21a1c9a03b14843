package io.comfyfleet.core.job;

/**
 * One chunk a worker posted to {@code job-stream}, in the order posted.
 *
 * @param seq        increasing per job, starting at 1; clients drain with "chunks after seq N"
 * @param outputJson the chunk's {@code output} as JSON text
 */
public record StreamChunk(long seq, String outputJson) {}
