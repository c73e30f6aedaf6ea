// @ts-check
// The screen's words in the citizen's language: the page's own (texts.json, loaded by i18n.js) and the server's
// (`{ 'zh-CN': …, en: … }` in forms, problems and views).
import { TEXT } from './i18n.js';
import { state } from './state.js';

/**
 * The page's text `key` in the chosen language (zh-CN when the language lacks it), `{0}`, `{1}`
 * filled with `args`. Lists and tables (`speechRates`, `cardTypes`) come back as they are.
 * @param {string} key
 * @param {...any} args
 * @returns {any}
 */
export function t(key, ...args) {
  let value = TEXT[state.lang][key];
  if (value === undefined) value = TEXT['zh-CN'][key] ?? key;
  if (typeof value !== 'string') return value;
  return value.replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)] ?? ''));
}

/**
 * A text the server sent in both languages, in the chosen one.
 * @param {Record<string, string> | null | undefined} text
 * @returns {string}
 */
export function lt(text) {
  if (!text) return '';
  return text[state.lang] ?? text['zh-CN'] ?? text.en ?? '';
}
