package io.comfyfleet.core.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressClassTest {
    @ParameterizedTest
    @CsvSource({
            "127.0.0.1, LOOPBACK", "127.9.9.9, LOOPBACK", "::1, LOOPBACK", "::ffff:127.0.0.1, LOOPBACK",
            "10.1.2.3, PRIVATE", "172.16.0.1, PRIVATE", "172.31.255.255, PRIVATE", "192.168.1.1, PRIVATE",
            "100.64.0.1, PRIVATE", "100.127.255.255, PRIVATE", "fc00::1, PRIVATE", "fd12:3456::1, PRIVATE",
            "::10.0.0.1, PRIVATE", "192.0.0.1, PRIVATE", "192.0.0.170, PRIVATE", "198.18.0.1, PRIVATE",
            "198.19.255.255, PRIVATE", "64:ff9b:1::1, PRIVATE",
            // IPv4 inside NAT64's well-known prefix and inside 6to4 reaches that IPv4 host
            "64:ff9b::a9fe:a9fe, LINK_LOCAL", "64:ff9b::7f00:1, LOOPBACK", "64:ff9b::a00:1, PRIVATE",
            "2002:a9fe:a9fe::1, LINK_LOCAL", "2002:c0a8:101::1, PRIVATE", "2002:7f00:1::, LOOPBACK",
            "169.254.169.254, LINK_LOCAL", "fe80::1, LINK_LOCAL",
            "224.0.0.1, MULTICAST", "ff02::1, MULTICAST",
            "0.0.0.0, UNSPECIFIED", "::, UNSPECIFIED", "255.255.255.255, UNSPECIFIED", "240.0.0.1, UNSPECIFIED"})
    void internalAddressesAreClassified(String address, AddressClass expected) throws Exception {
        assertThat(AddressClass.of(InetAddress.getByName(address))).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.1", "172.32.0.1", "2001:4860:4860::8888",
            "::ffff:8.8.8.8", "192.0.1.1", "198.17.255.255", "198.20.0.1", "64:ff9b::808:808", "2002:808:808::1"})
    void publicAddressesAreNot(String address) throws Exception {
        assertThat(AddressClass.of(InetAddress.getByName(address))).isNull();
    }
}
