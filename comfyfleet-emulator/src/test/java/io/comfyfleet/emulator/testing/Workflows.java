package io.comfyfleet.emulator.testing;

import io.comfyfleet.common.json.Json;
import tools.jackson.databind.node.ObjectNode;

/** Small API-format workflows for tests. */
public final class Workflows {
    private Workflows() {}

    /** EmptyImage → ImageInvert → SaveImage, as in the recorded ok_basic. */
    public static ObjectNode basic(int color) {
        return parse("""
                {"1":{"class_type":"EmptyImage","inputs":{"width":32,"height":24,"batch_size":1,"color":%d}},
                 "2":{"class_type":"ImageInvert","inputs":{"image":["1",0]}},
                 "3":{"class_type":"SaveImage","inputs":{"images":["2",0],"filename_prefix":"t"}}}""".formatted(color));
    }

    /** The SD1.5-shaped text-to-image graph of the recorded g01..g10. */
    public static ObjectNode textToImage(String checkpoint, long seed, int steps, int size, int batch) {
        return parse("""
                {"3":{"class_type":"KSampler","inputs":{"seed":%d,"steps":%d,"cfg":7.0,"sampler_name":"euler","scheduler":"normal",
                      "denoise":1.0,"model":["4",0],"positive":["6",0],"negative":["7",0],"latent_image":["5",0]}},
                 "4":{"class_type":"CheckpointLoaderSimple","inputs":{"ckpt_name":"%s"}},
                 "5":{"class_type":"EmptyLatentImage","inputs":{"width":%d,"height":%d,"batch_size":%d}},
                 "6":{"class_type":"CLIPTextEncode","inputs":{"text":"a cat","clip":["4",1]}},
                 "7":{"class_type":"CLIPTextEncode","inputs":{"text":"blurry","clip":["4",1]}},
                 "8":{"class_type":"VAEDecode","inputs":{"samples":["3",0],"vae":["4",2]}},
                 "9":{"class_type":"SaveImage","inputs":{"images":["8",0],"filename_prefix":"t2i"}}}"""
                .formatted(seed, steps, checkpoint, size, size, batch));
    }

    /** EmptyImage → SlowProgress → SaveImage. */
    public static ObjectNode slow(int steps, int delayMs) {
        return parse("""
                {"1":{"class_type":"EmptyImage","inputs":{"width":16,"height":16,"batch_size":1,"color":7}},
                 "2":{"class_type":"SlowProgress","inputs":{"image":["1",0],"steps":%d,"delay_ms":%d,"fail_at":-1}},
                 "3":{"class_type":"SaveImage","inputs":{"images":["2",0],"filename_prefix":"slow"}}}""".formatted(steps, delayMs));
    }

    public static ObjectNode request(ObjectNode prompt, String clientId) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.set("prompt", prompt);
        if (clientId != null) {
            body.put("client_id", clientId);
        }
        return body;
    }

    private static ObjectNode parse(String json) {
        return (ObjectNode) Json.MAPPER.readTree(json);
    }
}
