/**
 * The local-process provider: one OS process per worker on this machine, one slot each (a share of a GPU, or a
 * CPU slot), with RunPod's worker environment pointing at the gateway.
 */
package io.comfyfleet.fleet.local;
