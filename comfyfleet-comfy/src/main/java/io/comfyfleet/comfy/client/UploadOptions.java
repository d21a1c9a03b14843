package io.comfyfleet.comfy.client;

/**
 * Form fields of POST /upload/image and /upload/mask besides the file: target directory {@code type}
 * ({@code input}, {@code temp} or {@code output}; ComfyUI crashes with 500 on anything else, so it is checked
 * here), {@code subfolder} inside it, and whether to {@code overwrite} a file of the same name (otherwise
 * ComfyUI keeps an identical file or renames to {@code name (1).ext}).
 */
public record UploadOptions(String type, String subfolder, boolean overwrite) {
    public UploadOptions {
        type = type == null ? "input" : type;
        if (!type.equals("input") && !type.equals("temp") && !type.equals("output")) {
            throw new IllegalArgumentException("upload type must be input, temp or output, not '" + type + "'");
        }
        subfolder = subfolder == null ? "" : subfolder;
    }

    /** Top level of the input directory, never overwriting. */
    public static UploadOptions input() {
        return new UploadOptions("input", "", false);
    }
}
