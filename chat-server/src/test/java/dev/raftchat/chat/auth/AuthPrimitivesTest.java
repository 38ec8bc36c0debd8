package dev.raftchat.chat.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AuthPrimitivesTest {

    @Test
    void passwordHashesAreSaltedAndVerify() throws Exception {
        try (PasswordHasher hasher = new PasswordHasher(1_000, 1, 8)) {
            String first = hasher.hash("secret password").get();
            String second = hasher.hash("secret password").get();
            assertThat(first).startsWith("pbkdf2-sha256$1000$").isNotEqualTo(second);
            assertThat(hasher.verify("secret password", first).get()).isTrue();
            assertThat(hasher.verify("secret passwore", first).get()).isFalse();
            assertThat(hasher.verify("anything", null).get()).isFalse();
            assertThat(hasher.verify("secret password", "garbage$x").get()).isFalse();
        }
        assertThatThrownBy(() -> new PasswordHasher(10, 1, 1)).hasMessageContaining("passwordHashIterations");
    }

    @Test
    void aFullHashQueueFailsAtOnce() {
        try (PasswordHasher hasher = new PasswordHasher(200_000, 1, 1)) {
            List<CompletableFuture<String>> futures = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                futures.add(hasher.hash("p" + i));
            }
            assertThat(futures).anySatisfy(future -> assertThat(future).isCompletedExceptionally());
        }
    }

    @Test
    void tokensAreRandomAndStoredAsHashes() {
        String token = Tokens.newToken();
        assertThat(Tokens.wellFormed(token)).isTrue();
        assertThat(token).isNotEqualTo(Tokens.newToken());
        assertThat(Tokens.hash(token)).hasSize(64).isEqualTo(Tokens.hash(token)).doesNotContain(token);
        assertThat(Tokens.wellFormed("short")).isFalse();
        assertThat(Tokens.wellFormed("+".repeat(43))).isFalse();
    }

    @Test
    void rateLimiterRefillsAndForgetsTheLeastRecentlyUsedKey() {
        AtomicLong now = new AtomicLong();
        RateLimiter limiter = new RateLimiter(6, 2, 2, now::get);
        assertThat(limiter.tryAcquire("a")).isZero();
        assertThat(limiter.tryAcquire("a")).isZero();
        assertThat(limiter.tryAcquire("a")).isEqualTo(10);
        now.addAndGet(10_000_000_000L);
        assertThat(limiter.tryAcquire("a")).isZero();
        assertThat(limiter.tryAcquire("b")).isZero();
        assertThat(limiter.tryAcquire("c")).isZero();
        assertThat(limiter.trackedKeys()).isEqualTo(2);
    }
}
