package io.comfyfleet.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.comfyfleet.core.endpoint.EndpointSettings;
import io.comfyfleet.core.endpoint.InMemoryEndpointSettings;
import io.comfyfleet.core.endpoint.ScalerType;
import io.comfyfleet.gateway.config.ApiKeys;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.config.Routing;
import io.comfyfleet.gateway.jobs.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A file whose endpoint settings differ from the store's: the startup warning says what to send to apply them. */
class EndpointAdminSeedTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC);

    private static EndpointConfig endpoint(int maxWorkers, Duration idle, ScalerType type, double value,
            Optional<String> image, Routing routing) {
        return new EndpointConfig("sdxl", ApiKeys.of(List.of("client-key-0123456789")),
                ApiKeys.of(List.of("worker-key-0123456789")), Duration.ofMinutes(10), Duration.ofHours(24), 3, 0,
                maxWorkers, idle, type, value, Optional.empty(), Optional.empty(), Optional.empty(), image, routing);
    }

    private static String seedWarning(InMemoryEndpointSettings store, EndpointConfig file) {
        Logger logger = (Logger) LoggerFactory.getLogger(EndpointAdmin.class);
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        logger.addAppender(captured);
        try {
            new EndpointAdmin(store, List.of(file), CLOCK).seed();
        } finally {
            logger.detachAppender(captured);
        }
        return captured.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("differ and are ignored")).findFirst().orElseThrow();
    }

    @Test
    void aChangedScalerInTheFileIsAnsweredWithThePatchThatAppliesIt() {
        InMemoryEndpointSettings store = new InMemoryEndpointSettings();
        new EndpointAdmin(store, List.of(endpoint(2, Duration.ofMinutes(10), ScalerType.QUEUE_DELAY, 1,
                Optional.empty(), Routing.DEFAULT)), CLOCK).seed();

        EndpointConfig edited = endpoint(2, Duration.ofMinutes(10), ScalerType.TARGET_WAIT, 20, Optional.empty(),
                Routing.DEFAULT);
        String warning = seedWarning(store, edited);

        // comfyfleet rollout changes only the image: it is no way to change a scaler
        assertThat(warning).contains("[scaler]")
                .contains("PATCH /admin/endpoints/sdxl {\"scaler\":{\"type\":\"TARGET_WAIT\",\"value\":20}}")
                .doesNotContain("comfyfleet rollout");
    }

    @Test
    void theBodyItNamesGivesTheStoreTheFilesSettings() {
        InMemoryEndpointSettings store = new InMemoryEndpointSettings();
        new EndpointAdmin(store, List.of(endpoint(2, Duration.ofMinutes(10), ScalerType.QUEUE_DELAY, 1,
                Optional.empty(), Routing.DEFAULT)), CLOCK).seed();

        EndpointConfig edited = endpoint(4, Duration.ofSeconds(90), ScalerType.REQUEST_COUNT, 3,
                Optional.of("registry.example.com/team/worker:2.0"),
                new Routing(Routing.Mode.FIFO, Duration.ofMillis(1500)));
        String warning = seedWarning(store, edited);

        assertThat(warning).contains("(or, for the image, comfyfleet rollout sdxl --image REF)");
        Matcher body = Pattern.compile("PATCH /admin/endpoints/sdxl (\\{.*\\}) with the admin key").matcher(warning);
        assertThat(body.find()).as(warning).isTrue();
        EndpointSettings stored = store.get("sdxl").orElseThrow();
        EndpointSettings patched = EndpointPatch.apply(stored, Json.mapper().readTree(body.group(1)),
                Routing.DEFAULT);
        assertThat(patched.image()).isEqualTo("registry.example.com/team/worker:2.0");
        assertThat(patched.maxWorkers()).isEqualTo(4);
        assertThat(patched.idleTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(patched.scalerType()).isEqualTo("REQUEST_COUNT");
        assertThat(patched.scalerValue()).isEqualTo(3.0);
        assertThat(patched.routing()).isEqualTo("FIFO");
        assertThat(patched.affinityWait()).isEqualTo(Duration.ofMillis(1500));
    }
}
