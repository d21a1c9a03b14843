/**
 * Running prompts to their end: {@link io.comfyfleet.comfy.client.run.ComfyRunner} submits with our own ids
 * once its shared event socket is open, follows each prompt's own events only, survives socket drops by reconciling from /history and
 * /queue, and returns a {@link io.comfyfleet.comfy.client.run.RunResult}.
 */
package io.comfyfleet.comfy.client.run;
