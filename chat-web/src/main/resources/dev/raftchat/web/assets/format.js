// Small pure helpers for rendering: element creation without innerHTML, times, counts.

/** Creates an element; `text` goes through textContent, so user data can never become markup. */
export function el(tag, { className = null, text = null, attrs = {} } = {}, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== null && text !== undefined) node.textContent = String(text);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

/** Unicode code points, the unit of the server's text limits. */
export const codePoints = (text) => Array.from(text).length;

const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayAndTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });

export function shortTime(millis, now = Date.now()) {
  const date = new Date(millis);
  return new Date(now).toDateString() === date.toDateString() ? timeOnly.format(date) : dayAndTime.format(date);
}

export const fullTime = (millis) => full.format(new Date(millis));

export function relativeAgo(millis, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - millis) / 1000));
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

/** A stable hue per author, so names are easy to tell apart. */
export function authorHue(name) {
  let hash = 0;
  for (const ch of name.toLowerCase()) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return hash % 360;
}
