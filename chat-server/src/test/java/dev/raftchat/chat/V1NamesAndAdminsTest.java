package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Names and admin rights over real HTTP (issue 19, item 4): a listed admin name cannot be squatted, a
 * look-alike of a registered name cannot post on the original route, anonymous posts are marked unverified,
 * and bad passwords from other addresses never lock the owner out. Client addresses other than 127.0.0.1
 * are other loopback addresses (127.0.0.2, 127.0.0.3) bound by raw sockets.
 */
class V1NamesAndAdminsTest {
    private static final String ADMIN_TOKEN = "operator-secret-0123456789abcdef";

    @RegisterExtension
    static final V1Cluster v1 = V1Cluster.perClass(
            1,
            V1Cluster.api(api -> {
                        api.adminUsers = Set.of("root");
                        api.loginAttemptsPerMinutePerUser = 3;
                        api.loginDelayMaxMillis = 300;
                    })
                    .andThen(c -> c.adminToken = ADMIN_TOKEN));

    private final ChatCluster cluster = v1.cluster();
    private final V1Client client = v1.client();

    @Test
    void aListedAdminNameCannotBeSquattedAndIsAdminOnlyWithTheOperatorsToken() {
        String body = "{\"username\":\"Root\",\"password\":\"12345678\"}";
        V1Client.Reply squat = client.post(1, "/api/v1/auth/register", null, body);
        assertThat(squat.status()).isEqualTo(403);
        assertThat(squat.errorCode()).isEqualTo("reserved_username");
        assertThat(client.post(1, "/api/v1/auth/register", "wrong-token", body).status())
                .isEqualTo(403);

        V1Client.Reply registered = client.post(1, "/api/v1/auth/register", ADMIN_TOKEN, body);
        assertThat(registered.status()).isEqualTo(201);
        String token = client.login(1, "root", "12345678");
        assertThat(client.get(1, "/api/v1/me", token).body().get("admin").asBoolean())
                .isTrue();
    }

    @Test
    void aLookAlikeOfARegisteredNameCannotPostOnTheOriginalRoute() {
        client.signUp(1, "ann");
        for (String name :
                new String[] {" ann", "ann ", "ann\u200b", "\u0430nn", "\u202eann", "ann\u00ad", "\ufeffann", "\uff41nn"
                }) {
            String json = "{\"user\":" + V1Client.JSON.valueToTree(name) + ",\"message\":\"hi\"}";
            V1Client.Reply reply = client.post(1, "/rooms/lookalikes", null, json);
            assertThat(reply.status()).as("'%s': %s", name, reply.body()).isIn(400, 401);
        }
        V1Client.Reply page = client.get(1, "/api/v1/rooms/lookalikes/messages", client.signUp(1, "reader"));
        assertThat(page.status() == 404 || page.body().get("messages").isEmpty())
                .as(String.valueOf(page.body()))
                .isTrue();
    }

    @Test
    void postsWithoutATokenAreMarkedUnverified() {
        String reader = client.signUp(1, "viewer");
        assertThat(client.post(1, "/rooms/marks", null, "{\"user\":\"nobody\",\"message\":\"hi\"}")
                        .status())
                .isEqualTo(201);
        client.post(1, "/api/v1/rooms", reader, "{\"name\":\"signed\"}");
        client.post(1, "/api/v1/rooms/signed/messages", reader, "{\"text\":\"hello\"}");
        JsonNode anonymous = client.get(1, "/api/v1/rooms/marks/messages", reader)
                .body()
                .get("messages")
                .get(0);
        JsonNode signed = client.get(1, "/api/v1/rooms/signed/messages", reader)
                .body()
                .get("messages")
                .get(0);
        assertThat(anonymous.get("verified").asBoolean()).isFalse();
        assertThat(signed.get("verified").asBoolean()).isTrue();
    }

    @Test
    void badPasswordsFromOtherAddressesNeverLockTheOwnerOut() {
        client.signUp(1, "dave");
        String wrong = "{\"username\":\"dave\",\"password\":\"wrong-password\"}";
        // One attacking address: refused per (user, address) after 3 attempts.
        int refused = 0;
        for (int i = 0; i < 8; i++) {
            int status = rawPost("127.0.0.2", "/api/v1/auth/login", wrong);
            assertThat(status).isIn(401, 429);
            refused += status == 429 ? 1 : 0;
        }
        assertThat(refused).isEqualTo(5);
        // Another attacking address is not refused, only slowed (the user's shared bucket is empty).
        assertThat(rawPost("127.0.0.3", "/api/v1/auth/login", wrong)).isEqualTo(401);
        // The owner, from their own address, gets in at once (at most the slow-down, 300 ms).
        long started = System.nanoTime();
        assertThat(client.login(1, "dave", "correct horse")).isNotEmpty();
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(5_000);
    }

    /** A POST with a JSON body from {@code localAddress}; returns the status code. */
    private int rawPost(String localAddress, String path, String json) {
        URI uri = URI.create(cluster.url(1, path));
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5_000);
            socket.setSoTimeout(20_000);
            String head = "POST " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(body);
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
                line.write(b);
            }
            String status = line.toString(StandardCharsets.US_ASCII);
            return Integer.parseInt(status.split(" ")[1]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
