package dev.raftchat.chat.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.chat.state.Post;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

class FirehoseTest {

    @Test
    void aClientThatStopsReadingIsDisconnectedWhileOthersGetEveryPost() {
        Firehose firehose = new Firehose(3);
        EmbeddedChannel fast = new EmbeddedChannel();
        // Writes to the slow client never complete, as when its socket buffer is full.
        EmbeddedChannel slow = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ReferenceCountUtil.release(msg);
            }
        });
        firehose.subscribe(fast);
        firehose.subscribe(slow);

        for (int i = 0; i < 10; i++) {
            firehose.onPost("general", new Post("u", "m" + i, i));
        }

        assertThat(slow.isOpen()).isFalse();
        assertThat(firehose.slowClientsDropped()).isEqualTo(1);
        assertThat(firehose.clientCount()).isEqualTo(1);
        for (int i = 0; i < 10; i++) {
            TextWebSocketFrame frame = fast.readOutbound();
            assertThat(frame.text())
                    .isEqualTo("{\"RoomName\":\"general\",\"Post\":{\"User\":\"u\",\"Message\":\"m" + i
                            + "\",\"PostedAt\":\"1970-01-01T00:00:00.00" + i + "Z\"}}");
            frame.release();
        }
        fast.finishAndReleaseAll();
    }
}
