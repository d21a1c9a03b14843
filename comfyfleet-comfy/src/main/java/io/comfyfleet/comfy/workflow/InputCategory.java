package io.comfyfleet.comfy.workflow;

/** Where /object_info lists an input: ComfyUI requires the first kind, and fills hidden ones itself. */
public enum InputCategory {
    REQUIRED("required"), OPTIONAL("optional"), HIDDEN("hidden");

    private final String key;

    InputCategory(String key) {
        this.key = key;
    }

    /** The key in /object_info's {@code input} object. */
    public String key() {
        return key;
    }
}
