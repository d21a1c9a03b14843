/** ComfyUI WebSocket messages as typed records ({@link io.comfyfleet.comfy.client.events.ComfyEvent}) and their parser. */
package io.comfyfleet.comfy.client.events;
