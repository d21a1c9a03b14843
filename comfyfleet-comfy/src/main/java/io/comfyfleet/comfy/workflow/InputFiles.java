package io.comfyfleet.comfy.workflow;

/** folder_paths.exists_annotated_filepath: {@code "name [output]"} picks the folder, the default is input. */
final class InputFiles {
    private InputFiles() {}

    static boolean exists(ValidationContext context, InputSpec spec, String annotated) {
        ValidationContext.Folder folder = ValidationContext.Folder.INPUT;
        String name = annotated;
        // ComfyUI cuts a fixed length (the tag plus the space before it), so "x[output]" loses its last letter too.
        if (annotated.endsWith("[output]")) {
            folder = ValidationContext.Folder.OUTPUT;
            name = cut(annotated, 9);
        } else if (annotated.endsWith("[input]")) {
            name = cut(annotated, 8);
        } else if (annotated.endsWith("[temp]")) {
            folder = ValidationContext.Folder.TEMP;
            name = cut(annotated, 7);
        }
        ValidationContext.Folder where = folder;
        String file = name;
        return context.files().map(lookup -> lookup.exists(where, file))
                .orElseGet(() -> where == ValidationContext.Folder.INPUT && spec.rawComboOptions() != null
                        && spec.rawComboOptions().stream().anyMatch(o -> o.isString() && o.stringValue().equals(file)));
    }

    private static String cut(String s, int n) {
        return s.length() >= n ? s.substring(0, s.length() - n) : "";
    }
}
