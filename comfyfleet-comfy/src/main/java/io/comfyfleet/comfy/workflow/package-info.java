/**
 * ComfyUI workflows in API format and their validation.
 *
 * <ul>
 *   <li>{@link io.comfyfleet.comfy.workflow.Workflow}: the immutable, strictly parsed workflow model (typed errors
 *       that tell the user what to change), plus the utilities a worker needs.</li>
 *   <li>{@link io.comfyfleet.comfy.workflow.NodeCatalog}: the node types of one ComfyUI, from /object_info.</li>
 *   <li>{@link io.comfyfleet.comfy.workflow.PromptValidator}: what ComfyUI 0.3.64's POST /prompt answers for a
 *       prompt, reproduced (status, body, outputs, partial node errors), with a plain-language summary for people
 *       ({@link io.comfyfleet.comfy.workflow.PromptCheck#userMessage()}).</li>
 * </ul>
 *
 * <p>The validator deliberately works on the raw JSON, not on {@code Workflow}: ComfyUI accepts and rejects
 * shapes the strict model refuses outright, and the emulator must answer those exactly as ComfyUI does.
 */
package io.comfyfleet.comfy.workflow;
