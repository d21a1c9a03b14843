package io.comfyfleet.cli.client;

import io.comfyfleet.gateway.config.Durations;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A duration on the command line written as {@code comfyfleet.yaml} writes it: {@code 500ms}, {@code 30s},
 * {@code 10m}, {@code 1h}, {@code 7d}. ISO-8601 ({@code PT1H}) is still understood, so older scripts keep working.
 */
final class DurationConverter implements ITypeConverter<Duration> {

    @Override
    public Duration convert(String text) {
        Duration value = Durations.parse(text);
        if (value != null) {
            return value;
        }
        try {
            return Duration.parse(text.strip());
        } catch (DateTimeParseException e) {
            throw new TypeConversionException("'" + text + "' is not a duration; write it like " + Durations.EXAMPLES);
        }
    }
}
