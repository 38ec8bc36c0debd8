package dev.raftchat.chat.http;

import dev.raftchat.chat.state.ChatError;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deadlines and the pipelining bound of one HTTP connection (until it becomes a WebSocket):
 *
 * <ul>
 *   <li>a request head must be complete within {@code headerReadTimeoutMillis} of its first byte (of the
 *       connection's accept for its first request), its body within {@code bodyReadTimeoutMillis} of its head;
 *       a late one gets {@code 408 request_timeout} and the connection closes;
 *   <li>a connection with no request in progress and every answer written is closed after
 *       {@code keepAliveIdleTimeoutMillis} (a fresh connection that sends nothing, after the header deadline);
 *   <li>at most {@code pipelinedRequestsMax} requests are received and not yet answered: beyond it the
 *       connection is not read until one is answered, so a client that pipelines without reading holds a
 *       bounded amount of the node's memory.
 * </ul>
 *
 * While the server works on a request (its head and body read, its answer not written) no read deadline runs:
 * the request timeout bounds that. A head that arrives in the same packet as the end of the previous request is
 * noticed only when its next bytes arrive, so its deadline is at most the idle timeout instead. Two handlers,
 * one before the HTTP codec (raw bytes) and one after it (requests and responses), share this object; both run
 * on the connection's event loop, so its fields need no locking.
 */
// FutureReturnValueIgnored: the futures ignored here are Netty's write and close futures; a failed write closes
// the connection, and the deadline timer is kept in a field and cancelled.
@SuppressWarnings("FutureReturnValueIgnored")
final class ConnectionGuard {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);
    static final String RAW_NAME = "guard-raw";
    static final String HTTP_NAME = "guard-http";

    private final HttpConfig config;
    private ChannelHandlerContext ctx;
    private boolean readingHead;
    private boolean readingBody;
    private boolean answeredOne;
    private int outstanding;
    private boolean paused;
    private boolean done;
    /** What the current deadline is for ("head", "body", "idle"), or null when no deadline runs. */
    private String deadlineWhat;
    /** When the current deadline passes ({@link System#nanoTime()}); meaningful when {@code deadlineWhat} is set. */
    private long deadlineNanos;
    /** The one pending timer, or null; it fires at {@code timerAtNanos}, at or before the deadline it serves. */
    private ScheduledFuture<?> timer;

    private long timerAtNanos;

    private ConnectionGuard(HttpConfig config) {
        this.config = config;
    }

    /** Adds the guard's two handlers around the handler named {@code codecName}. */
    static void install(ChannelPipeline pipeline, String codecName, HttpConfig config) {
        ConnectionGuard guard = new ConnectionGuard(config);
        pipeline.addBefore(codecName, RAW_NAME, guard.new Raw());
        pipeline.addAfter(codecName, HTTP_NAME, guard.new Http());
    }

    private final class Raw extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext context, Object msg) {
            if (!done && msg instanceof ByteBuf bytes && bytes.isReadable() && !readingHead && !readingBody) {
                readingHead = true;
                reschedule();
            }
            context.fireChannelRead(msg);
        }
    }

    private final class Http extends ChannelDuplexHandler {
        @Override
        public void handlerAdded(ChannelHandlerContext context) {
            ctx = context;
            if (context.channel().isActive()) {
                reschedule();
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext context) throws Exception {
            reschedule();
            super.channelActive(context);
        }

        @Override
        public void channelInactive(ChannelHandlerContext context) throws Exception {
            finish();
            super.channelInactive(context);
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object msg) {
            if (!done) {
                if (msg instanceof HttpRequest) {
                    readingHead = false;
                    readingBody = true;
                    outstanding++;
                    if (outstanding >= config.pipelinedRequestsMax() && !paused) {
                        paused = true;
                        context.channel().config().setAutoRead(false);
                    }
                }
                if (msg instanceof LastHttpContent) {
                    readingBody = false;
                }
                reschedule();
            }
            context.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext context, Object msg, ChannelPromise promise) {
            if (!done && msg instanceof HttpResponse response) {
                if (response.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
                    // A WebSocket from now on: it has its own deadlines (pings, idle and auth timeouts).
                    finish();
                    context.pipeline().remove(RAW_NAME);
                    context.pipeline().remove(this);
                    context.write(msg, promise);
                    return;
                }
            }
            boolean informational = msg instanceof HttpResponse response
                    && response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
            if (!done && msg instanceof LastHttpContent && !informational) {
                promise = promise.unvoid();
                promise.addListener(written -> responseWritten());
            }
            context.write(msg, promise);
        }
    }

    private void responseWritten() {
        if (done) {
            return;
        }
        answeredOne = true;
        if (outstanding > 0) {
            outstanding--;
        }
        if (paused && outstanding < config.pipelinedRequestsMax()) {
            paused = false;
            ctx.channel().config().setAutoRead(true);
        }
        reschedule();
    }

    /**
     * Sets the deadline the connection's state calls for. Requests arrive far more often than deadlines pass, so
     * the timer is not moved on every change (a schedule and a cancel per head, body and answer cost a measurable
     * part of a post's CPU: docs/benchmarks.md, chatcpu): one timer per connection fires at most the shorter read
     * timeout after it was set and then checks the deadline in force, expiring the connection or waiting again.
     * A new head or body deadline is never earlier than that timer, so only a rare earlier idle deadline (a keep-alive
     * timeout shorter than the read timeouts) moves it.
     */
    private void reschedule() {
        if (done || ctx == null) {
            return;
        }
        long millis;
        String what;
        if (paused) {
            deadlineWhat = null; // not reading: no read deadline
            return;
        }
        if (readingBody) {
            millis = config.bodyReadTimeoutMillis();
            what = "body";
        } else if (readingHead) {
            millis = config.headerReadTimeoutMillis();
            what = "head";
        } else if (outstanding == 0) {
            millis = answeredOne ? config.keepAliveIdleTimeoutMillis() : config.headerReadTimeoutMillis();
            what = "idle";
        } else {
            deadlineWhat = null; // the server is working on an answer
            return;
        }
        long now = System.nanoTime();
        deadlineWhat = what;
        deadlineNanos = now + TimeUnit.MILLISECONDS.toNanos(millis);
        if (timer != null) {
            if (timerAtNanos - deadlineNanos <= 0) {
                return; // the pending timer fires first and finds this deadline
            }
            timer.cancel(false);
            timer = null;
        }
        arm(now);
    }

    private void arm(long now) {
        long readTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(
                Math.min(config.headerReadTimeoutMillis(), config.bodyReadTimeoutMillis()));
        timerAtNanos = deadlineNanos - now <= readTimeoutNanos ? deadlineNanos : now + readTimeoutNanos;
        timer = ctx.executor().schedule(this::timerFired, timerAtNanos - now, TimeUnit.NANOSECONDS);
    }

    private void timerFired() {
        timer = null;
        if (done || deadlineWhat == null) {
            return; // no deadline now: the next one arms a timer
        }
        long now = System.nanoTime();
        if (now - deadlineNanos >= 0) {
            expired(deadlineWhat);
        } else {
            arm(now);
        }
    }

    private void expired(String what) {
        if (done) {
            return;
        }
        finish();
        if (what.equals("idle")) {
            LOG.debug("closing idle HTTP connection {}", ctx.channel().remoteAddress());
            ctx.close();
            return;
        }
        LOG.debug(
                "closing HTTP connection {}: request {} not received in time",
                ctx.channel().remoteAddress(),
                what);
        if (outstanding > (readingBody ? 1 : 0)) {
            ctx.close(); // an earlier answer is still owed: a 408 now would be taken for it
            return;
        }
        FullHttpResponse response = ChatHttpHandler.error(
                ChatError.REQUEST_TIMEOUT,
                "the request " + what + " did not arrive within "
                        + (what.equals("body") ? config.bodyReadTimeoutMillis() : config.headerReadTimeoutMillis())
                        + " ms");
        HttpUtil.setContentLength(response, response.content().readableBytes());
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private void finish() {
        done = true;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
