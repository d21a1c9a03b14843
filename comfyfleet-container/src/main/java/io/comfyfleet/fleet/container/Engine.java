package io.comfyfleet.fleet.container;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;

/**
 * Two clients of one Docker Engine API: one for commands, whose answers are bounded in time, and one for what
 * streams as long as a container lives (its logs, the wait for its exit, a stop that lasts the grace), which a
 * response timeout would cut.
 */
final class Engine implements AutoCloseable {
    /** Longest wait for the engine's answer to a command; an image pull streams progress well within it. */
    static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);

    final URI host;
    final DockerClient commands;
    final DockerClient streams;

    Engine(URI host) {
        this.host = host;
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host.toString()).build();
        this.commands = client(config, COMMAND_TIMEOUT);
        this.streams = client(config, null);
    }

    private static DockerClient client(DockerClientConfig config, Duration responseTimeout) {
        ZerodepDockerHttpClient.Builder http = new ZerodepDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .maxConnections(64)
                .connectionTimeout(Duration.ofSeconds(10));
        if (responseTimeout != null) {
            http.responseTimeout(responseTimeout);
        }
        return DockerClientImpl.getInstance(config, http.build());
    }

    @Override
    public void close() {
        try {
            commands.close();
            streams.close();
        } catch (IOException e) {
            // connections to a local socket: nothing is lost when closing one fails
        }
    }
}
