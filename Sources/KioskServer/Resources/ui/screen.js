// @ts-check
// Drawing the screens: each screen is a function that draws `state` into <main>; every change
// of screen moves the focus to its heading so keyboard and screen-reader users follow. Also the
// chrome around <main> (display switches, footer, inactivity warning) and going home.
import { state, resetCitizen } from './state.js';
import { t } from './text.js';
import { announce, byId } from './dom.js';
import { api, problemText } from './api.js';
import { onEvent } from './events.js';

/** @typedef {(root: HTMLElement) => any} Screen */

/** Every screen by its key (`state.screen`); each screen module adds its own. @type {Record<string, Screen>} */
export const screens = {};
/** @type {Array<() => void>} */
const shownHandlers = [];

/**
 * Calls `handler` each time a screen is shown anew (after the focus has moved to it).
 * @param {() => void} handler
 */
export function onScreenShown(handler) { shownHandlers.push(handler); }

/**
 * Shows `screen` with `changes` made to the state (and the problem box emptied).
 * @param {string} screen
 * @param {Partial<import('./state.js').KioskState>} [changes]
 */
export function show(screen, changes = {}) {
  Object.assign(state, { problem: null }, changes);
  state.screen = screen;
  render(true);
}

/**
 * Draws the current screen again; `moveFocus` when it is a new screen.
 * @param {boolean} moveFocus
 */
export function render(moveFocus) {
  const main = byId('main');
  const draw = screens[state.screen] || screens.home;
  main.replaceChildren();
  draw(main);
  drawChrome();
  if (moveFocus) {
    const target = document.getElementById('error-summary') || document.getElementById('screen-title');
    if (target) target.focus();
    window.scrollTo(0, 0);
    for (const handler of shownHandlers) handler();
  }
}

/**
 * Runs what a control does; a failure is shown in the screen's problem box, which takes the focus.
 * @param {() => any} work
 * @returns {Promise<void>}
 */
export async function act(work) {
  try {
    await work();
  } catch (error) {
    state.problem = problemText(error);
    render(false);
    const box = document.getElementById('problem');
    if (box) box.setAttribute('tabindex', '-1'), box.focus();
  }
}

// ---- the chrome: switches, footer, warning --------------------------------------------------
/** Draws what surrounds the screen from the state: switches, terminal name, footer, banner. */
export function drawChrome() {
  const root = document.documentElement;
  root.lang = state.lang;
  root.classList.toggle('text-large', state.textSize === 1);
  root.classList.toggle('text-larger', state.textSize === 2);
  root.classList.toggle('contrast', state.contrast);
  for (const element of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-t]'))) {
    element.textContent = t(element.dataset.t || '');
  }
  const language = byId('language-button');
  language.textContent = t('languageSwitch');
  language.setAttribute('lang', state.lang === 'zh-CN' ? 'en' : 'zh-CN');
  const size = byId('text-size-button');
  size.textContent = [t('textSize'), t('textSizeLarger'), t('textSizeNormal')][state.textSize];
  size.setAttribute('aria-pressed', String(state.textSize > 0));
  const contrast = byId('contrast-button');
  contrast.textContent = t('contrast');
  contrast.setAttribute('aria-pressed', String(state.contrast));
  const speech = byId('speech-button');
  speech.textContent = t('readAloud');
  speech.setAttribute('aria-pressed', String(state.speech));
  const rate = byId('speech-rate-button');
  rate.hidden = !state.speech;
  rate.textContent = t('speechRates')[state.speechRate];
  byId('terminal-name').textContent = state.info ? state.info.siteName || '' : '';
  const printer = byId('printer-state');
  const unavailable = printingUnavailable();
  printer.textContent = unavailable ? t('printingUnavailable') : state.paper === 'nearEnd' ? t('printerNearEnd') : '';
  printer.classList.toggle('warn', unavailable);
  byId('card-state').textContent = state.cardPresent ? t('cardOnReader') : '';
  const banner = byId('staff-banner');
  banner.hidden = !state.assistedBy;
  banner.textContent = state.assistedBy ? t('assisting', state.assistedBy) : '';
  if (warning.secondsLeft !== null) drawWarning();
}

/**
 * Whether no printer can print now (none, offline, faulted or out of paper), as the device
 * list and events tell: the citizen is told before they start that receipts come as QR codes.
 * @returns {boolean}
 */
export function printingUnavailable() {
  if (!state.printers) return false;   // not known yet
  return !Object.values(state.printers).some((p) => p.state !== 'offline' && p.state !== 'error' && p.paper !== 'out');
}

onEvent('deviceStatus', (event) => {
  if (state.printers && state.printers[event.deviceId] && event.status) state.printers[event.deviceId].paper = event.status.paper;
  if (event.status && event.status.paper) { state.paper = event.status.paper; drawChrome(); }
});
onEvent('deviceState', (event) => {
  if (!state.printers || !state.printers[event.deviceId]) return;
  state.printers[event.deviceId].state = event.state;
  drawChrome();
});

byId('language-button').addEventListener('click', () => {
  state.lang = state.lang === 'zh-CN' ? 'en' : 'zh-CN';
  render(false);
  announce(t('languageSwitch') === 'English' ? '已切换为中文' : 'Switched to English');
});
byId('text-size-button').addEventListener('click', () => { state.textSize = (state.textSize + 1) % 3; drawChrome(); });
byId('contrast-button').addEventListener('click', () => { state.contrast = !state.contrast; drawChrome(); });
byId('home-button').addEventListener('click', () => goHome());

// The inactivity warning: announced (role=alert) and answered with one button.
/** @type {{ secondsLeft: number | null, timer: ReturnType<typeof setInterval> | undefined }} */
const warning = { secondsLeft: null, timer: undefined };
function drawWarning() {
  byId('timeout-warning').hidden = warning.secondsLeft === null;
  byId('timeout-text').textContent = t('timeoutWarning', Math.max(warning.secondsLeft || 0, 0));
  byId('keep-alive-button').textContent = t('continue');
}

/**
 * Shows the inactivity warning and counts its seconds down.
 * @param {number} secondsLeft
 */
export function startWarning(secondsLeft) {
  clearInterval(warning.timer);
  warning.secondsLeft = secondsLeft;
  drawWarning();
  byId('keep-alive-button').focus();
  warning.timer = setInterval(() => {
    const left = (warning.secondsLeft ?? 0) - 1;
    warning.secondsLeft = left;
    byId('timeout-text').textContent = t('timeoutWarning', Math.max(left, 0));
    if (left <= 0) clearInterval(warning.timer);
  }, 1000);
}

/** Takes the inactivity warning away. */
export function stopWarning() {
  clearInterval(warning.timer);
  warning.secondsLeft = null;
  drawWarning();
}

byId('keep-alive-button').addEventListener('click', () => act(async () => {
  if (!state.sessionId) return stopWarning();
  await api('POST', `/v1/sessions/${state.sessionId}/keep-alive`);
  stopWarning();
  announce(t('extended'));
  const title = document.getElementById('screen-title');
  if (title) title.focus();
}));

/**
 * Ends the citizen's session (the server forgets its answers and the card) and shows home.
 * @returns {Promise<void>}
 */
export async function goHome() {
  stopWarning();
  const id = state.sessionId || sessionStorage.getItem('kiosk.sessionId');
  sessionStorage.removeItem('kiosk.sessionId');
  if (id) {
    state.sessionId = null;
    // Ending the session makes the server forget the card: it is to be placed again.
    state.cardPresent = false;
    try { await api('DELETE', `/v1/sessions/${id}`); } catch (error) { /* already ended */ }
  }
  resetCitizen();
  show('home');
}
