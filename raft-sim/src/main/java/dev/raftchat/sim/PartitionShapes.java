package dev.raftchat.sim;

import java.util.SplittableRandom;

/**
 * The shapes of network partitions the nemesis draws, as cuts in a matrix where {@code cut[a][b]} drops
 * every message from node index {@code a} to node index {@code b}. Each method adds its cuts to the
 * matrix and returns a description for the trace; all randomness comes from the stream passed in.
 */
final class PartitionShapes {

    private PartitionShapes() {}

    /**
     * One of: isolate a node; split into a minority and a majority ("halves"); a majority ring (five or
     * more nodes: each node hears only its two ring neighbours, so every node sees a majority but no two
     * majorities agree); a bridge (two sides that cannot talk, and one node that talks to both).
     */
    static String symmetric(boolean[][] cut, SplittableRandom random) {
        int n = cut.length;
        int[] order = shuffled(n, random);
        int kind = random.nextInt(4);
        if (kind == 2 && n < 5) {
            kind = 1; // a ring of three is fully connected
        }
        switch (kind) {
            case 0 -> {
                for (int i = 1; i < n; i++) {
                    cutBoth(cut, order[0], order[i]);
                }
                return "isolate " + (order[0] + 1);
            }
            case 1 -> {
                int small = n / 2;
                for (int i = 0; i < small; i++) {
                    for (int j = small; j < n; j++) {
                        cutBoth(cut, order[i], order[j]);
                    }
                }
                return "halves split after " + small + " of " + describe(order);
            }
            case 2 -> {
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        int distance = Math.floorMod(i - j, n);
                        if (i != j && distance != 1 && distance != n - 1) {
                            cut[order[i]][order[j]] = true;
                        }
                    }
                }
                return "majority ring " + describe(order);
            }
            default -> {
                int sideSize = (n - 1) / 2;
                for (int i = 1; i <= sideSize; i++) {
                    for (int j = sideSize + 1; j < n; j++) {
                        cutBoth(cut, order[i], order[j]);
                    }
                }
                return "bridge via " + (order[0] + 1) + " of " + describe(order);
            }
        }
    }

    /** One node that can still send but no longer receive ("deaf"), or the reverse. */
    static String asymmetric(boolean[][] cut, SplittableRandom random) {
        int n = cut.length;
        int victim = random.nextInt(n);
        boolean deaf = random.nextBoolean();
        for (int other = 0; other < n; other++) {
            if (other != victim) {
                if (deaf) {
                    cut[other][victim] = true;
                } else {
                    cut[victim][other] = true;
                }
            }
        }
        return "node " + (victim + 1) + (deaf ? " cannot receive" : " cannot send");
    }

    private static int[] shuffled(int n, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static void cutBoth(boolean[][] cut, int a, int b) {
        cut[a][b] = true;
        cut[b][a] = true;
    }

    private static String describe(int[] order) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < order.length; i++) {
            sb.append(i == 0 ? "" : " ").append(order[i] + 1);
        }
        return sb.append(']').toString();
    }
}
