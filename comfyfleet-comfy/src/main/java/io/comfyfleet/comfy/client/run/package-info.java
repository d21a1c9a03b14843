/**
 * Running prompts to their end: {@link io.comfyfleet.comfy.client.run.ComfyRunner} submits with our own ids
 * once its shared event socket is open, follows each prompt's own events only, survives socket drops by reconciling from /history and
 * /queue, and returns a {@link io.comfyfleet.comfy.client.run.RunResult}. After the terminal event it reads the
 * history entry as soon as the {@code status} or {@code executing null} frame that ComfyUI sends after writing it
 * arrives, and falls back to short, growing polls when neither does.
 */
package io.comfyfleet.comfy.client.run;
