package io.comfyfleet.worker.run;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.worker.gateway.GatewayClient;
import io.comfyfleet.worker.gateway.GatewayRefusedException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Tells the gateway which node catalogue this worker's ComfyUI has, so the gateway can refuse a workflow it
 * would refuse before the job is queued (ComfyFleet's extension of RunPod's protocol). Digest first: the
 * SHA-256 of the catalogue as compact JSON, and those bytes only when the gateway does not have them yet.
 * Each catalogue is reported once; a gateway without the extension (RunPod's: 404) is asked once, then never
 * again. Failures are logged: the gateway then admits jobs unchecked, as before, and the worker still validates.
 */
final class CatalogueReporter {
    private static final Logger log = LoggerFactory.getLogger(CatalogueReporter.class);

    private final GatewayClient gateway;
    private String reported;
    private boolean unsupported;

    CatalogueReporter(GatewayClient gateway) {
        this.gateway = gateway;
    }

    /** Reports {@code objectInfo} unless it was the last catalogue reported; never throws. */
    synchronized void report(JsonNode objectInfo) {
        if (unsupported) {
            return;
        }
        byte[] body = Json.MAPPER.writeValueAsBytes(objectInfo);
        String digest = sha256(body);
        if (digest.equals(reported)) {
            return;
        }
        try {
            boolean sent = false;
            if (!gateway.reportCatalogue(digest, null)) {
                sent = gateway.reportCatalogue(digest, body);
                if (!sent) {
                    log.warn("The gateway did not take this worker's node catalogue {} ({} bytes)", digest, body.length);
                    return;
                }
            }
            reported = digest;
            log.info("Reported the node catalogue {} ({} node types{}) for version {}", digest.substring(0, 12),
                    objectInfo.size(), sent ? ", " + body.length + " bytes sent" : ", already known",
                    gateway.endpoints().version());
        } catch (GatewayRefusedException e) {
            if (e.status() == 404 || e.status() == 405) {
                unsupported = true;
                log.info("The gateway takes no node catalogues (HTTP {}): workflows are checked on this worker only",
                        e.status());
            } else {
                log.warn("The gateway refused this worker's node catalogue: {}", e.getMessage());
            }
        } catch (RuntimeException e) {
            log.warn("Could not report this worker's node catalogue: {}", e.getMessage());
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
