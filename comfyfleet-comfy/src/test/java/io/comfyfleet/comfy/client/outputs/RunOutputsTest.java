package io.comfyfleet.comfy.client.outputs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.comfy.client.testing.Captures;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class RunOutputsTest {

    private static JsonNode recordedOutputs(String folder, String name) {
        JsonNode history = Captures.load(folder, name).get("history");
        return history.properties().iterator().next().getValue().get("outputs");
    }

    @Test
    void saveImageAndPreviewImageAreKeptApart() {
        RunOutputs outputs = RunOutputs.fromHistoryOutputs(recordedOutputs("cpu-0.3.64", "ok_load_upload"));

        assertThat(outputs.outputs()).extracting(OutputFile::nodeId, OutputFile::key, OutputFile::kind, OutputFile::filename)
                .containsExactly(tuple("3", "images", OutputKind.IMAGE, "cap_load_00003_.png"));
        assertThat(outputs.temps()).extracting(OutputFile::nodeId, OutputFile::filename, OutputFile::type)
                .containsExactly(tuple("4", "ComfyUI_temp_xxbcy_00001_.png", "temp"));
        assertThat(outputs.texts()).isEmpty();
    }

    @Test
    void batchOfFourGivesFourFilesOfOneNode() {
        RunOutputs outputs = RunOutputs.fromHistoryOutputs(recordedOutputs("h100-0.3.64", "g07_a_batch4"));
        assertThat(outputs.outputs()).hasSize(4).allSatisfy(f -> {
            assertThat(f.nodeId()).isEqualTo("9");
            assertThat(f.kind()).isEqualTo(OutputKind.IMAGE);
            assertThat(f.ref().type()).isEqualTo("output");
        });
    }

    @Test
    void failedAndInterruptedRunsHaveNoOutputs() {
        assertThat(RunOutputs.fromHistoryOutputs(recordedOutputs("cpu-0.3.64", "err_runtime_node_exception")).files()).isEmpty();
        assertThat(RunOutputs.fromHistoryOutputs(recordedOutputs("h100-0.3.64", "g10_a_interrupt_step20")).files()).isEmpty();
    }

    @Test
    void everyRecordedHistoryWalksWithoutLosingAFilename() {
        for (var file : Captures.casesWithFrames()) {
            JsonNode history = Captures.read(file).get("history");
            if (history == null || history.isEmpty()) {
                continue;
            }
            JsonNode outputs = history.properties().iterator().next().getValue().get("outputs");
            long recordedFiles = outputs.findValues("filename").size();
            assertThat(RunOutputs.fromHistoryOutputs(outputs).files()).as(file.toString()).hasSize((int) recordedFiles);
        }
    }

    @Test
    void customKeysAnimatedFlagAudioAndTextAreWalked() {
        JsonNode outputs = Json.MAPPER.readTree("""
                {"10": {"gifs": [{"filename": "clip_00001.mp4", "subfolder": "vhs", "type": "output", "format": "video/h264-mp4", "frame_rate": 8}]},
                 "11": {"images": [{"filename": "anim_00001_.webp", "subfolder": "", "type": "output"}], "animated": [true]},
                 "12": {"audio": [{"filename": "speech_00001_.flac", "subfolder": "audio", "type": "output"}]},
                 "13": {"text": ["a cat on a sofa", "second line"]},
                 "14": {"result": {"filename": "mesh.glb", "subfolder": "3d", "type": "output"}, "camera": [{"x": 1}]},
                 "15": {"gifs": [{"filename": "loop.gif", "subfolder": "", "type": "temp"}]}}
                """);

        RunOutputs walked = RunOutputs.fromHistoryOutputs(outputs);

        assertThat(walked.files()).extracting(OutputFile::nodeId, OutputFile::key, OutputFile::kind, OutputFile::subfolder,
                        OutputFile::animated)
                .containsExactly(
                        tuple("10", "gifs", OutputKind.VIDEO, "vhs", false),
                        tuple("11", "images", OutputKind.IMAGE, "", true),
                        tuple("12", "audio", OutputKind.AUDIO, "audio", false),
                        tuple("14", "result", OutputKind.OTHER, "3d", false),
                        tuple("15", "gifs", OutputKind.GIF, "", false));
        assertThat(walked.files().get(0).details().get("frame_rate").asInt()).isEqualTo(8);
        assertThat(walked.texts()).extracting(TextOutput::nodeId, TextOutput::text)
                .containsExactly(tuple("13", "a cat on a sofa"), tuple("13", "second line"));
        assertThat(walked.temps()).extracting(OutputFile::filename).containsExactly("loop.gif");
    }

    @Test
    void nullOrEmptyOutputsGiveNothing() {
        assertThat(RunOutputs.fromHistoryOutputs(null).files()).isEmpty();
        assertThat(RunOutputs.fromNodeOutput("3", null).files()).isEmpty();
        assertThat(RunOutputs.fromHistoryOutputs(Json.MAPPER.readTree("{}")).texts()).isEmpty();
    }
}
