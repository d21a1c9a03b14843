package io.comfyfleet.gateway.http;

import io.comfyfleet.gateway.dispatch.ColdStartReport;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code coldstart} query parameter of a ComfyFleet worker's first job-take: {@code key:ms} pairs joined by
 * commas ({@code jvm:180,setup:12,comfyui:2900,warmup:640,take:2}). Keys this gateway does not know are skipped,
 * so a newer worker can add some; a value that is missing, not a number, or beyond a day drops the whole report
 * (the job-take itself still works: the report only feeds {@code /admin} and the dashboard).
 */
final class ColdStartParam {
    static final String NAME = "coldstart";
    private static final long MAX_MS = 86_400_000L;
    private static final int MAX_CHARS = 300;

    private ColdStartParam() {}

    static Optional<ColdStartReport> parse(String raw) {
        if (raw == null || raw.isBlank() || raw.length() > MAX_CHARS) {
            return Optional.empty();
        }
        Map<String, Long> values = new HashMap<>();
        for (String pair : raw.split(",")) {
            int colon = pair.indexOf(':');
            if (colon < 0) {
                return Optional.empty();
            }
            try {
                long ms = Long.parseLong(pair.substring(colon + 1).strip());
                if (ms < 0 || ms > MAX_MS) {
                    return Optional.empty();
                }
                values.put(pair.substring(0, colon).strip(), ms);
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        Long jvm = values.get("jvm");
        Long setup = values.get("setup");
        Long comfy = values.get("comfyui");
        Long take = values.get("take");
        if (jvm == null || setup == null || comfy == null || take == null) {
            return Optional.empty();
        }
        return Optional.of(new ColdStartReport(jvm, setup, comfy, values.get("warmup"), take));
    }
}
