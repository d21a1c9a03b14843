package io.comfyfleet.comfy.client;

/**
 * ComfyUI's answer to an upload: the final {@code name} (it may differ from the one sent when a different
 * file already had that name), {@code subfolder} and {@code type}. A LoadImage node references it as
 * {@link #loadImageValue()}.
 */
public record UploadResult(String name, String subfolder, String type) {

    /** The value for a LoadImage {@code image} input: {@code subfolder/name}, or {@code name} at top level. */
    public String loadImageValue() {
        return subfolder == null || subfolder.isEmpty() ? name : subfolder + "/" + name;
    }

    public FileRef ref() {
        return new FileRef(name, subfolder, type);
    }
}
