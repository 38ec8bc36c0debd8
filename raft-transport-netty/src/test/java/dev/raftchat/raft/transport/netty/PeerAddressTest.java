package dev.raftchat.raft.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PeerAddressTest {

    @ParameterizedTest
    @CsvSource({
        "http://127.0.0.1:12379, 127.0.0.1, 12379",
        "http://127.0.0.1:22379/, 127.0.0.1, 22379",
        "HTTP://node-1.example.com:9000, node-1.example.com, 9000",
        "127.0.0.1:12379, 127.0.0.1, 12379",
        "localhost:1, localhost, 1",
        "'  node_2:65535  ', node_2, 65535",
        "[::1]:12379, ::1, 12379",
        "http://[fe80::1%eth0]:80, fe80::1%eth0, 80",
    })
    void parsesTheOriginalUrlFormAndHostPort(String text, String host, int port) {
        PeerAddress address = PeerAddress.parse(text);

        assertThat(address).isEqualTo(new PeerAddress(host, port));
        assertThat(PeerAddress.parse(address.toString())).isEqualTo(address);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "''                           | peer address is empty",
                "127.0.0.1                    | has no port",
                "http://127.0.0.1             | has no port",
                "127.0.0.1:                   | invalid port ''",
                "127.0.0.1:abc                | invalid port 'abc'",
                "127.0.0.1:-1                 | invalid port '-1'",
                "127.0.0.1:0                  | out of range",
                "127.0.0.1:65536              | out of range",
                "127.0.0.1:123456             | invalid port '123456'",
                ":12379                       | has no host",
                "https://127.0.0.1:12379      | unsupported scheme 'https'",
                "tcp://127.0.0.1:12379        | unsupported scheme 'tcp'",
                "http://127.0.0.1:12379/raft  | must not have a path",
                "http://user@127.0.0.1:12379  | must not have user info",
                "::1:12379                    | must be in brackets",
                "[::1:12379                   | unclosed '['",
                "[::1]12379                   | has no port",
                "[]:12379                     | invalid IPv6 literal",
                "bad host:12379               | invalid host 'bad host'",
            })
    void refusesBadAddressesWithAClearMessage(String text, String expectedMessage) {
        assertThatThrownBy(() -> PeerAddress.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(expectedMessage);
    }

    @Test
    void parsesTheOriginalClusterListWithIdsByPosition() {
        assertThat(PeerAddress.parseCluster("http://127.0.0.1:12379,http://127.0.0.1:22379,127.0.0.1:32379"))
                .containsExactly(
                        Assertions.entry(1L, new PeerAddress("127.0.0.1", 12379)),
                        Assertions.entry(2L, new PeerAddress("127.0.0.1", 22379)),
                        Assertions.entry(3L, new PeerAddress("127.0.0.1", 32379)));
        assertThat(PeerAddress.parseCluster("http://127.0.0.1:12379")).hasSize(1);
    }

    @Test
    void aBadClusterListNamesTheMember() {
        assertThatThrownBy(() -> PeerAddress.parseCluster("http://127.0.0.1:12379,http://127.0.0.1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cluster member 2:")
                .hasMessageContaining("has no port");
        assertThatThrownBy(() -> PeerAddress.parseCluster("127.0.0.1:1,,127.0.0.1:3"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cluster member 2:");
        assertThatThrownBy(() -> PeerAddress.parseCluster("127.0.0.1:1,http://127.0.0.1:1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already used");
        assertThatThrownBy(() -> PeerAddress.parseCluster(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cluster list is empty");
    }

    @Test
    void aMissingAddressIsAClearError() {
        assertThatThrownBy(() -> PeerAddress.parse(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected http://host:port");
    }

    @Test
    void directConstructionAllowsPortZeroForListeningOnly() {
        assertThat(new PeerAddress("127.0.0.1", 0).port()).isZero();
        assertThatThrownBy(() -> new PeerAddress("127.0.0.1", 70_000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port must be in [0, 65535]");
        assertThatThrownBy(() -> new PeerAddress("", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host must not be empty");
    }
}
