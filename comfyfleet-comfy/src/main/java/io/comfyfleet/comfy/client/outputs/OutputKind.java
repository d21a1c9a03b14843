package io.comfyfleet.comfy.client.outputs;

import java.util.Locale;

/** What an output file holds, judged from its extension first and the output key second. */
public enum OutputKind {
    IMAGE, GIF, VIDEO, AUDIO, TEXT, OTHER;

    static OutputKind of(String key, String filename) {
        String name = filename.toLowerCase(Locale.ROOT);
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1);
        switch (ext) {
            case "png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff", "avif", "exr":
                return IMAGE;
            case "gif":
                return GIF;
            case "mp4", "webm", "mov", "mkv", "avi", "m4v":
                return VIDEO;
            case "wav", "mp3", "flac", "ogg", "opus", "m4a", "aac":
                return AUDIO;
            case "txt", "json", "md", "csv":
                return TEXT;
            default:
                break;
        }
        return switch (key) {
            case "images" -> IMAGE;
            case "gifs" -> GIF;
            case "video", "videos" -> VIDEO;
            case "audio" -> AUDIO;
            case "text" -> TEXT;
            default -> OTHER;
        };
    }
}
