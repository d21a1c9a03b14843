package io.comfyfleet.fleet.container;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A tiny worker image for the provider tests: a shell script that says it is up (with its id, port and the
 * variables tests look for), prints {@code /data/hello.txt} when a folder is mounted there, then either exits 3
 * at once ({@code TEST_BEHAVIOUR=exit}; after printing {@code TEST_EXIT_LINE} on stderr, as its last line, when
 * that is set) or runs until SIGTERM and exits 0 ({@code TEST_BEHAVIOUR=give-up}: after printing
 * {@code TEST_EXIT_LINE}, as a worker that gave up does while it stops its ComfyUI).
 */
final class TestWorkerImage {
    static final String TAG = "localhost/comfyfleet-test-worker:1";

    private static final String ENTRYPOINT = """
            #!/bin/sh
            echo "worker $RUNPOD_POD_ID up on port $COMFYFLEET_COMFYUI_PORT"
            env | grep -E '^(RUNPOD_|COMFYFLEET_|EXTRA_)' | sort | sed 's/^/env /'
            if [ -f /data/hello.txt ]; then echo "mounted: $(cat /data/hello.txt)"; fi
            if [ "$TEST_BEHAVIOUR" = exit ]; then
              echo 'bad config, giving up' >&2
              if [ -n "$TEST_EXIT_LINE" ]; then echo "$TEST_EXIT_LINE" >&2; fi
              exit 3
            fi
            if [ "$TEST_BEHAVIOUR" = give-up ]; then echo "$TEST_EXIT_LINE" >&2; fi
            trap 'echo "got TERM"; exit 0' TERM
            while true; do sleep 0.2 & wait $!; done
            """;

    private TestWorkerImage() {}

    /** Builds the image (podman reuses its cached layers when nothing changed). */
    static void build(Path context) throws IOException {
        PodmanService.build(TAG, "FROM " + PodmanService.BASE_IMAGE + "\n"
                + "COPY entrypoint.sh /entrypoint.sh\n"
                + "ENTRYPOINT [\"/entrypoint.sh\"]\n", Map.of("entrypoint.sh", ENTRYPOINT), context);
    }
}
