package io.comfyfleet.gateway.admission;

import io.comfyfleet.comfy.workflow.InvalidCatalogException;
import io.comfyfleet.comfy.workflow.NodeCatalog;
import io.comfyfleet.core.catalogue.CatalogueStore;
import io.comfyfleet.core.catalogue.CatalogueStore.VersionCatalogue;
import io.comfyfleet.gateway.jobs.InvalidRequestException;
import io.comfyfleet.gateway.jobs.RunRequest;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node catalogues workers report, digest first: a worker sends the SHA-256 of its {@code /object_info}
 * body, and the body only when no gateway has it yet. Bodies and the (endpoint, version) → digest pointers are
 * kept in the {@link CatalogueStore}; parsed catalogues are cached in memory per digest, so admitting a job costs
 * no parse and, within {@link #REFRESH}, no database read.
 */
public final class Catalogues {
    private static final Logger log = LoggerFactory.getLogger(Catalogues.class);

    /** How long a gateway trusts what it read of an endpoint's versions: another gateway's report shows within it. */
    public static final Duration REFRESH = Duration.ofSeconds(2);
    /** What a worker without a version (one started by hand) reports as. */
    public static final String UNVERSIONED = "unversioned";
    static final int MAX_VERSION_CHARS = 200;
    /** Parsed catalogues kept: a few versions per endpoint live at once during a rollout. */
    static final int PARSED_KEPT = 16;

    private static final Pattern DIGEST = Pattern.compile("[0-9a-f]{64}");

    /** What a report needs next. */
    public enum Outcome {
        /** The gateway has the catalogue; the version now points at it. */
        KNOWN,
        /** The gateway lacks the digest: send it again with the body. */
        SEND_BODY
    }

    private record Pointer(Optional<String> digest, Instant readAt) {}

    private final CatalogueStore store;
    private final Clock clock;
    private final LatestReportedVersion latest;
    private final ConcurrentMap<String, Pointer> pointers = new ConcurrentHashMap<>();
    private final Map<String, AdmissionCatalogue> parsed = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, AdmissionCatalogue> eldest) {
            return size() > PARSED_KEPT;
        }
    };

    public Catalogues(CatalogueStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
        this.latest = new LatestReportedVersion(store, clock, REFRESH);
    }

    /** The first rule for an endpoint's current version: the one whose worker reported last. */
    public CurrentVersion latestReported() {
        return latest;
    }

    /**
     * A worker's report: its version's catalogue has {@code digest}; {@code body} is the catalogue itself, or
     * null/empty when the worker first asks whether the gateway has it.
     *
     * @param version the worker's version, or null/blank for {@link #UNVERSIONED}
     * @throws InvalidRequestException when the digest is no SHA-256 in lower-case hex, the version is too long or
     *     holds control characters, the body's SHA-256 differs from the digest, or the body is not an
     *     {@code /object_info} object
     */
    public Outcome report(String endpoint, String version, String digest, byte[] body) {
        if (digest == null || !DIGEST.matcher(digest).matches()) {
            throw new InvalidRequestException("?digest must be the SHA-256 of the /object_info body in 64 lower-case"
                    + " hex digits, got " + (digest == null ? "nothing" : "\"" + abbreviate(digest) + "\""));
        }
        String v = checkedVersion(version);
        Instant now = clock.instant();
        if (body == null || body.length == 0) {
            if (!has(digest)) {
                return Outcome.SEND_BODY;
            }
        } else {
            String actual = sha256(body);
            if (!actual.equals(digest)) {
                throw new InvalidRequestException("the body's SHA-256 is " + actual + ", not the ?digest " + digest
                        + "; send the exact bytes the digest was computed over");
            }
            AdmissionCatalogue catalogue = parse(digest, body);
            store.putBody(digest, body, now);
            remember(catalogue);
            log.info("endpoint {}: stored node catalogue {} ({} node types, {} bytes) for worker version {}",
                    endpoint, digest.substring(0, 12), catalogue.catalog().size(), body.length, v);
        }
        store.recordVersion(endpoint, v, digest, now);
        pointers.put(key(endpoint, v), new Pointer(Optional.of(digest), now));
        latest.reported(endpoint, v);
        return Outcome.KNOWN;
    }

    /** The catalogue of one version of the endpoint, parsed; empty when no worker of it reported one. */
    Optional<AdmissionCatalogue> catalogue(String endpoint, String version) {
        Instant now = clock.instant();
        String key = key(endpoint, version);
        Pointer pointer = pointers.get(key);
        if (pointer == null || !now.isBefore(pointer.readAt().plus(REFRESH))) {
            pointer = new Pointer(store.version(endpoint, version).map(VersionCatalogue::digest), now);
            pointers.put(key, pointer);
        }
        return pointer.digest().flatMap(this::load);
    }

    private Optional<AdmissionCatalogue> load(String digest) {
        AdmissionCatalogue cached = cached(digest);
        if (cached != null) {
            return Optional.of(cached);
        }
        // another gateway stored it, or this one restarted: parse once, then serve from memory
        return store.body(digest).map(body -> {
            AdmissionCatalogue catalogue = parse(digest, body);
            remember(catalogue);
            return catalogue;
        });
    }

    private boolean has(String digest) {
        return cached(digest) != null || store.hasBody(digest);
    }

    private AdmissionCatalogue cached(String digest) {
        synchronized (parsed) {
            return parsed.get(digest);
        }
    }

    private void remember(AdmissionCatalogue catalogue) {
        synchronized (parsed) {
            parsed.put(catalogue.digest(), catalogue);
        }
    }

    private static AdmissionCatalogue parse(String digest, byte[] body) {
        try {
            return AdmissionCatalogue.of(digest, NodeCatalog.fromObjectInfo(RunRequest.parseJson(body)));
        } catch (InvalidCatalogException e) {
            throw new InvalidRequestException("the catalogue must be ComfyUI's GET /object_info body: " + e.getMessage(),
                    e);
        }
    }

    private static String checkedVersion(String version) {
        if (version == null || version.isBlank()) {
            return UNVERSIONED;
        }
        if (version.length() > MAX_VERSION_CHARS) {
            throw new InvalidRequestException("?version is longer than " + MAX_VERSION_CHARS + " characters");
        }
        if (version.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidRequestException("?version contains a control character");
        }
        return version;
    }

    static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static String key(String endpoint, String version) {
        return endpoint + '\u0000' + version;
    }

    private static String abbreviate(String text) {
        return text.length() <= 70 ? text : text.substring(0, 70) + "...";
    }
}
