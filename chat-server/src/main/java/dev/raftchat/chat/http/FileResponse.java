package dev.raftchat.chat.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * A response whose body is a file, streamed in chunks by {@link ChatHttpHandler} rather than held in
 * memory. It travels through the handler's ordered-response machinery as a {@link DefaultFullHttpResponse}
 * with an empty body; the handler recognizes it and writes {@link #head()} then the file. The file's
 * channel is closed once written, or by {@link #closeFile()} when the response is dropped.
 */
final class FileResponse extends DefaultFullHttpResponse {
    static final int CHUNK_BYTES = 64 * 1024;

    private final FileChannel file;
    private final long sizeBytes;

    FileResponse(HttpResponseStatus status, FileChannel file, long sizeBytes) {
        super(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        this.file = file;
        this.sizeBytes = sizeBytes;
    }

    FileChannel file() {
        return file;
    }

    long sizeBytes() {
        return sizeBytes;
    }

    /** The status line and headers, with the file's length as Content-Length. */
    HttpResponse head() {
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status());
        head.headers().set(headers());
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, sizeBytes);
        return head;
    }

    void closeFile() {
        try {
            file.close();
        } catch (IOException ignored) {
            // Only a read handle: nothing is lost by failing to close it.
        }
    }
}
