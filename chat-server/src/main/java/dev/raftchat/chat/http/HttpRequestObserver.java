package dev.raftchat.chat.http;

/**
 * Hears every answered HTTP request (for metrics). Called on a Netty event loop or a future's thread:
 * implementations must be thread-safe, cheap, and must not throw.
 */
public interface HttpRequestObserver {

    /** Observes nothing. */
    HttpRequestObserver NONE = (method, path, status, durationNanos) -> {};

    /**
     * A response was handed to the connection.
     *
     * @param method        the request's method
     * @param path          the request path without the query (raw: reduce it before using it as a label)
     * @param status        the response status code
     * @param durationNanos from the full request being received to the response being written
     */
    void requestCompleted(String method, String path, int status, long durationNanos);
}
