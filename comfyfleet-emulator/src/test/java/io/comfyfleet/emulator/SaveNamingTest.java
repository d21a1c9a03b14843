package io.comfyfleet.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.emulator.testing.TestEmulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Where SaveImage puts a file for a given {@code filename_prefix}, as the real ComfyUI 0.3.64 of
 * {@code ../shared/comfyui/real} answered each of these (a 32x24 EmptyImage saved with that prefix, its history's
 * {@code subfolder} and {@code filename}). Before, the emulator split the prefix at its last slash without Python's
 * {@code normpath}, left {@code %width%} and the date variables as they were, and read a backslash as a folder.
 */
class SaveNamingTest {
    @TempDir
    static Path dir;
    private static TestEmulator comfy;
    private static final AtomicInteger COLOR = new AtomicInteger(1);

    @BeforeAll
    static void start() throws Exception {
        comfy = TestEmulator.start(dir);
    }

    @AfterAll
    static void stop() {
        comfy.close();
    }

    private static JsonNode save(String prefix) throws Exception {
        ObjectNode prompt = (ObjectNode) Json.MAPPER.readTree("""
                {"1":{"class_type":"EmptyImage","inputs":{"width":32,"height":24,"batch_size":1,"color":%d}},
                 "2":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":""}}}"""
                .formatted(COLOR.getAndIncrement()));
        ((ObjectNode) prompt.get("2").get("inputs")).put("filename_prefix", prefix);
        return comfy.run(prompt);
    }

    private static JsonNode image(JsonNode history) {
        return history.path("outputs").path("2").path("images").path(0);
    }

    private static JsonNode error(JsonNode history) {
        JsonNode messages = history.path("status").path("messages");
        JsonNode last = messages.get(messages.size() - 1);
        assertThat(last.get(0).asString()).as("%s", history).isEqualTo("execution_error");
        return last.get(1);
    }

    @ParameterizedTest(name = "''{0}''")
    @CsvSource(delimiter = '|', value = {
            "plain             | ''      | plain_00001_.png",
            "sub/dir/img       | sub/dir | img_00001_.png",
            "a/../b            | ''      | b_00001_.png",
            "./dot             | ''      | dot_00001_.png",
            "x//y              | x       | y_00001_.png",
            "sub2/dir/         | sub2    | dir_00001_.png",
            "w%width%_h%height% | ''     | w32_h24_00001_.png",
            "c:\\win\\x        | ''      | c:\\win\\x_00001_.png",
            "ünï/çødé 😀       | ünï     | çødé 😀_00001_.png",
    })
    void aPrefixLandsWhereComfyUiPutsIt(String prefix, String subfolder, String filename) throws Exception {
        JsonNode image = image(save(prefix));

        assertThat(image.path("subfolder").asString()).isEqualTo(subfolder);
        assertThat(image.path("filename").asString()).isEqualTo(filename);
        assertThat(Files.isRegularFile(dir.resolve("output").resolve(subfolder).resolve(filename))).isTrue();
    }

    @Test
    void anEmptyPrefixOrATrailingSlashNamesNoCounterSoComfyUiWritesTheFirstOneAgain() throws Exception {
        assertThat(image(save("")).path("filename").asString()).isEqualTo("._00001_.png");
        assertThat(image(save("")).path("filename").asString()).isEqualTo("._00001_.png");
        assertThat(image(save("again/")).path("filename").asString()).isEqualTo("again_00001_.png");
        assertThat(image(save("again/")).path("filename").asString()).isEqualTo("again_00001_.png");
        assertThat(image(save("again")).path("filename").asString()).isEqualTo("again_00002_.png");
    }

    @Test
    void theDateVariablesAreFilledIn() throws Exception {
        LocalDate before = LocalDate.now();
        String name = image(save("d%year%-%month%-%day%")).path("filename").asString();

        assertThat(name).isIn("d" + before + "_00001_.png", "d" + LocalDate.now() + "_00001_.png");
    }

    @Test
    void aPrefixLeavingTheOutputFolderFailsWithComfyUisMessageAndCommonPath() throws Exception {
        String out = dir.resolve("output").toAbsolutePath().normalize().toString();
        JsonNode error = error(save("../escape"));

        assertThat(error.path("exception_type").asString()).isEqualTo("Exception");
        assertThat(error.path("exception_message").asString()).isEqualTo(
                "**** ERROR: Saving image outside the output folder is not allowed.\n full_output_folder: " + dir
                        + "\n         output_dir: " + out + "\n         commonpath: " + dir + "\n");
    }

    @Test
    void whatTheDiskRefusesIsPythonsOsErrorWithItsErrno() throws Exception {
        String out = dir.resolve("output").toAbsolutePath().normalize().toString();
        JsonNode tooLong = error(save("L".repeat(300)));
        assertThat(tooLong.path("exception_type").asString()).isEqualTo("OSError");
        assertThat(tooLong.path("exception_message").asString()).isEqualTo(
                "[Errno 36] File name too long: '" + out + "/" + "L".repeat(300) + "_00001_.png'\n");

        Files.writeString(dir.resolve("output").resolve("blocker"), "a file where the prefix wants a folder");
        JsonNode notFolder = error(save("blocker/x"));
        assertThat(notFolder.path("exception_type").asString()).isEqualTo("NotADirectoryError");
        assertThat(notFolder.path("exception_message").asString()).isEqualTo(
                "[Errno 20] Not a directory: '" + out + "/blocker'\n");
    }

    @Test
    void batchNumberIsEachImagesIndexForSaveImageButNotForSaveAnimatedPng() throws Exception {
        JsonNode history = comfy.run((ObjectNode) Json.MAPPER.readTree("""
                {"1":{"class_type":"EmptyImage","inputs":{"width":8,"height":8,"batch_size":2,"color":%d}},
                 "2":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":"bn_%%batch_num%%"}},
                 "3":{"class_type":"SaveAnimatedPNG","inputs":{"images":["1",0],"filename_prefix":"an_%%batch_num%%",
                      "fps":6.0,"compress_level":4}}}""".formatted(COLOR.getAndIncrement())));

        assertThat(history.path("outputs").path("2").path("images")).extracting(i -> i.path("filename").asString())
                .containsExactly("bn_0_00001_.png", "bn_1_00002_.png");
        assertThat(history.path("outputs").path("3").path("images")).extracting(i -> i.path("filename").asString())
                .containsExactly("an_%batch_num%_00001_.png");
    }
}
