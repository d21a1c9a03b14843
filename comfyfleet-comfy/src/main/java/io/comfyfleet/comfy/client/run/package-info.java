/**
 * Running one prompt to its end: {@link io.comfyfleet.comfy.client.run.ComfyRunner} submits with our own ids
 * after opening the socket, follows that prompt only, survives socket drops by reconciling from /history and
 * /queue, and returns a {@link io.comfyfleet.comfy.client.run.RunResult}.
 */
package io.comfyfleet.comfy.client.run;
