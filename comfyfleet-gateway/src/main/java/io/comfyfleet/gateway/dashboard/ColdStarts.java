package io.comfyfleet.gateway.dashboard;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The cold start of each worker the fleet reported, for the workers table; bounded. */
final class ColdStarts {
    static final int MAX_WORKERS = 1024;

    private final Map<String, Duration> byWorker = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Duration> eldest) {
            return size() > MAX_WORKERS;
        }
    };

    synchronized void record(String endpoint, String workerId, Duration took) {
        byWorker.put(endpoint + "/" + workerId, took);
    }

    synchronized Optional<Duration> of(String endpoint, String workerId) {
        return Optional.ofNullable(byWorker.get(endpoint + "/" + workerId));
    }
}
