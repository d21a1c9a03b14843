/** What a prompt produced, read from its history entry: files (output vs temp) and texts. */
package io.comfyfleet.comfy.client.outputs;
