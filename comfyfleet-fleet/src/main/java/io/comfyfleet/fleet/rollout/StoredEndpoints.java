package io.comfyfleet.fleet.rollout;

import io.comfyfleet.core.endpoint.EndpointSettings;
import io.comfyfleet.core.endpoint.EndpointSettingsStore;
import io.comfyfleet.fleet.scale.EndpointScaling;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured endpoints' settings as the job store holds them, read once per autoscaler pass
 * ({@link #get()}), so a change through the admin API takes effect at the next pass on whichever gateway runs the
 * autoscaler. An endpoint without a stored row, or whose row cannot be used, keeps its configured settings.
 */
public final class StoredEndpoints implements Supplier<List<EndpointScaling>> {
    private static final Logger log = LoggerFactory.getLogger(StoredEndpoints.class);
    private final EndpointSettingsStore store;
    private final Map<String, EndpointScaling> configured = new LinkedHashMap<>();
    private final Map<String, EndpointSettings> latest = new ConcurrentHashMap<>();

    /** @param configured the endpoints from the configuration file, in their order */
    public StoredEndpoints(EndpointSettingsStore store, List<EndpointScaling> configured) {
        this.store = store;
        configured.forEach(e -> this.configured.put(e.endpoint(), e));
    }

    /**
     * Reads every endpoint's settings from the store.
     *
     * @throws io.comfyfleet.core.job.JobStoreException when the store cannot be read (the autoscaler keeps the
     *                                                   settings of its last pass)
     */
    @Override
    public List<EndpointScaling> get() {
        Map<String, EndpointSettings> rows = new LinkedHashMap<>();
        store.all().forEach(s -> rows.put(s.endpoint(), s));
        List<EndpointScaling> result = new ArrayList<>();
        for (EndpointScaling fallback : configured.values()) {
            EndpointSettings row = rows.get(fallback.endpoint());
            if (row == null) {
                latest.remove(fallback.endpoint());
                result.add(fallback);
                continue;
            }
            latest.put(row.endpoint(), row);
            try {
                result.add(scaling(row));
            } catch (RuntimeException e) {
                log.error("endpoint {}: stored settings (revision {}) are not usable, scaling with the configured"
                        + " ones: {}", row.endpoint(), row.revision(), e.getMessage());
                result.add(fallback);
            }
        }
        return result;
    }

    /** The endpoint's settings as read by the last {@link #get()}; empty when it has no stored row. */
    public Optional<EndpointSettings> latest(String endpoint) {
        return Optional.ofNullable(latest.get(endpoint));
    }

    /** The autoscaler's view of stored settings. */
    public static EndpointScaling scaling(EndpointSettings s) {
        return EndpointScaling.of(s.endpoint(), s.minWorkers(), s.maxWorkers(), s.idleTimeout(), s.scalerType(),
                s.scalerValue());
    }
}
