package io.comfyfleet.gateway.webhook;

import io.comfyfleet.core.net.AddressClass;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;

/**
 * Which webhook URLs the gateway calls (an SSRF guard). A client key must not turn the gateway into a way to
 * reach its own host, its private network or a cloud metadata service, so a URL is refused unless it is
 * http(s) and every address its host resolves to is public, or {@code webhooks.allowPrivateTargets} is on.
 *
 * <p>It checks twice: when the job is submitted (a 400 the client can act on) and when the call is made, as
 * the {@link SocketAddressResolver} of the delivering client. The connection goes to exactly the addresses
 * that second check passed, so a DNS answer that changes after the check (rebinding) cannot redirect it.
 */
public final class WebhookTargets {
    /** Name resolution; tests give a fixed table so that refusals need no DNS. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final boolean allowPrivate;
    private final Resolver resolver;

    public WebhookTargets(boolean allowPrivate) {
        this(allowPrivate, InetAddress::getAllByName);
    }

    public WebhookTargets(boolean allowPrivate, Resolver resolver) {
        this.allowPrivate = allowPrivate;
        this.resolver = resolver;
    }

    /**
     * Checks a webhook URL as a client gave it.
     *
     * @throws WebhookTargetRefusedException saying why and what to change
     */
    public URI check(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new WebhookTargetRefusedException("\"webhook\" is not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new WebhookTargetRefusedException("\"webhook\" must be an http:// or https:// URL, got scheme \""
                    + scheme + "\"");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new WebhookTargetRefusedException("\"webhook\" must name a host, e.g. https://hooks.example.com/done");
        }
        addresses(uri.getHost());
        return uri;
    }

    /** The addresses of {@code host}, each checked; refuses the host when any of them is internal. */
    List<InetAddress> addresses(String host) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        InetAddress[] resolved;
        try {
            resolved = resolver.resolve(bare);
        } catch (UnknownHostException e) {
            throw new WebhookTargetRefusedException("the \"webhook\" host " + host
                    + " does not resolve; give a host name the gateway can look up");
        }
        if (!allowPrivate) {
            // every address, not just the first: a name with one public and one internal answer is refused
            for (InetAddress address : resolved) {
                AddressClass cls = AddressClass.of(address);
                if (cls != null) {
                    throw new WebhookTargetRefusedException("the \"webhook\" host " + host + " resolves to "
                            + address.getHostAddress() + (cls == AddressClass.UNSPECIFIED ? ", an " : ", a ") + cls.label() + " address the gateway does not call;"
                            + " give a publicly reachable URL (an operator who wants internal webhooks sets"
                            + " webhooks.allowPrivateTargets: true)");
                }
            }
        }
        return List.of(resolved);
    }

    /** Resolves for the delivering client with the same check, so it connects only to checked addresses. */
    SocketAddressResolver socketAddressResolver() {
        return (String host, int port, Map<String, Object> context, Promise<List<InetSocketAddress>> promise) -> {
            List<InetSocketAddress> result = new ArrayList<>();
            try {
                for (InetAddress address : addresses(host)) {
                    result.add(new InetSocketAddress(address, port));
                }
            } catch (RuntimeException e) {
                promise.failed(e);
                return;
            }
            promise.succeeded(result);
        };
    }
}
