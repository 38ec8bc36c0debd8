package dev.raftchat.jepsen;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The nemesis' faults; {@code --nemesis} takes their names (e.g. {@code kill-leader}) or {@code all}. */
public enum Fault {
    KILL_ONE,
    KILL_MINORITY,
    KILL_LEADER,
    KILL_ALL,
    PAUSE_LEADER,
    PAUSE_MINORITY,
    PARTITION_ONE,
    PARTITION_HALVES,
    PARTITION_LEADER,
    PARTITION_RING,
    PARTITION_BRIDGE,
    /** Add a learner, promote it, remove a voter: a replacement, under whatever else is going on. */
    MEMBERSHIP,
    /** {@code kill -9} a majority, cut each one's last segment back to its last synced length, restart. */
    LOSE_UNSYNCED;

    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public boolean isPartition() {
        return name().startsWith("PARTITION_");
    }

    /** Parses {@code all} or a comma-separated list of fault names. */
    public static Set<Fault> parse(String text) {
        if (text.trim().equals("all")) {
            return EnumSet.allOf(Fault.class);
        }
        EnumSet<Fault> faults = EnumSet.noneOf(Fault.class);
        for (String name : text.split(",")) {
            String wanted = name.trim();
            if (wanted.equals("none")) {
                continue;
            }
            Fault fault = Arrays.stream(values())
                    .filter(f -> f.cliName().equals(wanted))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown nemesis '" + wanted
                            + "'; known: all, none, "
                            + String.join(
                                    ", ",
                                    Arrays.stream(values()).map(Fault::cliName).toList())));
            faults.add(fault);
        }
        return faults;
    }
}
