package io.comfyfleet.worker.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.common.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputStagerTest {
    @TempDir
    Path scratch;

    @Test
    void decodedImagesAreUploadedUnderTheirNamesAndScratchIsCleared() {
        Map<String, String> uploaded = new LinkedHashMap<>();
        InputUploader uploader = (name, file) -> {
            try {
                uploaded.put(name, Files.readString(file));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return name;
        };
        JobInput input = JobInput.parse(Json.MAPPER.readTree(
                "{\"workflow\":{},\"images\":[{\"name\":\"a.png\",\"image\":\"YWFh\"},{\"name\":\"b.png\",\"image\":\"YmJi\"}]}"));
        var names = new InputStager(new UrlFetcher(UrlPolicy.defaults())).stage(input, scratch, uploader);
        assertThat(names).containsExactly("a.png", "b.png");
        assertThat(uploaded).containsExactly(Map.entry("a.png", "aaa"), Map.entry("b.png", "bbb"));
        assertThat(scratch).isEmptyDirectory();
    }

    @Test
    void aJobWithoutImagesLeavesTheDiskAlone() {
        Path notYetThere = scratch.resolve("jobs").resolve("job-1");
        JobInput input = JobInput.parse(Json.MAPPER.readTree("{\"workflow\":{}}"));
        var names = new InputStager(new UrlFetcher(UrlPolicy.defaults())).stage(input, notYetThere,
                (name, file) -> { throw new AssertionError("nothing to upload"); });
        assertThat(names).isEmpty();
        assertThat(scratch.resolve("jobs")).doesNotExist();
    }

    @Test
    void aRefusedUrlStopsStagingBeforeAnyUpload() {
        JobInput input = JobInput.parse(Json.MAPPER.readTree(
                "{\"workflow\":{},\"images\":[{\"name\":\"a.png\",\"url\":\"https://169.254.169.254/x\"}]}"));
        assertThatThrownBy(() -> new InputStager(new UrlFetcher(UrlPolicy.defaults())).stage(input, scratch,
                (name, file) -> { throw new AssertionError("must not upload"); }))
                .isInstanceOf(InvalidJobInputException.class).hasMessageContaining("link-local");
    }
}
