package dev.raftchat.raft.message;

/**
 * RequestVote (Raft §5.2), or a PreVote probe (thesis §9.6) when {@code preVote} is set. A PreVote
 * carries the term the candidate <em>would</em> campaign in, and changes no state at the receiver.
 *
 * @param lastLogIndex index of the candidate's last log entry (§5.4.1)
 * @param lastLogTerm  term of the candidate's last log entry (§5.4.1)
 * @param transfer     set when the campaign follows a leadership transfer, so that receivers that
 *                     still hear from the old leader vote anyway (thesis §3.10)
 */
public record VoteRequest(
        long from, long to, long term, long lastLogIndex, long lastLogTerm, boolean preVote, boolean transfer)
        implements Message {}
