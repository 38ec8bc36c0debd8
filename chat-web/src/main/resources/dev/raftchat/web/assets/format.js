// Small pure helpers for rendering: element creation without innerHTML, links, times, days, counts.

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

/** The time of day only: the message list shows the day in its day separators. */
export const clockTime = (millis) => timeOnly.format(new Date(millis));

/** The reader's local calendar day of an instant, as a comparable key. */
export const dayKey = (millis) => new Date(millis).toDateString();

const weekdayAndDate = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
const weekdayAndFullDate = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' });

/** "Today", "Yesterday", or the weekday and date (with the year when it is not this year), in local time. */
export function dayLabel(millis, now = Date.now()) {
  const date = new Date(millis);
  const today = new Date(now);
  if (date.toDateString() === today.toDateString()) return 'Today';
  const yesterday = new Date(now);
  yesterday.setDate(yesterday.getDate() - 1);
  if (date.toDateString() === yesterday.toDateString()) return 'Yesterday';
  return (date.getFullYear() === today.getFullYear() ? weekdayAndDate : weekdayAndFullDate).format(date);
}

/** The local date of an instant as YYYY-MM-DD (a <time> element's datetime). */
export function isoDay(millis) {
  const date = new Date(millis);
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** http(s) URLs as people type them; what ends a URL (space, quotes, angle brackets) is never part of one. */
const URL_CANDIDATE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Punctuation that usually ends the sentence rather than the URL. */
const TRAILING_PUNCTUATION = /[.,;:!?*_~]$/;

/** Cuts sentence punctuation and unbalanced closing brackets off the end of a URL candidate. */
function trimUrl(candidate) {
  let url = candidate;
  for (;;) {
    if (TRAILING_PUNCTUATION.test(url)) {
      url = url.slice(0, -1);
      continue;
    }
    const last = url.at(-1);
    const open = last === ')' ? '(' : last === ']' ? '[' : null;
    if (open && url.split(open).length - 1 < url.split(last).length - 1) {
      url = url.slice(0, -1);
      continue;
    }
    return url;
  }
}

/**
 * The text of a message as DOM nodes: text nodes, and <a> elements for http(s) URLs. Built with
 * createTextNode and setAttribute only, never markup, so no text can become an element or an attribute;
 * a URL is linked only when the browser parses it as http: or https: (never javascript:, data: or the like).
 * Links open in a new tab without giving it this page (rel="noopener noreferrer").
 */
export function linkedText(text) {
  const fragment = document.createDocumentFragment();
  let shownUpTo = 0;
  for (const match of text.matchAll(URL_CANDIDATE)) {
    const candidate = trimUrl(match[0]);
    let url = null;
    try {
      url = new URL(candidate);
    } catch {
      url = null;
    }
    if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) continue;
    if (match.index > shownUpTo) fragment.append(document.createTextNode(text.slice(shownUpTo, match.index)));
    const link = document.createElement('a');
    link.setAttribute('href', url.href);
    link.setAttribute('target', '_blank');
    link.setAttribute('rel', 'noopener noreferrer');
    link.className = 'msg-link';
    link.textContent = candidate;
    fragment.append(link);
    shownUpTo = match.index + candidate.length;
  }
  if (shownUpTo < text.length) fragment.append(document.createTextNode(text.slice(shownUpTo)));
  return fragment;
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
