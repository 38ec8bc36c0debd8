package dev.raftchat.chat.api.v1;

import dev.raftchat.chat.state.ChatModel;
import java.util.concurrent.CompletableFuture;

/** Resolves token hashes to the users of live sessions, for the HTTP routes and the WebSocket. Thread-safe. */
public final class Authenticator {

    /** The caller behind a valid token. */
    public record Identity(String username, String tokenHash, long sessionId, boolean admin) {}

    private final ApiBackend backend;
    private final ApiConfig config;

    public Authenticator(ApiBackend backend, ApiConfig config) {
        this.backend = backend;
        this.config = config;
    }

    /**
     * The identity of a token hash, or null when it names no live session. The session is looked up in the
     * local state first and, when this node has not applied it yet (a login just committed through another
     * node), again after a read barrier.
     */
    public CompletableFuture<Identity> identify(String tokenHash) {
        Identity local = local(tokenHash);
        if (local != null) {
            return CompletableFuture.completedFuture(local);
        }
        return backend.readBarrier().thenApply(ignored -> local(tokenHash));
    }

    /** The identity of a token hash in the local state only, or null. */
    public Identity local(String tokenHash) {
        return backend.chat().read(model -> {
            ChatModel.Session session = model.session(tokenHash);
            if (session == null) {
                return null;
            }
            // Admin = listed in --admin-users AND registered with the operator's credential: a stranger who
            // registered a listed name before its owner holds no admin rights.
            ChatModel.User user = model.user(session.username());
            boolean admin = config.isAdmin(session.username()) && user != null && user.operatorVouched();
            return new Identity(session.username(), tokenHash, session.sessionId(), admin);
        });
    }
}
