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
    /**
     * RFC 1918 (10/8, 172.16/12, 192.168/16), carrier-grade NAT 100.64/10, the special-purpose 192.0.0/24 and
     * 198.18/15 (never on the public internet, often on test and lab networks), fc00::/7, fec0::/10, and NAT64's
     * local-use prefix 64:ff9b:1::/48.
     */
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
            if (startsWith(b, 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01)) {
                return PRIVATE; // 64:ff9b:1::/48, NAT64 for a network's own use
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
        if ((b0 == 192 && b1 == 0 && (b[2] & 0xff) == 0) || (b0 == 198 && (b1 & 0xfe) == 18)) {
            return PRIVATE; // 192.0.0/24 protocol assignments, 198.18/15 benchmarking
        }
        if (b0 >= 240) {
            return UNSPECIFIED; // reserved and broadcast
        }
        return null;
    }

    /**
     * The IPv4 address inside an IPv6 address that a router or the host's own stack turns back into that IPv4
     * address: IPv4-compatible ({@code ::a.b.c.d}, which the JDK does not turn into an {@link Inet4Address} by
     * itself), NAT64's well-known prefix ({@code 64:ff9b::a.b.c.d}, RFC 6052) and 6to4 ({@code 2002:AABB:CCDD::},
     * RFC 3056). IPv4-mapped ({@code ::ffff:a.b.c.d}) addresses already come back from the JDK as IPv4.
     */
    private static InetAddress embeddedIpv4(InetAddress a) {
        if (!(a instanceof Inet6Address v6) || a.isAnyLocalAddress() || a.isLoopbackAddress()) {
            return null;
        }
        byte[] b = a.getAddress();
        if (v6.isIPv4CompatibleAddress() || startsWith(b, 0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0)) {
            return ipv4(b[12], b[13], b[14], b[15]);
        }
        if (startsWith(b, 0x20, 0x02)) {
            return ipv4(b[2], b[3], b[4], b[5]);
        }
        return null;
    }

    private static boolean startsWith(byte[] address, int... prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if ((address[i] & 0xff) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static InetAddress ipv4(byte b0, byte b1, byte b2, byte b3) {
        try {
            return InetAddress.getByAddress(new byte[] {b0, b1, b2, b3});
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an IPv4 address", e);
        }
    }
}
