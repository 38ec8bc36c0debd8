// The cluster view: this node, the leader, the term and every member with its role, progress and
// health, polled while the panel is open. Uses GET /api/v1/cluster; a server without it (404) falls back
// to the original API's GET /raft, which shows the same from this node's point of view.

import { ApiError } from './api.js';
import { el, relativeAgo } from './format.js';

const POLL_MS = 2000;

/** GET /raft's shape turned into /api/v1/cluster's (docs/api.md, "Operations"). */
export function fromLegacyStatus(status) {
  const progress = status.Progress ?? {};
  const peers = status.Peers ?? {};
  const commit = Number(status.CommitIndex ?? 0);
  const member = (id, role) => {
    const p = progress[String(id)];
    const self = Number(id) === Number(status.NodeId);
    const match = p ? Number(p.MatchIndex) : (self ? Number(status.AppliedIndex ?? 0) : null);
    return {
      id: Number(id),
      url: peers[String(id)] ?? (self ? '(this node)' : null),
      role,
      leader: Number(id) === Number(status.LeaderId),
      matchIndex: match,
      lag: match === null ? null : Math.max(0, commit - match),
      healthy: p ? Boolean(p.RecentlyActive) || Number(id) === Number(status.LeaderId) : null,
    };
  };
  const members = [
    ...(status.Voters ?? []).map((id) => member(id, 'voter')),
    ...(status.Learners ?? []).map((id) => member(id, 'learner')),
  ].sort((a, b) => a.id - b.id);
  return {
    nodeId: status.NodeId,
    role: status.Role ? String(status.Role).toLowerCase() : null,
    progressKnown: Number(status.LeaderId) === Number(status.NodeId),
    leaderId: status.LeaderId || null,
    term: status.Term,
    commitIndex: status.CommitIndex,
    appliedIndex: status.AppliedIndex,
    members,
  };
}

export class ClusterView {
  constructor({ api, panel, body, toggle, closeButton, onSummary }) {
    this.api = api;
    this.panel = panel;
    this.body = body;
    this.toggle = toggle;
    this.onSummary = onSummary;
    this.timer = null;
    this.legacy = false;
    this.updatedAt = null;
    toggle.addEventListener('click', () => (this.panel.hidden ? this.open() : this.close()));
    closeButton.addEventListener('click', () => this.close());
    panel.addEventListener('keydown', (event) => { if (event.key === 'Escape') this.close(); });
  }

  open() {
    this.panel.hidden = false;
    this.toggle.setAttribute('aria-expanded', 'true');
    this.panel.querySelector('button')?.focus();
    this.poll();
  }

  close() {
    this.panel.hidden = true;
    this.toggle.setAttribute('aria-expanded', 'false');
    clearTimeout(this.timer);
    this.timer = null;
    this.toggle.focus();
  }

  async poll() {
    clearTimeout(this.timer);
    try {
      const view = await this.fetchView();
      this.updatedAt = Date.now();
      this.render(view);
      this.onSummary?.(view);
    } catch (e) {
      this.renderError(e);
    }
    if (!this.panel.hidden) this.timer = setTimeout(() => this.poll(), POLL_MS);
  }

  async fetchView() {
    if (!this.legacy) {
      try {
        return await this.api.cluster();
      } catch (e) {
        if (!(e instanceof ApiError) || (e.status !== 404 && e.status !== 405)) throw e;
        this.legacy = true;
      }
    }
    return fromLegacyStatus(await this.api.legacyStatus());
  }

  render(view) {
    const facts = el('dl', { className: 'cluster-facts' });
    const fact = (name, value) => facts.append(el('dt', { text: name }), el('dd', { text: value ?? '—' }));
    fact('This node', view.role ? `node ${view.nodeId} (${view.role.replace('_', ' ')})` : `node ${view.nodeId}`);
    fact('Leader', view.leaderId ? `node ${view.leaderId}` : 'none (election under way?)');
    fact('Term', view.term);
    fact('Commit index', view.commitIndex);
    fact('Applied index', view.appliedIndex);

    const table = el('table', { className: 'cluster-members' },
      el('caption', { className: 'visually-hidden', text: 'Members' }),
      el('thead', {}, el('tr', {}, ...['Node', 'Role', 'Match', 'Lag', 'Health'].map((h) => el('th', { text: h, attrs: { scope: 'col' } })))));
    const tbody = el('tbody');
    for (const member of view.members ?? []) {
      const name = el('th', { attrs: { scope: 'row' } }, el('span', { text: `node ${member.id}` }));
      if (member.leader) name.append(' ', el('span', { className: 'badge leader', text: 'leader' }));
      if (Number(member.id) === Number(view.nodeId)) name.append(' ', el('span', { className: 'badge self', text: 'you' }));
      if (member.url) name.append(el('div', { className: 'muted small-print member-url', text: member.url }));
      const health = member.healthy === null || member.healthy === undefined ? 'unknown' : (member.healthy ? 'healthy' : 'unreachable');
      tbody.append(el('tr', { attrs: { 'data-member': member.id, 'data-role': member.role } },
        name,
        el('td', { text: member.role }),
        el('td', { text: member.matchIndex ?? '—' }),
        el('td', { text: member.lag ?? '—' }),
        el('td', {}, el('span', { className: `health ${health}`, text: health }))));
    }
    table.append(tbody);
    const foot = el('p', { className: 'muted small-print',
      text: `Updated ${relativeAgo(this.updatedAt)} · refreshes every ${POLL_MS / 1000} s` });
    // On a narrow screen the table reflows (app.css); should it still not fit, it scrolls rather than being cut off.
    const nodes = [facts, el('div', { className: 'table-scroll' }, table), foot];
    if (view.progressKnown === false) {
      nodes.push(el('p', { className: 'muted small-print',
        text: 'Match, lag and health are tracked by the leader; this node is not it, so they are blank here.' }));
    }
    if (this.legacy) {
      nodes.push(el('p', { className: 'muted small-print',
        text: 'This server has no /api/v1/cluster yet; showing its /raft status (progress is known on the leader only).' }));
    }
    this.body.replaceChildren(...nodes);
    this.body.dataset.leader = view.leaderId ? String(view.leaderId) : '';
  }

  renderError(e) {
    this.body.replaceChildren(el('p', { className: 'form-error', text: `Cannot read the cluster's state: ${e.message}` }));
  }
}
