package io.comfyfleet.worker.input;

import io.comfyfleet.core.net.AddressClass;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Fetches an input image by URL without letting a job reach into the worker's network (SSRF): only the
 * schemes and address classes the {@link UrlPolicy} allows, every resolved address checked, redirects
 * followed by hand and checked the same way, a size cap and an overall timeout.
 *
 * <p>The address check happens before the connection, so a DNS answer that changes between the check and
 * the connect (rebinding) is a residual risk; deployments that must close it put the worker behind an egress
 * proxy.
 */
public final class UrlFetcher {
    private final UrlPolicy policy;
    private final HttpClient http;
    private final Resolver resolver;

    /** Name resolution, replaceable in tests so that refusals can be checked without any network. */
    @FunctionalInterface
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    public UrlFetcher(UrlPolicy policy) {
        this(policy, InetAddress::getAllByName);
    }

    UrlFetcher(UrlPolicy policy, Resolver resolver) {
        this.policy = policy;
        this.resolver = resolver;
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER) // each hop is checked here
                .connectTimeout(policy.timeout())
                .build();
    }

    /**
     * Downloads {@code url} into {@code target}.
     *
     * @return the number of bytes written
     * @throws InvalidJobInputException when the URL, any redirect, or any resolved address is refused, the
     *     answer is not 200, the body is larger than the cap, or the download takes longer than the timeout
     */
    public long fetch(URI url, Path target, String where) {
        long deadline = System.nanoTime() + policy.timeout().toNanos();
        URI current = url;
        for (int hop = 0; hop <= policy.maxRedirects(); hop++) {
            check(current, where);
            HttpResponse<InputStream> response = send(current, deadline, where);
            int status = response.statusCode();
            if (status >= 300 && status < 400 && status != 304) {
                closeQuietly(response.body());
                Optional<String> location = response.headers().firstValue("Location");
                if (location.isEmpty()) {
                    throw new InvalidJobInputException(where + ": " + current + " redirected without a Location");
                }
                current = current.resolve(location.get().trim());
                continue;
            }
            if (status != 200) {
                closeQuietly(response.body());
                throw new InvalidJobInputException(where + ": fetching " + url + " answered HTTP " + status);
            }
            OptionalLong length = response.headers().firstValueAsLong("Content-Length");
            if (length.isPresent() && length.getAsLong() > policy.maxBytes()) {
                closeQuietly(response.body());
                throw tooLarge(where, url);
            }
            return copy(response.body(), target, deadline, where, url);
        }
        throw new InvalidJobInputException(where + ": " + url + " redirected more than " + policy.maxRedirects() + " times");
    }

    private void check(URI uri, String where) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(scheme.equals("http") && policy.allowHttp())) {
            throw new InvalidJobInputException(where + ": " + uri + " is refused: only "
                    + (policy.allowHttp() ? "http and https" : "https") + " URLs may be fetched");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new InvalidJobInputException(where + ": " + uri + " has no host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new InvalidJobInputException(where + ": URLs with user:password@ are refused");
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
        } catch (UnknownHostException e) {
            throw new InvalidJobInputException(where + ": the host of " + uri + " does not resolve");
        }
        for (InetAddress address : addresses) {
            AddressClass cls = AddressClass.of(address);
            if (cls != null && !policy.allowedClasses().contains(cls)) {
                throw new InvalidJobInputException(where + ": " + uri + " is refused: " + host + " resolves to "
                        + address.getHostAddress() + ", a " + cls.label()
                        + " address; give a public URL");
            }
        }
    }

    private HttpResponse<InputStream> send(URI uri, long deadline, String where) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw timedOut(where, uri);
        }
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(java.time.Duration.ofNanos(left))
                .header("User-Agent", "ComfyFleet-worker")
                .GET().build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (java.net.http.HttpTimeoutException e) {
            throw timedOut(where, uri);
        } catch (IOException e) {
            throw new InvalidJobInputException(where + ": could not fetch " + uri + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InvalidJobInputException(where + ": interrupted while fetching " + uri, e);
        }
    }

    private long copy(InputStream body, Path target, long deadline, String where, URI url) {
        // a stalled body would block read() forever: closing the stream from a guard ends it. The guard is a
        // virtual thread of this call, ended with it, so no timer outlives the fetch or needs an owner
        long left = Math.max(1, deadline - System.nanoTime());
        java.util.concurrent.atomic.AtomicBoolean expired = new java.util.concurrent.atomic.AtomicBoolean();
        Thread guard = Thread.ofVirtual().name("url-fetch-timeout").start(() -> {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException copied) {
                return;
            }
            expired.set(true);
            closeQuietly(body);
        });
        long total = 0;
        try (InputStream in = body; OutputStream out = Files.newOutputStream(target)) {
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                total += n;
                if (total > policy.maxBytes()) {
                    throw tooLarge(where, url);
                }
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            if (expired.get()) {
                throw timedOut(where, url);
            }
            throw new InvalidJobInputException(where + ": download of " + url + " broke off: " + e.getMessage(), e);
        } finally {
            guard.interrupt();
        }
        if (expired.get()) {
            throw timedOut(where, url);
        }
        return total;
    }

    private InvalidJobInputException tooLarge(String where, URI url) {
        return new InvalidJobInputException(where + ": " + url + " is larger than the limit of " + policy.maxBytes()
                + " bytes");
    }

    private InvalidJobInputException timedOut(String where, URI url) {
        return new InvalidJobInputException(where + ": fetching " + url + " took longer than "
                + policy.timeout().toMillis() + " ms");
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // best effort
        }
    }
}
