package io.comfyfleet.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.core.endpoint.ScalerType;
import io.comfyfleet.gateway.config.ApiKeys;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.jobs.EndpointNotFoundException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AccessTest {
    private final Access access = new Access(List.of(endpoint("ep1", "client-one", "worker-one"),
            endpoint("ep2", "client-two", "worker-two")));

    @Test
    void acceptsTheKeyRawOrAfterBearer() {
        assertThat(access.authorize("ep1", "client-one", Access.Side.CLIENT).name()).isEqualTo("ep1");
        assertThat(access.authorize("ep1", "Bearer client-one", Access.Side.CLIENT).name()).isEqualTo("ep1");
        assertThat(access.authorize("ep1", "bearer  client-one ", Access.Side.CLIENT).name()).isEqualTo("ep1");
    }

    @Test
    void keysOpenOnlyTheirOwnSideAndEndpoint() {
        assertThatThrownBy(() -> access.authorize("ep1", "worker-one", Access.Side.CLIENT))
                .isInstanceOf(UnauthorizedException.class);
        assertThatThrownBy(() -> access.authorize("ep1", "client-one", Access.Side.WORKER))
                .isInstanceOf(UnauthorizedException.class);
        assertThatThrownBy(() -> access.authorize("ep2", "client-one", Access.Side.CLIENT))
                .isInstanceOf(UnauthorizedException.class);
        assertThatThrownBy(() -> access.authorize("ep1", null, Access.Side.CLIENT))
                .isInstanceOf(UnauthorizedException.class);
        assertThatThrownBy(() -> access.authorize("ep1", "Bearer ", Access.Side.CLIENT))
                .isInstanceOf(UnauthorizedException.class);
    }

    @Test
    void onlyAKeyHolderLearnsThatAnEndpointDoesNotExist() {
        assertThatThrownBy(() -> access.authorize("nope", "client-two", Access.Side.CLIENT))
                .isInstanceOf(EndpointNotFoundException.class);
        assertThatThrownBy(() -> access.authorize("nope", "guess", Access.Side.CLIENT))
                .isInstanceOf(UnauthorizedException.class);
    }

    @Test
    void keysAreKeptOnlyAsHashes() {
        ApiKeys keys = ApiKeys.of(List.of("client-one"));
        assertThat(keys.toString()).isEqualTo("ApiKeys[1 keys]");
        assertThat(keys.accepts("client-one")).isTrue();
        assertThat(keys.accepts("client-on")).isFalse();
        assertThat(keys.accepts("")).isFalse();
    }

    static EndpointConfig endpoint(String name, String clientKey, String workerKey) {
        return new EndpointConfig(name, ApiKeys.of(List.of(clientKey)), ApiKeys.of(List.of(workerKey)),
                Duration.ofMinutes(10), Duration.ofHours(24), 3, 0, 3, Duration.ofSeconds(5), ScalerType.QUEUE_DELAY,
                4, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }
}
