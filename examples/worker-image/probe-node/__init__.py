"""ComfyFleetProbe: a tiny custom node that proves a worker image carries its custom nodes. It inverts an image
(no model weights, runs on CPU) and reports the model files ComfyUI sees in `checkpoints`."""
import folder_paths


class ComfyFleetProbe:
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"image": ("IMAGE",)}}

    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "probe"
    CATEGORY = "comfyfleet"

    def probe(self, image):
        print("[ComfyFleetProbe] checkpoints:", folder_paths.get_filename_list("checkpoints"), flush=True)
        return (1.0 - image,)


NODE_CLASS_MAPPINGS = {"ComfyFleetProbe": ComfyFleetProbe}
NODE_DISPLAY_NAME_MAPPINGS = {"ComfyFleetProbe": "ComfyFleet probe"}
