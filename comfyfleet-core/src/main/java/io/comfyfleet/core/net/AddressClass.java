package io.comfyfleet.core.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * The kinds of address that reach a machine's own host or network rather than the public internet. Anything
 * that fetches or posts to a URL a user chose (the worker's input images, the gateway's webhooks) refuses
 * these unless its operator allows them, so a user cannot use it to reach internal services (SSRF).
 */
public enum AddressClass {
    /** 127.0.0.0/8, ::1. */
    LOOPBACK,
    /** RFC 1918 (10/8, 172.16/12, 192.168/16), carrier-grade NAT 100.64/10, fc00::/7, fec0::/10. */
    PRIVATE,
    /** 169.254/16 (cloud metadata services live here), fe80::/10. */
    LINK_LOCAL,
    /** 224/4, ff00::/8. */
    MULTICAST,
    /** 0/8, ::, and the reserved 240/4 including broadcast. */
    UNSPECIFIED;

    /** Lower case with '-' (e.g. {@code link-local}), as users write it in settings and read it in errors. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The class that makes {@code a} internal, or null for a public address. */
    public static AddressClass of(InetAddress a) {
        InetAddress embedded = embeddedIpv4(a);
        if (embedded != null) {
            return of(embedded);
        }
        if (a.isAnyLocalAddress()) {
            return UNSPECIFIED;
        }
        if (a.isLoopbackAddress()) {
            return LOOPBACK;
        }
        if (a.isLinkLocalAddress()) {
            return LINK_LOCAL;
        }
        if (a.isMulticastAddress()) {
            return MULTICAST;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet6Address) {
            if ((b[0] & 0xfe) == 0xfc || a.isSiteLocalAddress()) {
                return PRIVATE; // fc00::/7 unique local, fec0::/10
            }
            return null;
        }
        int b0 = b[0] & 0xff;
        int b1 = b[1] & 0xff;
        if (b0 == 0) {
            return UNSPECIFIED; // 0.0.0.0/8 means "this host"
        }
        if (a.isSiteLocalAddress() || (b0 == 100 && b1 >= 64 && b1 < 128)) {
            return PRIVATE; // RFC 1918 and carrier-grade NAT 100.64/10
        }
        if (b0 >= 240) {
            return UNSPECIFIED; // reserved and broadcast
        }
        return null;
    }

    /**
     * The IPv4 address inside an IPv4-compatible ({@code ::a.b.c.d}) IPv6 address, which the JDK does not turn
     * into an {@link Inet4Address} by itself and which some stacks still route to the IPv4 host. IPv4-mapped
     * ({@code ::ffff:a.b.c.d}) addresses already come back from the JDK as IPv4.
     */
    private static InetAddress embeddedIpv4(InetAddress a) {
        if (!(a instanceof Inet6Address v6) || !v6.isIPv4CompatibleAddress() || a.isAnyLocalAddress()
                || a.isLoopbackAddress()) {
            return null;
        }
        byte[] b = a.getAddress();
        try {
            return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an IPv4 address", e);
        }
    }
}
