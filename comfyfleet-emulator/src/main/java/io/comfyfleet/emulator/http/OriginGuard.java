package io.comfyfleet.emulator.http;

import io.javalin.http.Context;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ComfyUI's origin-only middleware (no --enable-cors-header): when both Host and Origin are present, the
 * Host resolves to loopback and they differ, the request (or WebSocket handshake) gets an empty 403.
 */
final class OriginGuard {
    private static final Logger LOG = LoggerFactory.getLogger(OriginGuard.class);

    private OriginGuard() {}

    static void check(Context ctx) {
        String host = ctx.header("Host");
        String origin = ctx.header("Origin");
        if (host == null || origin == null) {
            return;
        }
        if (mismatch(host, origin)) {
            LOG.warn("WARNING: request with non matching host and origin {} != {}, returning 403", host, origin);
            ctx.status(403).result("");
            ctx.skipRemainingHandlers();
        }
    }

    static boolean mismatch(String hostHeader, String originHeader) {
        String host = hostHeader.toLowerCase(Locale.ROOT);
        URI hostUri;
        URI originUri;
        try {
            hostUri = URI.create("//" + host);
            originUri = URI.create(originHeader.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return false;
        }
        String originDomain = originUri.getRawAuthority();
        if (originUri.getPort() < 0) {
            host = hostUri.getHost();
        }
        if (hostUri.getPort() < 0) {
            originDomain = originUri.getHost();
        }
        if (!isLoopback(hostUri.getHost()) || host == null || originDomain == null || host.isEmpty() || originDomain.isEmpty()) {
            return false;
        }
        return !host.equals(originDomain);
    }

    private static boolean isLoopback(String hostName) {
        if (hostName == null) {
            return false;
        }
        try {
            String bare = hostName.startsWith("[") ? hostName.substring(1, hostName.length() - 1) : hostName;
            InetAddress[] addresses = InetAddress.getAllByName(bare);
            for (InetAddress address : addresses) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return addresses.length > 0;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
